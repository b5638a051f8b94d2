"""``fintrack import``: the command-line contract scripts rely on.

With ``--json`` stdout holds exactly one JSON object with the keys ``file, profile, rows,
imported, duplicates, invalid, totals, date_min, date_max, alerts`` (the budget alerts the
import caused); the human summary and progress go
to stderr. A rejected file exits with status 1, still prints the JSON with its reasons, and
writes nothing. Driven through ``typer.testing.CliRunner`` against a real SQLite file named by
``FINTRACK_DATABASE_URL``; click >= 8.2 keeps ``result.stdout`` and ``result.stderr`` apart.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from fintrack_cli.main import app
from fintrack_core.imports import service
from tests.core.imports.expected_statements import EXPECTED

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements"
KEYS = {"file", "profile", "rows", "imported", "duplicates", "skipped", "skipped_counts",
        "invalid", "totals", "date_min", "date_max", "warnings", "accounts", "alerts"}
# name -> currency of the accounts every test starts with (alice is the only user)
ACCOUNTS = {"Chase": "USD", "Giro": "EUR", "Barclays": "GBP"}

runner = CliRunner()


def cli(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def ok(*args: str | Path) -> Result:
    result = cli(*args)
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result


def fixture(name: str) -> Path:
    return FIXTURES / name


def contract(result: Result) -> dict[str, Any]:
    """stdout parsed as one JSON object with exactly the contract's keys and types."""
    data = json.loads(result.stdout)  # fails on anything besides one JSON document
    assert isinstance(data, dict)
    assert set(data) == KEYS
    assert isinstance(data["file"], str)
    assert data["profile"] is None or isinstance(data["profile"], str)
    for key in ("rows", "imported", "duplicates"):
        assert type(data[key]) is int, key
    assert isinstance(data["invalid"], list)
    for item in data["skipped"]:
        assert set(item) == {"line", "reason"}
        assert type(item["line"]) is int
        assert isinstance(item["reason"], str)
        assert item["reason"]
    assert data["skipped_counts"] == dict(Counter(r["reason"] for r in data["skipped"]))
    # Every row accounted for; a refused import (invalid rows, an open question) imported none.
    if result.exit_code == 0:
        assert data["rows"] == (data["imported"] + data["duplicates"] + len(data["skipped"])
                                + len(data["invalid"]))
    for item in data["invalid"]:
        assert set(item) == {"line", "error"}
        assert type(item["line"]) is int
        assert isinstance(item["error"], str)
        assert item["error"]
    assert isinstance(data["totals"], dict)
    for currency, amount in data["totals"].items():
        assert len(currency) == 3
        assert currency.isupper()
        assert isinstance(amount, str)
        assert str(Decimal(amount)) == amount  # a plain signed decimal, no exponent
    for key in ("date_min", "date_max"):
        assert data[key] is None or isinstance(data[key], str)
    assert all(isinstance(w, str) for w in data["warnings"])
    assert all(type(n) is int for n in data["accounts"].values())
    assert isinstance(data["alerts"], list)  # the budget alerts the import caused
    return data


def count_transactions(db_file: Path) -> int:
    with sqlite3.connect(db_file) as con:
        return int(con.execute("SELECT count(*) FROM transactions").fetchone()[0])


def count_rows(db_file: Path, table: str) -> int:
    with sqlite3.connect(db_file) as con:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def account_sums(db_file: Path) -> dict[str, int]:
    with sqlite3.connect(db_file) as con:
        return dict(con.execute("SELECT a.name, sum(t.amount_minor) FROM transactions t "
                                "JOIN accounts a ON a.id = t.account_id GROUP BY a.name"))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made through the CLI: alice with a USD, a EUR and a GBP account."""
    folder = tmp_path_factory.mktemp("cli-import-template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINTRACK_DATABASE_URL", f"sqlite:///{folder / 'fintrack.db'}")
        assert runner.invoke(app, ["user", "add", "alice", "--name", "Alice", "--password-stdin"],
                             input="wonderland-42\n").exit_code == 0
        for name, currency in ACCOUNTS.items():
            ok("account", "add", name, "--type", "checking", "--currency", currency,
               "--opened-on", "2023-01-01")
    return folder / "fintrack.db"


@pytest.fixture
def db_file(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's copy of the template, which the CLI uses."""
    target = tmp_path / "fintrack.db"
    shutil.copyfile(template, target)
    monkeypatch.setenv("FINTRACK_DATABASE_URL", f"sqlite:///{target}")
    return target


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- the JSON contract ----------------------------------------------------------------------


