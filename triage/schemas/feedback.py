"""Feedback to referrers, the council's wording for it, and who a token acts for."""
from marshmallow import Schema, fields, validate

from triage.models.feedback import FeedbackKind, FeedbackMethod
from triage.schemas.common import AwareDateTime

KINDS = [k.value for k in FeedbackKind]
METHODS = [m.value for m in FeedbackMethod]


class SendSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS),
                         metadata={"description": "acknowledgement, or decision (once the contact is decided)"})
    method = fields.String(required=True, validate=validate.OneOf(METHODS),
                           metadata={"description": "email (through the outbox), or letter (to print)"})
    email = fields.String(validate=validate.Length(max=254), load_default=None, metadata={
        "description": "For email: the referrer's address; left out, the first address in the contact's "
                       "referrer_contact_details"})
    version = fields.Integer(required=True, metadata={"description": "The contact's version you read"})


class SentSchema(Schema):
    id = fields.Integer()
    contact_id = fields.Integer()
    kind = fields.String()
    method = fields.String()
    recipient = fields.String(allow_none=True, metadata={"description": "The email address; none for a letter"})
    subject = fields.String()
    body = fields.String(metadata={"description": "As it was worded when sent"})
    sent_at = AwareDateTime()
    sent_by_id = fields.Integer(allow_none=True, metadata={"description": "The person, or the holder of the token"})
    sent_by_token_id = fields.Integer(allow_none=True)
    delivery = fields.String(metadata={"description": "Letter to print, Waiting to be emailed, Emailed, ..."})


class WordingSchema(Schema):
    kind = fields.String()
    subject = fields.String()
    body = fields.String()
    customised = fields.Boolean(metadata={"description": "False: the service's default wording applies"})
    version = fields.Integer(allow_none=True)
    updated_at = AwareDateTime(allow_none=True)
    placeholders = fields.Dict(keys=fields.String(), values=fields.String())


class WordingUpdateSchema(Schema):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    version = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The wording's version you read; null while the default applies"})


class HolderSchema(Schema):
    holder = fields.String(required=True, validate=validate.Length(min=1, max=80),
                           metadata={"description": "The username of the person the token acts for"})


class TokenHolderSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    holder_id = fields.Integer(allow_none=True)
