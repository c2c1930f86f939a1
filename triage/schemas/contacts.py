"""Contacts on the wire: intake and each step as the API loads them (into the contact commands),
the contact as staff and partners read it, and the queue."""
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from triage.clock import utcnow
from triage.domain.codes import Consent, ContactChannel, DashRisk, DecisionOutcome, Rag, ReferralSource
from triage.domain.consent import NotSoughtReason
from triage.domain.contact_commands import ConsentCommand, DecisionCommand, IntakeCommand
from triage.schemas.children import ChildCreateSchema
from triage.schemas.common import AwareDateTime


def one_of(enum):
    return validate.OneOf([e.value for e in enum])


class NewChildSchema(ChildCreateSchema):
    class Meta:
        exclude = ("confirmed_new",)


class ChildEntrySchema(Schema):
    child_id = fields.Integer(metadata={"description": "An existing child record (Front Door staff only: "
                                                       "partner systems give the child's details)"})
    child = fields.Nested(NewChildSchema, metadata={
        "description": "Or a new child's details. From a partner system: names, date of birth, NHS number, "
                       "address; matching them to existing records is the Front Door's job"})
    confirmed_new = fields.Boolean(load_default=False)

    @validates_schema
    def one_or_the_other(self, data, **kwargs):
        if ("child_id" in data) == ("child" in data):
            raise ValidationError("Give either child_id or child, not both or neither", "child_id")


class ContactCreateSchema(Schema):
    received_at = AwareDateTime(metadata={"description": "Defaults to now; may be earlier, never later"})
    channel = fields.String(required=True, validate=one_of(ContactChannel))
    source_code = fields.String(required=True, validate=one_of(ReferralSource),
                                metadata={"description": "DfE referral source code"})
    referrer_name = fields.String(validate=validate.Length(max=120))
    referrer_role = fields.String(validate=validate.Length(max=120))
    referrer_agency = fields.String(validate=validate.Length(max=120))
    referrer_contact_details = fields.String(validate=validate.Length(max=200))
    children = fields.List(fields.Nested(ChildEntrySchema), required=True,
                           validate=validate.Length(min=1, max=20))
    concern = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    consent = fields.String(allow_none=True, validate=one_of(Consent))
    consent_by = fields.String(validate=validate.Length(max=120))
    consent_at = AwareDateTime()
    consent_not_sought_reason = fields.String(validate=one_of(NotSoughtReason))
    police_incident_reference = fields.String(validate=validate.Length(max=60))
    dash_risk = fields.String(validate=one_of(DashRisk))
    operation_encompass_informed = fields.Boolean(allow_none=True)
    partner_reference = fields.String(validate=validate.Length(min=1, max=100), metadata={
        "description": "Your system's own reference: a retry with the same one and the same body returns the "
                       "first contact; the same one with a different body is a 409"})
    put_forward_to_meeting = fields.Boolean(load_default=False)
    team_id = fields.Integer(allow_none=True)

    @post_load
    def command(self, data, **kwargs) -> IntakeCommand:
        return IntakeCommand.from_mapping(data)


class VersionSchema(Schema):
    version = fields.Integer(required=True, metadata={"description": "The version you read"})


class RagSchema(VersionSchema):
    rag = fields.String(required=True, validate=one_of(Rag))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class PutForwardSchema(VersionSchema):
    put_forward = fields.Boolean(load_default=True)


class RequestInformationSchema(VersionSchema):
    agencies = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    question = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class RecommendationSchema(VersionSchema):
    outcome = fields.String(required=True, validate=one_of(DecisionOutcome))
    rationale = fields.String(required=True, validate=validate.Length(min=1, max=20000))


class ChildDecisionSchema(Schema):
    child_id = fields.Integer(metadata={"description": "Omit to apply to every child in the contact"})
    outcome = fields.String(required=True, validate=one_of(DecisionOutcome))
    rationale = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    signposting = fields.List(fields.String(validate=validate.Length(max=40)), validate=validate.Length(max=10),
                              metadata={"description": "With no_further_action: where the family was signposted, "
                                                       "codes from the council's list (the SIGNPOSTING setting)"})


class DecisionSchema(VersionSchema):
    decisions = fields.List(fields.Nested(ChildDecisionSchema), required=True,
                            validate=validate.Length(min=1, max=20))
    delay_reason = fields.String(validate=validate.Length(max=5000), metadata={
        "description": "Required when the decision clock has run out"})
    early_help_team = fields.String(allow_none=True, validate=validate.Length(max=40), metadata={
        "description": "With the early_help outcome: the code of the early help team (an agency) each child "
                       "stepping down is handed over to; may be left out when the council has only one"})

    @post_load
    def command(self, data, **kwargs) -> DecisionCommand:
        return DecisionCommand.from_mapping(data)


