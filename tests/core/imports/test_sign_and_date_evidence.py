"""Signs that fit the account type, and date orders decided from evidence (issue 9).

Every case goes through ``import_statement``: the preview says what it decided and why, and
an open question stops the import from writing anything.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from fintrack_core.config import set_user_setting
from fintrack_core.db.models import Transaction
from fintrack_core.errors import ValidationError
from fintrack_core.imports.csv_import import MappingError
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.service import ImportResult, import_statement
from fintrack_core.ledger import accounts
from tests.core.imports.expected_statements import EXPECTED

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements"
CARD_FILE = "generic/us_card_charges_positive.csv"

def minor_amounts(result: ImportResult) -> list[int]:
    """The preview's amounts in minor units, in file order."""
    assert result.preview is not None
    return [int(m) for m in result.preview["amount_minor"]]



def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def stored(book: Any) -> int:
    with book.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Transaction)) or 0)


def liability(book: Any, kind: str) -> int:
    return accounts.create_account(book.owner, f"My {kind}", kind, "USD", "0",
                                   dt.date(2023, 1, 1)).id


# --- signs -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["credit_card", "loan"])
def test_charges_written_positive_are_flipped_in_a_liability_account_with_the_reason(
        small_book: Any, kind: str) -> None:
    result = import_statement(small_book.owner, load(CARD_FILE), "card.csv",
                              [liability(small_book, kind)], dry_run=True)
    label = "credit card" if kind == "credit_card" else "loan"
    assert (f"signs flipped: in a {label} account charges are money out, but 7 of 8 charges "
            "in the file are positive and 1 of 1 payment-like row(s) "
            "(e.g. 'INTERNET PAYMENT - THANK YOU') negative") in result.notes
    assert result.totals == {"USD": Decimal(EXPECTED[CARD_FILE]["sums"]["USD"])}  # -93.13
    assert [f"{Decimal(int(m)) / 100:.2f}" for m in minor_amounts(result)] == \
        EXPECTED[CARD_FILE]["amounts"]
    assert result.detected["signs_flipped"] is True
    assert result.questions == []


def test_keep_the_files_signs_undoes_the_flip(small_book: Any) -> None:
    result = import_statement(small_book.owner, load(CARD_FILE), "card.csv",
                              [liability(small_book, "credit_card")], dry_run=True,
                              signs="keep")
    assert result.totals == {"USD": Decimal("93.13")}
    assert "signs kept as written in the file, as you chose" in result.notes


def test_the_same_file_in_a_checking_account_keeps_its_signs(small_book: Any) -> None:
    checking = accounts.create_account(small_book.owner, "US checking", "checking", "USD", "0",
                                       dt.date(2023, 1, 1)).id
    result = import_statement(small_book.owner, load(CARD_FILE), "card.csv", [checking],
                              dry_run=True)
    assert result.totals == {"USD": Decimal("93.13")}
    assert not [n for n in result.notes if "signs" in n]


def test_a_card_file_already_written_money_out_negative_is_left_alone(small_book: Any) -> None:
    result = import_statement(small_book.owner, load("banks/chase_credit.csv"), "chase.csv",
                              [liability(small_book, "credit_card")], dry_run=True)
    assert result.totals == {"USD": Decimal(EXPECTED["banks/chase_credit.csv"]["sums"]["USD"])}
    assert (result.notes, result.questions) == ([], [])


WEAK = (b"Date,Description,Amount\n"
        b"2024-05-02,CORNER DELI,12.50\n"
        b"2024-05-06,HARDWARE STORE,48.00\n"
        b"2024-05-09,CINEMA,22.00\n")


def test_weak_evidence_asks_and_nothing_is_written_until_answered(small_book: Any) -> None:
    card = liability(small_book, "credit_card")
    preview = import_statement(small_book.owner, WEAK, "weak.csv", [card], dry_run=True)
    assert [q.key for q in preview.questions] == ["signs"]
    assert preview.questions[0].text.startswith(
        "3 of 3 rows are positive and no payment-like row (payment, thank you, Zahlung, "
        "paiement, pago) says which way they go. In a credit card account charges are money "
        "out: flip the signs so charges are negative, or keep the file's signs?")
    assert [c for c, _ in preview.questions[0].choices] == ["flip", "keep"]

    before = stored(small_book)
    refused = import_statement(small_book.owner, WEAK, "weak.csv", [card])
    assert (refused.rejected, refused.imported, refused.batch_id) == (True, 0, None)
    assert stored(small_book) == before

    done = import_statement(small_book.owner, WEAK, "weak.csv", [card], signs="flip")
    assert (done.rejected, done.imported, done.totals) == (False, 3,
                                                           {"USD": Decimal("-82.50")})


