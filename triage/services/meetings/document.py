"""The minutes as a Word document (.docx), built with python-docx.

Why .docx rather than PDF: councils circulate and file minutes as Word documents, the chair
often corrects a line before they go out, and a document with real headings and table header
rows is readable by screen readers, which an untagged generated PDF is not (GOV.UK guidance
prefers HTML, then accessible documents). The printable HTML page covers "print it".
"""
from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from triage.clock import to_london
from triage.domain.codes import DecisionOutcome
from triage.domain.meetings import ItemState
from triage.services.meetings.items import holds_heading
from triage.services.meetings.planning import MODE_LABELS
from triage.services.meetings.reading import Minutes

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE: contains personal data about children. Do not forward."


def _when(moment) -> str:
    return to_london(moment).strftime("%-d %B %Y, %H:%M") if moment else ""


def _table(document, head: list[str], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=False):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    # Mark the first row as a header row, repeated on each page and announced by screen readers.
    properties = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=False):
            cell.text = text
    return table


def minutes_document(record: Minutes, council_name: str) -> bytes:
    meeting, kind = record.meeting, record.kind
    document = Document()
    document.core_properties.title = f"{kind.name}, {meeting.meeting_date.strftime('%-d %B %Y')}: minutes"
    document.core_properties.author = council_name
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(11)

    marking = document.add_paragraph(PROTECTIVE_MARKING)
    marking.runs[0].bold = True
    title = f"{kind.name}: {meeting.meeting_date.strftime('%A %-d %B %Y')}"
    if meeting.locality is not None:
        title += f" ({meeting.locality.name})"
    document.add_heading(title, level=0)
    if record.draft:
        document.add_paragraph("DRAFT: the meeting has not closed; these minutes may change.").runs[0].bold = True
    document.add_paragraph(f"{council_name}. Chair: {meeting.chair.display_name}. Started {_when(meeting.started_at)}"
                           + (f", closed {_when(meeting.closed_at)}" if meeting.closed_at else "") + ".")

    document.add_heading("Attendance", level=1)
    _table(document, ["Agency", "Name", "Attended"],
           [[a.agency.name, a.person, MODE_LABELS.get(a.mode, a.mode)] for a in record.attendance])
    if record.absent:
        document.add_paragraph("Core agencies not represented: " + ", ".join(a.name for a in record.absent) + ".")

    document.add_heading("Items", level=1)
    for number, item in enumerate(record.items, start=1):
        names = ", ".join(link.child.full_name for link in item.contact.children)
        document.add_heading(f"{number}. {names} (contact {item.contact_id})", level=2)
        document.add_paragraph(f"Received {_when(item.contact.received_at)}. {item.contact.concern}")
        for entry in item.contributions:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{holds_heading(entry.agency)} ({entry.agency.name}): ").bold = True
            paragraph.add_run(entry.text)
        if item.state in (ItemState.AGREED, ItemState.CONFIRMED):
            agreed = document.add_paragraph()
            agreed.add_run("Agreed: ").bold = True
            agreed.add_run(f"priority {item.rag}; {DecisionOutcome(item.outcome).label}; lead agency "
                           f"{item.lead_agency.name if item.lead_agency else ''}. {item.rationale}")
            if item.state == ItemState.CONFIRMED:
                document.add_paragraph(f"Confirmed as the decision {_when(item.confirmed_at)}.")
            else:
                document.add_paragraph("Awaiting a Front Door manager's confirmation.")
        else:
            document.add_paragraph(ItemState(item.state).label + ".")
        if item.actions:
            _table(document, ["Action", "Owner", "Due", "Done"],
                   [[a.description, a.owner, a.due_date.strftime("%-d %b %Y"),
                     _when(a.done_at) if a.done_at else "Not yet"] for a in item.actions])
    if record.removed:
        document.add_heading("Removed from the agenda", level=1)
        _table(document, ["Contact", "Reason", "When"],
               [[str(i.contact_id), i.removed_reason or "", _when(i.removed_at)] for i in record.removed])
    document.add_paragraph(f"Produced {_when(record.produced_at)}.")
    out = BytesIO()
    document.save(out)
    return out.getvalue()
