"""Each role's home page: what the role does here, its work in numbers (each number a link to the
list it counts), and links to what it can reach."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.roles import Role
from triage.services.my_work import MyWork, my_work
from triage.web.filters import remember_unread_count

bp = Blueprint("home", __name__)

ROLE_SUMMARIES = {
    Role.ERA: "You log contacts as they arrive at the Front Door, find or record the child they are about, "
              "and keep the queue moving for the MASH practitioners.",
    Role.PRACTITIONER: "You screen contacts, give each a RAG rating, ask partner agencies for what they "
                       "hold, take cases to the triage meeting and recommend the next step.",
    Role.MANAGER: "You decide what happens next for each contact, sign off and allocate work, watch the "
                  "clocks that are due or breached, and read the morning report and the audit trail.",
    Role.PARTNER: "You answer information requests made of your agency and join the triage meeting. You "
                  "see only what is on the agenda or has been asked of your agency.",
    Role.PERFORMANCE: "You read the reports and exports that show how the Front Door is doing.",
    Role.ADMIN: "You manage user accounts and API tokens for partner systems, and the council's closure "
                "days that working-day clocks skip.",
}


@dataclass(frozen=True)
class Count:
    number: int
    text: str  # what is counted, read after the number: "3 contacts awaiting a decision"
    href: str
    urgent: bool = False  # something is late: shown in red when not zero


@dataclass(frozen=True)
class Section:
    heading: str
    counts: tuple[Count, ...]


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _sections(work: MyWork) -> list[Section]:
    sections = []
    if work.cases is not None:
        mine = url_for("web.cases.index", worker_id="me", status="open")
        c = work.cases
        sections.append(Section("My cases", (
            Count(c.open_cases, _plural(c.open_cases, "open case allocated to me", "open cases allocated to me"), mine),
            Count(c.due_this_week, _plural(c.due_this_week, "deadline due this week", "deadlines due this week")
                  + f" (to Sunday {c.week_ends_on:%-d %B})", mine),
            Count(c.breached, _plural(c.breached, "deadline breached", "deadlines breached"), mine, urgent=True))))
    if work.team is not None:
        t, team = work.team, {"team_id": work.team.team_id} if work.team.team_id else {}
        sections.append(Section("My team" if t.team_id else "All teams", (
            Count(t.breached, _plural(t.breached, "case deadline breached", "case deadlines breached"),
                  url_for("web.cases.oversight", **team), urgent=True),
            Count(t.awaiting_allocation, _plural(t.awaiting_allocation, "case awaiting allocation",
                                                 "cases awaiting allocation"),
                  url_for("web.cases.index", status="open", allocated="no", **team)))))
    if work.queue is not None:
        q, queue = work.queue, url_for("web.contacts.queue")
        sections.append(Section("The queue", (
            Count(q.awaiting_decision, _plural(q.awaiting_decision, "contact awaiting a decision",
                                               "contacts awaiting a decision"), queue),
            Count(q.breached, _plural(q.breached, "contact past its decision time",
                                      "contacts past their decision time"), queue, urgent=True),
            Count(q.due_soon, _plural(q.due_soon, "contact due for decision soon", "contacts due for decision soon"),
                  queue))))
    if work.requests_awaiting_agency is not None:
        n = work.requests_awaiting_agency
        sections.append(Section("Requests to my agency", (
            Count(n, _plural(n, "request awaiting my agency's answer", "requests awaiting my agency's answer"),
                  url_for("web.requests.inbox")),)))
    if work.unread_notifications is not None:
        n = work.unread_notifications
        sections.append(Section("Notifications", (
            Count(n, _plural(n, "unread notification", "unread notifications"),
                  url_for("web.notifications.index", show="unread")),)))
    return sections


@bp.get("/")
@roles_required()
def index():
    role = Role(current_user.role)
    work = my_work(current_actor(), utcnow())
    remember_unread_count(work.unread_notifications)
    return render_template("home.html", summary=ROLE_SUMMARIES.get(role, ""), sections=_sections(work),
                           latest_report=work.latest_report)
