"""Notifications in the service, and by email when an SMTP server is configured (off by default).

Email goes out once per notification, however many senders run at the same moment:

* A sender CLAIMS a batch before sending: one UPDATE that writes its name and a lapse time on
  notifications nobody holds (on PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so
  concurrent senders neither wait for nor take each other's; SQLite runs the UPDATE under its
  single write lock). Only the claimant sends a claimed notification.
* Just before handing the message body to the mail server (SMTP DATA) the sender renews its
  claim, which also counts the attempt and marks it "interrupted" until its outcome is written.
  A sender that lost its claim meanwhile (it hung, and a scheduler took over and released it)
  sends nothing: at most one send per claim.
* A failed attempt records an error class and SMTP code (never an address) and a next-attempt
  time that doubles with each failure; every sweep retries what is due. A claim whose sender
  vanished lapses (EMAIL_CLAIM_SECONDS), or at once when a scheduler takes over from it: at least
  once over time. The one window left is a sender dying after the server accepted the body and
  before the outcome is written; the Message-ID is the notification's own, so mail systems can
  discard the repeat.

The message carries no personal data: a clock, a case number and a link; details stay behind
sign-in. The one exception is an email to a referrer (services/feedback.py): it has its own
address, subject and body, limited to what that module lets a council's wording say.
"""
from __future__ import annotations

import logging
import os
import secrets
import smtplib
import socket
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, or_, select, update

from triage.clock import require_aware
from triage.extensions import db
from triage.models import Notification, User
from triage.services.actor import Actor
from triage.services.errors import NotFound
from triage.services.paging import Page, paginate
from triage.services.unit_of_work import unit_of_work
from triage.settings import MailSettings, mail_settings

log = logging.getLogger(__name__)

N = Notification.__table__
# A person's own address, or the one an email to someone outside the service carries (a referrer).
_RECIPIENT = func.coalesce(N.c.email_to, User.__table__.c.email)
SUBJECT = "Front Door: a clock needs attention"
SUBJECT_OTHER = "Front Door: something needs your attention"  # e.g. a tracker import's summary
# Written when an attempt starts and replaced by its outcome: left behind, it says the sender
# stopped between handing over the message and recording what happened.
INTERRUPTED = "interrupted: the sender stopped before recording the outcome"
# Errors after which the connection is still usable for the next message.
_MESSAGE_ERRORS = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)
_CONNECTION_ERRORS = (OSError, smtplib.SMTPException)


def notifications_for(actor: Actor, unread_only: bool = False, page: int = 1, per_page: int = 50) -> Page:
    query = select(Notification).where(Notification.user_id == actor.user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return paginate(query.order_by(Notification.id.desc()), page, per_page)


@unit_of_work("notification")
def mark_read(actor: Actor, now: datetime, notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != actor.user_id:
        raise NotFound(f"No notification {notification_id} for you")
    notification.read_at = notification.read_at or now
    return notification


# --- email -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class EmailResult:
    sent: int = 0
    failed: int = 0  # attempts that failed; each is retried after its backoff
    released: int = 0  # claimed but given back unsent (claim lost, or told to stop)


def new_claimant(kind: str = "sender") -> str:
    """A name for a sender that is not a scheduler (a `flask triage sweep`, say)."""
    return f"{kind} {socket.gethostname()}:{os.getpid()}#{secrets.token_hex(3)}"[:120]


def retry_delay(attempts: int, settings: MailSettings) -> timedelta:
    """How long after the `attempts`-th failed attempt the next one is due: doubling, capped."""
    return min(settings.retry_max, settings.retry * 2 ** min(max(attempts - 1, 0), 20))


def describe_error(exc: BaseException) -> str:
    """The error's class and SMTP code(s): a server's text can quote the address, so never it."""
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in exc.recipients.values()})
        return f"{name} {','.join(codes)}".strip()
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{name} {exc.smtp_code}"
    return name


def abandon_email_claims(claimant: str) -> int:
    """Release every unsent notification `claimant` holds: it has stopped (a scheduler that was
    taken over from). An attempt it had started keeps its count and its "interrupted" mark."""
    with unit_of_work("notification"):
        result = db.session.execute(update(N).where(N.c.email_claimed_by == claimant, N.c.emailed_at.is_(None))
                                    .values(email_claimed_by=None, email_claimed_until=None))
    return result.rowcount


