"""Logging set-up. Query strings can carry a child's name, date of birth or NHS number (a search),
so request lines are logged without them."""
from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")


class WithoutQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(_QUERY.sub("?…", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = _QUERY.sub("?…", record.msg)
        return True


def configure() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, WithoutQueryStrings) for f in logger.filters):
            logger.addFilter(WithoutQueryStrings())
