"""`python -m triage.scheduler`: the same as `flask triage scheduler`."""
from __future__ import annotations

import sys

from triage.app import create_app
from triage.config import ConfigError
from triage.scheduler import run


def main() -> int:
    try:
        app = create_app()
        with app.app_context():
            run(app)
    except ConfigError as exc:
        print(f"Scheduler not started: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