def send_pending_email(now: datetime, *, claimant: str | None = None,
                       keep_going: Callable[[], bool] | None = None) -> EmailResult:
    """Email every notification that is due (never emailed, not held by another sender, its
    retry time reached), each once. `keep_going` is asked before each batch and each message
    (a scheduler passes "I still hold the lease"); times advance from `now` by elapsed time."""
    settings = mail_settings()
    if not settings.smtp_host:
        return EmailResult()
    sender = _Sender(settings, require_aware(now, "now"), claimant or new_claimant(),
                     keep_going or (lambda: True))
    try:
        sender.run()
    finally:
        sender.close()
    return EmailResult(sent=sender.sent, failed=sender.failed, released=sender.released)


class _Sender:
    def __init__(self, settings: MailSettings, now: datetime, claimant: str, keep_going: Callable[[], bool]):
        self.settings = settings
        self.claimant = claimant
        self.keep_going = keep_going
        self._start, self._started = now, time.monotonic()
        self.claim_for = settings.claim
        self.mail_from = settings.mail_from
        self.domain = self.mail_from.rpartition("@")[2] or "localhost"
        self.smtp: smtplib.SMTP | None = None
        self.held: list[int] = []  # claimed, not yet sent or failed
        self.sent = self.failed = self.released = 0

    def clock(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._started)

    def _write(self, statement) -> int:
        """One statement in its own transaction: no transaction stays open while talking SMTP."""
        with unit_of_work("notification"):
            return db.session.execute(statement).rowcount

    def _mine(self, notification_id: int):
        return (N.c.id == notification_id, N.c.email_claimed_by == self.claimant)

    # --- claiming ---

    def _claim(self) -> list:
        at = self.clock()
        db.session.commit()  # begin afresh: SQLite's claim must be its transaction's first statement
        due = (select(N.c.id).outerjoin(User.__table__, User.id == N.c.user_id)
               .where(N.c.emailed_at.is_(None), _RECIPIENT.is_not(None), _RECIPIENT != "",
                      or_(N.c.email_next_attempt_at.is_(None), N.c.email_next_attempt_at <= at),
                      or_(N.c.email_claimed_until.is_(None), N.c.email_claimed_until < at))
               .order_by(N.c.id).limit(self.settings.batch_size))
        if db.engine.dialect.name == "postgresql":
            due = due.with_for_update(of=N, skip_locked=True)
        with unit_of_work("notification"):
            claimed = db.session.execute(
                update(N).where(N.c.id.in_(due.scalar_subquery()))
                .values(email_claimed_by=self.claimant, email_claimed_until=at + self.claim_for)
                .returning(N.c.id)).scalars().all()
        if not claimed:
            return []
        self.held = sorted(claimed)
        with unit_of_work("notification"):  # ended at once: no transaction stays open while sending
            return db.session.execute(
                select(N.c.id, N.c.message, N.c.email_attempts, N.c.clock_event_id, N.c.link,
                       _RECIPIENT.label("email"), N.c.email_subject, N.c.email_body)
                .outerjoin(User.__table__, User.id == N.c.user_id)
                .where(N.c.id.in_(self.held)).order_by(N.c.id)).all()

    def _begin_attempt(self, notification_id: int) -> bool:
        """Renew the claim, count the attempt and mark it interrupted until its outcome is
        written. False: the claim is no longer ours (lapsed or released), so do not send."""
        at = self.clock()
        return self._write(update(N).where(*self._mine(notification_id), N.c.emailed_at.is_(None),
                                           N.c.email_claimed_until >= at)
                           .values(email_claimed_until=at + self.claim_for,
                                   email_attempts=N.c.email_attempts + 1, email_last_attempt_at=at,
                                   email_last_error=INTERRUPTED)) == 1

    def _record_sent(self, notification_id: int) -> None:
        self.held.remove(notification_id)
        self.sent += 1
        recorded = self._write(update(N).where(N.c.id == notification_id, N.c.emailed_at.is_(None))
                               .values(emailed_at=self.clock(), email_claimed_by=None,
                                       email_claimed_until=None, email_last_error=None,
                                       email_next_attempt_at=None))
        if not recorded:
            log.warning("email: notification %s was also emailed by another sender", notification_id)

    def _record_failure(self, row, exc: BaseException, counted: bool) -> None:
        """The attempt failed: record why and when to try again, and give the claim back."""
        self.held.remove(row.id)
        self.failed += 1
        attempts = row.email_attempts + 1
        at = self.clock()
        next_at = at + retry_delay(attempts, self.settings)
        error = describe_error(exc)
        values = {"email_last_error": error, "email_next_attempt_at": next_at,
                  "email_claimed_by": None, "email_claimed_until": None}
        if not counted:
            values.update(email_attempts=N.c.email_attempts + 1, email_last_attempt_at=at)
        self._write(update(N).where(*self._mine(row.id), N.c.emailed_at.is_(None)).values(**values))
        log.warning("email: notification %s not sent (attempt %s: %s); next try after %s",
                    row.id, attempts, error, next_at.isoformat(timespec="seconds"))

    def _release_held(self) -> None:
        if self.held:
            self.released += self._write(update(N).where(N.c.id.in_(self.held),
                                                         N.c.email_claimed_by == self.claimant,
                                                         N.c.emailed_at.is_(None))
                                         .values(email_claimed_by=None, email_claimed_until=None))
            self.held = []

    # --- sending ---

    def run(self) -> None:
        while self.keep_going():
            rows = self._claim()
            if not rows or not self._deliver(rows):
                return

    def _connect(self) -> smtplib.SMTP:
        if self.smtp is None:
            smtp = smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port,
                                timeout=self.settings.smtp_timeout_seconds)
            self.smtp = smtp
            smtp.ehlo_or_helo_if_needed()
        return self.smtp

    def _message(self, row) -> bytes:
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = row.email
        message["Subject"] = row.email_subject or (SUBJECT if row.clock_event_id is not None else SUBJECT_OTHER)
        # The notification's own id: a repeat after an unrecorded outcome can be told apart.
        message["Message-ID"] = f"<notification-{row.id}@{self.domain}>"
        where = f"{self.settings.service_url.rstrip('/')}{row.link}" if row.link else "the service"
        message.set_content(row.email_body or f"{row.message}\n\nSign in to see it: {where}")
        return message.as_bytes()

    def _deliver(self, rows) -> bool:
        """Send a claimed batch; False when the run should stop (connection lost, claim lost,
        told to stop). Whatever is left unsent is released by close()."""
        try:
            smtp = self._connect()
        except _CONNECTION_ERRORS as exc:
            self._drop_connection()
            for row in rows:
                self._record_failure(row, exc, counted=False)
            return False
        for row in rows:
            if not self.keep_going():
                return False
            outcome = self._send_one(smtp, row)
            if outcome in ("connection", "lost"):
                if outcome == "connection":
                    self._drop_connection()  # the rest are released unattempted, for the next sweep
                return False
        return True

    def _send_one(self, smtp: smtplib.SMTP, row) -> str:
        counted = False
        try:
            code, _ = smtp.mail(self.mail_from)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, b"", self.mail_from)
            code, _ = smtp.rcpt(row.email)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({row.email: (code, b"")})
            # The last moment to find out that this claim is no longer ours: after this the
            # server has the message.
            if self.keep_going() and self._begin_attempt(row.id):
                counted = True
                code, _ = smtp.data(self._message(row))
                if code != 250:
                    raise smtplib.SMTPDataError(code, b"")
        except _MESSAGE_ERRORS as exc:
            self._record_failure(row, exc, counted)
            try:
                smtp.rset()
            except _CONNECTION_ERRORS:
                return "connection"
            return "failed"
        except _CONNECTION_ERRORS as exc:
            self._record_failure(row, exc, counted)
            return "connection"
        if not counted:  # claim lost or told to stop: nothing was handed over
            try:
                smtp.rset()
            except _CONNECTION_ERRORS:
                self._drop_connection()
            return "lost"
        self._record_sent(row.id)
        return "sent"

    def _drop_connection(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            with suppress(OSError):
                smtp.close()

    def close(self) -> None:
        try:
            self._release_held()
        finally:
            smtp, self.smtp = self.smtp, None
            if smtp is not None:
                try:
                    smtp.quit()
                except _CONNECTION_ERRORS:
                    smtp.close()
