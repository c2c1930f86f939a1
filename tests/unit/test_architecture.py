"""The rules that keep the code easy to change, checked on the source itself.

Each test names the rule and, when it fails, the files that break it, so the fix is obvious.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "triage"
MAX_LINES = 500


def sources(*parts: str) -> list[Path]:
    return sorted(PACKAGE.joinpath(*parts).rglob("*.py"))


def relative(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def defined_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


@pytest.mark.parametrize("layer", ["web", "api"])
def test_pages_and_api_never_touch_the_session(layer):
    """Use cases run in services' unit of work; an edge that commits or rolls back splits one."""
    offenders = [relative(p) for p in sources(layer) if "db.session" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_only_the_unit_of_work_commits():
    pattern = re.compile(r"\b(db\.session|session)\.commit\(")
    # The email sender is a delivery loop, not a use case: it ends any open transaction before it
    # claims a batch, because SQLite's claim must be its transaction's first statement.
    allowed = {"triage/services/unit_of_work.py", "triage/services/notify.py"}
    offenders = [relative(p) for p in sources() if pattern.search(p.read_text(encoding="utf-8"))
                 and relative(p) not in allowed]
    assert offenders == []


@pytest.mark.parametrize("name", ["require", "check_version", "clock_state", "require_aware", "utcnow"])
def test_each_guard_and_clock_rule_is_defined_once(name):
    places = [relative(p) for p in sources() if name in defined_functions(p)]
    assert len(places) == 1, f"{name} is defined in {places}"


@pytest.mark.parametrize("layer", ["services", "domain"])
def test_services_and_the_domain_are_handed_their_settings(layer):
    """Configuration is read in triage/settings.py alone, so a service's inputs are its arguments."""
    offenders = [relative(p) for p in sources(layer) if "current_app" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_no_room_is_too_big_to_find_your_way_in():
    sizes = {relative(p): len(p.read_text(encoding="utf-8").splitlines()) for p in sources()}
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}
