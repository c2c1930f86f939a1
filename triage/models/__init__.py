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
from triage.models.children import Child, ChildMerge
from triage.models.clocks import Clock, ClockEvent
from triage.models.contacts import Contact, ContactChild, InformationRequest, RagChange, Referral
from triage.models.feedback import FeedbackTemplate, ReferrerFeedback
from triage.models.imports import TrackerNameMap, TrackerReviewItem
from triage.models.meetings import (
    ItemContribution,
    Meeting,
    MeetingAction,
    MeetingAttendance,
    MeetingItem,
    PathwayRule,
)
from triage.models.out_of_hours import OutOfHoursHandover
from triage.models.people import ApiToken, KnownAddress, SignInDelay, User
from triage.models.reference import Agency, ClosureDay, Locality, Team, WorkingDay
from triage.models.reports import MorningReport
from triage.models.retention import ReportErasurePermit, RetentionErasure, RetentionHold

__all__ = ["Agency", "ApiToken", "Assessment", "AuditEvent", "CaseDiscussion", "CaseTransfer", "Child", "ChildMerge",
           "Clock", "ClockEvent", "ClosureDay", "Contact", "ContactChild", "FeedbackTemplate", "InformationRequest",
           "ItemContribution", "KnownAddress", "Locality", "Meeting", "MeetingAction", "MeetingAttendance",
           "MeetingItem", "MorningReport", "Notification", "OutOfHoursHandover", "PathwayRule", "RagChange",
           "Referral", "ReferrerFeedback", "ReportErasurePermit", "RetentionErasure", "RetentionHold", "SchedulerLock", "SignInDelay",
           "StepDown", "StrategyDiscussion", "Team", "TrackerNameMap", "TrackerReviewItem", "User", "WorkingDay"]
