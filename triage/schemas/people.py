from marshmallow import Schema, fields

from triage.schemas.common import AwareDateTime


class MeSchema(Schema):
    principal = fields.String()
    role = fields.String()
    role_label = fields.String()
    agency_id = fields.Integer(allow_none=True)


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = AwareDateTime()
    actor = fields.String()
    role = fields.String()
    agency_id = fields.Integer(allow_none=True)
    action = fields.String()
    entity = fields.String()
    entity_id = fields.Integer(allow_none=True)
    child_id = fields.Integer(allow_none=True)
    channel = fields.String()
    remote_addr = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)


class TrailArgs(Schema):
    before_id = fields.Integer(metadata={"description": "Page back: events older than this id"})
