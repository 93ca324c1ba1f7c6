"""Documents the server produces for people to keep: minutes and recommendation reports.
DOCX in the official layout (minutes_docx) and Markdown (minutes_markdown)."""
