"""The cases list (newest work and its state at a glance), caseloads by worker and team, and the
manager's view of every clock due soon or breached."""
from __future__ import annotations

from flask import render_template, request, url_for

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.roles import Role
from triage.services import cases, reference
from triage.services.cases import CASE_WORKERS
from triage.web.cases.blueprint import CLOCK_STATES, PER_PAGE, STATUS_COLOURS, bp, contact_url
from triage.web.cases.forms import CaseFilterForm


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@bp.get("")
@roles_required(*CASE_WORKERS)
def index():
    actor = current_actor()
    args = request.args.to_dict()
    args.setdefault("status", "open")
    form = CaseFilterForm(formdata=None, data=args)
    worker = actor.user_id if args.get("worker_id") == "me" else _int_or_none(args.get("worker_id"))
    filters = cases.ReferralFilters(
        team_id=_int_or_none(args.get("team_id")), worker_id=worker,
        status=args["status"] if args["status"] in ("open", "closed") else None,
        allocated={"yes": True, "no": False}.get(args.get("allocated", "")))
    now = utcnow()
    page = cases.list_referrals(actor, now, filters, page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    counts = cases.case_counts(actor, now, filters)

    def page_url(n):
        return url_for("web.cases.index", **{**args, "page": n})

    return render_template("cases/index.html", form=form, page=page, page_url=page_url, counts=counts,
                           status_labels=cases.CASE_STATUSES,
                           status_colours=STATUS_COLOURS, filtered=bool(set(request.args) - {"page"}))


# ---------------------------------------------------------------- caseload and oversight

@bp.get("/caseload")
@roles_required(*CASE_WORKERS, Role.PERFORMANCE)
def caseload():
    rows = cases.caseload(current_actor())
    teams: dict = {}
    for row in rows:
        teams.setdefault((row.team_id, row.team), []).append(row)
    return render_template("cases/caseload.html", teams=teams, total=sum(r.open_assessments for r in rows),
                           can_open_cases=current_actor().has_role(*CASE_WORKERS))


@bp.get("/due")
@roles_required(Role.MANAGER)
def oversight():
    team_id = _int_or_none(request.args.get("team_id"))
    page = cases.due_clocks(current_actor(), utcnow(), team_id, page=request.args.get("page", 1, type=int))
    imported = cases.due_clocks(current_actor(), utcnow(), team_id,
                                      page=request.args.get("imported_page", 1, type=int), imported_overdue=True)
    teams = reference.list_teams()

    def page_url(n):
        return url_for("web.cases.oversight", **{**request.args.to_dict(), "page": n})

    def imported_page_url(n):
        return url_for("web.cases.oversight", **{**request.args.to_dict(), "imported_page": n})

    contact_urls = {c.contact_id: contact_url(c.contact_id) for c in page.items if c.contact_id}
    return render_template("cases/oversight.html", page=page, page_url=page_url, teams=teams, team_id=team_id,
                           clock_states=CLOCK_STATES, contact_urls=contact_urls, imported=imported,
                           imported_page_url=imported_page_url)
