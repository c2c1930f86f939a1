"""A throwaway PostgreSQL cluster for the tests: initdb into a temp folder, pg_ctl start, delete.

Written here rather than taken from pytest-postgresql because CI runs as root, and initdb
refuses root: the cluster must be created and run as an unprivileged user, which that
plugin does not do.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> str:
    candidates = [os.environ.get("TRIAGE_PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    which = shutil.which("pg_ctl")
    if which:
        candidates.append(os.path.dirname(os.path.realpath(which)))
    for directory in candidates:
        if directory and os.path.exists(os.path.join(directory, "initdb")):
            return directory
    raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) were not found")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and no unprivileged user to run PostgreSQL as")


@contextmanager
def throwaway_cluster():
    """Yield a SQLAlchemy URL for a superuser on a fresh cluster; remove it all afterwards."""
    bindir = find_bindir()
    user = _run_as()
    base = tempfile.mkdtemp(prefix="triage-pg-")
    data = os.path.join(base, "data")
    if user:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    port = _free_port()

    def run(*args):
        return subprocess.run(args, check=True, capture_output=True, text=True, user=user)

    try:
        run(os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-sync", "--locale=C")
        # Durability off: a test cluster is thrown away, so fsync is wasted time.
        options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100 "
                   "-c timezone=UTC")
        run(os.path.join(bindir, "pg_ctl"), "-D", data, "-o", options, "-w", "-t", "60",
            "-l", os.path.join(base, "server.log"), "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        raise PostgresUnavailable(f"could not start PostgreSQL: {exc.stderr.strip()[-500:]}") from exc
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, user=user)
        shutil.rmtree(base, ignore_errors=True)


def create_database(admin_url: str, name: str) -> str:
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name
