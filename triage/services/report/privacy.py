"""What a performance officer sees of the morning report: every figure and row, but children by
their council id, not their names. Their work is measures and returns, not casework."""
from __future__ import annotations

import copy

from triage.domain.roles import Role
from triage.services.actor import Actor


def _label(child: dict) -> str:
    return child.get("council_child_id") or f"Child record {child.get('child_id')}"


def without_names(content: dict) -> dict:
    redacted = copy.deepcopy(content)
    for section in ("needs_action", "awaiting_decision"):
        for row in redacted.get(section, []):
            for child in row.get("children", []):
                child["name"] = _label(child)
    for section in ("allocated_cases", "strategy"):
        for row in redacted.get(section, []):
            row["child"] = row.get("council_child_id") or f"Child record {row.get('child_id')}"
    redacted["names_withheld"] = True
    return redacted


def sees_names(actor: Actor) -> bool:
    return actor.role is not Role.PERFORMANCE


def for_reader(actor: Actor, content: dict) -> dict:
    return content if sees_names(actor) else without_names(content)
