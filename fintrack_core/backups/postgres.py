"""PostgreSQL backups with the server's own tools: ``pg_dump -Fc`` and ``pg_restore``.

Why a snapshot of our own: the dump runs on a snapshot exported from a REPEATABLE READ
transaction in which we also count every table's rows. Verifying the dump then means reading
its COPY data back (``pg_restore --data-only`` to a stream) and finding exactly those counts:
a truncated or damaged archive fails there, long before anyone needs it.

Why one ``psql --single-transaction`` for a restore: dropping the schema and recreating it
from the dump happen in one transaction, so a restore that fails half-way changes nothing.
The password never appears on a command line (``PGPASSWORD`` in the child's environment).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text

from fintrack_core.db.engine import Database
from fintrack_core.errors import FinTrackError, ValidationError

COPY_RE = re.compile(r'^COPY (?:"?[^".]+"?\.)?"?([^" ]+)"? \(.*\) FROM stdin;$')
TIMEOUT_S = 3600


class PgToolError(FinTrackError):
    """pg_dump, pg_restore or psql is missing or failed (its message is passed on)."""


def tool(name: str) -> str:
    """The newest installed client tool (a pg_dump must be at least the server's version)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return found[-1]
    which = shutil.which(name)
    if which:
        return which
    raise PgToolError(f"{name} is not installed (Debian: apt-get install postgresql-client)")


def _conn_args(db: Database) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and an environment carrying it."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(argv: list[str], env: dict[str, str] | None = None,
         stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(argv, input=stdin, capture_output=True, env=env,  # noqa: S603
                          timeout=TIMEOUT_S, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise PgToolError(f"{Path(argv[0]).name} failed: {' '.join(message[-3:])}")
    return done


def _schema(conn) -> str:  # type: ignore[no-untyped-def]
    return str(conn.execute(text("SELECT current_schema()")).scalar_one())


def table_counts(conn, schema: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Row count of every table in ``schema`` (from the catalogue, not a fixed list)."""
    names = conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = :s "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"), {"s": schema}).scalars().all()
    # Names come from the catalogue, quoted as identifiers: not user input.
    return {n: conn.execute(text(
        f"SELECT count(*) FROM {_ident(schema)}.{_ident(n)}")).scalar_one()  # noqa: S608
            for n in names}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dump(db: Database, target: Path) -> dict[str, int]:
    """Dump the database's schema to ``target`` and verify it; return the verified counts."""
    uri, env = _conn_args(db)
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, \
            conn.begin():
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        schema = _schema(conn)
        expected = table_counts(conn, schema)
        _run([tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
              f"--schema={schema}", f"--file={target}", f"--dbname={uri}"], env)
    counts = verify(target)
    if counts != expected:
        diff = {t: (expected.get(t), counts.get(t)) for t in set(expected) | set(counts)
                if expected.get(t) != counts.get(t)}
        raise FinTrackError(f"the dump's row counts differ from the database's: {diff}")
    return counts


def verify(path: Path, field_name: str = "file") -> dict[str, int]:
    """Read a dump back: a valid archive (``pg_restore --list``), of a FinTrack database, whose
    COPY data can be read to the end. Returns the rows of every table as stored in the file."""
    if not path.is_file():
        raise ValidationError(field_name, f"{path} does not exist")
    try:
        listing = _run([tool("pg_restore"), "--list", str(path)]).stdout.decode()
        data = _run([tool("pg_restore"), "--data-only", "--file=-", str(path)]).stdout
    except PgToolError as exc:
        raise ValidationError(field_name, f"{path} is not a readable PostgreSQL dump "
                                          f"({exc})") from None
    counts: dict[str, int] = {}
    current: str | None = None
    for line in data.decode("utf-8", errors="replace").splitlines():
        if current is None:
            m = COPY_RE.match(line)
            if m:
                current = m.group(1)
                counts[current] = 0
        elif line == "\\.":
            current = None
        else:
            counts[current] += 1
    if current is not None:
        raise ValidationError(field_name, f"{path} ends in the middle of table {current}")
    if "alembic_version" not in counts or "books" not in counts or "TABLE DATA" not in listing:
        raise ValidationError(field_name, f"{path} is not a FinTrack database dump")
    return counts


def restore(db: Database, path: Path) -> None:
    """Replace the database's schema with the dump's content, all or nothing."""
    uri, env = _conn_args(db)
    with db.engine.connect() as conn:
        schema = _schema(conn)
    script = _run([tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-",
                   str(path)]).stdout
    quoted = _ident(schema)
    prologue = f"DROP SCHEMA IF EXISTS {quoted} CASCADE;\n".encode()
    if f"CREATE SCHEMA {schema};".encode() not in script:
        prologue += f"CREATE SCHEMA {quoted};\n".encode()
    db.engine.dispose()  # our own pooled connections must not hold locks on the old tables
    _run([tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction",
          "--set=ON_ERROR_STOP=1", f"--dbname={uri}", "--file=-"], env, prologue + script)


def revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
