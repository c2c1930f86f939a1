"""Bulk loading of generated rows: COPY on PostgreSQL, executemany on SQLite.

Rows arrive as tuples in the column order the generator declares for each table; ids are the
generator's own. Both sinks work on one raw DBAPI connection taken from the app's engine and
commit only when told to, so a load is a few large transactions, not millions of small ones.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Date, DateTime


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Sink:
    """Where rows go. Subclasses write one table's batch at a time."""

    dialect = ""

    def __init__(self, engine, metadata):
        self.engine = engine
        self.metadata = metadata
        self.raw = engine.raw_connection()
        self.connection = self.raw.driver_connection
        self.rows_written = 0

    def check_columns(self, table: str, columns: Sequence[str]) -> None:
        """Fail early (not half way through a load) if the generator and the schema disagree."""
        found = self.metadata.tables[table]
        unknown = [c for c in columns if c not in found.c]
        if unknown:
            raise RuntimeError(f"{table}: no such columns {unknown}")
        missing = [c.name for c in found.c if not c.nullable and c.name not in columns
                   and c.server_default is None]
        if missing:
            raise RuntimeError(f"{table}: required columns not generated: {missing}")

    def write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        raise NotImplementedError

    def execute(self, sql: str, params: Sequence = ()) -> list[tuple]:
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    def commit(self) -> None:
        self.raw.commit()

    def rollback(self) -> None:
        self.raw.rollback()

    def validate_foreign_keys(self, tables: Sequence[str], since: dict[str, int]) -> list[str]:
        return []  # the database checked each row as it went in

    def finish(self, tables: Sequence[str]) -> None:
        """After the load: sequences past the generated ids, fresh planner statistics."""
        self.commit()

    def close(self) -> None:
        self.raw.close()


class PostgresSink(Sink):
    """COPY per table per batch. Where it may (a superuser, as on a benchmark cluster), the load
    runs with session_replication_role = replica, which skips the per-row foreign key triggers
    (most of the server's work in a COPY); every foreign key of the new rows is then checked in
    one set-based anti-join per key, and a violation fails the run."""

    dialect = "postgresql"

    def __init__(self, engine, metadata):
        super().__init__(engine, metadata)
        self.triggers_off = False
        try:
            self.execute("SET session_replication_role = replica")
            self.triggers_off = True
        except Exception:  # not a superuser: keep the triggers, and the row-by-row checks
            self.rollback()
        self.commit()

    def close(self) -> None:
        # The connection goes back to the pool: triggers (the audit trail's append-only ones
        # among them) must fire again for whoever uses it next.
        if self.triggers_off:
            self.rollback()
            self.execute("RESET session_replication_role")
            self.commit()
        super().close()

    def validate_foreign_keys(self, tables, since: dict[str, int]) -> list[str]:
        """Rows added since `since[table]` whose foreign keys point nowhere."""
        problems = []
        for table in tables:
            for key in self.metadata.tables[table].foreign_keys:
                column, target = key.parent.name, key.column
                sql = (f"SELECT count(*) FROM {_quote(table)} c WHERE c.id >= %s AND c.{_quote(column)} IS NOT NULL "
                       f"AND NOT EXISTS (SELECT 1 FROM {_quote(target.table.name)} p "
                       f"WHERE p.{_quote(target.name)} = c.{_quote(column)})")
                with self.connection.cursor() as cursor:
                    cursor.execute(sql, (since.get(table, 0),))
                    [(bad,)] = cursor.fetchall()
                if bad:
                    problems.append(f"{table}.{column}: {bad} rows point at no {target.table.name}")
        return problems

    def write(self, table, columns, rows):
        if not rows:
            return
        statement = f"COPY {_quote(table)} ({', '.join(_quote(c) for c in columns)}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)
        self.rows_written += len(rows)

    def execute(self, sql, params=()):
        with self.connection.cursor() as cursor:
            if params:
                cursor.execute(sql.replace("?", "%s"), params)
            else:
                cursor.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []

    def finish(self, tables):
        for table in tables:
            self.execute(f"SELECT setval(pg_get_serial_sequence('{_quote(table)}', 'id'), "
                         f"COALESCE((SELECT max(id) FROM {_quote(table)}), 0) + 1, false)")
        self.commit()
        # Statistics and the visibility map now, not whenever autovacuum gets round to it: the
        # first report after a load must be planned on the real row counts, and index-only scans
        # need the visibility map.
        previous = self.connection.autocommit
        self.connection.autocommit = True
        try:
            for table in tables:
                self.connection.execute(f"VACUUM ANALYZE {_quote(table)}")
        finally:
            self.connection.autocommit = previous


