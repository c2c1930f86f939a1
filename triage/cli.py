"""`flask triage ...`: the same services the pages and API call, for people at a terminal."""
from __future__ import annotations

import os
from datetime import date, timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from triage.clock import local_date, utcnow
from triage.config import ConfigError
from triage.demo import seed_demo_command
from triage.domain.roles import Role
from triage.generate.command import generate_command
from triage.services import (
    annex_a,
    calendar,
    census_check,
    cin_census,
    people,
    reference,
    tracker_import,
)
from triage.services.actor import Actor
from triage.services.errors import ServiceError
from triage.services.notify import send_pending_email
from triage.services.sweep import sweep_clocks

triage_cli = AppGroup("triage", help="Front Door triage commands.")


def _fail(exc: ServiceError) -> None:
    details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.errors.items())
    raise click.ClickException(f"{exc.message}{' (' + details + ')' if details else ''}")


@triage_cli.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", help="Name shown in the service.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", help="Agency code (required for partner representatives).")
@click.option("--team", "team_name", help="Team name.")
@click.option("--email")
@click.password_option(help="At least 12 characters; prompted for when not given.")
def create_user(username, display_name, role, agency_code, team_name, email, password):
    """Create a person who signs in to the pages."""
    try:
        user = people.create_user(utcnow(), username, display_name or username, password, role,
                                  agency_code, team_name, email, actor=CLI_ACTOR)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Created user {user.username} ({Role(user.role).label}), id {user.id}")


CLI_ACTOR = Actor(role=Role.ADMIN, label="cli", channel="cli")


