from marshmallow import Schema, fields

from triage.schemas.common import AwareDateTime


class MorningReportArgs(Schema):
    date = fields.Date(metadata={"description": "The London date of the report; today if omitted"})
    version = fields.Integer(metadata={"description": "A particular build; the latest if omitted"})
    team_id = fields.Integer()
    locality_id = fields.Integer()


class MorningReportSchema(Schema):
    report_date = fields.Date()
    version = fields.Integer()
    built_at = AwareDateTime()
    trigger = fields.String()
    built_by = fields.String()
    content = fields.Dict()


class ReportListItemSchema(Schema):
    report_date = fields.Date()
    version = fields.Integer()
    built_at = AwareDateTime()
    trigger = fields.String()