class SqliteSink(Sink):
    """sqlite3 stores what SQLAlchemy would: UTC instants as naive 'YYYY-MM-DD HH:MM:SS.ffffff'
    text (so that text comparison is time order), dates as ISO text, booleans as 0/1."""

    dialect = "sqlite"

    def __init__(self, engine, metadata):
        super().__init__(engine, metadata)
        # WAL with synchronous=NORMAL cannot corrupt the file; it only defers fsync to checkpoints.
        self.execute("PRAGMA synchronous=OFF")
        # Worker processes take turns to write: wait for the other's batch rather than fail.
        self.execute("PRAGMA busy_timeout=600000")
        self._converters: dict[tuple[str, tuple[str, ...]], tuple[list[int], list[int]]] = {}

    def _kinds(self, table, columns):
        key = (table, tuple(columns))
        if key not in self._converters:
            found = self.metadata.tables[table]
            instants, dates = [], []
            for index, name in enumerate(columns):
                kind = found.c[name].type
                impl = getattr(kind, "impl", kind)
                if isinstance(impl, DateTime):
                    instants.append(index)
                elif isinstance(impl, Date):
                    dates.append(index)
            self._converters[key] = (instants, dates)
        return self._converters[key]

    def write(self, table, columns, rows):
        if not rows:
            return
        instants, dates = self._kinds(table, columns)
        if instants or dates:
            converted = []
            for row in rows:
                row = list(row)
                for i in instants:
                    value = row[i]
                    if value is not None:
                        row[i] = _sqlite_instant(value)
                for i in dates:
                    value = row[i]
                    if value is not None:
                        row[i] = value.isoformat()
                converted.append(row)
            rows = converted
        placeholders = ", ".join("?" for _ in columns)
        statement = (f"INSERT INTO {_quote(table)} ({', '.join(_quote(c) for c in columns)}) "
                     f"VALUES ({placeholders})")
        cursor = self.raw.cursor()
        try:
            cursor.executemany(statement, rows)
        finally:
            cursor.close()
        self.rows_written += len(rows)

    def finish(self, tables):
        self.commit()
        self.execute("ANALYZE")
        self.commit()


def _sqlite_instant(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime generated; every instant must be UTC")
    if value.utcoffset():
        raise ValueError("generated instants must already be in UTC")
    return value.isoformat(" ", "microseconds")[:26]


class TeeSink(Sink):
    """The same rows into several databases at once (the benchmark loads SQLite and PostgreSQL
    from one generation). Reads go to the first; ids must agree, which the caller checks."""

    def __init__(self, sinks: list[Sink]):
        self.sinks = sinks
        self.metadata = sinks[0].metadata
        self.dialect = "+".join(s.dialect for s in sinks)

    @property
    def rows_written(self):
        return self.sinks[0].rows_written

    def check_columns(self, table, columns):
        self.sinks[0].check_columns(table, columns)

    def write(self, table, columns, rows):
        for sink in self.sinks:
            sink.write(table, columns, rows)

    def execute(self, sql, params=()):
        found = self.sinks[0].execute(sql, params)
        for sink in self.sinks[1:]:
            if not sql.lstrip().upper().startswith("SELECT"):
                sink.execute(sql, params)
        return found

    def commit(self):
        for sink in self.sinks:
            sink.commit()

    def rollback(self):
        for sink in self.sinks:
            sink.rollback()

    def validate_foreign_keys(self, tables, since):
        return [problem for sink in self.sinks for problem in sink.validate_foreign_keys(tables, since)]

    def finish(self, tables):
        for sink in self.sinks:
            sink.finish(tables)

    def close(self):
        for sink in self.sinks:
            sink.close()


def sink_for(engine, metadata, mirrors=()) -> Sink:
    """The sink for this engine; with mirror engines, a sink that loads all of them."""
    if mirrors:
        return TeeSink([sink_for(engine, metadata), *(sink_for(m, metadata) for m in mirrors)])
    if engine.dialect.name == "postgresql":
        return PostgresSink(engine, metadata)
    if engine.dialect.name == "sqlite":
        return SqliteSink(engine, metadata)
    raise RuntimeError(f"no bulk loader for {engine.dialect.name}")


__all__ = ["PostgresSink", "Sink", "SqliteSink", "TeeSink", "sink_for"]