def test_json_is_exactly_one_object_with_the_contract_keys(db_file: Path) -> None:
    result = ok("import", fixture("quirks/overlap_a.csv"), "--account", "Chase", "--json")

    assert contract(result) == {
        "file": "overlap_a.csv", "profile": None, "rows": 8, "imported": 8, "duplicates": 0,
        "skipped": [], "skipped_counts": {}, "invalid": [], "totals": {"USD": "342.17"},
        "date_min": "2024-01-02", "date_max": "2024-01-19", "warnings": [],
        "accounts": {"Chase": 8},
        "alerts": []}
    assert "Imported 8 of 8 rows from overlap_a.csv" in result.stderr
    assert "8 rows read: 8 new, 0 duplicates, 0 skipped, 0 invalid" in result.stderr
    assert count_transactions(db_file) == 8


def test_a_bank_export_reports_its_profile(db_file: Path) -> None:
    spec = EXPECTED["banks/chase_checking.csv"]

    data = contract(ok("import", fixture("banks/chase_checking.csv"), "-a", "Chase", "--json"))

    assert (data["profile"], data["imported"], data["totals"]) == (
        "chase_checking", spec["count"], spec["sums"])
    assert (data["date_min"], data["date_max"]) == (spec["date_min"], spec["date_max"])


def test_importing_the_same_file_again_reports_only_duplicates(db_file: Path) -> None:
    ok("import", fixture("quirks/overlap_a.csv"), "--account", "Chase")

    data = contract(ok("import", fixture("quirks/overlap_a.csv"), "--account", "Chase",
                       "--json"))

    assert (data["rows"], data["imported"], data["duplicates"], data["totals"]) == (8, 0, 8, {})
    assert count_transactions(db_file) == 8


def test_without_json_stdout_is_empty_and_the_summary_is_on_stderr(db_file: Path) -> None:
    result = ok("import", fixture("quirks/overlap_a.csv"), "--account", "Chase")

    assert result.stdout == ""
    assert "Imported 8 of 8 rows from overlap_a.csv (0 duplicates, 0 invalid); totals " \
           "342.17 USD; batch #1" in result.stderr


# --- dry run ----------------------------------------------------------------------------------


def test_dry_run_reports_what_it_would_import_and_writes_nothing(db_file: Path) -> None:
    before = (count_transactions(db_file), count_rows(db_file, "import_batches"),
              count_rows(db_file, "import_profiles"))

    result = ok("import", fixture("quirks/overlap_a.csv"), "--account", "Chase", "--dry-run",
                "--json")

    assert contract(result)["imported"] == 8
    assert contract(result)["totals"] == {"USD": "342.17"}
    assert "Would import 8 of 8 rows" in result.stderr
    assert (count_transactions(db_file), count_rows(db_file, "import_batches"),
            count_rows(db_file, "import_profiles")) == before == (0, 0, 0)


# --- rejected files ---------------------------------------------------------------------------


def test_a_file_with_invalid_rows_is_rejected_with_reasons_and_nothing_written(
        db_file: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", "Date,Description,Amount", "2024-01-02,GOOD,-1.00",
                 "2024-01-03,BAD AMOUNT,abc", "2024-01-05,GOOD TWO,3.00")

    result = cli("import", path, "--account", "Giro", "--json")

    assert result.exit_code == 1
    assert contract(result) == {
        "file": "bad.csv", "profile": None, "rows": 3, "imported": 0, "duplicates": 0,
        "skipped": [], "skipped_counts": {},
        "invalid": [{"line": 3, "error": "amount is not a number: Amount='abc'"}],
        "totals": {}, "date_min": "2024-01-02", "date_max": "2024-01-05", "warnings": [],
        "accounts": {},
        "alerts": []}
    assert "line 3: amount is not a number" in result.stderr
    assert "Nothing was written" in result.stderr
    assert count_transactions(db_file) == 0
    assert count_rows(db_file, "import_batches") == 0


