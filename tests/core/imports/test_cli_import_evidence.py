"""``fintrack import`` and the statement's evidence: notes and left-out rows on stderr, the
sign question answered with ``--flip-signs`` / ``--keep-signs``, nothing written unanswered."""

from __future__ import annotations

from pathlib import Path

from tests.core.imports import test_cli_import as cli_tests
from tests.core.imports.test_cli_import import (
    account_sums,
    cli,
    contract,
    count_transactions,
    fixture,
    ok,
    write,
)

# The CLI tests' database fixtures: alice with the checking accounts Chase (USD), Giro (EUR)
# and Barclays (GBP), one copy per test.
template = cli_tests.template
db_file = cli_tests.db_file

CARD_FILE = "generic/us_card_charges_positive.csv"


def add_card() -> None:
    ok("account", "add", "Visa", "--type", "credit_card", "--currency", "USD",
       "--opened-on", "2023-01-01")


def test_a_dry_run_prints_the_balance_verdict_and_the_rows_left_out(db_file: Path) -> None:
    result = ok("import", fixture("banks/revolut.csv"), "-a", "Barclays", "-a", "Giro",
                "-a", "Chase", "--dry-run")
    assert "✓ agrees with the bank's running balance on all 18 rows (rows oldest first)" \
        in result.stderr
    assert "line 2: left out, status 'DECLINED' — declined: no money moved" in result.stderr
    assert count_transactions(db_file) == 0


def test_a_card_file_is_flipped_by_evidence_and_keep_signs_refuses_the_flip(
        db_file: Path) -> None:
    add_card()
    flipped = contract(ok("import", fixture(CARD_FILE), "-a", "Visa", "--dry-run", "--json"))
    assert flipped["totals"] == {"USD": "-93.13"}
    kept = ok("import", fixture(CARD_FILE), "-a", "Visa", "--keep-signs", "--json")
    assert contract(kept)["totals"] == {"USD": "93.13"}
    assert "signs kept as written in the file, as you chose" in kept.stderr
    assert account_sums(db_file) == {"Visa": 9313}


def test_an_unanswered_sign_question_writes_nothing_and_names_the_flags(
        db_file: Path, tmp_path: Path) -> None:
    add_card()
    weak = write(tmp_path, "weak.csv", "Date,Description,Amount", "2024-05-02,DELI,12.50",
                 "2024-05-06,STORE,48.00")
    refused = cli("import", weak, "-a", "Visa", "--json")
    assert refused.exit_code == 1
    assert contract(refused)["imported"] == 0
    assert "Question: 2 of 2 rows are positive" in refused.stderr
    assert "Nothing was written: answer with --flip-signs or --keep-signs." in refused.stderr
    assert count_transactions(db_file) == 0

    ok("import", weak, "-a", "Visa", "--flip-signs")
    assert account_sums(db_file) == {"Visa": -6050}


def test_both_answers_at_once_are_refused(db_file: Path) -> None:
    add_card()
    result = cli("import", fixture(CARD_FILE), "-a", "Visa", "--flip-signs", "--keep-signs")
    assert result.exit_code != 0
    assert "give either --flip-signs or --keep-signs, not both" in result.output
