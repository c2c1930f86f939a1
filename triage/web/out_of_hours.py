"""The morning's out-of-hours handover page: what the Emergency Duty Team logged while the Front
Door was closed, accepted item by item."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.services import out_of_hours
from triage.services.calendar import working_day_calendar
from triage.services.errors import Conflict
from triage.settings import front_door_settings

bp = Blueprint("out_of_hours", __name__, url_prefix="/out-of-hours")

PER_PAGE = 50
TABS = (("waiting", "Waiting"), ("accepted", "Accepted"), ("all", "All"))


def _hours() -> out_of_hours.Hours:
    return out_of_hours.hours_from(front_door_settings(), working_day_calendar())


def _url(state: str, page: int | None = None) -> str:
    args = {} if state == "waiting" else {"state": state}
    if page and page > 1:
        args["page"] = page
    return url_for("web.out_of_hours.index", **args)


def _page(state: str, status: int = 200, problem: str | None = None):
    settings = front_door_settings()
    page = out_of_hours.handover_list(current_actor(), utcnow(), _hours(), state,
                                      page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    return render_template("out_of_hours/index.html", page=page, state=state, tabs=TABS, tab_url=_url,
                           page_url=lambda n: _url(state, n), problem=problem, opens=settings.opens,
                           closes=settings.closes), status


@bp.get("")
@roles_required(*out_of_hours.STAFF)
def index():
    state = request.args.get("state", "waiting")
    return _page(state if state in out_of_hours.STATES else "waiting")


@bp.post("/<int:contact_id>/accept")
@roles_required(*out_of_hours.STAFF)
def accept(contact_id: int):
    try:
        out_of_hours.accept(current_actor(), utcnow(), _hours(), contact_id, request.form.get("version", type=int))
    except Conflict as exc:
        return _page("waiting", exc.status, exc.message)
    flash(f"Contact {contact_id} accepted from the Emergency Duty Team")
    return redirect(_url("waiting"))
