"""The triage meeting on the wire: meetings, agenda items, agencies' information, actions.

Nothing here reads the wall clock: the services stamp what they return with its state as of
the request (an item's decision clock, an action's overdue flag, an agenda line's time left).
"""
from marshmallow import Schema, fields, validate

from triage.domain.agenda import ItemSource
from triage.domain.codes import DecisionOutcome, Rag
from triage.domain.meetings import ItemState, MeetingState
from triage.schemas.common import AwareDateTime
from triage.schemas.contacts import one_of
from triage.services.meetings import MODES, absent_core_agencies, holds_heading
from triage.services.meetings.reading import item_digest


def _label(enum, value):
    try:
        return enum(value).label if value else None
    except ValueError:
        return value


# ---------------------------------------------------------------- input

class MeetingCreateSchema(Schema):
    type = fields.String(required=True, validate=validate.Length(min=1, max=40),
                         metadata={"description": "A meeting type code: see GET /api/v1/meetings/types"})
    meeting_date = fields.Date(required=True, metadata={"description": "The day of the meeting (London)"})
    locality_id = fields.Integer(allow_none=True, metadata={"description": "Required for per-locality types"})
    chair_id = fields.Integer(allow_none=True, metadata={"description": "Defaults to you"})
    notes = fields.String(allow_none=True, validate=validate.Length(max=5000))


class MeetingUpdateSchema(Schema):
    version = fields.Integer(required=True, metadata={"description": "The version you read"})
    chair_id = fields.Integer()
    notes = fields.String(validate=validate.Length(max=5000))


class OptionalVersionSchema(Schema):
    version = fields.Integer(metadata={"description": "The version you read (checked when given)"})


