"""Notifications in the service, and by email when an SMTP server is configured (off by default)."""
from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from triage.extensions import db
from triage.models import Notification, User
from triage.services.actor import Actor
from triage.services.errors import NotFound
from triage.services.paging import Page, paginate

log = logging.getLogger(__name__)


def notifications_for(actor: Actor, unread_only: bool = False, page: int = 1, per_page: int = 50) -> Page:
    query = select(Notification).where(Notification.user_id == actor.user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return paginate(query.order_by(Notification.id.desc()), page, per_page)


def mark_read(actor: Actor, now: datetime, notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != actor.user_id:
        raise NotFound(f"No notification {notification_id} for you")
    notification.read_at = notification.read_at or now
    db.session.commit()
    return notification


def send_pending_email(now: datetime) -> int:
    """Email new notifications when SMTP is configured. The message carries no personal data:
    a clock, a case number and a link; the details stay behind sign-in."""
    host = current_app.config.get("SMTP_HOST")
    if not host:
        return 0
    rows = db.session.execute(
        select(Notification, User.email).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.email.is_not(None))).all()
    if not rows:
        return 0
    sent = 0
    try:
        with smtplib.SMTP(host, current_app.config.get("SMTP_PORT", 25), timeout=10) as smtp:
            for notification, address in rows:
                message = EmailMessage()
                message["From"] = current_app.config["MAIL_FROM"]
                message["To"] = address
                message["Subject"] = "Front Door: a clock needs attention"
                message.set_content(f"{notification.message}\n\nSign in to see it.")
                smtp.send_message(message)
                notification.emailed_at = now
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("email not sent: %s", type(exc).__name__)  # kept unsent; retried next sweep
    db.session.commit()
    return sent