def _expiry(now, value: str | None):
    """--expires: a date (YYYY-MM-DD, works to the end of that day in London) or a number of days."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(days=int(value))
    try:
        return people.end_of_london_day(date.fromisoformat(value))
    except ValueError:
        raise click.BadParameter("give a date as YYYY-MM-DD or a number of days", param_hint="--expires") from None


@triage_cli.command("create-token")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", help="Agency code (required for partner systems).")
@click.option("--expires", help="Last day it works (YYYY-MM-DD) or a number of days; default from "
                                "TRIAGE_TOKEN_DEFAULT_DAYS, at most TRIAGE_TOKEN_LONGEST_DAYS.")
@click.option("--holder", help="Username of the person the token acts for (who signs what it does).")
def create_token(name, role, agency_code, expires, holder):
    """Create a bearer token for a partner system; the secret is printed once."""
    now = utcnow()
    try:
        token, secret = people.create_token(now, name, role, agency_code, expires_at=_expiry(now, expires),
                                            actor=CLI_ACTOR, holder=holder)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Token {token.id} for {token.name} ({Role(token.role).label}), "
               f"expires {token.expires_at.isoformat(timespec='minutes')}. "
               "Store this secret now; it cannot be shown again:")
    click.echo(secret)
    if token.awaiting_approval:
        click.echo("It reads children's records, so it works only once a Front Door manager or an "
                   "administrator approves it in the service (Users > API tokens, or Token approvals).")


@triage_cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token(token_id):
    """Revoke a bearer token at once."""
    try:
        token = people.revoke_token(utcnow(), token_id, actor=CLI_ACTOR)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Token {token.id} ({token.name}) is revoked")


@triage_cli.command("seed-reference")
def seed_reference():
    """Create the standard agencies (police, health, education ...); safe to re-run."""
    agencies = reference.ensure_agencies()
    click.echo(f"{len(agencies)} agencies present")


@triage_cli.command("sweep")
def sweep():
    """Run one clock sweep now: record warnings and breaches that are due, and email what is
    due (safe to re-run, and alongside a running scheduler)."""
    now = utcnow()
    result = sweep_clocks(now)
    email = send_pending_email(now)
    click.echo(f"Sweep at {now.isoformat(timespec='seconds')}: {result.breaches} breaches, "
               f"{result.warnings} warnings, {result.notifications} notifications recorded; "
               f"{email.sent} emailed, {email.failed} email attempts failed")


@triage_cli.command("scheduler")
def scheduler():
    """Run the scheduler process until SIGTERM or Ctrl-C (one active copy per deployment)."""
    # Imported here, not at the top: only the scheduler process may load APScheduler, and the
    # web process imports this module to register its commands.
    from triage.scheduler import run  # noqa: PLC0415

    try:
        run(current_app._get_current_object(), echo=click.echo)
    except ConfigError as exc:
        raise click.ClickException(f"Scheduler not started: {exc}") from None


@triage_cli.command("import-tracker")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--dry-run", is_flag=True, help="Show what would happen without writing anything.")
@click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False, readable=True),
              help="CSV of column,name,maps_to,target: what each team and worker name in the file is here.")
@click.option("--save-mapping", is_flag=True, help="Keep the --mapping choices for later imports.")
def import_tracker_command(file, dry_run, mapping_file, save_mapping):
    """Bring in the old Front Door tracker spreadsheet (CSV or XLSX).

    Every team, locality and worker name found is listed first with what it stands for: a
    --mapping CSV (column: team or worker; maps_to: team, locality, account, create-team,
    create-locality or none; target: the team or locality name or the username), else a
    saved mapping, else the same name here. Doubtful rows go on the review list."""
    actor = Actor(role=Role.MANAGER, label="cli:import-tracker", channel="cli")
    now = utcnow()
    try:
        mapping = ()
        if mapping_file:
            with open(mapping_file, "rb") as handle:
                mapping = tracker_import.read_mapping(handle.read(), os.path.basename(mapping_file))
        with open(file, "rb") as handle:
            report = tracker_import.import_tracker(actor, now, handle.read(), os.path.basename(file),
                                                   dry_run=dry_run, mapping=mapping)
        if save_mapping and mapping and not dry_run:
            tracker_import.save_mapping(actor, now, mapping)
    except ServiceError as exc:
        _fail(exc)
    click.echo("Names in the file:")
    for name in report.names:
        target = f" {name.target_name}" if name.target_name else ""
        what = {"create-team": "new team", "create-locality": "new locality"}.get(name.action, name.action)
        click.echo(f"  {name.column:<6} {name.name:<32} -> {what}{target}  ({name.source}, {name.rows} rows)")
    for row in report.rows:
        click.echo(f"row {row.row_number:>5}  {report.label(row.status):<12}  {'; '.join(row.messages)}")
    click.echo(f"{'Dry run, nothing written' if dry_run else 'Done'}: {report.summary_text}")
    if not dry_run:
        click.echo(f"{report.overdue} already overdue (recorded as history, not notified); "
                   f"{tracker_import.open_review_count()} on the review list (/import/review); "
                   f"{report.notified_managers} managers told")
    if save_mapping and mapping and not dry_run:
        click.echo("Mapping saved for later imports")


@triage_cli.group("closure-day")
def closure_day():
    """Add or remove a day the council is closed; running working-day clocks move with it."""


def _echo_change(change) -> None:
    click.echo(change.note)
    for moved in change.moved_clocks:
        click.echo(f"  clock {moved.clock_id:>7}  {moved.kind:<16} {moved.subject} {moved.subject_id}: "
                   f"due {moved.due_before.isoformat()} -> {moved.due_after.isoformat()}")


@closure_day.command("add")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--reason", required=True, help="Why the council is closed.")
def closure_day_add(day, reason):
    """Add DAY (YYYY-MM-DD) as a closure day."""
    actor = Actor(role=Role.ADMIN, label="cli:closure-day", channel="cli")
    try:
        change = calendar.add_closure_day(actor, utcnow(), day.date(), reason)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"{change.day.isoformat()} added as a closure day")
    _echo_change(change)


@closure_day.command("remove")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
def closure_day_remove(day):
    """Remove DAY (YYYY-MM-DD) from the closure days."""
    actor = Actor(role=Role.ADMIN, label="cli:closure-day", channel="cli")
    try:
        change = calendar.remove_closure_day(actor, utcnow(), day.date())
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"{change.day.isoformat()} is no longer a closure day")
    _echo_change(change)


returns_cli = AppGroup("returns", help="Statutory returns: the CIN census and Ofsted's Annex A.")
triage_cli.add_command(returns_cli)
RETURNS_ACTOR_LABEL = "cli:returns"


def _returns_actor():
    return Actor(role=Role.PERFORMANCE, label=RETURNS_ACTOR_LABEL, channel="cli")


@returns_cli.command("cin-census")
@click.option("--year", type=click.IntRange(2000, 2100), required=True,
              help="The year the collection ends on 31 March (2027 for April 2026 to March 2027).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--check/--no-check", default=False, help="Run the DfE's validation rules on the file too.")
def cin_census_command(year, output, check):
    """Write the Children in Need census XML, streamed from the records."""
    now = utcnow()
    try:
        with open(output, "wb") as handle:
            index = cin_census.write_census(_returns_actor(), now, year, handle)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"CIN census {year}: {index.children} children, {index.episodes} episodes -> {output}")
    if check:
        if not census_check.validator_available():
            raise click.ClickException(f"The DfE rules are not installed: {census_check.INSTALL_HINT}")
        findings = census_check.errors_that_matter(census_check.check_census(output, year, index, local_date(now)))
        for f in findings:
            click.echo(f"{f.rule:<6} {'query' if f.is_query else 'error'}  {f.la_child_id or '-':<20} "
                       f"{f.table or ''}.{f.field or ''}  {f.description[:100]}")
        click.echo(f"{len(findings)} findings (2887Q/2888Q aside)")


@returns_cli.command("annex-a")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="The inspection date: the lists cover the months before it.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--contact-months", type=click.IntRange(1, 36), help="Months of contacts (default 6).")
@click.option("--months", type=click.IntRange(1, 36), help="Months for the other lists (default 12).")
def annex_a_command(as_of, output, contact_months, months):
    """Write Ofsted's Annex A lists 1, 3, 4 and 5 as an XLSX workbook."""
    try:
        with open(output, "wb") as handle:
            summary = annex_a.write_annex_a(_returns_actor(), utcnow(), handle, as_of.date(), contact_months,
                                            months)
    except ServiceError as exc:
        _fail(exc)
    click.echo("Annex A: " + ", ".join(f"{name}: {n}" for name, n in summary.rows.items()) + f" -> {output}")


triage_cli.add_command(seed_demo_command)
triage_cli.add_command(generate_command)


def register(app: Flask) -> None:
    app.cli.add_command(triage_cli)