class CancelSchema(OptionalVersionSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class AgendaChangeSchema(Schema):
    contact_id = fields.Integer(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class AgendaCandidateArgs(Schema):
    child_name = fields.String(required=True, validate=validate.Length(min=2, max=100),
                               metadata={"description": "First name, last name or both"})


class AgendaCandidateSchema(Schema):
    """An undecided contact naming the child, to add to the agenda by its id."""

    contact_id = fields.Integer(attribute="id")
    received_at = AwareDateTime()
    channel = fields.String()
    rag = fields.String(allow_none=True)
    children = fields.Function(lambda c: [_child(link) for link in c.children])


class CurrentItemSchema(Schema):
    item_id = fields.Integer(required=True)


class AttendanceCreateSchema(Schema):
    agency = fields.String(required=True, validate=validate.Length(min=1, max=40))
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    user_id = fields.Integer(allow_none=True, metadata={"description": "A user of the service, or give name"})
    name = fields.String(allow_none=True, validate=validate.Length(max=120))


class ContributionCreateSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    agency = fields.String(validate=validate.Length(min=1, max=40), metadata={
        "description": "Partners: your own agency (the default). Staff: children's social care (the default) "
                       "or an agency present whose information you are typing in"})
    version = fields.Integer(metadata={"description": "When replacing your agency's entry: the version you read"})


class OutcomeSchema(Schema):
    rag = fields.String(required=True, validate=one_of(Rag))
    outcome = fields.String(required=True, validate=one_of(DecisionOutcome))
    lead_agency = fields.String(required=True, validate=validate.Length(min=1, max=40))
    rationale = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    version = fields.Integer(required=True, metadata={"description": "The item's version you read"})


class ConfirmationSchema(Schema):
    delay_reason = fields.String(validate=validate.Length(max=5000), metadata={
        "description": "Required when the decision clock has run out"})
    version = fields.Integer(metadata={"description": "The item's version you read"})


class ActionCreateSchema(Schema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    due_date = fields.Date(required=True)
    owner_agency = fields.String(validate=validate.Length(min=1, max=40))
    owner_user_id = fields.Integer()
    owner_name = fields.String(validate=validate.Length(min=1, max=120))


class ActionDoneSchema(Schema):
    done = fields.Boolean(load_default=True)
    version = fields.Integer()


class MeetingSearchArgs(Schema):
    date_from = fields.Date()
    date_to = fields.Date()
    type = fields.String(validate=validate.Length(max=40))
    state = fields.String(validate=one_of(MeetingState))
    child_id = fields.Integer()
    child_name = fields.String(validate=validate.Length(min=2, max=100))


class ActionArgs(Schema):
    overdue = fields.Boolean(load_default=False)
    open = fields.Boolean(load_default=True, metadata={"description": "Only actions not yet done"})
    agency = fields.String(validate=validate.Length(max=40))
    meeting_id = fields.Integer()


class PathwayRuleInputSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    meeting_type = fields.String(required=True, validate=validate.Length(min=1, max=40),
                                 metadata={"description": "The meeting type whose agenda the rule fills"})
    min_age = fields.Integer(allow_none=True, metadata={"description": "Youngest age (years, on arrival) of any child"})
    max_age = fields.Integer(allow_none=True, metadata={"description": "Oldest age of any child"})
    concern_categories = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                                     validate=validate.Length(max=20), load_default=list,
                                     metadata={"description": "Any of these: see GET /api/v1/meetings/pathways/categories"})
    source_codes = fields.List(fields.String(validate=validate.Length(min=1, max=3)), validate=validate.Length(max=30),
                               load_default=list, metadata={"description": "Referral sources: any of these"})
    locality_id = fields.Integer(allow_none=True)
    active = fields.Boolean(load_default=True)


class ConcernCategorySchema(Schema):
    code = fields.String()
    name = fields.String()
    keywords = fields.List(fields.String())


class PathwayRuleUpdateSchema(PathwayRuleInputSchema):
    version = fields.Integer(required=True, metadata={"description": "The version you read"})


class PathwayRuleSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    meeting_type = fields.String()
    min_age = fields.Integer(allow_none=True)
    max_age = fields.Integer(allow_none=True)
    concern_categories = fields.Function(lambda r: r.category_list)
    source_codes = fields.Function(lambda r: r.source_list)
    locality_id = fields.Integer(allow_none=True)
    locality = fields.Function(lambda r: r.locality.name if r.locality else None)
    active = fields.Boolean()
    created_at = AwareDateTime()
    updated_at = AwareDateTime()
    version = fields.Integer()


# ---------------------------------------------------------------- output

class MeetingTypeSchema(Schema):
    code = fields.String()
    name = fields.String()
    cadence = fields.String()
    starts_at = fields.Function(lambda t: t.starts_at.strftime("%H:%M"))
    core_agencies = fields.List(fields.String())
    scope = fields.String()
    channels = fields.Function(lambda t: sorted(t.channels))
    takes_put_forward = fields.Boolean()


class AttendanceSchema(Schema):
    id = fields.Integer()
    agency = fields.Function(lambda a: a.agency.code)
    agency_name = fields.Function(lambda a: a.agency.name)
    user_id = fields.Integer(allow_none=True)
    person = fields.String()
    mode = fields.String()


class ContributionSchema(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    agency = fields.Function(lambda c: c.agency.code)
    agency_name = fields.Function(lambda c: c.agency.name)
    heading = fields.Function(lambda c: holds_heading(c.agency))
    text = fields.String()
    recorded_by = fields.String()
    recorded_at = AwareDateTime()
    updated_at = AwareDateTime()
    version = fields.Integer()


class ActionSchema(Schema):
    id = fields.Integer()
    meeting_id = fields.Integer()
    item_id = fields.Integer()
    description = fields.String()
    owner = fields.String()
    owner_agency = fields.Function(lambda a: a.owner_agency.code if a.owner_agency else None)
    owner_user_id = fields.Integer(allow_none=True)
    due_date = fields.Date()
    done_at = AwareDateTime(allow_none=True)
    overdue = fields.Function(lambda a: a.overdue)
    version = fields.Integer()


class ActionListSchema(ActionSchema):
    meeting_date = fields.Function(lambda a: a.item.meeting.meeting_date.isoformat())
    contact_id = fields.Function(lambda a: a.item.contact_id)
    children = fields.Function(lambda a: [link.child.full_name for link in a.item.contact.children])


def _child(link) -> dict:
    child = link.child
    return {"child_id": child.id, "name": child.full_name,
            "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else None,
            "nhs_number": child.nhs_number, "address_line_1": child.address_line_1, "postcode": child.postcode}


class ItemContactSchema(Schema):
    id = fields.Integer()
    received_at = AwareDateTime()
    channel = fields.String()
    concern = fields.String()
    rag = fields.String(allow_none=True)
    state = fields.String()
    police_incident_reference = fields.String(allow_none=True)
    dash_risk = fields.String(allow_none=True)
    decision_due_at = AwareDateTime()


class ItemSchema(Schema):
    id = fields.Integer()
    meeting_id = fields.Integer()
    position = fields.Integer()
    source = fields.String()
    source_label = fields.Function(lambda i: _label(ItemSource, i.source))
    state = fields.String()
    state_label = fields.Function(lambda i: _label(ItemState, i.state))
    contact = fields.Nested(ItemContactSchema)
    children = fields.Function(lambda i: [_child(link) for link in i.contact.children])
    time_left = fields.Method("get_time_left")
    clock_state = fields.Method("get_clock_state")
    added_reason = fields.String(allow_none=True)
    removed_reason = fields.String(allow_none=True)
    rag = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    outcome_label = fields.Function(lambda i: _label(DecisionOutcome, i.outcome))
    lead_agency = fields.Function(lambda i: i.lead_agency.code if i.lead_agency else None)
    rationale = fields.String(allow_none=True)
    agreed_at = AwareDateTime(allow_none=True)
    confirmed_at = AwareDateTime(allow_none=True)
    contributions = fields.List(fields.Nested(ContributionSchema))
    actions = fields.List(fields.Nested(ActionSchema))
    digest = fields.Function(item_digest)
    version = fields.Integer()

    def get_time_left(self, item):
        clock = item.decision_clock
        return "decided" if clock.decided else clock.time_left

    def get_clock_state(self, item):
        return item.decision_clock.state.value


class MeetingSummarySchema(Schema):
    id = fields.Integer()
    type = fields.String(attribute="type_code")
    meeting_date = fields.Date()
    locality_id = fields.Integer(allow_none=True)
    locality = fields.Function(lambda m: m.locality.name if m.locality else None)
    chair_id = fields.Integer()
    chair = fields.Function(lambda m: m.chair.display_name)
    state = fields.String()
    state_label = fields.Function(lambda m: _label(MeetingState, m.state))
    planned_start_at = AwareDateTime()
    started_at = AwareDateTime(allow_none=True)
    closed_at = AwareDateTime(allow_none=True)
    version = fields.Integer()


class MeetingSchema(MeetingSummarySchema):
    cut_off = AwareDateTime(allow_none=True)
    current_item_id = fields.Integer(allow_none=True)
    notes = fields.String(allow_none=True)
    revision = fields.Integer()
    attendance = fields.List(fields.Nested(AttendanceSchema))
    absent_core_agencies = fields.Method("get_absent")

    def get_absent(self, meeting):
        return [a.code for a in absent_core_agencies(meeting)]


class AgendaLineSchema(Schema):
    contact = fields.Nested(ItemContactSchema)
    children = fields.Function(lambda line: [_child(link) for link in line.contact.children])
    source = fields.Function(lambda line: line.source.value)
    source_label = fields.Function(lambda line: line.source.label)
    added_reason = fields.Function(lambda line: line.item.added_reason if line.item else None)
    time_left = fields.Function(lambda line: line.time_left)


class RemovedLineSchema(Schema):
    contact_id = fields.Integer()
    removed_reason = fields.String()
    removed_at = AwareDateTime()


class AgendaPreviewSchema(Schema):
    meeting_id = fields.Function(lambda p: p.meeting.id)
    cut_off = AwareDateTime(allow_none=True)
    lines = fields.List(fields.Nested(AgendaLineSchema))
    removed = fields.List(fields.Nested(RemovedLineSchema))


class LiveItemSchema(Schema):
    """No child's details: polling this writes no audit rows."""

    id = fields.Integer()
    position = fields.Integer()
    state = fields.String()
    rag = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    agencies = fields.Function(lambda i: sorted(c.agency.code for c in i.contributions))
    actions = fields.Function(lambda i: len(i.actions))
    digest = fields.Function(item_digest)


class LiveStateSchema(Schema):
    meeting_id = fields.Function(lambda s: s.meeting.id)
    state = fields.Function(lambda s: s.meeting.state)
    revision = fields.Function(lambda s: s.meeting.revision)
    version = fields.Function(lambda s: s.meeting.version)
    current_item_id = fields.Function(lambda s: s.meeting.current_item_id)
    started_at = fields.Function(lambda s: s.meeting.started_at.isoformat() if s.meeting.started_at else None)
    closed_at = fields.Function(lambda s: s.meeting.closed_at.isoformat() if s.meeting.closed_at else None)
    partner_access_until = AwareDateTime(allow_none=True)
    attendance = fields.Function(lambda s: AttendanceSchema(many=True).dump(s.meeting.attendance))
    absent_core_agencies = fields.Function(lambda s: [a.code for a in s.absent])
    items = fields.List(fields.Nested(LiveItemSchema))


class MinutesSchema(Schema):
    meeting = fields.Nested(MeetingSchema)
    type_name = fields.Function(lambda m: m.kind.name)
    draft = fields.Boolean()
    produced_at = AwareDateTime()
    absent_core_agencies = fields.Function(lambda m: [a.code for a in m.absent])
    items = fields.List(fields.Nested(ItemSchema))
    removed = fields.List(fields.Nested(ItemSchema))

