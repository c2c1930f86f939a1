"""`flask triage seed-demo`: a believable council to click around in, built through the services.

The demo is a list of seeding steps run in order (`STEPS`). Each step is idempotent: it looks
for what it would create, creates only what is missing, and reports what it did, so running
the command twice adds nothing the second time. Later features add their own step (contacts,
meetings, decisions ...) with the `@step` decorator; every step gets its own random generator
seeded from SEED and its name, so adding a step never changes the records earlier steps make.

Every account shares one published password, so the command refuses to run in production
unless told to with --force.
"""
from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import click
from flask import current_app
from sqlalchemy import select

from triage.clock import LONDON, UTC, local_date, require_aware, utcnow
from triage.demo_data import casework, catchup, front_door, places
from triage.demo_data.children import DEMO_ID_PREFIX, plan_children
from triage.demo_data.out_of_hours import seed_night
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Agency, Child, Locality, Meeting, Team, User
from triage.services import children as children_service
from triage.services import meetings, people, reference
from triage.services.actor import Actor
from triage.services.calendar import working_day_calendar
from triage.services.errors import ServiceError

SEED = 2026
DEMO_PASSWORD = "demo-password-123"
DEFAULT_CHILDREN = 300
MAX_CHILDREN = 5000
HISTORY_WEEKS = 8  # records are spread over this many weeks before `now`
SIGN_IN_URL = f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"  # make run passes PORT


CATCH_UP = "Catching up to today"


class DemoRefused(Exception):
    """The demo must not be seeded here (production without --force)."""


# --- what the council looks like -------------------------------------------------------------

# (team name, locality name or None where the team serves the whole council)
TEAMS: tuple[tuple[str, str | None], ...] = (
    ("MASH", None),
    ("Front Door assessment North", "North"),
    ("Front Door assessment West", "West"),
    ("Front Door assessment Central", "Central"),
    ("Front Door assessment South East", "South East"),
    ("14+ team", None),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    agency: str | None = None  # agency code (domain.codes.AgencyKind)
    team: str | None = None


# One memorable login per role first (printed at the end), then colleagues in the teams.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("era", "Ellen Marsh", Role.ERA, team="MASH"),
    DemoUser("practitioner", "Priya Nandra", Role.PRACTITIONER, team="MASH"),
    DemoUser("manager", "Gareth Howell", Role.MANAGER, team="MASH"),
    DemoUser("partner.police", "Sam Okoro", Role.PARTNER, agency="police"),
    DemoUser("partner.health", "Helen Firth", Role.PARTNER, agency="health"),
    DemoUser("partner.education", "Mark Ellison", Role.PARTNER, agency="education"),
    DemoUser("partner.early_help", "Joanne Pryce", Role.PARTNER, agency="early_help"),
    DemoUser("performance", "Tom Reddy", Role.PERFORMANCE),
    DemoUser("admin", "Alison Crane", Role.ADMIN),
    DemoUser("era2", "Stacey Burrows", Role.ERA, team="MASH"),
    DemoUser("practitioner2", "Kwame Asante", Role.PRACTITIONER, team="MASH"),
    DemoUser("sw.north1", "Rachel Dunn", Role.PRACTITIONER, team="Front Door assessment North"),
    DemoUser("sw.north2", "Imran Qureshi", Role.PRACTITIONER, team="Front Door assessment North"),
    DemoUser("sw.west1", "Beth Lawson", Role.PRACTITIONER, team="Front Door assessment West"),
    DemoUser("sw.central1", "Daniel Osei", Role.PRACTITIONER, team="Front Door assessment Central"),
    DemoUser("sw.southeast1", "Megan Price", Role.PRACTITIONER, team="Front Door assessment South East"),
    DemoUser("sw.14plus1", "Chris Holt", Role.PRACTITIONER, team="14+ team"),
)
SIGN_IN_USERS = DEMO_USERS[:9]  # the table printed at the end: one per role and partner agency


# --- running the steps -----------------------------------------------------------------------

@dataclass(frozen=True)
class StepResult:
    name: str
    added: int
    present: int  # already there before this run
    skipped: int = 0  # could not be added (e.g. looked like a child already recorded)

    def describe(self) -> str:
        text = f"{self.name}: {self.added} added, {self.present} already present"
        if self.skipped:
            text += f", {self.skipped} skipped as possible duplicates of existing records"
        return text


@dataclass(frozen=True)
class SeedSummary:
    steps: tuple[StepResult, ...]
    logins: tuple[tuple[str, str, str], ...]  # (username, role label, password)

    @property
    def added(self) -> int:
        return sum(s.added for s in self.steps)

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)


