"""Answering at screening whether a partner's child matched by name and date of birth is the
child recorded (/contacts/<id>/children/<child id>/match)."""
from __future__ import annotations

from flask import flash, redirect, url_for
from wtforms import RadioField

from triage.auth import current_actor, roles_required
from triage.clock import utcnow
from triage.domain.contact_states import SCREENERS
from triage.services import contacts
from triage.services.errors import Conflict, Invalid
from triage.web.contacts.blueprint import bp
from triage.web.contacts.forms import VersionForm
from triage.web.contacts.page import _render_show
from triage.web.forms import choices

SAME, DIFFERENT = "same", "different"


class MatchForm(VersionForm):
    answer = RadioField("Is this the same child?", choices=choices([(SAME, "Yes, the same child"),
                                                                    (DIFFERENT, "No, a different child")]),
                        invalid_choice_message="Say whether this is the same child")


@bp.post("/contacts/<int:contact_id>/children/<int:child_id>/match")
@roles_required(*SCREENERS)
def answer_match(contact_id: int, child_id: int):
    form = MatchForm()
    if not form.validate():
        problems = [m for messages in form.errors.values() for m in messages]
        return _render_show(contact_id, 400, problems=problems)
    try:
        contacts.answer_match(current_actor(), utcnow(), contact_id, child_id, form.answer.data == SAME,
                              form.version_number)
    except (Conflict, Invalid) as exc:
        stale = isinstance(exc, Conflict) and contacts.load(contact_id).version != form.version_number
        return _render_show(contact_id, 409 if isinstance(exc, Conflict) else 400, problems=[exc.message],
                            stale=stale)
    flash("Confirmed: the same child" if form.answer.data == SAME
          else "Recorded as a different child: the contact now names a new child record")
    return redirect(url_for("web.contacts.show", contact_id=contact_id, _anchor="children"))
