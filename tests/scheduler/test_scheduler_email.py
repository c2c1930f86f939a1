"""A scheduler that takes over from a dead or hung one releases the email it had claimed and
sends it at once, each notification once (a real SMTP server: tests/support/smtp.py)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.support.smtp import notification_rows as _rows
from tests.support.smtp import sent_by_id as _ids
from triage.extensions import db
from triage.models import Notification
from triage.services.notify import INTERRUPTED, send_pending_email


def test_a_scheduler_that_takes_over_releases_the_dead_ones_claims_and_sends_them_once(
        app, now, pending, mail_server, smtp_to, runners, fake_reports):
    ids = pending(4)
    smtp_to(mail_server.port)
    dead, standby = runners(), runners()
    assert dead.start_up(now)
    assert _ids(mail_server) == {i: 1 for i in ids}  # its start-up sweep sent what was due
    more = [Notification(user_id=_rows()[0].user_id, created_at=now, message=f"clock {i}")
                           for i in range(3)]
    db.session.add_all(more)
    db.session.commit()
    # What a scheduler killed mid-send leaves: its claims, one attempt started and never finished.
    db.session.execute(update(Notification).where(Notification.id.in_([m.id for m in more]))
                       .values(email_claimed_by=dead.lock.holder, email_claimed_until=now + timedelta(hours=1)))
    db.session.execute(update(Notification).where(Notification.id == more[0].id)
                       .values(email_attempts=1, email_last_error=INTERRUPTED))
    db.session.commit()
    more_ids = [m.id for m in more]

    assert send_pending_email(now + timedelta(minutes=1)).sent == 0  # claimed: nobody else sends
    assert standby.start_up(now + dead.lock.stale_after + timedelta(seconds=1))  # the takeover
    assert _ids(mail_server) == {i: 1 for i in ids + more_ids}
    rows = {r.id: r for r in _rows()}
    assert rows[more_ids[0]].email_attempts == 2 and rows[more_ids[1]].email_attempts == 1
    assert all(rows[i].email_last_error is None and rows[i].emailed_at for i in more_ids)


def test_a_scheduler_replaced_while_it_talks_to_the_mail_server_hands_nothing_over_and_stands_by(
        app, now, pending, mail_server, smtp_to, runners, fake_reports):
    ids = pending(3)
    smtp_to(mail_server.port)
    holder, standby = runners(), runners()
    assert holder.try_become_active(now)
    takeover_at = now + holder.lock.stale_after + timedelta(seconds=1)

    def hung_then_replaced(_address):  # the holder stalls here; meanwhile the standby takes over
        mail_server.on_rcpt = None
        assert standby.try_become_active(takeover_at)

    mail_server.on_rcpt = hung_then_replaced
    stale = holder.run_job("sweep-clocks", now)
    assert (stale["emailed"], mail_server.count) == (0, 0)  # it found its claim gone before DATA

    holder.heartbeat()
    assert holder.state == "standby" and holder.holds_lease() is False
    assert standby.run_job("sweep-clocks", takeover_at)["emailed"] == 3
    assert _ids(mail_server) == {i: 1 for i in ids}


def test_a_scheduler_waits_for_its_sweep_in_progress_before_it_may_take_the_lease_again(
        app, now, pending, mail_server, smtp_to, runners):
    import threading

    pending(1)
    smtp_to(mail_server.port)
    runner = runners()
    runner.try_become_active(now)
    inside, go = threading.Event(), threading.Event()
    mail_server.on_rcpt = lambda _address: (inside.set(), go.wait(10))
    job = threading.Thread(target=runner.run_job, args=("sweep-clocks", now))
    job.start()
    try:
        assert inside.wait(10)
        assert runner.wait_for_jobs(timeout=0.2) is False  # the sweep is still sending
    finally:
        go.set()
    assert runner.wait_for_jobs(timeout=10) is True
    job.join()
    assert mail_server.count == 1
