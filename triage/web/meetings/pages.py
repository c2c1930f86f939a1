"""The triage meeting's pages: plan it, run it (chair and partners, live), print the minutes.

Every form works without JavaScript (post, then back to the page). With JavaScript
(static/meetings.js) the same forms are sent with fetch and answered with the item's panel,
and the page polls /api/v1/meetings/<id>/state (ETag, 304 when unchanged) to stay current.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm

from triage.auth import current_actor, roles_required
from triage.clock import local_date, to_london, utcnow
from triage.domain.agenda import ItemSource
from triage.domain.clocks import ClockState
from triage.domain.codes import DecisionOutcome
from triage.domain.meetings import ItemState, MeetingState
from triage.domain.roles import Role
from triage.services import contacts as contacts_service
from triage.services import meetings
from triage.services.errors import Conflict, Invalid, NotFound, ServiceError
from triage.services.meetings.common import load_item
from triage.web.forms import (
    attach_service_errors,
    none_if_blank,
)
from triage.web.meetings.forms import (
    ActionForm,
    AgendaChangeForm,
    AttendanceForm,
    ConfirmForm,
    ContributionForm,
    OutcomeForm,
    PlanForm,
    ReasonForm,
    SearchForm,
    agencies,
    agency_choices,
)

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

RUNNERS = meetings.RUNNERS
READERS = meetings.READERS
PER_PAGE = 20


def _version(form_field) -> int | None:
    raw = (form_field.data or "").strip()
    return int(raw) if raw.isdigit() else None


def _wants_panel() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


# ---------------------------------------------------------------- the list, planning, history

@bp.get("")
@roles_required(*READERS)
def index():
    actor, now = current_actor(), utcnow()
    today = local_date(now)
    form = SearchForm(request.args)
    results, problems = None, []
    searched = any(k in request.args for k in ("child_name", "date_from-day", "date_to-day"))
    criteria = meetings.MeetingSearch()
    if searched and form.validate():
        criteria = meetings.MeetingSearch(date_from=form.date_from.data, date_to=form.date_to.data,
                                          child_name=none_if_blank(form.child_name.data))
    elif searched:
        criteria = None
    if criteria is not None:
        try:
            results = meetings.search_meetings(actor, now, criteria, page=request.args.get("page", 1, type=int),
                                               per_page=PER_PAGE)
        except (Invalid, ServiceError) as exc:
            problems = attach_service_errors(form, exc)
            results = None
    plan = PlanForm(formdata=None, data={"meeting_date": today}) if actor.has_role(*RUNNERS) else None
    status = 400 if (problems or form.errors) else 200
    return _index_page(form, plan, results, problems, searched, status)


def _index_page(form, plan, results, problems, searched, status, existing: int | None = None):
    """`existing`: the meeting a plan would have duplicated, linked from the error."""
    actor, now = current_actor(), utcnow()
    todays = meetings.meetings_on(actor, now, local_date(now))
    return render_template("meetings/index.html", form=form, plan=plan, results=results, problems=problems,
                           today=local_date(now), todays=todays, searched=searched, page_url=_page_url,
                           types=meetings.meeting_types(), is_staff=actor.has_role(*RUNNERS),
                           existing=existing), status


def _page_url(n: int) -> str:
    args = request.args.to_dict()
    args["page"] = n
    return url_for("web.meetings.index", **args)


@bp.post("/plan")
@roles_required(*RUNNERS)
def plan():
    form = PlanForm()
    problems: list[str] = []
    status, existing = 400, None
    if form.validate():
        try:
            meeting = meetings.plan_meeting(current_actor(), utcnow(), form.type.data, form.meeting_date.data,
                                            form.locality_id.data)
        except (Invalid, Conflict) as exc:
            problems = attach_service_errors(form, exc)
            status, existing = exc.status, getattr(exc, "meeting_id", None)
        else:
            flash("Meeting planned")
            return redirect(url_for("web.meetings.show", meeting_id=meeting.id))
    return _index_page(SearchForm(formdata=None), form, None, problems, False, status, existing)


@bp.get("/actions")
@roles_required(*RUNNERS)
def actions():
    overdue = request.args.get("overdue") == "1"
    agency = request.args.get("agency") or None
    page = meetings.list_actions(current_actor(), utcnow(), meetings.ActionFilters(overdue=overdue, agency_code=agency),
                                 page=request.args.get("page", 1, type=int), per_page=50)
    return render_template("meetings/actions.html", page=page, overdue=overdue, agency=agency,
                           agencies=agencies(), today=local_date(utcnow()),
                           page_url=lambda n: url_for("web.meetings.actions", **{**request.args.to_dict(), "page": n}))


# ---------------------------------------------------------------- one meeting

@bp.get("/<int:meeting_id>")
@roles_required(*READERS)
def show(meeting_id: int):
    actor, now = current_actor(), utcnow()
    meeting = meetings.load_meeting(actor, now, meeting_id)
    if meeting.state == MeetingState.PLANNED and actor.has_role(*RUNNERS):
        return _planned_page(meeting_id)
    if meeting.state in (MeetingState.OPEN, MeetingState.CLOSED):
        return redirect(url_for("web.meetings.live", meeting_id=meeting_id))
    return render_template("meetings/cancelled.html", meeting=meeting, kind=meetings.meeting_type(meeting.type_code))


def _planned_page(meeting_id: int, status: int = 200, add_form=None, remove_forms=None, attendance_form=None,
                  problems=()):
    actor, now = current_actor(), utcnow()
    preview = meetings.agenda_preview(actor, now, meeting_id)
    meeting = preview.meeting
    return render_template(
        "meetings/planned.html", meeting=meeting, kind=meetings.meeting_type(meeting.type_code), preview=preview,
        add_form=add_form or AgendaChangeForm(prefix="add"), remove_forms=remove_forms or {},
        attendance_form=attendance_form or AttendanceForm(prefix="att"), cancel_form=ReasonForm(prefix="cancel"),
        absent=meetings.absent_core_agencies(meeting), problems=list(problems),
        time_left=lambda c: meetings.decision_clock(c, now).time_left, sources=ItemSource,
        is_chair=_is_chair(actor, meeting), is_staff=True, now=now), status


def _is_chair(actor, meeting) -> bool:
    return actor.user_id == meeting.chair_id or actor.has_role(Role.MANAGER)


@bp.post("/<int:meeting_id>/agenda/add")
@roles_required(*RUNNERS)
def agenda_add(meeting_id: int):
    """Add by a child's name: one undecided contact naming them is added; several are offered
    on the form to choose from (the reason kept); the chosen one comes back as contact_id."""
    form = AgendaChangeForm(prefix="add")
    if not form.validate():
        return _after_agenda_error(meeting_id, None, add_form=form)
    actor, now = current_actor(), utcnow()
    try:
        contact_id = form.contact_id.data or _one_contact_named(actor, now, meeting_id, form)
        if contact_id is None:
            return _after_agenda_error(meeting_id, None, add_form=form, status=200)
        meetings.add_item(actor, now, meeting_id, contact_id, form.reason.data)
    except (Invalid, Conflict) as exc:
        return _after_agenda_error(meeting_id, exc, add_form=form)
    flash(f"Contact {contact_id} added to the agenda")
    return _back(meeting_id)


def _one_contact_named(actor, now, meeting_id: int, form) -> int | None:
    """The one contact the name finds; None after putting several on the form to choose from."""
    found = meetings.contacts_to_add(actor, now, meeting_id, form.child_name.data)
    if not found:
        raise Invalid("No contact found", {"child_name": [
            f"No undecided contact off this agenda names a child called {form.child_name.data.strip()}"]})
    if len(found) == 1:
        return found[0].id
    form.contact_id.choices = [(c.id, _contact_label(c)) for c in found]
    return None


def _contact_label(contact) -> str:
    children = ", ".join(f"{link.child.full_name}"
                         + (f" (born {link.child.date_of_birth:%-d %b %Y})" if link.child.date_of_birth else "")
                         for link in contact.children)
    return f"{children}: contact {contact.id}, received {to_london(contact.received_at):%-d %b %Y %H:%M}"


@bp.post("/<int:meeting_id>/agenda/<int:contact_id>/remove")
@roles_required(*RUNNERS)
def agenda_remove(meeting_id: int, contact_id: int):
    form = ReasonForm(prefix=f"remove-{contact_id}")
    if form.validate():
        try:
            meetings.remove_item(current_actor(), utcnow(), meeting_id, contact_id, form.reason.data)
        except (Invalid, Conflict) as exc:
            return _after_agenda_error(meeting_id, exc, remove_forms={contact_id: form})
        flash(f"Contact {contact_id} taken off the agenda")
        return _back(meeting_id)
    return _after_agenda_error(meeting_id, None, remove_forms={contact_id: form})


def _after_agenda_error(meeting_id, exc, status: int | None = None, **forms):
    """Show the page again with the form that failed and what was wrong with it."""
    problems = []
    if exc is not None:
        form = next(iter(forms.get("remove_forms", {}).values()), None) or forms.get("add_form") or \
            forms.get("attendance_form") or forms.get("cancel_form")
        problems = attach_service_errors(form, exc, default_field="reason" if hasattr(form, "reason") else None)
    meeting = meetings.load_meeting(current_actor(), utcnow(), meeting_id)
    status = status or (409 if isinstance(exc, Conflict) else 400)
    forms.pop("cancel_form", None)
    if meeting.state == MeetingState.PLANNED:
        return _planned_page(meeting_id, status, problems=problems, **forms)
    forms.pop("remove_forms", None)
    return _live_page(meeting_id, status, problems=problems, **forms)


def _first_errors(form) -> list[str]:
    return [messages[0] for messages in form.errors.values() if messages]


def _back(meeting_id: int, item_id: int | None = None):
    meeting = meetings.load_meeting(current_actor(), utcnow(), meeting_id)
    if meeting.state == MeetingState.PLANNED:
        return redirect(url_for("web.meetings.show", meeting_id=meeting_id))
    anchor = f"#item-{item_id}" if item_id else ""
    return redirect(url_for("web.meetings.live", meeting_id=meeting_id, item=item_id) + anchor)


@bp.post("/<int:meeting_id>/attendance")
@roles_required(*RUNNERS)
def attendance(meeting_id: int):
    form = AttendanceForm(prefix="att")
    if form.validate():
        try:
            meetings.record_attendance(current_actor(), utcnow(), meeting_id, form.agency.data, form.mode.data,
                                       form.user_id.data, none_if_blank(form.name.data))
        except (Invalid, Conflict) as exc:
            return _after_agenda_error(meeting_id, exc, attendance_form=form)
        flash("Attendance recorded")
        return _back(meeting_id)
    return _after_agenda_error(meeting_id, None, attendance_form=form)


@bp.post("/<int:meeting_id>/attendance/<int:attendance_id>/remove")
@roles_required(*RUNNERS)
def attendance_remove(meeting_id: int, attendance_id: int):
    FlaskForm().validate() or abort(400, description="The form has expired: go back and try again")
    meetings.remove_attendance(current_actor(), utcnow(), meeting_id, attendance_id)
    flash("Attendance removed")
    return _back(meeting_id)


@bp.post("/<int:meeting_id>/<any(start, close):step>")
@roles_required(*RUNNERS)
def step(meeting_id: int, step: str):
    if not FlaskForm().validate():
        abort(400, description="The form has expired: go back and try again")
    call = meetings.start_meeting if step == "start" else meetings.close_meeting
    call(current_actor(), utcnow(), meeting_id)
    flash("The meeting has started: the agenda is frozen" if step == "start" else "The meeting is closed")
    if step == "close":
        return redirect(url_for("web.meetings.minutes_page", meeting_id=meeting_id))
    return redirect(url_for("web.meetings.live", meeting_id=meeting_id))


@bp.get("/<int:meeting_id>/close")
@roles_required(*RUNNERS)
def close_confirm(meeting_id: int):
    """Ask before closing: what is not yet discussed carries over to the next meeting."""
    actor, now = current_actor(), utcnow()
    meeting = meetings.load_meeting(actor, now, meeting_id)
    if meeting.state != MeetingState.OPEN:
        return redirect(url_for("web.meetings.show", meeting_id=meeting_id))
    pending = [i for i in meeting.items if i.state == ItemState.PENDING]
    return render_template("meetings/close.html", meeting=meeting, kind=meetings.meeting_type(meeting.type_code),
                           pending=len(pending))


@bp.post("/<int:meeting_id>/cancel")
@roles_required(*RUNNERS)
def cancel(meeting_id: int):
    form = ReasonForm(prefix="cancel")
    if not form.validate():
        return _after_agenda_error(meeting_id, None, cancel_form=form)
    meetings.cancel_meeting(current_actor(), utcnow(), meeting_id, form.reason.data)
    flash("The meeting is cancelled")
    return redirect(url_for("web.meetings.index"))


# ---------------------------------------------------------------- running it

@bp.get("/<int:meeting_id>/live")
@roles_required(*READERS)
def live(meeting_id: int):
    return _live_page(meeting_id)


def _live_page(meeting_id: int, status: int = 200, panel_forms: dict | None = None, panel_problems: dict | None = None,
               add_form=None, attendance_form=None, problems=()):
    """The chair's and partners' page: the agenda, one item at a time, kept current by polling."""
    actor, now = current_actor(), utcnow()
    meeting = meetings.get_meeting(actor, now, meeting_id)
    if meeting.state == MeetingState.PLANNED:
        return redirect(url_for("web.meetings.show", meeting_id=meeting_id))
    items = meetings.agenda_order(meeting.items)
    wanted = request.args.get("item", type=int)
    panel_forms, panel_problems = panel_forms or {}, panel_problems or {}
    if panel_forms:
        wanted = next(iter(panel_forms))
    current = wanted if any(i.id == wanted for i in items) else meeting.current_item_id
    panels = [_panel_context(actor, now, meeting, item, forms=panel_forms.get(item.id),
                             problems=panel_problems.get(item.id, ())) for item in items]
    return render_template("meetings/live.html", meeting=meeting, kind=meetings.meeting_type(meeting.type_code),
                           items=items, current_id=current, panels=panels,
                           absent=meetings.absent_core_agencies(meeting), is_chair=_is_chair(actor, meeting),
                           is_staff=actor.has_role(*RUNNERS), is_manager=actor.has_role(Role.MANAGER),
                           attendance_form=attendance_form or AttendanceForm(prefix="att"),
                           removed=[i for i in meeting.items if i.state == ItemState.REMOVED],
                           add_form=add_form or AgendaChangeForm(prefix="add"), problems=list(problems),
                           now=now), status


def _panel_context(actor, now, meeting, item, forms: dict | None = None, problems=(), status_message=None) -> dict:
    """Everything one item's panel shows, with its forms (fresh, or the ones that failed)."""
    forms = forms or {}
    staff = actor.has_role(*RUNNERS)
    present = [a.agency for a in meeting.attendance]
    mine = next((c for c in item.contributions if c.agency_id == actor.agency_id), None) if not staff else None
    contribution = forms.get("contribution") or ContributionForm(
        prefix=f"i{item.id}-info", formdata=None, data={"text": mine.text if mine else "",
                                                         "version": str(mine.version) if mine else ""})
    if staff:
        unique = {a.code: a for a in present if a.code != "childrens_social_care"}
        csc = [a for a in agencies() if a.code == "childrens_social_care"]
        contribution.agency.choices = agency_choices(None, csc + sorted(unique.values(), key=lambda a: a.name))
    outcome = forms.get("outcome") or OutcomeForm(prefix=f"i{item.id}-outcome", formdata=None, data={
        "rag": item.rag or item.contact.rag, "outcome": item.outcome or "",
        "lead_agency": item.lead_agency.code if item.lead_agency else "", "rationale": item.rationale or "",
        "version": str(item.version)})
    outcome.lead_agency.choices = agency_choices("Choose the lead agency")
    confirm = forms.get("confirm") or ConfirmForm(prefix=f"i{item.id}-confirm", formdata=None,
                                                  data={"version": str(item.version)})
    confirm.version.data = str(item.version)
    if not forms.get("outcome"):
        outcome.version.data = str(item.version)
    action = forms.get("action") or ActionForm(prefix=f"i{item.id}-action", formdata=None)
    action.owner_agency.choices = agency_choices("No agency (a named person)")
    contact = item.contact
    clock = meetings.decision_clock(contact, now)
    late = not clock.decided and clock.state is ClockState.BREACHED
    history = contacts_service.history_for(contact) if staff else []
    return {"item": item, "contact": contact, "contribution": contribution, "outcome": outcome, "confirm": confirm,
            "action": action, "problems": list(problems), "history": history, "late": late,
            "time_left": "Decided" if clock.decided else clock.time_left, "clock": clock.state.value,
            "my_entry": mine, "status_message": status_message, "digest": meetings.item_digest(item),
            "open": meeting.state == MeetingState.OPEN,
            "holds": meetings.holds_heading, "is_overdue": lambda a: meetings.is_overdue(a, now),
            "outcome_label": lambda v: DecisionOutcome(v).label if v else ""}


