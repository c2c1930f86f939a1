"""Schemathesis against a served test instance, in every `make test`.

The API is served over HTTP from a thread (the same app and database as the test), holding a
small Front Door (tests/support/report_council.py, plus a triage meeting), and schemathesis's
own command runs all four of its phases against the OpenAPI document: the document's examples,
coverage (boundary values, and every method the document does not list, which must be a 405
with an Allow header), fuzzing (valid and invalid requests), and stateful sequences along the
links it infers (create, then read, change, list ...). Path ids are drawn mostly from the ids
that exist, so requests reach the services rather than stopping at 404s.

Every answer must be a non-5xx whose status, content type, headers and body match the document.
Fixed seed, bounded examples: about a minute and a half on two cores for both callers. A failure prints schemathesis's
report, with a curl command for each distinct failure.
"""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import date

import pytest

from tests.conftest import working_token
from tests.support.report_council import NOW
from tests.support.served import served

SEED = 20261127
MAX_EXAMPLES = 5
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance", "unsupported_method", "allow_header_conformance", "use_after_free",
    "ensure_resource_availability"])
PATH_IDS = ["contact_id", "child_id", "referral_id", "assessment_id", "request_id", "meeting_id", "item_id",
            "discussion_id", "user_id", "notification_id", "action_id", "attendance_id"]
CONFIG = """
[dictionaries.existing_ids]
values = [1, 2, 3, 4, 5]

[parameters]
{bindings}
"""


def _failures_first(output: str, limit: int = 40_000) -> str:
    """Schemathesis's summary, then its failures (each with a curl command), within `limit`."""
    start = output.find("=== FAILURES ===")
    summary = output[output.find("=== SUMMARY ==="):]
    failures = output[start:start + limit] if start >= 0 else ""
    return summary + "\n" + failures


@pytest.fixture
def front_door(council):
    """The report council's five contacts, referrals and assessments, and Friday's meeting under way."""
    from triage.services import meetings

    chair = council["practitioner"]
    meeting = meetings.plan_meeting(chair, NOW.replace(hour=8), "mash_daily", date(2026, 11, 27))
    meetings.start_meeting(chair, NOW, meeting.id)
    return council


# A manager reaches nearly every operation; a police system reads what partners may (its writes
# and staff-only reads are 403s before any body is looked at, so reads are where it differs).
CALLERS = {
    "manager": (None, ["--phases", "examples,coverage,fuzzing,stateful"], 70),
    "police system": ("police", ["--phases", "fuzzing", "--include-method", "GET"], 30),
}


@pytest.mark.sqlite_only  # one database keeps `make test` short; tests/api covers the API on PostgreSQL
@pytest.mark.parametrize("caller", CALLERS)
def test_schemathesis_finds_no_server_error_and_no_answer_that_differs_from_the_document(
        app, front_door, tmp_path, caller):
    agency, phases, operations = CALLERS[caller]
    secret = working_token("partner" if agency else "manager", agency, name="fuzzing")
    config = tmp_path / "schemathesis.toml"
    bindings = "\n".join(f'"path.{name}" = {{ dictionary = "existing_ids", probability = 0.8 }}'
                         for name in PATH_IDS)
    config.write_text(CONFIG.format(bindings=bindings))
    with served(app, "fuzz-server") as base:
        run = subprocess.run(
            [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis()",
             "--config-file", str(config), "run", f"{base}/api/v1/openapi.json",
             "--header", f"Authorization: Bearer {secret}", "--checks", CHECKS, *phases, "--seed", str(SEED),
             "--max-examples", str(MAX_EXAMPLES), "--no-shrink", "--workers", "1",
             "--generation-database", "none", "--continue-on-failure", "--no-color", "--request-timeout", "30"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    report = _failures_first(run.stdout) + run.stderr[-2000:]
    assert run.returncode == 0, report
    tested = re.search(r"Tested: (\d+)", report)
    generated = re.search(r"(\d+) generated", report)
    assert tested and int(tested.group(1)) >= operations, report  # not a vacuous run
    assert generated and int(generated.group(1)) >= 3 * operations, report
