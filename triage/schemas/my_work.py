"""`GET /api/v1/me/work`: the caller's work in numbers (no child is named)."""
from marshmallow import Schema, fields

from triage.schemas.common import AwareDateTime


class QueueWorkSchema(Schema):
    awaiting_decision = fields.Integer(metadata={"description": "Contacts awaiting a decision"})
    breached = fields.Integer(metadata={"description": "Of those, past their decision time"})
    due_soon = fields.Integer(metadata={"description": "Of those, within the decision warning"})


class CaseWorkSchema(Schema):
    open_cases = fields.Integer(metadata={"description": "Open cases allocated to the caller"})
    due_this_week = fields.Integer(
        metadata={"description": "Running clocks on the caller's cases due by the end of Sunday (London)"})
    breached = fields.Integer(metadata={"description": "Running clocks on the caller's cases past their due"})
    week_ends_on = fields.Date()


class TeamWorkSchema(Schema):
    team_id = fields.Integer(allow_none=True, metadata={"description": "None: every team"})
    breached = fields.Integer(metadata={"description": "Running case clocks past their due"})
    awaiting_allocation = fields.Integer(metadata={"description": "Open cases with no worker"})


class LatestReportSchema(Schema):
    report_date = fields.Date()
    version = fields.Integer()
    built_at = AwareDateTime()


class MyWorkSchema(Schema):
    role = fields.String()
    unread_notifications = fields.Integer(allow_none=True)
    queue = fields.Nested(QueueWorkSchema, allow_none=True)
    cases = fields.Nested(CaseWorkSchema, allow_none=True)
    team = fields.Nested(TeamWorkSchema, allow_none=True)
    requests_awaiting_agency = fields.Integer(
        allow_none=True, metadata={"description": "Open information requests to the caller's agency"})
    latest_report = fields.Nested(LatestReportSchema, allow_none=True)