@dataclass
class SeedContext:
    """What the steps share: the time, the size asked for, and what earlier steps made."""

    now: datetime
    children: int
    echo: Callable[[str], object]
    localities: dict[str, Locality] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return local_date(self.now)

    @property
    def history_start(self) -> datetime:
        return self.now - timedelta(weeks=HISTORY_WEEKS)

    def rng(self, step_name: str) -> random.Random:
        # The children step keeps the plain seed; other steps get their own stream.
        return random.Random(SEED if step_name == "Children" else f"{SEED}:{step_name}")

    def actor(self, username: str) -> Actor:
        user = self.users[username]
        return Actor(role=Role(user.role), label="seed-demo", user_id=user.id,
                     agency_id=user.agency_id, team_id=user.team_id, channel="cli")


StepFunction = Callable[[SeedContext], StepResult]
STEPS: list[tuple[str, StepFunction]] = []


def step(name: str) -> Callable[[StepFunction], StepFunction]:
    """Register a seeding step; steps run in the order they are registered."""

    def register(fn: StepFunction) -> StepFunction:
        if any(existing == name for existing, _ in STEPS):
            raise ValueError(f"A seeding step called {name!r} is already registered")
        STEPS.append((name, fn))
        return fn

    return register


def seed_demo(now: datetime, children: int = DEFAULT_CHILDREN, echo=click.echo, *,
              force: bool = False, catch_up: bool = False) -> SeedSummary:
    """Build (or complete) the demo council; safe to re-run. Needs an app context.

    `catch_up`: on a later day, also do what a well-run Front Door did since the demo was last
    brought up to date, so that whatever day it is opened a handful of things are due soon, very
    few are overdue and none by weeks (`make run` asks for it; a second run at the same moment
    still adds nothing).
    """
    now = require_aware(now, "now")
    if isinstance(children, bool) or not isinstance(children, int) or not 1 <= children <= MAX_CHILDREN:
        raise ValueError(f"children must be a whole number from 1 to {MAX_CHILDREN}")
    if current_app.config.get("ENV_NAME") == "production" and not force:
        raise DemoRefused("This is a production deployment: the demo accounts all share a "
                          "published password. Use --force only if you really mean it.")
    ctx = SeedContext(now=now, children=children, echo=echo)
    results = []
    for _name, fn in STEPS:
        result = fn(ctx)
        echo(result.describe())
        results.append(result)
    if catch_up:
        result = StepResult(CATCH_UP, added=catchup.catch_up(ctx, ctx.rng(CATCH_UP)), present=0)
        echo(result.describe())
        results.append(result)
    summary = SeedSummary(
        steps=tuple(results),
        logins=tuple((u.username, _login_label(u), DEMO_PASSWORD) for u in SIGN_IN_USERS),
    )
    if summary.added == 0:
        echo("The demo was already in place: nothing was added.")
    else:
        echo(f"Demo ready: {summary.added} records added.")
    _print_logins(summary, echo)
    return summary


def _login_label(user: DemoUser) -> str:
    if user.agency:
        return f"{user.role.label} ({user.agency.replace('_', ' ')})"
    return user.role.label


def _print_logins(summary: SeedSummary, echo) -> None:
    header = ("Username", "Role", "Password")
    rows = [header, *summary.logins]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    echo("")
    echo("Demo logins:")
    for i, row in enumerate(rows):
        echo("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip())
        if i == 0:
            echo("  " + "  ".join("-" * width for width in widths))
    echo(f"Sign in at {SIGN_IN_URL}")


# --- the steps -------------------------------------------------------------------------------

@step("Agencies")
def seed_agencies(ctx: SeedContext) -> StepResult:
    before = len(db.session.scalars(select(Agency.id)).all())
    after = len(reference.ensure_agencies())
    return StepResult("Agencies", added=after - before, present=before)


@step("Localities and teams")
def seed_localities_and_teams(ctx: SeedContext) -> StepResult:
    locality_names = [loc.name for loc in places.LOCALITIES]
    team_names = [name for name, _ in TEAMS]
    present = (len(db.session.scalars(select(Locality.id).where(Locality.name.in_(locality_names))).all())
               + len(db.session.scalars(select(Team.id).where(Team.name.in_(team_names))).all()))
    for name in locality_names:
        ctx.localities[name] = reference.ensure_locality(name)
    for name, locality in TEAMS:
        ctx.teams[name] = reference.ensure_team(name, ctx.localities[locality] if locality else None)
    return StepResult("Localities and teams", added=len(locality_names) + len(team_names) - present,
                      present=present)


@step("Users")
def seed_users(ctx: SeedContext) -> StepResult:
    usernames = [u.username for u in DEMO_USERS]
    found = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(usernames)))}
    created_at = ctx.history_start - timedelta(days=1)  # accounts predate the records they make
    added = 0
    for spec in DEMO_USERS:
        if spec.username in found:
            ctx.users[spec.username] = found[spec.username]
            continue
        ctx.users[spec.username] = people.create_user(
            created_at, spec.username, spec.display_name, DEMO_PASSWORD, spec.role.value,
            spec.agency, spec.team, email=f"{spec.username}@wrenfield.invalid")
        added += 1
    return StepResult("Users", added=added, present=len(found))


