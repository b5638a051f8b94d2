"""``fintrack backup``, ``restore`` and ``book export|import`` driven through their arguments
against real SQLite files named by FINTRACK_DATABASE_URL."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from fintrack_core.backups import database as backup
from tests.core import test_cli
from tests.core.test_cli import ALICE_PW, add_tx, fails, ok, run

# The CLI tests' fixtures: a database URL in the environment, Alice with two accounts.
db_url = test_cli.db_url
alice = test_cli.alice


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "backups"


def payees(db_file: Path) -> list[str]:
    with sqlite3.connect(db_file) as con:
        return [r[0] for r in con.execute("SELECT payee FROM transactions ORDER BY id")]


def test_backup_defaults_to_a_folder_beside_the_database(alice: str, tmp_path: Path) -> None:
    out = ok("backup").stdout
    made = backup.list_backups(tmp_path / "backups")
    assert len(made) == 1
    assert str(made[0][0]) in out
    assert "verified" in out


def test_backup_json_keep_and_if_older_than(alice: str, folder: Path) -> None:
    for _ in range(3):
        ok("backup", "--to", str(folder), "--keep", "2")
    assert len(backup.list_backups(folder)) == 2
    skipped = json.loads(ok("backup", "--to", str(folder), "--if-older-than", "24h",
                            "--json").stdout)
    assert skipped == {"created": None}
    assert len(backup.list_backups(folder)) == 2


@pytest.mark.parametrize(("args", "word"), [(["--keep", "0"], "keep"),
                                            (["--if-older-than", "soon"], "if-older-than")])
def test_bad_options_name_the_option(alice: str, folder: Path, args: list[str],
                                     word: str) -> None:
    fails(run("backup", "--to", str(folder), *args), word)
    assert backup.list_backups(folder) == []


def test_restore_asks_and_a_no_changes_nothing(alice: str, folder: Path,
                                               tmp_path: Path) -> None:
    add_tx("--account", "Girokonto", "--amount", "-1.00", "--date", "2024-03-01",
           "--payee", "Before")
    made = json.loads(ok("backup", "--to", str(folder), "--json").stdout)["created"]
    add_tx("--account", "Girokonto", "--amount", "-2.00", "--date", "2024-03-02",
           "--payee", "After")
    result = run("restore", made, "--to", str(folder), input="n\n")
    assert result.exit_code == 1
    assert "nothing changed" in result.stderr
    assert payees(tmp_path / "cli.db") == ["Before", "After"]

    out = ok("restore", made, "--to", str(folder), input="y\n").stdout
    assert payees(tmp_path / "cli.db") == ["Before"]
    safety = [p for p, _ in backup.list_backups(folder) if "pre-restore" in p.name]
    assert len(safety) == 1
    assert str(safety[0]) in out
    assert payees(safety[0]) == ["Before", "After"]


def test_restore_refuses_a_corrupt_file_before_asking(alice: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\x00garbage" * 512)
    fails(run("restore", str(bad), "--yes"), "file", "bad.db")
    fails(run("restore", str(tmp_path / "missing.db"), "--yes"), "does not exist")


def test_book_export_and_import_into_a_new_database(alice: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    add_tx("--account", "Girokonto", "--amount", "-12.50", "--date", "2024-03-01",
           "--payee", "REWE")
    zip_path = tmp_path / "alice.zip"
    out = ok("book", "export", "--to", str(zip_path), "--user", "alice").stdout
    assert "written to" in out
    fails(run("book", "export", "--to", str(zip_path), "--user", "alice"), "to",
          "already exists")

    fails(run("book", "import", str(zip_path)), "not empty")  # the same, full database
    monkeypatch.setenv("FINTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    out = ok("book", "import", str(zip_path)).stdout
    assert "fintrack user passwd alice --reset" in out
    assert payees(tmp_path / "new.db") == ["REWE"]
    ok("user", "passwd", "alice", "--reset", "--password-stdin", input=ALICE_PW + "\n")
    listed = json.loads(ok("tx", "list", "--user", "alice", "--json").stdout)
    assert [t["amount"] for t in listed["transactions"]] == ["-12.50"]


def test_book_import_of_a_damaged_archive_names_the_archive(db_url: str,
                                                            tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip: no manifest
    fails(run("book", "import", str(bad)), "archive", "manifest.json")
