"""Your notifications: clocks on your cases (or your team's) that are due soon or breached, in
plain words; opening one marks it read and takes you to what it is about."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.services import inbox, notify

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

PER_PAGE = 50
TARGET_PAGES = {"case": ("web.cases.show", "referral_id"), "contact": ("web.contacts.show", "contact_id")}


def _show_url(unread: bool, page: int | None = None) -> str:
    args = {"show": "unread"} if unread else {}
    if page and page > 1:
        args["page"] = page
    return url_for("web.notifications.index", **args)


def target_url(notice: inbox.Notice) -> str | None:
    """The page of the record a notification is about, if this deployment has that page."""
    if notice.target is not None:
        endpoint, argument = TARGET_PAGES[notice.target.kind]
        if endpoint in current_app.view_functions:
            return url_for(endpoint, **{argument: notice.target.id})
    if notice.link and notice.link.startswith("/"):
        return notice.link
    return None


@bp.get("")
@roles_required()
def index():
    unread = request.args.get("show") == "unread"
    page = inbox.notices_for(current_actor(), utcnow(), unread_only=unread,
                             page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    return render_template("notifications/index.html", page=page, unread=unread,
                           page_url=lambda n: _show_url(unread, n), show_url=_show_url, target_url=target_url)


@bp.get("/<int:notification_id>")
@roles_required()
def open_notification(notification_id: int):
    """Opening a notification reads it: it is marked read and leads to its record."""
    notice = inbox.open_notice(current_actor(), utcnow(), notification_id)  # NotFound -> the 404 page
    return redirect(target_url(notice) or _show_url(False))


@bp.post("/<int:notification_id>/read")
@roles_required()
def mark_read(notification_id: int):
    notify.mark_read(current_actor(), utcnow(), notification_id)  # NotFound -> the 404 page
    flash("Notification marked as read")
    return redirect(_show_url(request.form.get("show") == "unread"))
