"""`flask triage generate`: synthetic data for benchmarks and load tests, never for production."""
from __future__ import annotations

import sys
from datetime import datetime

import click

from triage.clock import UTC, utcnow
from triage.generate import PRESETS, GenerateRefused, generate


def _instant(value: str | None) -> datetime:
    if not value:
        return utcnow()
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-11-27T09:30:00+00:00", param_hint="--now")
    return moment.astimezone(UTC)


@click.command("generate")
@click.option("--preset", type=click.Choice(list(PRESETS)), default="council", show_default=True,
              help="council: ~60,000 contacts a year for ~63,000 children; region: ten councils; tiny: tests.")
@click.option("--years", type=float, default=1.0, show_default=True, help="Years of history to generate.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--now", "now_text", help="The present of the data (ISO 8601 with offset); default: now.")
@click.option("--append", is_flag=True, help="Add earlier history to generated data already here.")
@click.option("--contacts-per-year", type=int, help="Override the preset's size (same shape).")
def generate_command(preset, years, seed, now_text, append, contacts_per_year):
    """Generate synthetic contacts, referrals, assessments, clocks and meetings (not in production)."""
    now = _instant(now_text)
    bars: list = []

    def progress(label: str, length: int):
        bar = click.progressbar(length=length, label=label, file=sys.stderr)
        bar.__enter__()
        bars.append(bar)
        return bar.update

    try:
        result = generate(preset, years, now=now, seed=seed, append=append, contacts_per_year=contacts_per_year,
                          progress=progress)
    except GenerateRefused as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)
    click.echo(f"Generated {result.preset.name} data from {result.start:%Y-%m-%d} to {result.end:%Y-%m-%d} "
               f"(as of {result.as_of.isoformat(timespec='minutes')}): {result.rows:,} rows "
               f"in {result.seconds:.1f} s")
    for table, count in sorted(result.counts.items()):
        click.echo(f"  {table:22} {count:>12,}")
    if result.preset.population != 63000:
        click.echo(f"Rates per 10,000 use TRIAGE_CHILD_POPULATION; for this data set it is "
                   f"{result.preset.population}.")