def test_skip_invalid_imports_the_valid_rows(db_file: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", "Date,Description,Amount", "2024-01-02,GOOD,-1.00",
                 "2024-01-03,BAD AMOUNT,abc", "2024-01-05,GOOD TWO,3.00")

    data = contract(ok("import", path, "--account", "Giro", "--skip-invalid", "--json"))

    assert (data["imported"], data["totals"]) == (2, {"EUR": "2.00"})
    assert data["invalid"] == [{"line": 3, "error": "amount is not a number: Amount='abc'"}]
    assert account_sums(db_file) == {"Giro": 200}


@pytest.mark.parametrize(("name", "reason"), [
    ("quirks/garbage.csv", "no table found"),
    ("quirks/empty.csv", "the file is empty"),
    ("quirks/header_only.csv", "the file has a header but no transactions"),
    ("quirks/binary.bin", "binary file"),
])
def test_an_unreadable_file_exits_non_zero_with_the_reason_in_json(
        db_file: Path, name: str, reason: str) -> None:
    result = cli("import", fixture(name), "--account", "Giro", "--json")

    assert result.exit_code == 1
    data = contract(result)
    assert (data["file"], data["rows"], data["imported"], data["totals"]) == (
        Path(name).name, 0, 0, {})
    [problem] = data["invalid"]
    assert problem["line"] == 0
    assert reason in problem["error"]
    assert f"Error: {problem['error']}" in result.stderr
    assert count_transactions(db_file) == 0
    assert count_rows(db_file, "import_batches") == 0


def test_an_unreadable_file_without_json_prints_only_the_error(db_file: Path) -> None:
    result = cli("import", fixture("quirks/garbage.csv"), "--account", "Giro")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [  # one line, however narrow the terminal
        "Error: no table found: the file has no delimited columns (expected a CSV with , ; tab "
        "or | between fields)"]


