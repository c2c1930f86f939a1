"""Statutory returns: the CIN census (checked by the DfE's rules) and Ofsted's Annex A.

Performance officers, managers and administrators only; every return produced is audited (the
services write one row per child in it and one for the return). Downloads are written to a
spooled temporary file as they are read from the database, then sent.
"""
from __future__ import annotations

import tempfile
from contextlib import ExitStack
from datetime import date

from flask import Blueprint, Response, render_template, request

from triage.auth import current_actor, roles_required
from triage.clock import local_date, utcnow
from triage.domain.census import census_year_for
from triage.services import annex_a, census_check, cin_census, national_measures
from triage.services.errors import Invalid

bp = Blueprint("returns", __name__, url_prefix="/returns")
SPOOL = 4 * 1024 * 1024  # bytes kept in memory before a download spills to disk


def _year(today: date) -> int:
    raw = request.args.get("year")
    if raw is None or raw == "":
        return census_year_for(today)
    if not raw.isdigit() or not 2000 <= int(raw) <= census_year_for(today):
        raise Invalid("Choose a census year", {"year": [
            f"Enter the year the collection ends, up to {census_year_for(today)}"]})
    return int(raw)


def _as_of(today: date) -> date:
    raw = request.args.get("as_of")
    if not raw:
        return today
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise Invalid("Choose a date", {"as_of": ["Enter the inspection date as YYYY-MM-DD"]}) from None
    if value > today:
        raise Invalid("Choose a date", {"as_of": ["The date cannot be in the future"]})
    return value


def _months(name: str) -> int | None:
    raw = request.args.get(name)
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 36:
        raise Invalid("Choose a window", {name: ["Enter a number of months from 1 to 36"]})
    return int(raw)


@bp.get("")
@roles_required(*cin_census.RETURN_ROLES)
def index():
    now = utcnow()
    today = local_date(now)
    year = _year(today)
    findings = index_ = None
    checked = request.args.get("check") == "1"
    available = census_check.validator_available()
    if checked and available:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
            index_ = cin_census.write_census(current_actor(), now, year, spool)
            spool.seek(0)
            findings = census_check.errors_that_matter(census_check.check_census(spool, year, index_, today))
    return render_template("returns/index.html", year=year, current_year=census_year_for(today), today=today,
                           checked=checked, available=available, findings=findings, index=index_,
                           install_hint=census_check.INSTALL_HINT,
                           measures=national_measures.council_measures(now),
                           counting_note=national_measures.DFE_COUNTING_NOTE,
                           windows=annex_a.windows(today),
                           to_confirm=cin_census.birth_dates_to_confirm(current_actor(), now, year))


def _spooled(write) -> tempfile.SpooledTemporaryFile:
    """A spool holding what `write(spool)` wrote; closed (and so deleted) at once if it fails,
    otherwise left open for the response to send and close."""
    with ExitStack() as stack:
        spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=SPOOL))
        write(spool)
        stack.pop_all()
    return spool


def _send(spool, name: str, mimetype: str) -> Response:
    """Send the spooled file in pieces, closing (and so deleting) it however the response ends."""
    spool.seek(0)

    def pieces():
        try:
            while chunk := spool.read(64 * 1024):
                yield chunk
        finally:
            spool.close()

    return Response(pieces(), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/cin-census.xml")
@roles_required(*cin_census.RETURN_ROLES)
def census_xml():
    now = utcnow()
    year = _year(local_date(now))
    spool = _spooled(lambda out: cin_census.write_census(current_actor(), now, year, out))
    return _send(spool, f"cin-census-{year}.xml", "application/xml")


@bp.get("/annex-a.xlsx")
@roles_required(*cin_census.RETURN_ROLES)
def annex_a_xlsx():
    now = utcnow()
    as_of = _as_of(local_date(now))
    contact_months, months = _months("contact_months"), _months("months")
    spool = _spooled(lambda out: annex_a.write_annex_a(current_actor(), now, out, as_of, contact_months, months))
    return _send(spool, f"annex-a-{as_of.isoformat()}.xlsx",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