class ConsentSchema(VersionSchema):
    consent = fields.String(required=True, validate=one_of(Consent))
    consent_by = fields.String(validate=validate.Length(max=120))
    consent_not_sought_reason = fields.String(validate=one_of(NotSoughtReason))
    consent_at = AwareDateTime()
    override_reason = fields.String(validate=validate.Length(max=5000), metadata={
        "description": "Sharing without consent after it was refused (not_required or not_sought over a "
                       "refusal) is a Front Door manager's approval: why it is justified. Recorded with who and when"})

    @post_load
    def command(self, data, **kwargs) -> ConsentCommand:
        return ConsentCommand.from_mapping(data)


class FeedbackSchema(VersionSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class ClockSchema(Schema):
    due_at = AwareDateTime()
    state = fields.String()
    time_left = fields.String()


class RagChangeSchema(Schema):
    rag = fields.String()
    previous_rag = fields.String(allow_none=True)
    reason = fields.String()
    changed_at = AwareDateTime()
    changed_by_id = fields.Integer(allow_none=True)


class RequestSummarySchema(Schema):
    id = fields.Integer()
    agency = fields.Function(lambda r: r.agency.code)
    agency_name = fields.Function(lambda r: r.agency.name)
    question = fields.String()
    state = fields.String()
    rag_at_request = fields.String()
    requested_at = AwareDateTime()
    due_at = AwareDateTime()
    answered_at = AwareDateTime(allow_none=True)
    answer = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    returned_in_time = fields.Boolean(allow_none=True)
    overdue = fields.Method("get_overdue")
    version = fields.Integer()

    def get_overdue(self, request):
        return request.state == "open" and utcnow() > request.due_at


class ContactChildSchema(Schema):
    child_id = fields.Integer()
    name = fields.Function(lambda link: link.child.full_name)
    date_of_birth = fields.Date(attribute="child.date_of_birth", allow_none=True)  # ISO, as everywhere
    outcome = fields.String(allow_none=True)
    rationale = fields.String(allow_none=True)
    decided_at = AwareDateTime(allow_none=True)
    within_clock = fields.Boolean(allow_none=True)
    delay_reason = fields.String(allow_none=True)
    signposting = fields.Function(lambda link: link.signposting.split(",") if link.signposting else [])
    case_referral_id = fields.Integer(allow_none=True, metadata={
        "description": "The open case (referral) the decision added this contact to, for add_to_open_case"})


class ContactReceiptSchema(Schema):
    id = fields.Integer()
    state = fields.String()
    received_at = AwareDateTime()
    decision_due_at = AwareDateTime()
    child_ids = fields.List(fields.Integer(), metadata={
        "description": "The child records the contact names; always empty for partner systems, which are "
                       "never told whether a child is already known"})
    version = fields.Integer()


class ContactSchema(ContactReceiptSchema):
    recorded_at = AwareDateTime()
    channel = fields.String()
    source_code = fields.String()
    source_label = fields.Function(lambda c: ReferralSource(c.source_code).label)
    referrer_name = fields.String(allow_none=True)
    referrer_role = fields.String(allow_none=True)
    referrer_agency = fields.String(allow_none=True)
    referrer_contact_details = fields.String(allow_none=True)
    concern = fields.String()
    consent = fields.String(allow_none=True)
    consent_by = fields.String(allow_none=True)
    consent_at = AwareDateTime(allow_none=True)
    consent_not_sought_reason = fields.String(allow_none=True)
    consent_override_by_id = fields.Integer(allow_none=True)
    consent_override_at = AwareDateTime(allow_none=True)
    consent_override_reason = fields.String(allow_none=True)
    police_incident_reference = fields.String(allow_none=True)
    dash_risk = fields.String(allow_none=True)
    operation_encompass_informed = fields.Boolean(allow_none=True)
    partner_reference = fields.String(allow_none=True)
    rag = fields.String(allow_none=True)
    rag_history = fields.List(fields.Nested(RagChangeSchema), attribute="rag_changes")
    put_forward_to_meeting = fields.Boolean()
    recommended_outcome = fields.String(allow_none=True)
    recommendation = fields.String(allow_none=True)
    decided_at = AwareDateTime(allow_none=True)
    acknowledged_at = AwareDateTime(allow_none=True)
    feedback_at = AwareDateTime(allow_none=True)
    feedback_note = fields.String(allow_none=True)
    locality_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    children = fields.List(fields.Nested(ContactChildSchema))
    requests = fields.List(fields.Nested(RequestSummarySchema))


class PartnerContactSchema(Schema):
    """What a partner agency sees of a contact it was asked about: enough to search its own records."""

    id = fields.Integer()
    received_at = AwareDateTime()
    concern = fields.String()
    children = fields.Function(lambda c: [
        {"name": link.child.full_name, "date_of_birth": link.child.date_of_birth and link.child.date_of_birth.isoformat(),
         "nhs_number": link.child.nhs_number, "postcode": link.child.postcode,
         "address_line_1": link.child.address_line_1} for link in c.children])


class QueueArgs(Schema):
    rag = fields.String(validate=validate.OneOf([r.value for r in Rag] + ["none"]))
    source_code = fields.String(validate=one_of(ReferralSource))
    locality_id = fields.Integer()
    team_id = fields.Integer()
    awaiting_agency = fields.String(validate=validate.Length(max=40))


class QueueItemSchema(Schema):
    id = fields.Function(lambda item: item.contact.id)
    received_at = fields.Function(lambda item: item.contact.received_at.isoformat())
    state = fields.Function(lambda item: item.contact.state)
    rag = fields.Function(lambda item: item.contact.rag)
    source_code = fields.Function(lambda item: item.contact.source_code)
    children = fields.Function(lambda item: [
        {"child_id": link.child_id, "name": link.child.full_name} for link in item.contact.children])
    decision_due_at = fields.Function(lambda item: item.contact.decision_due_at.isoformat())
    clock_state = fields.Function(lambda item: item.clock_state.value)
    time_left = fields.String()
    awaiting = fields.List(fields.String())
    version = fields.Function(lambda item: item.contact.version)


class QueueCountsSchema(Schema):
    breached = fields.Integer(metadata={"description": "Past their decision time"})
    due_soon = fields.Integer(metadata={"description": "Within the warning time (DECISION_WARN_HOURS) of it"})
    running = fields.Integer(metadata={"description": "On time"})


class AnswerSchema(Schema):
    answer = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    version = fields.Integer()


class InboxArgs(Schema):
    state = fields.String(load_default="open", validate=validate.OneOf(["open", "answered", "withdrawn", "all"]))


class InformationRequestSchema(RequestSummarySchema):
    contact = fields.Nested(PartnerContactSchema)


class ReferralSchema(Schema):
    id = fields.Integer()
    child_id = fields.Integer()
    contact_id = fields.Integer()
    referral_date = fields.Date()
    outcome = fields.String()
    is_re_referral = fields.Boolean()


# ---------------------------------------------------------------- batch intake

class BatchItemSchema(Schema):
    """One contact of a batch, with the key that makes a retry of it harmless."""

    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "This contact's own key: a retry with the same key and body answers `replayed`; the "
                       "same key with a different body is refused. Trimmed; at most 100 characters"})
    contact = fields.Nested(ContactCreateSchema, required=True)


