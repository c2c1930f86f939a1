"""A person's notifications as the API gives them: the stored message, and the same in plain
words with the record it is about."""
from marshmallow import Schema, fields

from triage.schemas.common import AwareDateTime


class NotificationArgs(Schema):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only those not yet read"})


class AboutSchema(Schema):
    kind = fields.String(metadata={"description": "case (a referral: id is the referral's) or contact"})
    id = fields.Integer()


class NotificationSchema(Schema):
    id = fields.Integer(attribute="notification.id")
    message = fields.String(attribute="notification.message")
    link = fields.String(allow_none=True, attribute="notification.link")
    created_at = AwareDateTime(attribute="notification.created_at")
    read_at = AwareDateTime(allow_none=True, attribute="notification.read_at")
    text = fields.String(metadata={"description": "In plain words, naming the child: for you alone"})
    about = fields.Nested(AboutSchema, allow_none=True, attribute="target",
                          metadata={"description": "The record it is about, where there is one"})