def test_a_file_over_the_size_limit_is_rejected_with_the_reason(
        db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = fixture("quirks/overlap_a.csv")
    size = path.stat().st_size
    monkeypatch.setattr(service, "MAX_BYTES", size - 1)

    result = cli("import", path, "-a", "Chase", "--json")

    assert result.exit_code == 1
    [problem] = contract(result)["invalid"]
    assert problem == {"line": 0, "error": f"file: overlap_a.csv is larger than the "
                                           f"{(size - 1) / 2**20:g} MB limit ({size:,} bytes)"}
    assert count_transactions(db_file) == 0


def test_the_size_limit_is_checked_from_the_file_size_before_reading_it(
        db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = fixture("quirks/overlap_a.csv")
    size = path.stat().st_size
    monkeypatch.setattr(service, "MAX_BYTES", size - 1)
    read: list[Path] = []
    real_read_bytes = Path.read_bytes

    def spy(self: Path) -> bytes:
        read.append(self)
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", spy)

    result = cli("import", path, "-a", "Chase")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: file: overlap_a.csv is larger than the {(size - 1) / 2**20:g} MB limit "
        f"({size:,} bytes)"]
    assert path not in read  # refused from its size: a 10 GB file is never loaded


def test_a_missing_file_or_account_is_a_user_error(db_file: Path, tmp_path: Path) -> None:
    missing = cli("import", tmp_path / "nope.csv", "--account", "Giro")
    no_account = cli("import", fixture("quirks/overlap_a.csv"))
    unknown = cli("import", fixture("quirks/overlap_a.csv"), "--account", "Nope")

    for result in (missing, no_account, unknown):
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: ")
        assert "Traceback" not in result.output
    assert "nope.csv: no such file" in missing.stderr
    assert "--account" in no_account.stderr
    assert "no account named 'Nope'" in unknown.stderr


# --- reading options --------------------------------------------------------------------------


def test_encoding_option(db_file: Path) -> None:
    spec = EXPECTED["quirks/latin1.csv"]
    path = fixture("quirks/latin1.csv")

    wrong = cli("import", path, "--account", "Giro", "--encoding", "utf-8", "--json")
    right = ok("import", path, "--account", "Giro", "--encoding", "cp1252", "--json")

    assert wrong.exit_code == 1
    assert "cannot be read as utf-8" in contract(wrong)["invalid"][0]["error"]
    assert contract(right)["totals"] == spec["sums"]
    with sqlite3.connect(db_file) as con:
        texts = {p or d for p, d in con.execute("SELECT payee, description FROM transactions")}
    assert texts == set(spec["payees_or_descriptions"])


@pytest.mark.parametrize("delimiter", ["tab", "\t", "\\t"])
def test_delimiter_option_takes_tab_by_name(db_file: Path, delimiter: str) -> None:
    spec = EXPECTED["quirks/tab_delimited.tsv"]

    data = contract(ok("import", fixture("quirks/tab_delimited.tsv"), "--account", "Chase",
                       "--delimiter", delimiter, "--json"))

    assert (data["imported"], data["totals"]) == (spec["count"], spec["sums"])


def test_a_delimiter_that_does_not_fit_rejects_the_file(db_file: Path) -> None:
    wrong = cli("import", fixture("quirks/overlap_a.csv"), "-a", "Chase", "--delimiter", ";",
                "--json")
    too_long = cli("import", fixture("quirks/overlap_a.csv"), "-a", "Chase", "--delimiter",
                   "ab")

    assert wrong.exit_code == 1
    assert contract(wrong)["imported"] == 0
    assert too_long.exit_code == 1
    assert "delimiter: 'ab' is not one character" in too_long.stderr
    assert count_transactions(db_file) == 0


def test_skip_rows_option(db_file: Path) -> None:
    spec = EXPECTED["quirks/preamble_and_trailer.csv"]

    data = contract(ok("import", fixture("quirks/preamble_and_trailer.csv"), "-a", "Chase",
                       "--skip-rows", str(spec["preamble_lines"]), "--json"))

    assert (data["imported"], data["totals"]) == (spec["count"], spec["sums"])


def test_negative_skip_rows_is_a_user_error(db_file: Path) -> None:
    result = cli("import", fixture("quirks/overlap_a.csv"), "-a", "Chase", "--skip-rows", "-1")

    assert result.exit_code == 1
    assert "skip_rows: must be 0 or more" in result.stderr


def test_no_header_option(db_file: Path) -> None:
    spec = EXPECTED["quirks/no_header.csv"]

    data = contract(ok("import", fixture("quirks/no_header.csv"), "-a", "Chase", "--no-header",
                       "--json"))

    assert (data["imported"], data["totals"]) == (spec["count"], spec["sums"])
    assert (data["date_min"], data["date_max"]) == (spec["date_min"], spec["date_max"])


def test_date_order_option_settles_ambiguous_dates(db_file: Path) -> None:
    path = fixture("quirks/dates_ambiguous.csv")
    expected = EXPECTED["quirks/dates_ambiguous.csv"]["dates_by_order"]["dmy"]

    unsure = cli("import", path, "-a", "Barclays", "--json")
    data = contract(ok("import", path, "-a", "Barclays", "--date-order", "DMY", "--json"))

    assert unsure.exit_code == 1
    assert contract(unsure)["invalid"][0]["error"].startswith(
        "date_order: the date order cannot be told from this file")
    assert (data["date_min"], data["date_max"]) == (expected["date_min"], expected["date_max"])
    assert data["totals"] == {"GBP": "1125.26"}


def test_an_unknown_date_order_is_a_user_error(db_file: Path) -> None:
    result = cli("import", fixture("quirks/dates_ambiguous.csv"), "-a", "Barclays",
                 "--date-order", "ydm")

    assert result.exit_code == 1
    assert "date_order: choose one of dmy, mdy, ymd" in result.stderr


def test_negate_option_flips_card_charges(db_file: Path) -> None:
    spec = EXPECTED["quirks/card_positive_charges.csv"]

    data = contract(ok("import", fixture("quirks/card_positive_charges.csv"), "-a", "Chase",
                       "--negate", "--json"))

    assert data["totals"] == spec["sums"] == {"USD": "-853.82"}


def test_no_negate_reads_the_signs_as_written_after_a_flipped_import(db_file: Path) -> None:
    """The flip is remembered for the account; ``--no-negate`` switches it off again."""
    flipped = contract(ok("import", fixture("quirks/card_positive_charges.csv"), "-a", "Chase",
                          "--negate", "--json"))
    as_written = contract(ok("import", fixture("quirks/card_positive_charges.csv"), "-a",
                             "Chase", "--no-negate", "--json", "--dry-run"))

    assert flipped["totals"] == {"USD": "-853.82"}
    assert as_written["totals"] == {"USD": "853.82"}


def test_map_option_names_the_columns_and_is_remembered_for_the_account(
        db_file: Path, tmp_path: Path) -> None:
    first = write(tmp_path, "odd1.csv", "When,What,Value,Running",
                  "2024-05-01,Bakery,-3.20,96.80", "2024-05-02,Salary,1000.00,1096.80")
    second = write(tmp_path, "odd2.csv", "When,What,Value,Running",
                   "2024-06-01,Bakery,-4.10,992.70")

    data = contract(ok("import", first, "-a", "Giro", "--map",
                       "date=When,amount=Value,description=What", "--json"))
    again = contract(ok("import", second, "-a", "Giro", "--json"))

    assert (data["imported"], data["totals"]) == (2, {"EUR": "996.80"})
    assert (again["imported"], again["totals"]) == (1, {"EUR": "-4.10"})
    assert count_rows(db_file, "import_profiles") == 1


@pytest.mark.parametrize(("value", "message"), [
    ("date", "map: 'date' is not ROLE=COLUMN"),
    ("when=Date", "map: unknown role 'when'"),
    ("date=Nope,amount=Amount", "date: column 'Nope' is not in the file"),
])
def test_a_bad_map_is_a_user_error(db_file: Path, value: str, message: str) -> None:
    result = cli("import", fixture("quirks/overlap_a.csv"), "-a", "Chase", "--map", value)

    assert result.exit_code == 1
    assert message in result.stderr
    assert count_transactions(db_file) == 0


def test_profile_option_forces_a_bank_profile(db_file: Path) -> None:
    spec = EXPECTED["banks/dkb_giro.csv"]

    data = contract(ok("import", fixture("banks/dkb_giro.csv"), "-a", "Giro", "--profile",
                       "dkb_giro", "--json"))

    assert (data["profile"], data["imported"], data["totals"]) == (
        "dkb_giro", spec["count"], spec["sums"])


def test_several_accounts_take_the_rows_of_their_currency(db_file: Path) -> None:
    data = contract(ok("import", fixture("quirks/multi_currency.csv"), "-a", "Giro",
                       "--account", "Barclays", "-a", "Chase", "--json"))

    assert data["totals"] == {"EUR": "1838.83", "GBP": "-82.40", "USD": "-387.50"}
    assert account_sums(db_file) == {"Giro": 183883, "Barclays": -8240, "Chase": -38750}


def test_a_currency_without_an_account_rejects_its_rows(db_file: Path) -> None:
    result = cli("import", fixture("quirks/multi_currency.csv"), "-a", "Giro", "-a", "Barclays",
                 "--json")

    assert result.exit_code == 1
    assert contract(result)["invalid"] == [{"line": 3, "error": "no chosen account in USD"},
                                           {"line": 6, "error": "no chosen account in USD"}]
    assert count_transactions(db_file) == 0


# --- list and undo ----------------------------------------------------------------------------


def test_list_shows_the_batches_and_undo_removes_one(db_file: Path) -> None:
    ok("import", fixture("quirks/overlap_a.csv"), "-a", "Chase")
    ok("import", fixture("quirks/overlap_b.csv"), "-a", "Chase")

    listed = json.loads(ok("import", "list", "--json").stdout)

    sha_b = hashlib.sha256(fixture("quirks/overlap_b.csv").read_bytes()).hexdigest()
    assert [(b["batch"], b["file"], b["imported"], b["duplicates"], b["remaining"])
            for b in listed] == [(2, "overlap_b.csv", 5, 4, 5), (1, "overlap_a.csv", 8, 0, 8)]
    assert listed[0]["sha256"] == sha_b
    assert (listed[0]["account"], listed[0]["profile"], listed[0]["rows"]) == ("Chase", None, 9)

    undone = ok("import", "undo", "1")

    assert undone.stdout.strip() == "Removed import batch #1 and its 8 transactions."
    assert count_transactions(db_file) == 5
    assert [b["batch"] for b in json.loads(ok("import", "list", "--json").stdout)] == [2]


def test_list_as_a_table(db_file: Path) -> None:
    ok("import", fixture("banks/chase_checking.csv"), "-a", "Chase")

    table = ok("import", "list").stdout

    assert "chase_checking.csv" in table
    assert "#1" in table
    assert "Chase" in table


def test_undo_with_a_hash_sign_and_undo_of_a_bad_batch_number(db_file: Path) -> None:
    ok("import", fixture("quirks/overlap_a.csv"), "-a", "Chase")

    missing = cli("import", "undo", "99")
    not_a_number = cli("import", "undo", "abc")
    no_number = cli("import", "undo")
    undone = ok("import", "undo", "#1")

    assert missing.exit_code == 1
    assert "import batch 99 not found" in missing.stderr
    for bad in (not_a_number, no_number):
        assert bad.exit_code == 1
        assert "usage: fintrack import undo BATCH" in bad.stderr
    assert "Removed import batch #1" in undone.stdout
    assert count_transactions(db_file) == 0


def test_help_describes_the_command(db_file: Path) -> None:
    result = ok("import", "--help")

    for option in ("--account", "--profile", "--dry-run", "--skip-invalid", "--json",
                   "--encoding", "--delimiter", "--skip-rows", "--no-header", "--date-order",
                   "--negate", "--map"):
        assert option in result.stdout
    assert "list" in result.stdout
    assert "undo BATCH" in result.stdout


# --- CAMT, MT940 and files of several accounts (issue 9) -----------------------------------


def test_mt940_is_read_by_its_content_whatever_its_name(db_file: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "export.txt"
    renamed.write_bytes(fixture("mt940/commerzbank_de_cp1252.sta").read_bytes())

    result = ok("import", renamed, "--account", "Giro", "--json")

    assert contract(result)["totals"] == {"EUR": "1920.60"}
    assert account_sums(db_file) == {"Giro": 192060}


def test_a_file_of_two_accounts_routes_by_account_number(db_file: Path) -> None:
    ok("account", "add", "Savings", "--type", "savings", "--currency", "USD",
       "--opened-on", "2023-01-01", "--number", "000987654321")
    refused = cli("import", fixture("ofx/chase_two_accounts_fitid.ofx"), "--account", "Chase",
                  "--account", "Savings", "--json")
    assert refused.exit_code == 1
    assert "no chosen account has the number of 000123456789" in refused.stderr
    assert count_transactions(db_file) == 0

    assert "number 000123456789" in ok("account", "number", "Chase", "000123456789").stdout
    result = ok("import", fixture("ofx/chase_two_accounts_fitid.ofx"), "--account", "Chase",
                "--account", "Savings", "--json")

    assert "Into Chase: 5, Savings: 2" in result.stderr
    assert account_sums(db_file) == {"Chase": 94100, "Savings": 30123}
    again = contract(ok("import", fixture("ofx/chase_two_accounts_fitid.ofx"), "--account",
                        "Chase", "--account", "Savings", "--json"))
    assert (again["imported"], again["duplicates"]) == (0, 7)


def test_pending_entries_and_balance_warnings_are_reported(db_file: Path, tmp_path: Path
                                                           ) -> None:
    broken = tmp_path / "intraday.xml"
    broken.write_bytes(fixture("camt/de_camt052_v06_intraday.xml").read_bytes()
                       .replace(b">1106.65<", b">1106.56<"))

    result = ok("import", broken, "--account", "Giro", "--dry-run")

    assert "line 5: left out, pending (Sts PDNG)" in result.stderr
    assert "closing balance is 1106.56 EUR (difference -0.09 EUR)" in result.stderr
