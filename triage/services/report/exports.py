"""The morning report as CSV and as an Excel workbook: a sheet per section, real dates, frozen headers."""
from __future__ import annotations

import io
import tempfile
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from triage.clock import LONDON
from triage.domain.report import record_path
from triage.exports.safe_cells import SafeCsvWriter, text_cells

RAG_FILLS = {"Red": "F4B6B6", "Amber": "FFE3A3", "Green": "BFE3C6"}  # text says it too


def _when(value: str | None):
    """ISO strings from the stored report back to real dates and London times for a spreadsheet."""
    if not value:
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value).astimezone(LONDON).replace(tzinfo=None)


def _names(children: list[dict]) -> str:
    return "; ".join(c["name"] for c in children)


def _discussions(row: dict) -> tuple:
    planned = ", ".join(d["planned_on"] for d in row["case_discussions"])
    held = ", ".join(d["held_on"] for d in row["case_discussions"] if d["held_on"])
    return planned, held


# Each row's record: its address, written as plain text (never a formula or a live hyperlink).
RECORD = ("Record", record_path, "address")

# Each section: (sheet title, [(header, getter, kind)]) where kind says how to write the cell.
SECTIONS = {
    "needs_action": ("Needs action today", [
        ("Status", lambda r: r["status"], "text"), ("Clock", lambda r: r["kind"], "text"),
        ("Case", lambda r: f'{r["subject"]} {r["subject_id"]}', "text"),
        ("Children", lambda r: _names(r["children"]), "text"), ("Due", lambda r: r["due_at"], "datetime"),
        ("Worker", lambda r: r["owner"], "text"), ("Team", lambda r: r["team"], "text"), RECORD]),
    "awaiting_decision": ("Awaiting decision", [
        ("Contact", lambda r: r["contact_id"], "number"), ("Received", lambda r: r["received_at"], "datetime"),
        ("Children", lambda r: _names(r["children"]), "text"), ("RAG", lambda r: r["rag_label"], "rag"),
        ("State", lambda r: r["state"], "text"), ("Source", lambda r: r["source"], "text"),
        ("Decision due", lambda r: r["decision_due_at"], "datetime"), ("Time left", lambda r: r["time_left"], "text"),
        ("Requests outstanding", lambda r: ", ".join(f"{k} ({v})" for k, v in r["requests_outstanding"].items()), "text"),
        RECORD]),
    "allocated_cases": ("Allocated cases", [
        ("Child id", lambda r: r["council_child_id"], "text"), ("Child", lambda r: r["child"], "text"),
        ("Worker", lambda r: r["worker"], "text"), ("Team", lambda r: r["team"], "text"),
        ("Locality", lambda r: r["locality"], "text"), ("Referral date", lambda r: r["referral_date"], "date"),
        ("Case discussions planned", lambda r: _discussions(r)[0], "text"),
        ("Case discussions held", lambda r: _discussions(r)[1], "text"),
        ("Assessment start", lambda r: r["assessment_start"], "date"), ("Due date", lambda r: r["due_date"], "date"),
        ("Working days elapsed", lambda r: r["working_days_elapsed"], "number"),
        ("Working days left", lambda r: r["working_days_left"], "number"),
        ("Status", lambda r: r["status"], "text"), ("Late reason", lambda r: r["late_reason"], "text"), RECORD]),
    "strategy": ("Strategy and s47", [
        ("Child", lambda r: r["child"], "text"), ("Strategy discussion", lambda r: r["held_on"], "date"),
        ("s47 started", lambda r: r["s47_started_on"], "date"), ("s47 outcome", lambda r: r["s47_outcome"], "text"),
        ("ICPC due", lambda r: r["icpc_due_date"], "date"), ("Time left", lambda r: r["time_left"], "text"),
        ("Team", lambda r: r["team"], "text"), RECORD]),
    "caseload": ("Caseload", [
        ("Team", lambda r: r["team"], "text"), ("Worker", lambda r: r["worker"], "text"),
        ("Open assessments", lambda r: r["open_assessments"], "number")]),
}


