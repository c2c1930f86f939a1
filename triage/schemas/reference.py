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


class MovedClockSchema(Schema):
    clock_id = fields.Integer()
    kind = fields.String(metadata={"description": "assessment, case_discussion, icpc, acknowledgement, decision"})
    subject = fields.String()
    subject_id = fields.Integer()
    child_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    due_before = fields.Date()
    due_after = fields.Date()


class ClosureChangeSchema(ClosureDaySchema):
    """A closure day added or removed, with every running clock it moved (in the same transaction)."""

    added = fields.Boolean(dump_only=True)
    moved_clocks = fields.List(fields.Nested(MovedClockSchema), dump_only=True)
    note = fields.String(dump_only=True, metadata={"description": "What moved, in words"})
