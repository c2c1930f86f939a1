"""The triage meeting's pages (pages), their forms (forms), its record (minutes) and the pathways'
routing rules an administrator writes (pathways), on one blueprint."""
from triage.web.meetings import minutes, pathways  # noqa: F401  (they add their pages to the blueprint)
from triage.web.meetings.pages import bp

__all__ = ["bp"]
