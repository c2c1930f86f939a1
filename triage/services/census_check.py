"""The census checked by the DfE's rules before anyone submits it.

The rules are run by `csc-validator-be-cin` (Data to Insight's open-source implementation of
the DfE's validation rules). It is optional at run time: without it (VALIDATOR_INSTALLED false) the page says how to
install it. It pins pandas < 2, hence `numpy<2` beside it (README, "Statutory returns").
"""
from __future__ import annotations

import functools
import importlib
import importlib.util
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import BinaryIO

from triage.domain.calendar import WorkingDayCalendar
from triage.services.calendar import bank_holidays
from triage.services.cin_census import CensusIndex

# The validator (and the pandas it brings) is loaded the first time a check runs, not when the
# app starts: most processes never check a census, and loading it costs a web worker about
# 0.4 s and 25 MB.
VALIDATOR_INSTALLED = importlib.util.find_spec("cin_validator") is not None


@functools.cache
def _validator() -> SimpleNamespace:
    with warnings.catch_warnings():
        # pandas 1.5 and the validator raise deprecation warnings of their own as they load; the
        # suite turns warnings into errors, and these are not ours to fix.
        warnings.simplefilter("ignore")
        pandas = importlib.import_module("pandas")
        runner = importlib.import_module("cin_validator.cin_validator")
        rulesets = importlib.import_module("cin_validator.rules.ruleset_utils")
    return SimpleNamespace(pd=pandas, CinValidator=runner.CinValidator, convert_data=runner.convert_data,
                           process_data=runner.process_data, get_year_ruleset=rulesets.get_year_ruleset)


INSTALL_HINT = "pip install csc-validator-be-cin==0.1.13 'numpy<2'"
# Return-level queries that fire on any small file (too few disability codes in use).
RETURN_LEVEL_QUERIES = frozenset({"2887Q", "2888Q"})
# Which record a row of each census table came from.
CHILD_TABLES = {"ChildIdentifiers": "child_ids", "ChildCharacteristics": "child_ids",
                "Disabilities": "disability_child_ids"}
CASE_TABLES = {"CINdetails": "cin_referral_ids", "Assessments": "assessment_referral_ids",
               "AssessmentFactorsList": None, "Section47": "s47_referral_ids",
               "ChildProtectionPlans": "plan_referral_ids"}


@dataclass(frozen=True)
class Finding:
    rule: str
    description: str
    is_query: bool  # a query asks for a check or a reason; anything else is an error
    la_child_id: str | None = None
    child_id: int | None = None
    referral_id: int | None = None
    table: str | None = None
    field: str | None = None
    value: str | None = None


def validator_available() -> bool:
    return VALIDATOR_INSTALLED


def _ruleset(year: int):
    for candidate in range(year, 2022, -1):
        try:
            return _validator().get_year_ruleset(str(candidate))
        except ModuleNotFoundError:
            continue
    raise LookupError(f"The installed validator has no rules for {year}")


# Timeliness queries (rule: start column, working days the validator allows). The validator
# counts the start day as day 1 and knows bank holidays but not a council's closure days.
TIMELINESS = {"8670Q": ("AssessmentActualStartDate", 45), "8675Q": ("S47ActualStartDate", 15)}


def check_census(source: BinaryIO | str, year: int, index: CensusIndex | None = None,
                 as_of: date | None = None) -> list[Finding]:
    """Every error and query the DfE's rules find in the census file, child by child.

    Checked before the year ends (`as_of` before 31 March), the timeliness queries 8670Q and
    8675Q would judge open work against 31 March; they are kept only for work already past
    the validator's own limit on `as_of`, since the rest is not late yet. Likewise 8530Q is
    left out for an unborn child due between `as_of` and 31 March (born by then, it will have
    a date of birth instead)."""
    with warnings.catch_warnings():
        # pandas 1.5 and the validator raise deprecation and chained-assignment warnings of
        # their own; the suite turns warnings into errors, and these are not ours to fix.
        warnings.simplefilter("ignore")
        data = _validator().process_data(read_census(ET.parse(source).getroot()))
        result = _validator().CinValidator(data, _ruleset(year))
        report = result.user_report
        multichild = result.multichild_issues
    findings: list[Finding] = []
    seen: set[tuple] = set()
    records = report.to_dict("records")
    not_late = _not_late_yet(records, year, as_of)
    for row in records:
        if (str(row["rule_code"]), row.get("tables_affected"), row.get("ROW_ID")) in not_late:
            continue
        rule = str(row["rule_code"])
        table = row.get("tables_affected")
        table = None if table in (None, "nan", "None") else str(table)
        la_child = row.get("LAchildID")
        la_child = None if la_child in (None, "nan", "None", "<NA>") else str(la_child)
        child_id, referral_id = _locate(index, table, row.get("ROW_ID"), la_child)
        key = (rule, la_child, table, row.get("columns_affected"), row.get("ROW_ID"))
        if key in seen:
            continue
        seen.add(key)
        findings.append(Finding(rule=rule, description=str(row["rule_description"]), is_query=rule.endswith("Q"),
                                la_child_id=la_child, child_id=child_id, referral_id=referral_id, table=table,
                                field=_text(row.get("columns_affected")), value=_text(row.get("value_flagged"))))
    findings = _birth_dates_not_known(findings, index)
    for row in multichild.drop_duplicates().to_dict("records"):
        rule = str(row["rule_code"])
        findings.append(Finding(rule=rule, description=str(row["rule_description"]), is_query=rule.endswith("Q")))
    return sorted(findings, key=lambda f: (f.is_query, f.rule, f.la_child_id or "", f.table or ""))


