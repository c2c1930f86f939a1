"""The multi-agency triage meeting over JSON: plan, build the agenda, run it, record it.

Partners (bearer token or session) see a meeting's items only when recorded as attending it,
while it is open and for MEETING_PARTNER_ACCESS_HOURS after; to anyone else they do not exist.
"""
from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.schemas import meetings as s
from triage.services import meetings
from triage.services.meetings.common import load_item
from triage.services.meetings.document import DOCX_TYPE as DOCX
from triage.services.meetings.document import minutes_document
from triage.services.meetings.pathways import (
    ADMINS,
    RuleCommand,
    category_choices,
    create_rule,
    get_rule,
    list_rules,
    update_rule,
)

blp = Blueprint("meetings", __name__, url_prefix="/api/v1/meetings",
                description="Daily multi-agency triage meetings. Every read of an item is audited per child.")

RUNNERS = meetings.RUNNERS
READERS = meetings.READERS


@blp.route("")
class Meetings(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.arguments(s.MeetingSearchArgs, location="query")
    @blp.response(200, s.MeetingSummarySchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Meeting history by date, type, state and child (partners: only meetings they attend, while open)"""
        criteria = meetings.MeetingSearch(date_from=args.get("date_from"), date_to=args.get("date_to"),
                                          type_code=args.get("type"), state=args.get("state"),
                                          child_id=args.get("child_id"), child_name=args.get("child_name"))
        result = meetings.search_meetings(current_actor(), utcnow(), criteria, page=pagination_parameters.page,
                                          per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = result.total
        return result.items

    @blp.arguments(s.MeetingCreateSchema)
    @blp.response(201, s.MeetingSchema)
    def post(self, data):
        """Plan a meeting (practitioners and managers); the planner chairs unless another chair is named"""
        return meetings.plan_meeting(current_actor(), utcnow(), data["type"], data["meeting_date"],
                                     data.get("locality_id"), data.get("chair_id"), data.get("notes"))


@blp.route("/types")
class MeetingTypes(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.response(200, s.MeetingTypeSchema(many=True))
    def get(self):
        """The meeting types this council runs (settings)"""
        return list(meetings.meeting_types().values())


def _rule_command(data: dict) -> RuleCommand:
    return RuleCommand(name=data["name"], meeting_type=data["meeting_type"], min_age=data.get("min_age"),
                       max_age=data.get("max_age"), concern_categories=tuple(data["concern_categories"]),
                       source_codes=tuple(data["source_codes"]), locality_id=data.get("locality_id"),
                       active=data["active"])


@blp.route("/pathways")
class Pathways(MethodView):
    decorators = [roles_required(*(ADMINS + RUNNERS))]

    @blp.response(200, s.PathwayRuleSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Routing rules: which contacts go on which pathway's agenda (active first)"""
        result = list_rules(current_actor(), utcnow(), page=pagination_parameters.page,
                            per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = result.total
        return result.items

    @blp.arguments(s.PathwayRuleInputSchema)
    @blp.response(201, s.PathwayRuleSchema)
    def post(self, data):
        """Write a routing rule (administrators): a contact meeting every criterion set goes on the agenda"""
        return create_rule(current_actor(), utcnow(), _rule_command(data))


@blp.route("/pathways/categories")
class ConcernCategories(MethodView):
    decorators = [roles_required(*(ADMINS + RUNNERS))]

    @blp.response(200, s.ConcernCategorySchema(many=True))
    def get(self):
        """The concern categories rules may name, with the words in a concern that put a contact in each (settings)"""
        return list(category_choices())


@blp.route("/pathways/<int:rule_id>")
class PathwayResource(MethodView):
    decorators = [roles_required(*(ADMINS + RUNNERS))]

    @blp.response(200, s.PathwayRuleSchema)
    def get(self, rule_id):
        """One routing rule"""
        return get_rule(current_actor(), utcnow(), rule_id)

    @blp.arguments(s.PathwayRuleUpdateSchema)
    @blp.response(200, s.PathwayRuleSchema)
    def put(self, data, rule_id):
        """Replace a routing rule (administrators; active=false switches it off; a stale version is a 409)"""
        return update_rule(current_actor(), utcnow(), rule_id, _rule_command(data), data["version"])


@blp.route("/<int:meeting_id>")
class MeetingResource(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.response(200, s.MeetingSchema)
    def get(self, meeting_id):
        """A meeting: details, attendance and the core agencies absent"""
        return meetings.get_meeting(current_actor(), utcnow(), meeting_id)

    @blp.arguments(s.MeetingUpdateSchema)
    @blp.response(200, s.MeetingSchema)
    def patch(self, data, meeting_id):
        """Change the chair or notes (optimistic locking on `version`: a stale one is a 409)"""
        return meetings.update_meeting(current_actor(), utcnow(), meeting_id, data["version"],
                                       data.get("chair_id"), data.get("notes"))


def _step(path, schema, call, doc):
    @blp.route(f"/<int:meeting_id>/{path}", endpoint=f"meeting_{path}")
    class Step(MethodView):
        decorators = [roles_required(*RUNNERS)]

        @blp.arguments(schema)
        @blp.response(200, s.MeetingSchema)
        def post(self, data, meeting_id):
            return call(current_actor(), utcnow(), meeting_id, data)

    Step.post.__doc__ = doc
    return Step


_step("start", s.OptionalVersionSchema,
      lambda a, n, mid, d: meetings.start_meeting(a, n, mid, d.get("version")),
      "Start the meeting: the agenda freezes; later arrivals go to the next meeting (409 unless planned)")
_step("close", s.OptionalVersionSchema,
      lambda a, n, mid, d: meetings.close_meeting(a, n, mid, d.get("version")),
      "Close the meeting; items not reached carry over (409 unless in progress)")
_step("cancel", s.CancelSchema,
      lambda a, n, mid, d: meetings.cancel_meeting(a, n, mid, d["reason"], d.get("version")),
      "Cancel a planned meeting, with a reason")


@blp.route("/<int:meeting_id>/agenda")
class Agenda(MethodView):
    decorators = [roles_required(*RUNNERS)]

    @blp.response(200, s.AgendaPreviewSchema)
    def get(self, meeting_id):
        """The agenda as it stands now for a planned meeting (it freezes at the start)"""
        return meetings.agenda_preview(current_actor(), utcnow(), meeting_id)


@blp.route("/<int:meeting_id>/agenda/additions")
class AgendaAdditions(MethodView):
    decorators = [roles_required(*RUNNERS)]

    @blp.arguments(s.AgendaChangeSchema)
    @blp.response(201, s.ItemSchema)
    def post(self, data, meeting_id):
        """The chair adds a contact, with a reason (in progress: straight after the current item)"""
        return meetings.add_item(current_actor(), utcnow(), meeting_id, data["contact_id"], data["reason"])


@blp.route("/<int:meeting_id>/agenda/candidates")
class AgendaCandidates(MethodView):
    decorators = [roles_required(*RUNNERS)]

    @blp.arguments(s.AgendaCandidateArgs, location="query")
    @blp.response(200, s.AgendaCandidateSchema(many=True))
    def get(self, args, meeting_id):
        """Undecided contacts naming a child, newest first (at most 20), to add by contact_id; each child is audited"""
        return meetings.contacts_to_add(current_actor(), utcnow(), meeting_id, args["child_name"])


@blp.route("/<int:meeting_id>/agenda/removals")
class AgendaRemovals(MethodView):
    decorators = [roles_required(*RUNNERS)]

    @blp.arguments(s.AgendaChangeSchema)
    @blp.response(200, s.ItemSchema)
    def post(self, data, meeting_id):
        """The chair takes a contact off the agenda, with a reason (kept, and shown in the minutes)"""
        return meetings.remove_item(current_actor(), utcnow(), meeting_id, data["contact_id"], data["reason"])


@blp.route("/<int:meeting_id>/state")
class LiveState(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.response(200, s.LiveStateSchema)
    @blp.alt_response(304, description="Nothing changed since the ETag sent in If-None-Match")
    @blp.doc(parameters=[{"in": "header", "name": "If-None-Match", "schema": {"type": "string"}}])
    def get(self, meeting_id):
        """What screens poll to stay current: states, the chair's current item, attendance; no child's details"""
        actor, now = current_actor(), utcnow()
        _, etag = meetings.current_revision(actor, now, meeting_id)  # checks access every time
        if request.if_none_match.contains(etag):
            response = Response(status=304)
            response.set_etag(etag)
            return response
        state = meetings.live_state(actor, now, meeting_id)
        response = jsonify(s.LiveStateSchema().dump(state))
        response.set_etag(state.etag)
        return response


@blp.route("/<int:meeting_id>/current")
class CurrentItem(MethodView):
    decorators = [roles_required(*RUNNERS)]

    @blp.arguments(s.CurrentItemSchema)
    @blp.response(200, s.MeetingSchema)
    def put(self, data, meeting_id):
        """The chair moves the meeting to an item; everyone following moves with it"""
        return meetings.set_current_item(current_actor(), utcnow(), meeting_id, data["item_id"])


@blp.route("/<int:meeting_id>/attendance")
class Attendance(MethodView):
    decorators = [roles_required(*RUNNERS)]

    @blp.arguments(s.AttendanceCreateSchema)
    @blp.response(201, s.AttendanceSchema)
    def post(self, data, meeting_id):
        """Record who is here for which agency, in person or virtual (this is what gives a partner access)"""
        return meetings.record_attendance(current_actor(), utcnow(), meeting_id, data["agency"], data["mode"],
                                          data.get("user_id"), data.get("name"))


@blp.route("/<int:meeting_id>/attendance/<int:attendance_id>")
class AttendanceResource(MethodView):
    decorators = [roles_required(*RUNNERS)]

    @blp.response(204)
    def delete(self, meeting_id, attendance_id):
        """Take off someone recorded by mistake"""
        meetings.remove_attendance(current_actor(), utcnow(), meeting_id, attendance_id)


@blp.route("/<int:meeting_id>/items")
class Items(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.response(200, s.ItemSchema(many=True))
    def get(self, meeting_id):
        """The frozen agenda's items in order, with what each agency holds and what was agreed"""
        return meetings.items_for(current_actor(), utcnow(), meeting_id)


@blp.route("/<int:meeting_id>/items/<int:item_id>")
class ItemResource(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.response(200, s.ItemSchema)
    def get(self, meeting_id, item_id):
        """One item"""
        return meetings.get_item(current_actor(), utcnow(), item_id, meeting_id)


def _item_of(meeting_id: int, item_id: int):
    """404 unless the item belongs to the meeting in the path and the caller may see it."""
    return load_item(current_actor(), utcnow(), item_id, meeting_id)


@blp.route("/<int:meeting_id>/items/<int:item_id>/contributions")
class Contributions(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.arguments(s.ContributionCreateSchema)
    @blp.response(200, s.ContributionSchema)
    def post(self, data, meeting_id, item_id):
        """Record (or replace) what your agency holds about this item's children, marked as your agency's"""
        _item_of(meeting_id, item_id)
        return meetings.record_contribution(current_actor(), utcnow(), item_id, data["text"],
                                            data.get("agency"), data.get("version"))


@blp.route("/<int:meeting_id>/items/<int:item_id>/outcome")
class Outcome(MethodView):
    decorators = [roles_required(*RUNNERS)]

    @blp.arguments(s.OutcomeSchema)
    @blp.response(200, s.ItemSchema)
    def post(self, data, meeting_id, item_id):
        """Record what the meeting agreed: priority, outcome, lead agency and rationale (stale version: 409)"""
        _item_of(meeting_id, item_id)
        return meetings.agree_outcome(current_actor(), utcnow(), item_id, data["rag"], data["outcome"],
                                      data["lead_agency"], data["rationale"], data["version"])


@blp.route("/<int:meeting_id>/items/<int:item_id>/confirmation")
class Confirmation(MethodView):
    decorators = [roles_required(*RUNNERS)]

    @blp.arguments(s.ConfirmationSchema)
    @blp.response(200, s.ItemSchema)
    def post(self, data, meeting_id, item_id):
        """A Front Door manager confirms the agreed outcome as the contact's decision: its clock stops"""
        _item_of(meeting_id, item_id)
        return meetings.confirm_outcome(current_actor(), utcnow(), item_id, data.get("delay_reason"),
                                        data.get("version"))


@blp.route("/<int:meeting_id>/items/<int:item_id>/actions")
class ItemActions(MethodView):
    decorators = [roles_required(*RUNNERS)]

    @blp.arguments(s.ActionCreateSchema)
    @blp.response(201, s.ActionSchema)
    def post(self, data, meeting_id, item_id):
        """Record an action: what, who owns it (an agency or a person) and when it is due"""
        _item_of(meeting_id, item_id)
        return meetings.add_action(current_actor(), utcnow(), item_id, data["description"], data["due_date"],
                                   data.get("owner_agency"), data.get("owner_user_id"), data.get("owner_name"))


@blp.route("/actions")
class Actions(MethodView):
    decorators = [roles_required(*RUNNERS)]

    @blp.arguments(s.ActionArgs, location="query")
    @blp.response(200, s.ActionListSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Actions from meetings, soonest due first; overdue=true for those past their due date"""
        filters = meetings.ActionFilters(overdue=args["overdue"], open_only=args["open"],
                                         agency_code=args.get("agency"), meeting_id=args.get("meeting_id"))
        result = meetings.list_actions(current_actor(), utcnow(), filters, page=pagination_parameters.page,
                                       per_page=pagination_parameters.page_size)
        pagination_parameters.item_count = result.total
        return result.items


@blp.route("/actions/<int:action_id>/done")
class ActionDone(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.arguments(s.ActionDoneSchema)
    @blp.response(200, s.ActionSchema)
    def post(self, data, action_id):
        """Mark an action done (done=false to reopen it)"""
        return meetings.set_action_done(current_actor(), utcnow(), action_id, data["done"], data.get("version"))


@blp.route("/<int:meeting_id>/minutes")
class Minutes(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.response(200, s.MinutesSchema)
    def get(self, meeting_id):
        """The minutes (draft while the meeting is in progress)"""
        return meetings.minutes(current_actor(), utcnow(), meeting_id)


@blp.route("/<int:meeting_id>/minutes.docx")
class MinutesDocument(MethodView):
    decorators = [roles_required(*READERS)]

    @blp.response(200, description="The minutes as a Word document",
                  content_type=DOCX)
    def get(self, meeting_id):
        """The minutes as a Word document (each child named is audited as an export)"""
        record = meetings.minutes(current_actor(), utcnow(), meeting_id, export=True)
        body = minutes_document(record, current_app.config["COUNCIL_NAME"])
        filename = f"triage-minutes-{record.meeting.meeting_date.isoformat()}-{record.meeting.id}.docx"
        return Response(body, mimetype=DOCX,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