def _render_panel(meeting_id: int, item_id: int, status: int = 200, **kwargs):
    actor, now = current_actor(), utcnow()
    item = meetings.get_item(actor, now, item_id, meeting_id)
    meeting = item.meeting
    context = _panel_context(actor, now, meeting, item, **kwargs)
    html = render_template("meetings/_panel.html", panel=context, meeting=meeting,
                           is_chair=_is_chair(actor, meeting), is_staff=actor.has_role(*RUNNERS),
                           is_manager=actor.has_role(Role.MANAGER), standalone=True)
    return html, status


@bp.get("/<int:meeting_id>/items/<int:item_id>/panel")
@roles_required(*READERS)
def panel(meeting_id: int, item_id: int):
    return _render_panel(meeting_id, item_id)


@bp.get("/<int:meeting_id>/agenda-nav")
@roles_required(*READERS)
def agenda_nav(meeting_id: int):
    actor, now = current_actor(), utcnow()
    items = meetings.items_for(actor, now, meeting_id)
    meeting = items[0].meeting if items else meetings.load_meeting(actor, now, meeting_id)
    return render_template("meetings/_nav.html", meeting=meeting, items=items,
                           current_id=meeting.current_item_id)


def _item_form_post(meeting_id: int, item_id: int, key: str, form: FlaskForm, call, done: str):
    """Validate, call the service, answer with the panel (fetch) or go back to the page."""
    load_item(current_actor(), utcnow(), item_id, meeting_id)  # 404 unless it is this meeting's, and visible
    problems: list[str] = []
    status = 200
    if form.validate():
        try:
            call(form)
        except NotFound:
            raise
        except ServiceError as exc:
            problems = attach_service_errors(form, exc)
            status = exc.status
        else:
            if _wants_panel():
                return _render_panel(meeting_id, item_id, status_message=done)
            flash(done)
            return _back(meeting_id, item_id)
    else:
        status = 400
    if _wants_panel():
        return _render_panel(meeting_id, item_id, status, forms={key: form}, problems=problems)
    return _live_page(meeting_id, status, panel_forms={item_id: {key: form}}, panel_problems={item_id: problems})