@step("Children")
def seed_children(ctx: SeedContext) -> StepResult:
    plans = plan_children(ctx.rng("Children"), ctx.children, ctx.now, _working_days(ctx))
    existing = set(db.session.scalars(
        select(Child.council_child_id).where(Child.council_child_id.like(f"{DEMO_ID_PREFIX}%"))))
    todo = sorted((p for p in plans if p["council_child_id"] not in existing),
                  key=lambda p: p["created_at"])  # ids then rise with time, as in real life
    actor = ctx.actor("era")
    added = skipped = 0
    if todo:
        with click.progressbar(todo, label=f"Creating {len(todo)} children") as bar:
            for plan in bar:
                fields = dict(plan)
                created_at = fields.pop("created_at")
                fields["locality_id"] = ctx.localities[fields.pop("locality")].id
                try:
                    children_service.create_child(actor, created_at, fields)
                except children_service.PossibleDuplicate:
                    db.session.rollback()
                    skipped += 1
                else:
                    added += 1
    return StepResult("Children", added=added, present=len(plans) - len(todo), skipped=skipped)


def _working_days(ctx: SeedContext) -> list[date]:
    """Working days inside the history window: the first day of the window is left out (part of
    it falls before the window opens) and so is today (its office hours may be still ahead)."""
    calendar = working_day_calendar()
    days = [ctx.today - timedelta(days=n) for n in range(HISTORY_WEEKS * 7 - 1, 0, -1)]
    return [d for d in days if calendar.is_working_day(d)]


@step("Contacts and cases")
def seed_casework(ctx: SeedContext) -> StepResult:
    """Eight weeks of contacts for about half the children, made through the services at the
    times they happened: screening, partner requests, decisions, referrals, allocation,
    assessments and their case discussions; then a sweep, so breaches and notifications are real."""
    added, present = casework.seed_casework(ctx, ctx.rng("Contacts and cases"))
    return StepResult("Contacts and cases", added=added, present=present)


@step("Out-of-hours handover")
def seed_out_of_hours(ctx: SeedContext) -> StepResult:
    """Last night's contacts from the Emergency Duty Team, for the morning to accept."""
    added, present = seed_night(ctx)
    return StepResult("Out-of-hours handover", added=added, present=present)


@step("Triage meetings")
def seed_meetings(ctx: SeedContext) -> StepResult:
    """The daily MASH meeting on the last two working days (held and closed, with who attended),
    and today's, planned for the practitioner to chair: its agenda builds itself from whatever
    police notifications and put-forward contacts the demo holds."""
    present = len(db.session.scalars(select(Meeting.id)).all())
    if present:
        return StepResult("Triage meetings", added=0, present=present)
    chair = ctx.actor("practitioner")
    calendar = working_day_calendar()
    held = [calendar.add_working_days(ctx.today, -n) for n in (2, 1)]
    added = 0
    for day in held:
        start = datetime.combine(day, time(9, 30), tzinfo=LONDON).astimezone(UTC)
        meeting = meetings.plan_meeting(chair, start - timedelta(hours=2), "mash_daily", day)
        for username, agency, mode in (("practitioner", "childrens_social_care", "in_person"),
                                       ("partner.police", "police", "virtual"),
                                       ("partner.health", "health", "in_person"),
                                       ("partner.early_help", "early_help", "virtual")):
            meetings.record_attendance(chair, start, meeting.id, agency, mode, user_id=ctx.users[username].id)
        meetings.start_meeting(chair, start, meeting.id)
        meetings.close_meeting(chair, start + timedelta(hours=1), meeting.id)
        added += 1
    meetings.plan_meeting(chair, ctx.now, "mash_daily", ctx.today)
    return StepResult("Triage meetings", added=added + 1, present=0)


@step("The Front Door's week")
def seed_front_door_week(ctx: SeedContext) -> StepResult:
    """What else a Front Door did this week: an open case joined and one transferred, step-downs
    answered, a consent override, children without a known date of birth, a merged duplicate and
    a likely one, feedback to referrers, pathways and their meetings, a legal hold."""
    added, present = front_door.seed_week(ctx)
    return StepResult("The Front Door's week", added=added, present=present)


# --- the command -----------------------------------------------------------------------------

@click.command("seed-demo")
@click.option("--children", type=click.IntRange(1, MAX_CHILDREN), default=DEFAULT_CHILDREN,
              show_default=True, help=f"How many children to create (1 to {MAX_CHILDREN}).")
@click.option("--force", is_flag=True, help="Run even in production (the demo password is public).")
@click.option("--catch-up/--no-catch-up", default=True, show_default=True,
              help="On a later day, bring the demo's casework up to date as a well-run Front Door would.")
def seed_demo_command(children: int, force: bool, catch_up: bool) -> None:
    """Fill the database with a demo council: teams, a login per role, children, eight weeks of
    casework. Safe to re-run: nothing is added twice, and on a later day the casework is brought
    up to date."""
    try:
        seed_demo(utcnow(), children=children, force=force, catch_up=catch_up)
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from None
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
