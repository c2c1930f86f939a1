"""Uploading a police force's file of notifications (/contacts/upload): the rows a practitioner
would otherwise key in one by one, logged in one request through the batch intake service.

The file is read here (CSV or Excel, its encoding worked out by the tracker import's reader),
each notice is loaded by the batch API's own item schema, and the whole file goes to
`receive_batch` at once, so a file logs exactly what the batch API would. Nothing about the file
or its rows is logged: the service audits each contact it writes, as for any batch.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, render_template
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain import police_notices
from triage.domain.police_notices import Notice, NoticeFileError, Problem
from triage.exports.safe_cells import write_csv
from triage.importing import TrackerFileError, read_table
from triage.schemas.contacts import load_batch_item
from triage.services import contacts
from triage.services.contacts.batch import BATCH_MAX, CREATED, REPLAYED, UPLOADERS, BatchAnswer
from triage.web.contacts.blueprint import bp

MAX_BYTES = 5 * 1024 * 1024
TEMPLATE_NAME = "police-notifications-template.csv"
REUSED = ("A notification with this reference was logged before with different details: correct the contact "
          "already logged instead, or give a different notification its own reference")


class UploadForm(FlaskForm):
    file = FileField("The force's file of notifications (CSV or Excel .xlsx)")


@dataclass
class RowResult:
    """What became of one row of the file."""

    row: int
    reference: str | None
    status: str  # created, replayed or refused
    contact_id: int | None = None
    problems: list[Problem] = field(default_factory=list)
    see_row: int | None = None  # refused because another row of its notice needs correcting


@dataclass
class Outcome:
    filename: str
    rows: list[RowResult]
    created: int
    replayed: int
    refused: int


def _page(form: UploadForm, outcome: Outcome | None = None, status: int = 200, problems=()):
    return render_template("contacts/upload.html", form=form, outcome=outcome, problems=list(problems),
                           columns=police_notices.COLUMNS, batch_max=BATCH_MAX,
                           max_megabytes=MAX_BYTES // (1024 * 1024)), status


@bp.route("/contacts/upload", methods=["GET", "POST"])
@roles_required(*UPLOADERS)
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.errors else 200)
    chosen = form.file.data
    if not chosen or not chosen.filename:
        form.file.errors = ["Choose the file of notifications"]
        return _page(form, status=400)
    data = chosen.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        form.file.errors = [f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files"]
        return _page(form, status=400)
    try:
        notices = _notices(data, chosen.filename)
    except (NoticeFileError, TrackerFileError) as exc:
        form.file.errors = [str(exc)]
        return _page(form, status=400)
    outcome = _log(notices, chosen.filename)
    return _page(UploadForm(formdata=None), outcome)


@bp.get("/contacts/upload/template.csv")
@roles_required(*UPLOADERS)
def upload_template():
    return Response(write_csv(police_notices.HEADERS, []), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{TEMPLATE_NAME}"'})


def _notices(data: bytes, filename: str) -> list[Notice]:
    """The file's notices, or NoticeFileError (TrackerFileError) saying why the file cannot be used."""
    table = read_table(data, filename, max_bytes=MAX_BYTES)
    rows = [(number, cells) for number, cells in enumerate(table.rows, start=1) if cells]
    header_number, header = rows[0]
    names = police_notices.read_header(header)
    body = [(number, cells) for number, cells in rows[1:]
            if any(c is not None and str(c).strip() for c in cells)]
    if not body:
        raise NoticeFileError(f"{filename} has no notifications under its header row (row {header_number}).")
    if len(body) > BATCH_MAX:
        raise NoticeFileError(f"{filename} has {len(body)} rows of notifications: upload at most {BATCH_MAX} "
                              "at once. Split the file and upload each part.")
    return police_notices.notices_from(names, body)


def _log(notices: list[Notice], filename: str) -> Outcome:
    """Every notice through the batch intake in one call; each row answered."""
    items, edge_problems = [], []
    for notice in notices:
        key, command, errors = load_batch_item(notice.item)
        if notice.key is None:  # the row already says its reference is missing
            errors = {k: v for k, v in (errors or {}).items() if k != "idempotency_key"}
        problems = notice.problems + (notice.problems_from(errors) if errors else [])
        edge_problems.append(problems)
        if problems:  # refused by the batch as it stands: its answer is these problems
            items.append(contacts.BatchItem(key, None, {"file": [p.message for p in problems]}))
        else:
            items.append(contacts.BatchItem(key, command))
    result = contacts.receive_batch(current_actor(), utcnow(), items, uploaded=True)
    rows: list[RowResult] = []
    for notice, answer, problems in zip(notices, result.results, edge_problems, strict=True):
        rows += _row_results(notice, answer, problems or notice.problems_from(_worded(answer.errors)))
    rows.sort(key=lambda r: r.row)
    return Outcome(filename, rows, result.created, result.replayed, result.refused)


def _worded(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The batch's words, as they apply to a file: its keys are the notices' references."""
    if "idempotency_key" in errors:
        errors = {**errors, "idempotency_key": [REUSED]}
    return errors


def _row_results(notice: Notice, answer: BatchAnswer, problems: list[Problem]) -> list[RowResult]:
    contact_id = answer.receipt.id if answer.status in (CREATED, REPLAYED) and answer.receipt else None
    first_at_fault = min((p.row for p in problems), default=notice.rows[0])
    return [RowResult(row, notice.reference, answer.status, contact_id,
                      [p for p in problems if p.row == row],
                      see_row=first_at_fault if problems and not any(p.row == row for p in problems) else None)
            for row in notice.rows]
