from marshmallow import Schema, fields, validate

from triage.schemas.common import AwareDateTime


class AgencySchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()


class LocalitySchema(Schema):
    id = fields.Integer()
    name = fields.String()


class TeamSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    locality_id = fields.Integer(allow_none=True)


class CodeSchema(Schema):
    code = fields.String()
    label = fields.String()


class ClosureDaySchema(Schema):
    day = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
    created_at = AwareDateTime(dump_only=True)
