"""Persistence: typed models with small predicates; they never commit."""
from triage.models.assessments import (
                                       Assessment,
                                       CaseDiscussion,
                                       CaseTransfer,
                                       Notification,
                                       SchedulerLock,
                                       StepDown,
                                       StrategyDiscussion,
)
from triage.models.audit import AuditEvent
from triage.models.children import Child
from triage.models.clocks import Clock, ClockEvent
from triage.models.contacts import Contact, ContactChild, InformationRequest, RagChange, Referral
from triage.models.imports import TrackerNameMap, TrackerReviewItem
from triage.models.meetings import ItemContribution, Meeting, MeetingAction, MeetingAttendance, MeetingItem
from triage.models.people import ApiToken, KnownAddress, SignInDelay, User
from triage.models.reference import Agency, ClosureDay, Locality, Team, WorkingDay
from triage.models.reports import MorningReport

__all__ = ["Agency", "ApiToken", "Assessment", "AuditEvent", "CaseDiscussion", "CaseTransfer", "Child", "Clock", "ClockEvent", "ClosureDay", "Contact",
           "ContactChild", "KnownAddress", "SignInDelay", "InformationRequest", "Locality", "MorningReport",
           "Notification", "RagChange", "Referral", "SchedulerLock", "StepDown", "StrategyDiscussion", "Team",
           "TrackerNameMap", "TrackerReviewItem", "User", "WorkingDay",
           "ItemContribution", "Meeting", "MeetingAction", "MeetingAttendance", "MeetingItem"]
