"""Counting the SQL statements a request sends, to prove a read does not grow with its rows."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from triage.extensions import db


@contextmanager
def recorded_statements():
    """Yields a list that fills with each statement's SQL text sent while the block runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def statements_for(client, url: str) -> tuple[int, object]:
    """(statements sent, the response) for one GET; the response must be a 200."""
    with recorded_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(statements), response
