"""The rules of the consultation: rooms, people, topics, meetings, outcomes, assessment.

Plain async functions taking a database session; no web or live-layer imports.
"""
