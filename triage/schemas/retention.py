"""Retention: the monthly review list, legal holds and erasure."""
from marshmallow import Schema, fields, validate

from triage.schemas.common import AwareDateTime
from triage.services.retention import REASON_LIMIT


class PlaceHoldSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_LIMIT), metadata={
        "description": "Why (kept with the hold; never written to the audit trail's detail)"})


class LiftHoldSchema(PlaceHoldSchema):
    version = fields.Integer(required=True, metadata={
        "description": "The hold's version you read; if it has changed since, the answer is 409"})


class EraseSchema(Schema):
    version = fields.Integer(required=True, metadata={
        "description": "The child record's version you read; if it has changed since, the answer is 409"})
    confirm = fields.Boolean(required=True, validate=validate.Equal(True, error="Confirm the erasure with true"),
                             metadata={"description": "true: the manager confirms the erasure, which cannot be undone"})


class LegalHoldSchema(Schema):
    id = fields.Integer()
    child_id = fields.Integer()
    reason = fields.String()
    placed_at = AwareDateTime()
    placed_by = fields.String()
    lifted_at = AwareDateTime(allow_none=True)
    lifted_by = fields.String(allow_none=True)
    lift_reason = fields.String(allow_none=True)
    active = fields.Boolean()
    version = fields.Integer()


class RetentionErasureSchema(Schema):
    child_id = fields.Integer()
    erased_at = AwareDateTime()
    erased_by = fields.String()
    due_on = fields.Date()
    contacts = fields.Integer(metadata={"description": "Contacts kept as dates and codes"})
    referrals = fields.Integer()
    assessments = fields.Integer()
    section47s = fields.Integer()


class RetentionReviewEntrySchema(Schema):
    child_id = fields.Integer()
    council_child_id = fields.String(allow_none=True)
    name = fields.String()
    date_of_birth = fields.Date(allow_none=True)
    last_contact = fields.Date(allow_none=True)
    last_closed = fields.Date(allow_none=True)
    due_on = fields.Date(metadata={"description": "The first day the records may be erased"})
    reasons = fields.List(fields.String())
    version = fields.Integer(metadata={"description": "The child record's version, to send with an erasure"})


class ChildRetentionSchema(Schema):
    child_id = fields.Integer(attribute="child.id")
    version = fields.Integer(attribute="child.version")
    due_on = fields.Date(attribute="retention.due_on", allow_none=True, metadata={
        "description": "The first day the records may be erased; null while a case is open or a hold stands"})
    due_now = fields.Boolean()
    reasons = fields.List(fields.String(), attribute="retention.reasons")
    holds = fields.List(fields.Nested(LegalHoldSchema))
    erasure = fields.Nested(RetentionErasureSchema, allow_none=True)