@bp.post("/<int:meeting_id>/items/<int:item_id>/contribution")
@roles_required(*READERS)
def contribution(meeting_id: int, item_id: int):
    actor = current_actor()
    form = ContributionForm(prefix=f"i{item_id}-info")
    form.agency.choices = agency_choices(None)
    return _item_form_post(meeting_id, item_id, "contribution", form, lambda f: meetings.record_contribution(
        actor, utcnow(), item_id, f.text.data, (f.agency.data or None) if actor.has_role(*RUNNERS) else None,
        _version(f.version)), "Information saved")


@bp.post("/<int:meeting_id>/items/<int:item_id>/outcome")
@roles_required(*RUNNERS)
def outcome(meeting_id: int, item_id: int):
    form = OutcomeForm(prefix=f"i{item_id}-outcome")
    form.lead_agency.choices = agency_choices("Choose the lead agency")
    return _item_form_post(meeting_id, item_id, "outcome", form, lambda f: meetings.agree_outcome(
        current_actor(), utcnow(), item_id, f.rag.data, f.outcome.data, f.lead_agency.data, f.rationale.data,
        _version(f.version)), "Outcome agreed")


@bp.post("/<int:meeting_id>/items/<int:item_id>/confirm")
@roles_required(Role.MANAGER)
def confirm(meeting_id: int, item_id: int):
    form = ConfirmForm(prefix=f"i{item_id}-confirm")
    return _item_form_post(meeting_id, item_id, "confirm", form, lambda f: meetings.confirm_outcome(
        current_actor(), utcnow(), item_id, none_if_blank(f.delay_reason.data), _version(f.version)),
        "Decision confirmed: the decision clock has stopped")


@bp.post("/<int:meeting_id>/items/<int:item_id>/actions")
@roles_required(*RUNNERS)
def add_action(meeting_id: int, item_id: int):
    form = ActionForm(prefix=f"i{item_id}-action")
    form.owner_agency.choices = agency_choices("No agency (a named person)")
    return _item_form_post(meeting_id, item_id, "action", form, lambda f: meetings.add_action(
        current_actor(), utcnow(), item_id, f.description.data, f.due_date.data, f.owner_agency.data or None,
        None, none_if_blank(f.owner_name.data)), "Action recorded")


@bp.post("/<int:meeting_id>/items/<int:item_id>/actions/<int:action_id>/done")
@roles_required(*READERS)
def action_done(meeting_id: int, item_id: int, action_id: int):
    form = FlaskForm()
    return _item_form_post(meeting_id, item_id, "done", form, lambda f: meetings.set_action_done(
        current_actor(), utcnow(), action_id, request.form.get("done", "1") == "1"), "Action updated")
