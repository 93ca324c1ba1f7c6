"""The HTTP surface: JSON API under /api/, /healthz and the browser app's pages."""
