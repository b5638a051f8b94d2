"""``fintrack import`` of investment files: the same command and JSON contract as for bank
statements, plus an ``investment`` object (the account, new assets, rows and cash per kind,
each trade, the position check), and ``fintrack import undo`` takes the trades back out."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from fintrack_cli.main import app
from tests.core.imports.test_cli_import import KEYS

BROKERS = Path(__file__).resolve().parents[2] / "fixtures" / "brokers"
runner = CliRunner()


def ok(*args: str | Path) -> Result:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result


def count(db_file: Path, table: str) -> int:
    with sqlite3.connect(db_file) as con:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """alice with a USD investment account "Fidelity" and a EUR checking account."""
    target = tmp_path / "fintrack.db"
    monkeypatch.setenv("FINTRACK_DATABASE_URL", f"sqlite:///{target}")
    assert runner.invoke(app, ["user", "add", "alice", "--name", "Alice", "--password-stdin"],
                         input="wonderland-42\n").exit_code == 0
    ok("account", "add", "Fidelity", "--type", "investment", "--currency", "USD",
       "--opened-on", "2024-01-01")
    ok("account", "add", "Giro", "--type", "checking", "--currency", "EUR",
       "--opened-on", "2024-01-01")
    return target


def test_a_dry_run_prints_the_trades_in_json_and_writes_nothing(db_file: Path) -> None:
    result = ok("import", BROKERS / "fidelity_invstmt_v2.ofx", "-a", "Fidelity", "--dry-run",
                "--json")
    data: dict[str, Any] = json.loads(result.stdout)
    assert set(data) == KEYS | {"investment"}
    assert (data["rows"], data["imported"], data["totals"]) == (10, 10, {"USD": "493.73"})
    assert data["accounts"] == {"Fidelity": 10}
    inv = data["investment"]
    assert inv["new_assets"] == ["AAPL", "VTSAX", "VTI"]
    assert inv["kind_totals"]["buy"] == {"rows": 3, "cash": "-5264.95"}
    assert inv["position_differences"] == []
    assert inv["trades"][1] == {"line": 27, "date": "2024-01-05", "kind": "buy",
                                "symbol": "AAPL", "quantity": "10", "price": "185.5",
                                "fees": "4.95", "cash": "-1859.95"}
    assert "buy: 3 row(s), cash -5264.95" in result.stderr
    assert count(db_file, "trades") == 0


def test_import_then_undo(db_file: Path) -> None:
    result = ok("import", BROKERS / "ib_activity_2024H1.csv", "-a", "Fidelity", "--json")
    data = json.loads(result.stdout)
    assert (data["profile"], data["rows"], data["imported"], len(data["skipped"])) == (
        "interactive_brokers", 15, 10, 5)  # 4 total lines and a currency conversion
    assert count(db_file, "trades") == 5
    batch = json.loads(ok("import", "list", "--json").stdout)[0]["batch"]
    ok("import", "undo", str(batch))
    assert (count(db_file, "trades"), count(db_file, "transactions")) == (0, 0)


def test_an_investment_file_into_a_checking_account_is_one_clear_error(db_file: Path) -> None:
    result = runner.invoke(app, ["import", str(BROKERS / "trading212_history_2024.csv"),
                                 "-a", "Giro", "--json"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    data = json.loads(result.stdout)
    assert data["invalid"][0]["error"] == (
        "account: an investment statement imports into one investment account; none of the "
        "chosen ('Giro') is one")
