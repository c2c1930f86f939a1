"""My work in numbers: the counts each role's home page and `GET /api/v1/me/work` show, read with a
fixed handful of COUNT statements and the clocks' own rules."""
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tests.support.statements import recorded_statements
from tests.support.stories import at, contact_about
from triage.domain.clocks import ClockState, stored_state
from triage.extensions import db
from triage.models import Clock, Referral
from triage.services import cases, contacts, information_requests, my_work, notify
from triage.services.reference import ensure_team
from triage.services.report.build import build_on_demand
from triage.services.sweep import sweep_clocks

MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # the first assessment (referral 1 Sep) is due Tue 3 Nov
WEEK_ENDS = date(2026, 11, 8)


def _referral(contact_id: int) -> Referral:
    return db.session.query(Referral).filter_by(contact_id=contact_id).one()


def _allocated(staff, day: date) -> Referral:
    referral = _referral(contact_about(staff, day))
    cases.allocate(staff["manager"], at(day, 12), referral.id, cases.Allocation(staff["team"].id,
                                                                                 staff["worker_user"].id))
    return referral


def _expected(now: datetime, **where) -> tuple[int, int]:
    """(due this week, breached) for running case clocks, one row at a time by the domain's rule."""
    week_ends = datetime(2026, 11, 8, 23, 59, 59, tzinfo=UTC)  # the end of Sunday: London is on GMT in November
    due = breached = 0
    for clock in db.session.scalars(select(Clock).filter_by(**where).where(Clock.kind.in_(my_work.CASE_CLOCKS))):
        state = stored_state(clock.due_at, clock.warn_at, clock.stopped_at, clock.state, now)
        if clock.stopped_at is None and state is ClockState.BREACHED:
            breached += 1
        elif clock.stopped_at is None and clock.due_at <= week_ends:
            due += 1
    return due, breached


def test_a_workers_cases_count_clocks_due_this_week_and_breached_by_the_clocks_rule(app, staff):
    _allocated(staff, date(2026, 9, 1))
    _allocated(staff, date(2026, 9, 15))
    worker = staff["worker"]

    monday = my_work.my_work(worker, MONDAY).cases
    wednesday = my_work.my_work(worker, MONDAY + timedelta(days=2)).cases

    owner = {"owner_id": worker.user_id}
    assert (monday.due_this_week, monday.breached) == _expected(MONDAY, **owner)
    assert (wednesday.due_this_week, wednesday.breached) == _expected(MONDAY + timedelta(days=2), **owner)
    # The first case's assessment (due Tuesday) and the second's last case discussion move from due
    # this week to breached as their days end.
    assert (monday.due_this_week, monday.breached) == (2, 3)
    assert (wednesday.due_this_week, wednesday.breached) == (0, 5)
    assert monday.breached >= 2  # the first case's two case discussions are past due by 2 November
    assert monday.open_cases == 2 and monday.week_ends_on == WEEK_ENDS


def test_the_counts_are_a_fixed_number_of_statements_however_much_work_there_is(app, staff):
    _allocated(staff, date(2026, 9, 1))
    with recorded_statements() as few:
        one = my_work.my_work(staff["manager"], MONDAY)
    for day in (date(2026, 9, 8), date(2026, 9, 15), date(2026, 9, 22)):
        _allocated(staff, day)
        contact_about(staff, day, decide=None)
    with recorded_statements() as many:
        four = my_work.my_work(staff["manager"], MONDAY)

    assert len(many) == len(few)
    assert four.team.breached > one.team.breached and four.queue.awaiting_decision == 3


def test_a_manager_sees_the_teams_breaches_and_cases_awaiting_allocation(app, staff, make_user, actor_for):
    _allocated(staff, date(2026, 9, 1))
    waiting = _referral(contact_about(staff, date(2026, 10, 1)))
    ensure_team("Front Door assessment South")
    elsewhere = make_user("manager", team="Front Door assessment South")

    team = my_work.my_work(staff["manager"], MONDAY).team  # a manager in no team sees every team
    before = my_work.my_work(actor_for(elsewhere), MONDAY).team
    north = my_work.my_work(actor_for(make_user("manager", team="Front Door assessment North")), MONDAY).team

    assert team.breached == _expected(MONDAY)[1] > north.breached == _expected(MONDAY, team_id=staff["team"].id)[1] > 0
    assert before.breached == 0  # the other team's manager sees only their team
    assert team.team_id is None and team.awaiting_allocation == 1
    assert before.awaiting_allocation == 0
    cases.allocate(staff["manager"], MONDAY, waiting.id, cases.Allocation(staff["team"].id, staff["worker_user"].id))
    assert my_work.my_work(staff["manager"], MONDAY).team.awaiting_allocation == team.awaiting_allocation - 1


def test_the_queue_and_unread_notifications_are_counted_for_the_reader(app, staff):
    _allocated(staff, date(2026, 9, 1))
    contact_about(staff, date(2026, 11, 2), decide=None)  # received 10:00, due 24 hours later
    worker = staff["worker"]

    queue_at_noon = my_work.my_work(worker, at(date(2026, 11, 2), 12)).queue
    queue_late = my_work.my_work(worker, at(date(2026, 11, 3), 11)).queue
    assert (queue_at_noon.awaiting_decision, queue_at_noon.breached) == (1, 0)
    assert (queue_late.awaiting_decision, queue_late.breached, queue_late.due_soon) == (1, 1, 0)

    assert my_work.my_work(worker, MONDAY).unread_notifications == 0
    sweep_clocks(MONDAY)
    unread = notify.notifications_for(worker, unread_only=True).items
    assert unread and my_work.my_work(worker, MONDAY).unread_notifications == len(unread)
    notify.mark_read(worker, MONDAY, unread[0].id)
    assert my_work.my_work(worker, MONDAY).unread_notifications == len(unread) - 1


def test_a_partner_counts_open_requests_to_their_agency_only(app, staff, make_user, actor_for):
    contact_id = contact_about(staff, date(2026, 11, 2), decide=None)
    contacts.set_rag(staff["worker"], MONDAY, contact_id, "amber", "Weight loss")
    police, health = actor_for(make_user("partner", agency="police")), actor_for(make_user("partner", agency="health"))
    asked = information_requests.request_information(staff["worker"], MONDAY, contact_id, ["police"],
                                                     "What do you hold?")

    assert my_work.my_work(police, MONDAY).requests_awaiting_agency == 1
    assert my_work.my_work(health, MONDAY).requests_awaiting_agency == 0
    information_requests.answer_request(police, MONDAY, asked[0].id, "Nothing known")
    assert my_work.my_work(police, MONDAY).requests_awaiting_agency == 0


def test_each_role_gets_only_its_own_parts(app, staff, make_user, actor_for):
    era, admin = staff["era"], actor_for(make_user("admin"))
    performance = actor_for(make_user("performance"))
    partner = actor_for(make_user("partner"))

    assert my_work.my_work(era, MONDAY).queue is not None and my_work.my_work(era, MONDAY).cases is None
    assert my_work.my_work(staff["worker"], MONDAY).team is None
    assert my_work.my_work(partner, MONDAY).queue is None
    only_unread = my_work.my_work(admin, MONDAY)
    assert (only_unread.queue, only_unread.cases, only_unread.latest_report) == (None, None, None)
    assert my_work.my_work(performance, MONDAY).latest_report is None

    built = build_on_demand(staff["manager"], MONDAY)
    latest = my_work.my_work(performance, MONDAY).latest_report
    assert (latest.report_date, latest.version) == (built.report_date, built.version)
