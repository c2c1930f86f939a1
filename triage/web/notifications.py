"""Your notifications: clocks on your cases (or your team's) that are due soon or breached."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.services import cases, notify

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

PER_PAGE = 50


def _show_url(unread: bool, page: int | None = None) -> str:
    args = {"show": "unread"} if unread else {}
    if page and page > 1:
        args["page"] = page
    return url_for("web.notifications.index", **args)


@bp.get("")
@roles_required()
def index():
    unread = request.args.get("show") == "unread"
    page = notify.notifications_for(current_actor(), unread_only=unread,
                                    page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    contexts = cases.notification_contexts([n.id for n in page.items])
    contact_page = "web.contacts.show" in current_app.view_functions
    return render_template("notifications/index.html", page=page, unread=unread, contexts=contexts,
                           page_url=lambda n: _show_url(unread, n), show_url=_show_url,
                           contact_page=contact_page)


@bp.post("/<int:notification_id>/read")
@roles_required()
def mark_read(notification_id: int):
    notify.mark_read(current_actor(), utcnow(), notification_id)  # NotFound -> the 404 page
    flash("Notification marked as read")
    return redirect(_show_url(request.form.get("show") == "unread"))