def test_an_owed_balance_that_grows_with_charges_settles_the_question(small_book: Any) -> None:
    data = (b"Date,Description,Amount,Balance\n"
            b"2024-05-02,CORNER DELI,12.50,512.50\n"
            b"2024-05-06,HARDWARE STORE,48.00,560.50\n"
            b"2024-05-09,CINEMA,22.00,582.50\n")
    result = import_statement(small_book.owner, data, "owed.csv",
                              [liability(small_book, "credit_card")], dry_run=True)
    assert result.questions == []
    assert result.totals == {"USD": Decimal("-82.50")}
    assert any(n.startswith("signs flipped: in a credit card account charges are money out, "
                            "but the file's running balance is positive and grows") for n in
               result.notes)


def test_an_unknown_answer_is_refused(small_book: Any) -> None:
    with pytest.raises(ValidationError):
        import_statement(small_book.owner, WEAK, "weak.csv", [small_book.card.id],
                         dry_run=True, signs="maybe")


# --- dates -----------------------------------------------------------------------------


def test_a_value_date_column_decides_an_all_ambiguous_date_column(small_book: Any) -> None:
    name = "generic/ie_bank_ambiguous_dates_value_date.csv"
    result = import_statement(small_book.owner, load(name), "ie.csv", [small_book.checking.id],
                              dry_run=True)
    assert result.detected["date_order"] == "dmy"
    assert "dates read day-first (dmy), decided by the 'Value Date' column, whose dates only "\
           "read day-first" in result.notes
    assert (str(result.date_min), str(result.date_max)) == (EXPECTED[name]["date_min"],
                                                            EXPECTED[name]["date_max"])


def test_a_german_header_and_decimal_commas_decide_day_first(small_book: Any) -> None:
    data = (b"Buchungstag;Verwendungszweck;Betrag\n"
            b"03/04/2024;REWE;-12,00\n05/04/2024;Miete;-850,00\n")
    result = import_statement(small_book.owner, data, "de.csv", [small_book.checking.id],
                              dry_run=True)
    assert result.date_min == dt.date(2024, 4, 3)
    assert ("dates read day-first (dmy), decided by the header's language (German, "
            "'buchungstag'), written day-first and the amounts' decimal comma (1.234,56), a "
            "day-first convention") in result.notes


def test_the_accounts_earlier_imports_decide(small_book: Any) -> None:
    first = b"Date,Description,Amount\n03/04/2024,Deli,-12.00\n"
    import_statement(small_book.owner, first, "a.csv", [small_book.checking.id],
                     options=Mapping(date_order="mdy"))
    later = b"Date,Description,Amount\n05/06/2024,Deli,-9.00\n"
    result = import_statement(small_book.owner, later, "b.csv", [small_book.checking.id],
                              dry_run=True)
    assert result.date_min == dt.date(2024, 5, 6)
    assert "dates read month-first (mdy), decided by the account's earlier imports" \
        in result.notes


def test_the_users_locale_decides_only_when_the_file_says_nothing(small_book: Any) -> None:
    data = load("quirks/dates_ambiguous.csv")
    with pytest.raises(MappingError, match="date order cannot be told"):
        import_statement(small_book.owner, data, "x.csv", [small_book.checking.id],
                         dry_run=True)
    set_user_setting(small_book.db, small_book.owner.user_id, "locale", "en_GB")
    result = import_statement(small_book.owner, data, "x.csv", [small_book.checking.id],
                              dry_run=True)
    assert "dates read day-first (dmy), decided by your locale setting (en_GB)" in result.notes
    assert str(result.date_max) == EXPECTED["quirks/dates_ambiguous.csv"]["dates_by_order"][
        "dmy"]["date_max"]


def test_evidence_that_disagrees_asks_for_the_order(small_book: Any) -> None:
    # The header is German (day-first) but the value dates only read month-first.
    data = (b"Buchungstag;Valuta;Verwendungszweck;Betrag\n"
            b"03/04/2024;03/14/2024;REWE;-12.00\n05/04/2024;05/04/2024;Miete;-850.00\n"
            )
    with pytest.raises(MappingError) as err:
        import_statement(small_book.owner, data, "x.csv", [small_book.checking.id],
                         dry_run=True)
    assert err.value.field == "date_order"
    assert "the evidence disagrees: the 'Valuta' column, whose dates only read month-first " \
           "says month-first; the header's language (German, 'buchungstag')" in str(err.value)


def test_a_card_file_uses_the_transaction_date_and_the_mapping_can_pick_the_other(
        small_book: Any) -> None:
    card = liability(small_book, "credit_card")
    by_default = import_statement(small_book.owner, load(CARD_FILE), "card.csv", [card],
                                  dry_run=True)
    mapping = by_default.detected["mapping"]
    assert isinstance(mapping, Mapping)
    assert mapping.date == "Trans. Date"
    assert (str(by_default.date_min), str(by_default.date_max)) == ("2024-03-02", "2024-03-30")
    posted = import_statement(small_book.owner, load(CARD_FILE), "card.csv", [card],
                              dry_run=True, options=Mapping(date="Post Date"))
    assert (str(posted.date_min), str(posted.date_max)) == ("2024-03-04", "2024-04-01")
