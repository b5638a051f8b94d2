"""DuckDB connections that work offline: extensions come from PyPI packages, never downloads.

``duckdb-extension-sqlite-scanner`` ships the SQLite scanner inside the wheel; we LOAD it by
path with auto-install/auto-load switched off, so nothing ever tries the network.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb


def connect() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"autoinstall_known_extensions": False,
                                  "autoload_known_extensions": False})


def extension_path(name: str) -> Path:
    """Path of an extension file shipped by its ``duckdb-extension-<name>`` package."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name.replace('-', '_')}")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"duckdb-extension-{name} is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.rglob(f"{name.replace('-', '_')}.duckdb_extension"))
    if not found:
        raise RuntimeError(f"no {name} extension file inside {root}")
    return found[0]


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD a shipped extension into ``con``; a no-op when it is loaded already."""
    loaded = con.execute("SELECT count(*) FROM duckdb_extensions() "
                         "WHERE extension_name = ? AND loaded", [name]).fetchone()
    if loaded is None or not loaded[0]:
        con.execute(f"LOAD '{extension_path(name)}'")


def attach_sqlite_file(con: duckdb.DuckDBPyConnection, path: Path, alias: str, *,
                       read_only: bool = True) -> None:
    """Attach a *private* SQLite file (a snapshot, or an import's stage), read-only unless
    asked.

    Never pass the live database: DuckDB's own SQLite library would break this process's
    locks on it (see ``reports.store``). ``alias`` is a fixed identifier of ours.
    """
    load_extension(con, "sqlite_scanner")
    quoted = str(path).replace("'", "''")
    mode = ", READ_ONLY" if read_only else ""
    con.execute(f"ATTACH '{quoted}' AS {alias} (TYPE sqlite{mode})")
