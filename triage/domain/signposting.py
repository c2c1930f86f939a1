"""Where a family is pointed when the Front Door takes no further action: the council keeps the
list (a setting), and a no-further-action decision records which of these it gave."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from triage.domain.codes import DecisionOutcome

# The list a council starts from; SIGNPOSTING in its configuration replaces it.
DEFAULT_SIGNPOSTING: tuple[tuple[str, str], ...] = (
    ("family_hub", "Family hub"),
    ("early_help_advice", "Early help advice line"),
    ("school", "The child's school or nursery"),
    ("gp_or_health_visitor", "GP or health visitor"),
    ("domestic_abuse_service", "Domestic abuse support service"),
    ("young_carers", "Young carers service"),
    ("housing", "Housing advice"),
    ("none_needed", "None needed: the family has the support it needs"),
)

SIGNPOSTED_OUTCOMES = frozenset({DecisionOutcome.NO_FURTHER_ACTION})


def signposting_problem(outcome: str | None, given: Iterable[str], options: Mapping[str, str]) -> str | None:
    """Why this decision's signposting cannot be recorded, or None.

    No further action records where the family was pointed, from the council's list; other
    outcomes carry none."""
    given = list(given)
    if outcome not in SIGNPOSTED_OUTCOMES:
        return "Signposting is recorded only with no further action" if given else None
    unknown = [g for g in given if g not in options]
    if unknown:
        return f"Choose from the council's list: {', '.join(options)}"
    if len(set(given)) != len(given):
        return "Each place can be given only once"
    return None
