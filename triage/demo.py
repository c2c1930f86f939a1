"""`flask triage seed-demo`: placeholder replaced by the demo-data builder."""
from triage.cli import triage_cli