NO_BIRTH_DATE = "8525Q"
NOT_KNOWN_SAYS = ("Date of birth not known: complete it on the child's record before sending. The DfE's rule "
                  "asks for a date of birth or an expected one (it is a query there); the service sends no "
                  "invented date, so it stands as an error until completed.")


def _birth_dates_not_known(findings: list[Finding], index: CensusIndex | None) -> list[Finding]:
    """A child sent with no date of birth (not known) is an error to complete, by rule, child and field."""
    if index is None or not index.birth_date_not_known:
        return findings
    missing = set(index.birth_date_not_known.values())
    kept = [f for f in findings if not (f.rule == NO_BIRTH_DATE and f.la_child_id in missing)]
    return kept + [Finding(rule=NO_BIRTH_DATE, description=NOT_KNOWN_SAYS, is_query=False, la_child_id=la_id,
                           child_id=child_id, table="ChildIdentifiers", field="PersonBirthDate")
                   for child_id, la_id in index.birth_date_not_known.items()]


CHUNK = 250  # children converted at a time


def read_census(root: ET.Element, chunk: int = CHUNK) -> dict:
    """The validator's tables for a census file, read a few hundred children at a time.

    The validator's reader (convert_data) grows each table with a pandas concat per child, so
    a whole council's file takes minutes (time grows with the square of the children). Every
    table row belongs to one child and the reader's ids (CINdetailsID, AssessmentID, CPPID)
    start again for each child, so reading slices of children and joining the tables in order
    gives the same tables in seconds (tests/integration/test_cin_census.py checks they are equal).
    """
    header, children = root.find("Header"), root.find("Children")
    kids = list(children) if children is not None else []
    parts: dict[str, list] = {}
    for start in range(0, max(len(kids), 1), chunk):
        piece = ET.Element("Message")
        if header is not None:
            piece.append(header)
        holder = ET.SubElement(piece, "Children")
        holder.extend(kids[start:start + chunk])
        for name, table in _validator().convert_data(piece).items():
            parts.setdefault(name, []).append(table)
    tables = {}
    for name, frames in parts.items():
        if name == "Header":
            tables[name] = frames[0]
            continue
        filled = [f for f in frames if len(f)]
        tables[name] = _validator().pd.concat(filled, ignore_index=True) if filled else frames[0]
    return tables


def _not_late_yet(records: list[dict], year: int, as_of: date | None) -> set[tuple]:
    if as_of is None or as_of >= date(year, 3, 31):
        return set()
    calendar = WorkingDayCalendar(bank_holidays=bank_holidays(), closure_days=())
    keep_out = set()
    for row in records:
        rule = str(row["rule_code"])
        if rule == "8530Q":
            # An unborn child due between today and 31 March will have a date of birth by then.
            try:
                due = date.fromisoformat(str(row.get("value_flagged"))[:10])
            except ValueError:
                continue
            if as_of <= due <= date(year, 3, 31):
                keep_out.add((rule, row.get("tables_affected"), row.get("ROW_ID")))
            continue
        if rule in TIMELINESS and row.get("columns_affected") == TIMELINESS[rule][0]:
            try:
                started = date.fromisoformat(str(row.get("value_flagged"))[:10])
            except ValueError:
                continue
            # Day 1 is the start day: the last day allowed is (limit - 1) working days after it.
            if as_of <= calendar.add_working_days(started, TIMELINESS[rule][1] - 1):
                keep_out.add((rule, row.get("tables_affected"), row.get("ROW_ID")))
    return keep_out


def _text(value) -> str | None:
    return None if value in (None, "nan", "None", "NaT", "<NA>") else str(value)


def _locate(index: CensusIndex | None, table: str | None, row_id, la_child: str | None):
    """The child and case a reported row belongs to."""
    if index is None:
        return None, None
    child_id = index.la_child_ids.get(la_child) if la_child else None
    try:
        position = int(row_id)
    except (TypeError, ValueError):
        return child_id, None
    if table in CHILD_TABLES:
        rows = getattr(index, CHILD_TABLES[table])
        if 0 <= position < len(rows):
            child_id = rows[position]
        return child_id, None
    name = CASE_TABLES.get(table or "")
    if name:
        rows = getattr(index, name)
        if 0 <= position < len(rows):
            return child_id, rows[position]
    return child_id, None


def errors_that_matter(findings: list[Finding]) -> list[Finding]:
    """Everything but the return-level queries that any small file raises."""
    return [f for f in findings if f.rule not in RETURN_LEVEL_QUERIES]
