"""A meeting's record: the minutes on screen and as a Word document."""
from __future__ import annotations

from flask import Response, current_app, render_template

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.codes import DecisionOutcome
from triage.services import meetings
from triage.services.meetings.document import DOCX_TYPE, minutes_document
from triage.web.meetings.forms import MODE_CHOICES
from triage.web.meetings.pages import READERS, bp


@bp.get("/<int:meeting_id>/minutes")
@roles_required(*READERS)
def minutes_page(meeting_id: int):
    actor, now = current_actor(), utcnow()
    record = meetings.minutes(actor, now, meeting_id)
    return render_template("meetings/minutes.html", record=record, meeting=record.meeting, kind=record.kind,
                           holds=meetings.holds_heading, modes=dict(MODE_CHOICES),
                           outcome_label=lambda v: DecisionOutcome(v).label if v else "",
                           is_overdue=lambda a: meetings.is_overdue(a, now))


@bp.get("/<int:meeting_id>/minutes.docx")
@roles_required(*READERS)
def minutes_docx(meeting_id: int):
    record = meetings.minutes(current_actor(), utcnow(), meeting_id, export=True)
    body = minutes_document(record, current_app.config["COUNCIL_NAME"])
    name = f"triage-minutes-{record.meeting.meeting_date.isoformat()}-{record.meeting.id}.docx"
    return Response(body, mimetype=DOCX_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})

