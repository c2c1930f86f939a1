"""Notification email: claimed before it is sent, sent once however many senders run, retried
with backoff by every sweep, and released when the scheduler that held it is replaced.

A real SMTP server (aiosmtpd) runs in the test process; see tests/support/smtp.py.
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import update

from tests.support.smtp import free_port
from tests.support.smtp import notification_rows as _rows
from tests.support.smtp import sent_by_id as _ids
from triage.extensions import db
from triage.models import Notification
from triage.services.notify import abandon_email_claims, describe_error, retry_delay, send_pending_email
from triage.settings import mail_settings


def test_each_due_notification_is_emailed_once_under_its_own_message_id_and_a_second_run_sends_nothing(
        app, now, pending, mail_server, smtp_to):
    ids = pending(5)
    smtp_to(mail_server.port)

    first = send_pending_email(now)
    second = send_pending_email(now + timedelta(minutes=1))

    assert (first.sent, second.sent) == (5, 0)
    assert _ids(mail_server) == {i: 1 for i in ids}
    rows = _rows()
    assert all(r.emailed_at is not None and r.email_attempts == 1 and r.email_claimed_by is None
               and r.email_last_error is None for r in rows)
    body = b"".join(mail_server.bodies)
    assert b"Worker" not in body and b"decision clock breached on contact 1000" in body


def test_every_sweep_retries_unsent_email_with_backoff_even_when_it_records_nothing_new(
        app, now, pending, mail_server, smtp_to, caplog):
    from triage.scheduler.jobs import sweep

    [notification_id] = pending(1)
    smtp_to(free_port())  # nothing listens there: the mail server is down
    with caplog.at_level(logging.WARNING, logger="triage.services.notify"):
        down = sweep(now)
    [row] = _rows()
    assert (down["emailed"], down["email_failed"], down["notifications"]) == (0, 1, 0)
    assert (row.email_attempts, row.email_last_error) == (1, "ConnectionRefusedError")
    assert row.email_next_attempt_at == row.email_last_attempt_at + timedelta(seconds=60)
    assert row.emailed_at is None and row.email_claimed_by is None
    assert f"notification {notification_id} not sent (attempt 1: ConnectionRefusedError)" in caplog.text
    assert "council.example" not in caplog.text

    smtp_to(mail_server.port)  # back up, but the retry is not yet due
    assert sweep(now + timedelta(seconds=30))["emailed"] == 0
    assert mail_server.count == 0
    assert sweep(now + timedelta(seconds=61))["emailed"] == 1  # a sweep that records nothing new
    [row] = _rows()
    assert (row.email_attempts, row.email_last_error, _ids(mail_server)) == (2, None, {notification_id: 1})


def test_a_refused_recipient_is_retried_after_doubling_delays_and_its_error_names_no_address(
        app, now, pending, mail_server, smtp_to, caplog):
    ids = pending(2, people_count=2)
    smtp_to(mail_server.port)
    mail_server.refuse = "550 5.1.1 <worker0@council.example>: no such user"

    with caplog.at_level(logging.WARNING, logger="triage.services.notify"):
        first = send_pending_email(now)
        later = send_pending_email(now + timedelta(seconds=61))
    assert (first.failed, later.failed) == (2, 2)
    rows = _rows()
    assert {r.email_last_error for r in rows} == {"SMTPRecipientsRefused 550"}
    assert {r.email_attempts for r in rows} == {2}
    assert {r.email_next_attempt_at - r.email_last_attempt_at for r in rows} == {timedelta(seconds=120)}
    assert "council.example" not in caplog.text and "worker" not in caplog.text

    mail_server.refuse = None
    assert send_pending_email(now + timedelta(seconds=180)).sent == 0  # 120 s after the second
    assert send_pending_email(now + timedelta(seconds=182)).sent == 2
    assert _ids(mail_server) == {i: 1 for i in ids}


def test_the_delay_between_attempts_doubles_up_to_its_cap(app):
    delays = [retry_delay(n, mail_settings()).total_seconds() for n in (1, 2, 3, 6, 7, 50)]
    assert delays == [60, 120, 240, 1920, 3600, 3600]


def test_an_error_is_described_by_class_and_code_never_by_the_servers_text():
    import smtplib

    refused = smtplib.SMTPRecipientsRefused({"jo@x.example": (550, b"jo@x.example unknown")})
    assert describe_error(refused) == "SMTPRecipientsRefused 550"
    assert describe_error(smtplib.SMTPDataError(452, b"mailbox of jo@x.example full")) == "SMTPDataError 452"
    assert describe_error(ConnectionResetError("x")) == "ConnectionResetError"


def test_four_senders_at_once_with_a_slow_server_send_each_notification_exactly_once(
        app, now, pending, mail_server, smtp_to, monkeypatch):
    ids = pending(24)
    smtp_to(mail_server.port)
    monkeypatch.setitem(app.config, "EMAIL_BATCH_SIZE", 3)  # so that the four share the work
    mail_server.rcpt_delay = 0.02
    mail_server.gate = 4  # the server answers nobody until all four are talking to it
    start = threading.Barrier(4)
    results = [None] * 4

    def sender(i):
        with app.app_context():
            start.wait()
            results[i] = send_pending_email(now)
            db.session.remove()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert _ids(mail_server) == {i: 1 for i in ids}
    assert sum(r.sent for r in results) == 24 and sum(r.failed for r in results) == 0
    assert min(r.sent for r in results) >= 3  # each had claimed a batch of its own before any was sent
    assert all(r.emailed_at is not None and r.email_attempts == 1 for r in _rows())


def test_a_sender_whose_claim_is_released_while_it_talks_to_the_server_hands_nothing_over(
        app, now, pending, mail_server, smtp_to):
    ids = pending(3)
    smtp_to(mail_server.port)

    def replaced(_address):  # as a scheduler taking over from this sender would, mid-send
        if mail_server.on_rcpt is not None:
            mail_server.on_rcpt = None
            with app.app_context():
                abandon_email_claims("stale scheduler")
                db.session.remove()

    mail_server.on_rcpt = replaced
    stale = send_pending_email(now, claimant="stale scheduler")
    assert (stale.sent, mail_server.count) == (0, 0)
    assert all(r.email_claimed_by is None and r.email_attempts == 0 for r in _rows())

    assert send_pending_email(now, claimant="new scheduler").sent == 3
    assert _ids(mail_server) == {i: 1 for i in ids}


def test_a_sender_told_to_stop_releases_what_it_claimed_unsent(app, now, pending, mail_server, smtp_to):
    pending(4)
    smtp_to(mail_server.port)
    answers = iter([True, True, True, False])  # the batch, the first message's two checks, then stop

    result = send_pending_email(now, keep_going=lambda: next(answers, False))

    assert (result.sent, result.released) == (1, 3)
    rows = _rows()
    assert [r.emailed_at is not None for r in rows] == [True, False, False, False]
    assert all(r.email_claimed_by is None for r in rows)
    assert send_pending_email(now).sent == 3


def test_the_claims_of_a_sender_that_vanished_without_a_takeover_lapse(
        app, now, pending, mail_server, smtp_to):
    ids = pending(2)
    smtp_to(mail_server.port)
    db.session.execute(update(Notification).values(email_claimed_by="sweep gone:1#abc",
                                                   email_claimed_until=now + timedelta(seconds=120)))
    db.session.commit()

    assert send_pending_email(now + timedelta(seconds=119)).sent == 0
    assert send_pending_email(now + timedelta(seconds=121)).sent == 2
    assert _ids(mail_server) == {i: 1 for i in ids}


def test_without_an_smtp_host_nothing_is_claimed_or_sent(app, now, pending):
    pending(2)
    assert send_pending_email(now).sent == 0
    assert all(r.email_claimed_by is None and r.email_attempts == 0 for r in _rows())


def test_a_notification_about_no_clock_is_emailed_under_its_own_subject_with_its_link(
        app, now, pending, mail_server, smtp_to):
    # A tracker import's summary to each manager is about no clock: its email must not say one
    # needs attention, and it carries the address of the review list it points to.
    [notification_id] = pending(1, people_count=1)
    db.session.execute(update(Notification).where(Notification.id == notification_id)
                       .values(link="/import/review", message="Tracker import: 3 cases imported"))
    db.session.commit()
    smtp_to(mail_server.port)

    assert send_pending_email(now).sent == 1
    [body] = mail_server.bodies
    assert b"Subject: Front Door: something needs your attention" in body
    assert b"clock needs attention" not in body
    assert f"{app.config['SERVICE_URL'].rstrip('/')}/import/review".encode() in body


def test_the_morning_reports_email_goes_through_the_claimed_sender_once_to_each_active_manager(
        app, mail_server, smtp_to):
    """It used to be sent straight from the build, unclaimed: lost when the mail server was down
    or the scheduler stopped after storing the report, and never retried."""
    from tests.support.report_council import NOW  # a working day after the report's time
    from triage.models import User
    from triage.services import people
    from triage.services.report import build as morning_report

    managers = [people.create_user(NOW, f"head{i}", f"Head {i}", "correct horse battery", "manager",
                                   email=f"head{i}@council.example") for i in range(2)]
    gone = people.create_user(NOW, "leaver", "Leaver", "correct horse battery", "manager",
                              email="leaver@council.example")
    db.session.execute(update(User).where(User.id == gone.id).values(active=False))
    people.create_user(NOW, "worker", "Worker", "correct horse battery", "practitioner",
                       email="worker@council.example")
    db.session.commit()
    smtp_to(free_port())  # the mail server is down when the report is built

    assert morning_report.build_scheduled_report(NOW) is not None
    assert morning_report.build_scheduled_report(NOW) is None  # a second scheduler: no second notice
    assert morning_report.build_on_demand(_actor(managers[0]), NOW) is not None  # a rebuild tells nobody

    rows = _rows()
    assert sorted(r.user_id for r in rows) == sorted(m.id for m in managers)
    assert {r.link for r in rows} == {"/reports/morning?date=2026-11-27"}
    assert send_pending_email(NOW).failed == 2  # still down: kept, and retried after the backoff
    smtp_to(mail_server.port)
    assert send_pending_email(NOW + timedelta(seconds=61)).sent == 2
    assert send_pending_email(NOW + timedelta(minutes=5)).sent == 0
    assert sorted(rcpt for _, rcpts in mail_server.messages for rcpt in rcpts) == [
        "head0@council.example", "head1@council.example"]
    assert all(b"/reports/morning?date=2026-11-27" in body for body in mail_server.bodies)


def _actor(user):
    from triage.domain.roles import Role
    from triage.services.actor import Actor

    return Actor(role=Role(user.role), label=user.username, user_id=user.id, agency_id=None, team_id=None,
                 channel="page", remote_addr="127.0.0.1")
