"""The out-of-hours handover list and accepting an item from it."""
from marshmallow import Schema, fields, validate

from triage.schemas.common import AwareDateTime
from triage.services.out_of_hours import STATES


class HandoverArgs(Schema):
    state = fields.String(load_default="waiting", validate=validate.OneOf(STATES),
                          metadata={"description": "waiting (the default), accepted, or all"})
    date = fields.Date(load_default=None, metadata={"description": "Only the items for this morning (London)"})


class AcceptSchema(Schema):
    version = fields.Integer(required=True, metadata={"description": "The handover item's version you read"})


class HandoverChildSchema(Schema):
    id = fields.Integer(attribute="child_id")
    name = fields.Function(lambda link: link.child.full_name)


class HandoverItemSchema(Schema):
    contact_id = fields.Integer()
    received_at = AwareDateTime()
    handover_date = fields.Date(metadata={"description": "The morning that takes it over (London)"})
    accepted_at = AwareDateTime(allow_none=True)
    accepted_by = fields.Function(lambda item: item.accepted_by.display_name if item.accepted_by else None,
                                  metadata={"description": "The person, or the holder of the token, who accepted it"})
    contact_state = fields.Function(lambda item: str(item.contact.state))
    rag = fields.Function(lambda item: item.contact.rag)
    referrer_name = fields.Function(lambda item: item.contact.referrer_name)
    children = fields.Function(lambda item: HandoverChildSchema(many=True).dump(item.contact.children))
    version = fields.Integer()
