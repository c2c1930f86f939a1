"""The triage meeting's pages (pages), their forms (forms) and the pathways' routing rules an
administrator writes (pathways), on one blueprint."""
from triage.web.meetings import pathways  # noqa: F401  (adds its pages to the blueprint)
from triage.web.meetings.pages import bp

__all__ = ["bp"]
