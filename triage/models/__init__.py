"""Persistence: typed models with small predicates; they never commit."""
from triage.models.assessments import (
                                       Assessment,
                                       CaseDiscussion,
                                       CaseTransfer,
                                       Notification,
                                       SchedulerLock,
                                       StrategyDiscussion,
)
from triage.models.audit import AuditEvent
from triage.models.children import Child, ChildMerge
from triage.models.clocks import Clock, ClockEvent
from triage.models.contacts import Contact, ContactChild, InformationRequest, RagChange, Referral
from triage.models.feedback import FeedbackTemplate, ReferrerFeedback
from triage.models.imports import TrackerNameMap, TrackerReviewItem
from triage.models.meetings import ItemContribution, Meeting, MeetingAction, MeetingAttendance, MeetingItem
from triage.models.out_of_hours import OutOfHoursHandover
from triage.models.people import ApiToken, KnownAddress, SignInDelay, User
from triage.models.reference import Agency, ClosureDay, Locality, Team, WorkingDay
from triage.models.reports import MorningReport
from triage.models.retention import (  # noqa: F401  (retention)
                                       ReportErasurePermit,
                                       RetentionErasure,
                                       RetentionHold,
)

__all__ = ["Agency", "ApiToken", "Assessment", "AuditEvent", "CaseDiscussion", "CaseTransfer", "Child", "ChildMerge", "Clock", "ClockEvent", "ClosureDay", "Contact",
           "ContactChild", "KnownAddress", "SignInDelay", "InformationRequest", "Locality", "MorningReport",
           "Notification", "RagChange", "Referral", "SchedulerLock", "StrategyDiscussion", "Team",
           "TrackerNameMap", "TrackerReviewItem", "User", "WorkingDay",
           "ItemContribution", "Meeting", "MeetingAction", "MeetingAttendance", "MeetingItem",
           "FeedbackTemplate", "ReferrerFeedback", "OutOfHoursHandover"]
