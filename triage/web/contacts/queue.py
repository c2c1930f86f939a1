"""The queue: contacts awaiting decision, breached first, filterable."""
from __future__ import annotations

from flask import render_template, request, url_for

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.contact_states import STAFF
from triage.services import queue
from triage.services.paging import Page
from triage.web.contacts.blueprint import bp
from triage.web.contacts.forms import QueueFilterForm

QUEUE_PAGE = 25
QUEUE_KEYS = ("rag", "source", "locality", "team", "agency")


def _page_url(endpoint: str, **fixed):
    def build(n: int) -> str:
        args = request.args.to_dict()
        args["page"] = n
        return url_for(endpoint, **fixed, **args)
    return build


@roles_required(*STAFF)
def queue_page():
    form = QueueFilterForm(request.args)
    filtered = any(request.args.get(k) for k in QUEUE_KEYS)
    if any(k in request.args for k in QUEUE_KEYS) and not form.validate():
        return render_template("contacts/queue.html", form=form, page=None, filtered=filtered,
                               page_url=_page_url("web.contacts.queue")), 400
    filters = queue.QueueFilters(rag=form.rag.data or None, source_code=form.source.data or None,
                                 locality_id=form.locality.data, team_id=form.team.data,
                                 awaiting_agency=form.agency.data or None)
    result = queue.awaiting_decision(current_actor(), utcnow(), filters,
                                     page=max(1, request.args.get("page", 1, type=int)), per_page=QUEUE_PAGE)
    page = Page(items=result.items, total=result.total, page=result.page, per_page=result.per_page)
    return render_template("contacts/queue.html", form=form, page=page, filtered=filtered, counts=result.counts,
                           page_url=_page_url("web.contacts.queue"))


# The endpoint is web.contacts.queue; the function has another name so that it does not shadow
# the services.queue module imported above.
bp.add_url_rule("/queue", endpoint="queue", view_func=queue_page, methods=["GET"])
