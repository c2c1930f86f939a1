"""When partner agencies may be asked what they hold: consent, and the grounds for sharing without it."""
from __future__ import annotations

from triage.domain.codes import Consent, LabelledEnum


class NotSoughtReason(LabelledEnum):
    """The lawful grounds for not seeking consent; each is a ground for sharing without it."""

    WOULD_INCREASE_RISK = "would_increase_risk", "Seeking it would increase the risk of significant harm"
    PREJUDICE_INVESTIGATION = "prejudice_investigation", "Seeking it would prejudice a criminal investigation"
    UNDUE_DELAY = "undue_delay", "Seeking it would cause undue delay"


def consent_problem(consent: str | None, not_sought_reason: str | None, given_by: str | None) -> dict:
    """Field errors in a consent record, empty when it is complete."""
    errors: dict[str, list[str]] = {}
    if consent is None:
        return errors
    try:
        state = Consent(consent)
    except ValueError:
        return {"consent": [f"Consent must be one of: {', '.join(c.value for c in Consent)}"]}
    if state is Consent.NOT_SOUGHT:
        if not not_sought_reason:
            errors["consent_not_sought_reason"] = ["Say why consent was not sought"]
        elif not_sought_reason not in NotSoughtReason._value2member_map_:
            errors["consent_not_sought_reason"] = [
                f"Reason must be one of: {', '.join(r.value for r in NotSoughtReason)}"]
    if state in (Consent.GIVEN, Consent.REFUSED) and not (given_by or "").strip():
        errors["consent_by"] = ["Say who gave or refused consent"]
    return errors


def partner_request_refusal(consent: str | None, rag: str | None = None) -> str | None:
    """Why partners may not be asked yet, or None when they may.

    Below the significant-harm threshold information is shared with consent. Where consent is
    not required (significant harm) or was not sought on a lawful ground, sharing goes ahead;
    but a green contact is below the threshold by definition, so only consent given will do.
    """
    if consent == Consent.GIVEN:
        return None
    if rag == "green" and consent in (Consent.NOT_REQUIRED, Consent.NOT_SOUGHT):
        return ("A green contact is below the significant-harm threshold: partners can be asked "
                "only with consent given")
    if consent in (Consent.NOT_REQUIRED, Consent.NOT_SOUGHT):
        return None
    if consent == Consent.REFUSED:
        return ("Consent was refused. Partners can be asked without consent only where there is "
                "a risk of significant harm: record consent as not required, with the reason, first")
    return ("Consent has not been recorded. Record consent given, or why it was not sought or is "
            "not required, before asking partner agencies")