class _EachItem(fields.Nested):
    """Documented as a batch item, but handed over as sent, so that each item is loaded (and
    refused) on its own instead of one bad item failing the whole batch."""

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        return value


class BatchSchema(Schema):
    contacts = fields.List(_EachItem(BatchItemSchema), required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "Up to 500 contacts, each answered on its own"})


# One instance for every item: building the schema (and its nested ones) cost more than loading
# an item, 500 times over for a full batch.
_BATCH_ITEM = BatchItemSchema()


def load_batch_item(raw) -> tuple[str | None, IntakeCommand | None, dict | None]:
    """(key, command, None), or (key if readable, None, field errors named by their path in the item)."""
    try:
        loaded = _BATCH_ITEM.load(raw)
    except ValidationError as exc:
        key = raw.get("idempotency_key") if isinstance(raw, dict) else None
        return (key if isinstance(key, str) else None), None, _flatten(exc.messages)
    return loaded["idempotency_key"], loaded["contact"], None


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, list):
        return {prefix or "_item": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = "_item" if key == "_schema" and not prefix else (f"{prefix}.{key}" if prefix else str(key))
        flat.update(_flatten(value, name))
    return flat


class BatchAnswerSchema(Schema):
    index = fields.Integer(metadata={"description": "The item's position in the batch, from 0"})
    idempotency_key = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "created, replayed (recorded before, nothing new written) "
                                                    "or refused (see errors)"})
    contact = fields.Nested(ContactReceiptSchema, allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "For a refused item: each field at fault, by its path in the item "
                       "(e.g. contact.children.0.child.sex), with what to correct"})


class BatchResultSchema(Schema):
    created = fields.Integer()
    replayed = fields.Integer()
    refused = fields.Integer()
    results = fields.List(fields.Nested(BatchAnswerSchema))
