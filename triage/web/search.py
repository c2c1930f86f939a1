"""The header search on every staff page: a child by name, child id or NHS number, a contact or
a referral by number; a query that names one record opens it."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.services import search as search_service
from triage.services.children import CHILD_RECORD_ROLES
from triage.services.errors import Invalid

bp = Blueprint("search", __name__, url_prefix="/search")

PAGES = {"child": ("web.children.show", "child_id"), "contact": ("web.contacts.show", "contact_id"),
         "case": ("web.cases.show", "referral_id")}


def record_url(found: search_service.Found) -> str:
    endpoint, argument = PAGES[found.kind]
    return url_for(endpoint, **{argument: found.id})


@bp.get("")
@roles_required(*CHILD_RECORD_ROLES)
def index():
    query = request.args.get("q", "")
    try:
        result = search_service.find(current_actor(), utcnow(), query, page=request.args.get("page", 1, type=int))
    except Invalid as exc:
        return render_template("search.html", query=query, result=None, problems=exc.errors.get("q", [])), 400
    if result.go_to is not None:
        return redirect(record_url(result.go_to))
    return render_template("search.html", query=query, result=result, problems=[], record_url=record_url,
                           page_url=lambda n: url_for("web.search.index", q=query, page=n))
