"""The dashboard and the CLI on one SQLite file: every write of either side is seen by both and
survives a restart.

The dashboard runs in this process (AppTest), with its report copy, as a server would; the CLI
runs as separate processes. Before the report copy stopped attaching the live file with
DuckDB's own SQLite library, the app's later writes went into a deleted WAL and vanished.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import streamlit as st

from fintrack_core.db.engine import Database
from fintrack_core.ledger import transactions as tx
from fintrack_core.reports import store
from tests.conftest import SmallBook
from tests.pages.conftest import log_in

FINTRACK = str(Path(sys.executable).parent / "fintrack")
TX_PAGE = "pages/transactions.py"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([FINTRACK, *args], capture_output=True, text=True,
                            env=dict(os.environ), timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result


def cli_payees() -> set[str]:
    out = cli("tx", "list", "--user", "alice", "--limit", "500", "--json").stdout
    return {row["payee"] for row in json.loads(out)["transactions"]}


def app_payees() -> set[str]:
    """What the dashboard shows on the Transactions page (and the Overview's report copy)."""
    at = log_in("alice", "wonderland-42")
    assert not at.exception, at.exception
    at.switch_page(TX_PAGE).run()
    assert not at.exception, at.exception
    grid = next(d for d in at.dataframe if d.editing_mode != "read_only").value
    return set(grid["Payee"])


def test_writes_from_the_app_and_the_cli_interleave_without_loss(small_book: SmallBook,
                                                                 app_env: Path) -> None:
    written: set[str] = set()
    for round_ in range(3):
        app_payees()  # the Overview builds the report copy inside this process
        cli("tx", "add", "--user", "alice", "--account", "Girokonto", "--amount=-1.50",
            "--date", "2025-05-0" + str(round_ + 1), "--payee", f"cli-{round_}")
        tx.add_transaction(small_book.owner, tx.TransactionInput(
            small_book.checking.id, dt.date(2025, 6, round_ + 1), "-2.50", f"app-{round_}"))
        written |= {f"cli-{round_}", f"app-{round_}"}
        assert written <= cli_payees()
        assert written <= app_payees()

    # Restart: every connection, cache and report copy of the "server" process is dropped.
    small_book.db.dispose()
    st.cache_resource.clear()
    store._STORES.clear()
    assert written <= cli_payees()
    assert written <= app_payees()
    fresh = Database(f"sqlite:///{app_env}")
    try:
        with fresh.engine.connect() as conn:
            stored = {r[0] for r in conn.exec_driver_sql("SELECT payee FROM transactions")}
        assert written <= stored
    finally:
        fresh.dispose()
