"""The spreadsheet the service replaces, timed: the same open cases with WORKDAY and
NETWORKDAYS formulas, recalculated by headless LibreOffice (`libreoffice-calc-nogui`).

A flat ODS (one XML file) holds a row per open case: the referral date, the authorised date if
any, and formulas for the due date (WORKDAY 45), working days elapsed and working days left
(NETWORKDAYS), against a sheet of the bank holidays and closure days. The cells carry no
cached results, so LibreOffice calculates every formula when it converts the file to CSV. The
same conversion of a document with no case rows (the holidays sheet alone) is timed too, and
subtracted: what is left is the spreadsheet's own work on the cases, without its start-up.
"""
from __future__ import annotations

import csv
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import date
from xml.sax.saxutils import escape

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:body><office:spreadsheet>
"""
TAIL = "</office:spreadsheet></office:body></office:document>\n"


def _date_cell(d: date | None) -> str:
    if d is None:
        return "<table:table-cell/>"
    return f'<table:table-cell office:value-type="date" office:date-value="{d.isoformat()}"/>'


def _formula(expression: str) -> str:
    return f'<table:table-cell table:formula="{escape("of:=" + expression, {chr(34): "&quot;"})}"/>'


def write_fods(path: str, cases: list[tuple[date, date | None]], closed_days: list[date], today: date,
               working_days: int = 45) -> None:
    """cases: (referral date, authorised date or None), one row each."""
    last = len(closed_days)
    holidays = f"$Holidays.$A$1:$A${last}"
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEAD)
        out.write('<table:table table:name="Cases">')
        out.write("<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
            for h in ("Referral", "Authorised", "Due", "Elapsed", "Left")) + "</table:table-row>\n")
        for i, (referral, authorised) in enumerate(cases, start=2):
            until = f'IF(ISBLANK([.B{i}]);DATE({today.year};{today.month};{today.day});[.B{i}])'
            out.write("<table:table-row>" + _date_cell(referral) + _date_cell(authorised)
                      + _formula(f"WORKDAY([.A{i}];{working_days};{holidays})")
                      + _formula(f"NETWORKDAYS([.A{i}];{until};{holidays})-1")
                      + _formula(f'IF(ISBLANK([.B{i}]);NETWORKDAYS(DATE({today.year};{today.month};{today.day});'
                                 f'[.C{i}];{holidays})-1;"")')
                      + "</table:table-row>\n")
        out.write("</table:table>")
        out.write('<table:table table:name="Holidays">')
        for d in closed_days:
            out.write("<table:table-row>" + _date_cell(d) + "</table:table-row>")
        out.write("</table:table>")
        out.write(TAIL)


def _convert(soffice: str, profile: str, source: str, outdir: str) -> float:
    began = time.perf_counter()
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
                    "--convert-to", "csv", "--outdir", outdir, source],
                   check=True, capture_output=True, timeout=600)
    return time.perf_counter() - began


def time_spreadsheet(cases: list[tuple[date, date | None]], closed_days: list[date], today: date,
                     repeats: int = 3) -> dict:
    """Seconds LibreOffice takes to recalculate the cases, start-up subtracted (medians)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return {"skipped": "LibreOffice not installed (apt-get install -y libreoffice-calc-nogui)"}
    with tempfile.TemporaryDirectory(prefix="triage-sheet-") as folder:
        profile = os.path.join(folder, "profile")
        full, empty = os.path.join(folder, "cases.fods"), os.path.join(folder, "empty.fods")
        write_fods(full, cases, closed_days, today)
        write_fods(empty, [], closed_days, today)
        _convert(soffice, profile, empty, folder)  # first run creates the profile: not timed
        with_cases, without = [], []
        for _ in range(repeats):
            without.append(_convert(soffice, profile, empty, folder))
            with_cases.append(_convert(soffice, profile, full, folder))
        with open(os.path.join(folder, "cases.csv"), newline="") as f:
            rows = list(csv.reader(f))[1:]
    computed = sum(1 for r in rows if len(r) > 2 and r[2])
    return {"cases": len(cases), "rows_computed": computed, "due_dates": [r[2] for r in rows],
            "with_cases_s": statistics.median(with_cases), "empty_s": statistics.median(without),
            "recalculation_s": statistics.median(with_cases) - statistics.median(without),
            "runs_with_cases_s": with_cases, "runs_empty_s": without}