def _address(path: str | None, base_url: str) -> str | None:
    return None if path is None else base_url.rstrip("/") + path


def _value(row: dict, get, kind: str, base_url: str):
    value = get(row)
    return _address(value, base_url) if kind == "address" else value


def section_rows(content: dict, section: str, base_url: str = "") -> tuple[list[str], list[list]]:
    """Headers and plain-text rows of one section, as the CSV carries them; a record's address
    starts with `base_url` (the service's own address)."""
    _, columns = SECTIONS[section]
    rows = [["" if (v := _value(row, get, kind, base_url)) is None else v for _, get, kind in columns]
            for row in content.get(section, [])]
    return [header for header, _, _ in columns], rows


def to_csv(content: dict, section: str, base_url: str = "") -> str:
    return "".join(iter_csv(content, section, base_url))


def iter_csv(content: dict, section: str, base_url: str = "", chunk_rows: int = 500):
    """The CSV in chunks of rows, so a download of thousands of cases streams as it is written."""
    headers, rows = section_rows(content, section, base_url)
    out = io.StringIO()
    writer = SafeCsvWriter(out)  # formula-like text is written as text
    writer.writerow(headers)
    for start in range(0, len(rows), chunk_rows):
        writer.writerows(rows[start:start + chunk_rows])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    if out.tell():
        yield out.getvalue()


def to_workbook(content: dict, base_url: str = "") -> bytes:
    return b"".join(iter_workbook(content, base_url))


def iter_workbook(content: dict, base_url: str = "", chunk: int = 256 * 1024):
    """The workbook, written row by row to a temporary file (openpyxl's write-only mode keeps
    no sheet in memory) and sent in chunks: a region's 54,000 cases stay off the heap."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def styled(value, **style):
        cell = WriteOnlyCell(sheet, value=value)
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    sheet = summary = book.create_sheet("Summary")
    summary.append(["Front Door morning report", content["report_date"]])
    summary.append(["Built at", styled(_when(content["built_at"]), number_format="dd/mm/yyyy hh:mm")])
    summary.append([])
    summary.append([styled(v, font=bold) for v in ("Measure", "Last 7 days", "Last 30 days", "Last 365 days")])
    windows = content["measures"]["windows"]
    for label, pick in (("Contacts to referrals %", lambda w: w["conversion"]["pct"]),
                        ("Decisions within the clock %", lambda w: w["decisions"]["pct"]),
                        ("Assessments within timescale %", lambda w: w["assessments"]["pct_within"]),
                        ("Assessments ending in NFA %", lambda w: w["assessments"]["pct_nfa"]),
                        ("Re-referrals within 12 months %", lambda w: w["referrals"]["pct_re_referrals"])):
        summary.append([label] + [pick(windows[w]) for w in ("7", "30", "365")])
    summary.append(["Children awaiting assessment per 10,000", content["measures"]["awaiting_per_10k"]])
    for section, (title, columns) in SECTIONS.items():
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        for index, (header, _, _) in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, len(header) + 2)
        sheet.append([styled(header, font=bold) for header, _, _ in columns])
        for row in content.get(section, []):
            values = []
            for _, get, kind in columns:
                value = _value(row, get, kind, base_url)
                if kind in ("date", "datetime"):
                    value = _when(value)
                    values.append(value if value is None else styled(
                        value, number_format="dd/mm/yyyy" if kind == "date" else "dd/mm/yyyy hh:mm"))
                elif kind == "rag" and value in RAG_FILLS:
                    values.append(styled(value, fill=PatternFill("solid", fgColor=RAG_FILLS[value])))
                else:
                    values.append(value)
            sheet.append(text_cells(sheet, values))  # a child named "=HYPERLINK(...)" stays text
    with tempfile.TemporaryFile() as out:
        book.save(out)
        out.seek(0)
        while block := out.read(chunk):
            yield block
