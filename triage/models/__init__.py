"""Persistence: typed models with small predicates; they never commit."""
from triage.models.audit import AuditEvent
from triage.models.children import Child
from triage.models.clocks import Clock, ClockEvent
from triage.models.contacts import Contact, ContactChild, InformationRequest, RagChange, Referral
from triage.models.people import ApiToken, User
from triage.models.reference import Agency, ClosureDay, Locality, Team

__all__ = ["Agency", "ApiToken", "AuditEvent", "Child", "Clock", "ClockEvent", "ClosureDay", "Contact",
           "ContactChild", "InformationRequest", "Locality", "RagChange", "Referral", "Team", "User"]
