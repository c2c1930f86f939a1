"""The domain package imports only the standard library."""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "triage" / "domain"
BLOCKED = (
    "flask", "sqlalchemy", "flask_sqlalchemy", "marshmallow", "apscheduler", "flask_smorest", "holidays",
)

IMPORT_EVERY_DOMAIN_MODULE_WITH_FRAMEWORKS_BLOCKED = textwrap.dedent(
    """
    import importlib, os, pkgutil, sys, types

    domain_dir, blocked = sys.argv[1], set(sys.argv[2].split(","))

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in blocked:
                raise ImportError(f"triage.domain must not import {name}")
            return None

    sys.meta_path.insert(0, Blocker())

    # Stand in for the top-level package so its __init__ (which builds the Flask app) is
    # not run: only triage.domain is under test here.
    triage = types.ModuleType("triage")
    triage.__path__ = [os.path.dirname(domain_dir)]
    sys.modules["triage"] = triage

    import triage.domain
    names = ["triage.domain"] + [
        m.name for m in pkgutil.walk_packages([domain_dir], prefix="triage.domain.")
    ]
    for name in names:
        importlib.import_module(name)
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in blocked)
    assert not leaked, leaked
    print(len(names))
    """
)


def domain_modules() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


def test_every_domain_module_imports_with_the_frameworks_blocked():
    # No timeout: subprocess polls with time.sleep when given one, and under libfaketime with the
    # monotonic clock left real (how the suite is run at other dates) that sleep fails with EINVAL.
    result = subprocess.run(
        [sys.executable, "-I", "-c", IMPORT_EVERY_DOMAIN_MODULE_WITH_FRAMEWORKS_BLOCKED,
         str(DOMAIN), ",".join(BLOCKED)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(domain_modules())


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: p.name)
def test_domain_modules_import_only_the_standard_library_and_the_domain(path):
    # Also catches imports hidden inside functions, which importing the module would not run.
    tree = ast.parse(path.read_text(), filename=str(path))
    outside = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or name == "triage.domain" or name.startswith("triage.domain."):
                continue
            outside.append(f"line {node.lineno}: {name}")
    assert not outside, f"{path.name} imports outside the standard library: {outside}"
