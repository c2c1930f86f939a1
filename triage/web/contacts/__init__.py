"""Contacts through the pages: logging one, the queue awaiting decision, and the contact page where
it is screened, rated, shared with partner agencies, recommended and decided.

    blueprint    the blueprint, and the labels and tags the templates show
    london_time  London times typed on forms
    forms        the forms
    intake       logging a contact (/contacts/new)
    queue        the queue (/queue)
    page         the contact page and its steps (/contacts/<id>, /contacts/<id>/<step>)
    matching     whether a partner's child matched by name and date of birth is the child recorded
    upload       a police force's file of notifications, logged at once (/contacts/upload)

Every read and write goes through services.contacts, services.information_requests and
services.queue, which audit it and enforce the rules (roles, states, versions, consent). The pages
check only what a form can check on its own, then show the service's answer on the right field.
"""
from triage.web.contacts import intake, matching, page, queue, upload
from triage.web.contacts.blueprint import (
    NOT_ASKED_AGENCIES,
    SEX_CHOICES,
    bp,
    child_label,
    contact_helpers,
    label_of,
    rag_tag,
    request_clock,
)

__all__ = ["NOT_ASKED_AGENCIES", "SEX_CHOICES", "bp", "child_label", "contact_helpers", "intake", "label_of", "matching",
           "page", "queue", "rag_tag", "request_clock", "upload"]
