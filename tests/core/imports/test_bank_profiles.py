"""A book's own bank profiles (``fintrack_core.imports.book_profiles``): saved from an import,
exported as a TOML file another installation loads, checked when loaded, used for detection
like the built-in ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.schema import upgrade
from fintrack_core.errors import Conflict, NotFound, ValidationError
from fintrack_core.imports.book_profiles import (
    delete_profile,
    export_profile,
    import_profile,
    list_profiles,
    save_profile,
)
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.profile_files import parse_profile, profile_to_toml
from fintrack_core.imports.profiles import builtin_profiles
from fintrack_core.imports.service import import_statement
from fintrack_core.ledger import accounts, books, users
from tests.conftest import SmallBook

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements"
FINNISH = (FIXTURES / "quirks" / "finnish_compact_dates.csv").read_bytes()
BY_HAND = Mapping(date="Kirjauspäivä", date_format="%d%m%Y", payee="Saaja/Maksaja",
                  currency="Valuutta")
CREDIT_UNION = """\
name = "credit_union"
label = "Example Credit Union"

[match]
header = ["Posted", "Amount", "Merchant"]

[mapping]
date = "Posted"
amount = "Amount"
payee = "Merchant"
"""
CREDIT_UNION_CSV = b"Posted,Amount,Merchant\n2024-03-02,-12.00,Corner Cafe\n"


def another_installation(tmp_path: Path) -> tuple[Database, Scope, int]:
    """A second database with its own user, book and EUR account."""
    db = Database(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    upgrade(db)
    dora = users.create_user(db, "dora", "explorer-map-7", "Dora", base_currency="EUR")
    scope = Scope(db, dora.id, books.list_books(db, dora.id)[0].id)
    acc = accounts.create_account(scope, "Nordea", "checking", "EUR", "0", dt.date(2024, 1, 1))
    return db, scope, acc.id


# --- the file format ---------------------------------------------------------------------------


@pytest.mark.parametrize("profile", builtin_profiles(), ids=lambda p: p.name)
def test_every_built_in_profile_exports_to_a_file_that_loads_back_the_same(profile) -> None:  # type: ignore[no-untyped-def]
    assert parse_profile(profile_to_toml(profile), "x.toml", source="built-in") == profile


@pytest.mark.parametrize(("change", "message"), [
    (("[mapping]", "[mapping]\ncolour = \"blue\""), "x.toml: mapping.colour: unknown key"),
    (("[match]", "owner = \"me\"\n[match]"), "x.toml: owner: unknown key"),
    (("header =", "rows = 3\nheader ="), "x.toml: match.rows: unknown key"),
    (('date = "Posted"\n', ""), "x.toml: mapping.date: missing"),
    (('amount = "Amount"\n', ""), "x.toml: mapping.amount: missing"),
    (('payee = "Merchant"', 'payee = "Shop"'),
     "x.toml: mapping.payee: column 'Shop' is not in the file's columns"),
    (('payee = "Merchant"', 'payee = "Merchant"\nskip_patterns = ["(unclosed"]'),
     "x.toml: mapping.skip_patterns[1]: not a valid regular expression"),
    (('name = "credit_union"', 'name = "Credit Union!"'), "x.toml: name: 'Credit Union!' is "
                                                          "not a profile name"),
    (('name = "credit_union"', 'name = "account-7"'), "x.toml: name: names starting with"),
    (("[mapping]", "[mapping"), "x.toml: not a TOML file"),
])
def test_a_profile_file_with_a_mistake_is_refused_naming_the_file_and_key(
        change: tuple[str, str], message: str) -> None:
    text = CREDIT_UNION.replace(*change, 1)
    with pytest.raises(ValidationError) as err:
        parse_profile(text, "x.toml")
    assert str(err.value).startswith(message), str(err.value)


def test_a_cell_pattern_that_is_not_a_regular_expression_is_refused() -> None:
    text = ('name = "headless"\n[match]\nwidth = 3\ncells = { 1 = "[0-9" }\n'
            '[mapping]\ndate = "1"\namount = "2"\n')
    with pytest.raises(ValidationError, match=r"headless.toml: match.cells.1: not a valid "
                                              "regular expression"):
        parse_profile(text, "headless.toml")


# --- loading, listing, exporting, deleting -----------------------------------------------------


def test_a_loaded_profile_recognises_its_banks_file(small_book: SmallBook) -> None:
    import_profile(small_book.owner, CREDIT_UNION, "credit_union.toml")

    result = import_statement(small_book.owner, CREDIT_UNION_CSV, "march.csv",
                              [small_book.checking.id], dry_run=True)

    assert result.profile == "credit_union"
    assert (result.detected["profile_label"], result.detected["profile_source"]) == (
        "Example Credit Union", "book")
    assert result.imported == 1


def test_list_shows_the_books_profiles_first_then_the_built_in_ones_with_their_origin(
        small_book: SmallBook) -> None:
    import_profile(small_book.owner, CREDIT_UNION, "credit_union.toml")

    listed = list_profiles(small_book.owner)

    assert [(p.name, p.source, p.origin) for p in listed[:2]] == [
        ("credit_union", "book", "this book"),
        ("barclays_current", "built-in",
         "built-in (fintrack_core/imports/banks/barclays_current.toml)")]
    assert len(listed) == 1 + len(builtin_profiles())
    assert [p.name for p in list_profiles(small_book.other) if p.is_own] == []  # Carol's book


def test_a_name_clash_needs_replace(small_book: SmallBook) -> None:
    import_profile(small_book.owner, CREDIT_UNION, "credit_union.toml")
    relabelled = CREDIT_UNION.replace("Example Credit Union", "Credit Union (new export)")

    with pytest.raises(Conflict, match="already has a profile called 'credit_union'; replace"):
        import_profile(small_book.owner, relabelled, "credit_union.toml")
    import_profile(small_book.owner, relabelled, "credit_union.toml", replace=True)

    assert list_profiles(small_book.owner)[0].label == "Credit Union (new export)"


def test_a_built_in_profiles_name_cannot_be_taken(small_book: SmallBook) -> None:
    dkb = export_profile(small_book.owner, "dkb_giro")
    with pytest.raises(Conflict, match="'dkb_giro' is a built-in profile"):
        import_profile(small_book.owner, dkb, "dkb_giro.toml", replace=True)


def test_export_gives_the_file_and_delete_removes_the_profile(small_book: SmallBook) -> None:
    import_profile(small_book.owner, CREDIT_UNION, "credit_union.toml")
    exported = export_profile(small_book.owner, "credit_union")
    assert parse_profile(exported, "again.toml") == parse_profile(CREDIT_UNION, "cu.toml")

    delete_profile(small_book.owner, "credit_union")

    with pytest.raises(NotFound):
        export_profile(small_book.owner, "credit_union")
    with pytest.raises(NotFound):
        delete_profile(small_book.owner, "dkb_giro")  # built-in ones are not the book's


def test_the_books_profile_wins_over_a_built_in_one_with_the_same_header(
        small_book: SmallBook) -> None:
    chase = (FIXTURES / "banks" / "chase_credit.csv").read_bytes()
    mine = parse_profile(export_profile(small_book.owner, "chase_credit"), "c.toml")
    text = profile_to_toml(mine).replace('name = "chase_credit"', 'name = "my_chase"')
    import_profile(small_book.owner, text.replace('amount = "Amount"',
                                                  'amount = "Amount"\nnegate = true'), "m.toml")

    result = import_statement(small_book.owner, chase, "chase.csv", [small_book.card.id],
                              dry_run=True)

    assert result.profile == "my_chase"
    assert result.detected["mapping"].negate is True  # type: ignore[attr-defined]


def test_a_correction_switches_off_the_sign_flip_of_a_profile(small_book: SmallBook) -> None:
    """Unticking "Flip signs" (``negate=False`` in the corrections) beats a profile's
    ``negate = true``; leaving it out keeps the profile's flip. (A checking account: in a card
    account the sign evidence would settle the signs whatever the profile says.)"""
    chase = (FIXTURES / "banks" / "chase_credit.csv").read_bytes()
    mine = parse_profile(export_profile(small_book.owner, "chase_credit"), "c.toml")
    text = profile_to_toml(mine).replace('name = "chase_credit"', 'name = "my_chase"')
    import_profile(small_book.owner, text.replace('amount = "Amount"',
                                                  'amount = "Amount"\nnegate = true'), "m.toml")

    usd = accounts.create_account(small_book.owner, "Chase checking", "checking", "USD", "0",
                                  dt.date(2024, 1, 1)).id
    flipped = import_statement(small_book.owner, chase, "chase.csv", [usd], dry_run=True)
    as_written = import_statement(small_book.owner, chase, "chase.csv", [usd], dry_run=True,
                                  options=Mapping(negate=False))

    assert flipped.detected["mapping"].negate is True  # type: ignore[attr-defined]
    assert as_written.detected["mapping"].negate is False  # type: ignore[attr-defined]
    assert as_written.preview is not None
    assert flipped.preview is not None
    assert len(as_written.preview) == len(flipped.preview) == 14
    assert (as_written.preview["amount_minor"] == -flipped.preview["amount_minor"]).all()


def test_a_replaced_profile_wins_over_the_mapping_remembered_from_its_old_version(
        small_book: SmallBook) -> None:
    """The account's last import used the book's profile "my_chase" (flipping signs), and the
    account remembered that mapping. Replacing the profile (without the flip) must change how
    the next file reads; the remembered copy of the old version must not undo it."""
    chase = (FIXTURES / "banks" / "chase_credit.csv").read_bytes()
    mine = parse_profile(export_profile(small_book.owner, "chase_credit"), "c.toml")
    plain = profile_to_toml(mine).replace('name = "chase_credit"', 'name = "my_chase"')
    flipping = plain.replace('amount = "Amount"', 'amount = "Amount"\nnegate = true')
    account = accounts.create_account(small_book.owner, "Chase checking", "checking", "USD",
                                      "0", dt.date(2024, 1, 1)).id
    with time_machine.travel(dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC), tick=False):
        import_profile(small_book.owner, flipping, "my_chase.toml")
        first = import_statement(small_book.owner, chase, "jan.csv", [account])
    with time_machine.travel(dt.datetime(2030, 2, 1, 9, tzinfo=dt.UTC), tick=False):
        import_profile(small_book.owner, plain, "my_chase.toml", replace=True)
        after = import_statement(small_book.owner, chase, "feb.csv", [account], dry_run=True)

    assert first.profile == after.profile == "my_chase"
    assert first.imported > 0
    assert first.detected["mapping"].negate is True  # type: ignore[attr-defined]
    assert not after.detected["mapping"].negate  # type: ignore[attr-defined]
    assert after.detected["mapping_source"] == "profile"


def test_forcing_a_profile_that_does_not_exist_is_an_error(small_book: SmallBook) -> None:
    with pytest.raises(ValidationError, match="no bank profile called 'nope'"):
        import_statement(small_book.owner, CREDIT_UNION_CSV, "m.csv", [small_book.checking.id],
                         profile="nope", dry_run=True)


# --- saved from an import by hand, loaded by another installation ---------------------------


def test_a_mapping_made_by_hand_travels_to_another_installation(small_book: SmallBook,
                                                                tmp_path: Path) -> None:
    preview = import_statement(small_book.owner, FINNISH, "maaliskuu.csv",
                               [small_book.checking.id], options=BY_HAND, dry_run=True)
    save_profile(small_book.owner, "nordea_fi", preview.detected, label="Nordea (FI)")
    exported = export_profile(small_book.owner, "nordea_fi")
    assert 'header = ["Kirjauspäivä", "Saaja/Maksaja", "Viesti", "Summa", "Valuutta"]' \
        in exported
    assert 'date_format = "%d%m%Y"' in exported

    db, elsewhere, nordea = another_installation(tmp_path)
    try:
        import_profile(elsewhere, exported, "nordea_fi.toml")
        result = import_statement(elsewhere, FINNISH, "maaliskuu.csv", [nordea])
    finally:
        db.dispose()

    assert (result.profile, result.imported, result.invalid) == ("nordea_fi", 3, [])
    assert result.totals == {"EUR": Decimal("2361.85")}  # -23.45 + 2450.00 - 64.70


def test_lines_before_the_header_given_by_hand_are_kept_in_the_profile(
        small_book: SmallBook) -> None:
    # Detection takes the "Konto;Saldo" summary for the table; the user said 2 lines.
    data = (b"Konto;Saldo\nDE12;100,00\nDatum;Text;Betrag;Waehrung;Ref\n"
            b"02.03.2024;Baeckerei;-3,10;EUR;1\n03.03.2024;Kiosk;-1,20;EUR;2\n")
    fixes = Mapping(skip_rows=2)
    preview = import_statement(small_book.owner, data, "x.csv", [small_book.checking.id],
                               options=fixes, dry_run=True)
    save_profile(small_book.owner, "bank_with_summary", preview.detected, options=fixes)

    again = import_statement(small_book.owner, data, "x.csv", [small_book.savings.id],
                             dry_run=True)

    assert (again.profile, again.imported) == ("bank_with_summary", 2)


def test_a_file_without_a_header_is_recognised_by_its_width_and_date_column(
        small_book: SmallBook) -> None:
    data = b"02/03/2024,-3.10,Bakery\n03/03/2024,-1.20,Kiosk\n"
    by_hand = Mapping(has_header=False, date="1", amount="2", payee="3", date_order="dmy")
    preview = import_statement(small_book.owner, data, "x.csv", [small_book.checking.id],
                               options=by_hand, dry_run=True)

    saved = save_profile(small_book.owner, "headless_bank", preview.detected, options=by_hand)
    text = export_profile(small_book.owner, "headless_bank")

    assert saved.columns == ()
    assert "width = 3" in text
    assert 'cells = { 1 = "\\\\s*\\\\d{1,2}/\\\\d{1,2}/\\\\d{4}(?:[ T].*)?\\\\s*" }' in text
    again = import_statement(small_book.owner, data, "x.csv", [small_book.savings.id],
                             dry_run=True)
    assert (again.profile, again.imported) == ("headless_bank", 2)
    assert again.preview is not None
    assert list(again.preview["date"].astype(str)) == ["2024-03-02", "2024-03-03"]


def test_only_a_csv_mapping_can_be_saved(small_book: SmallBook) -> None:
    qif = (FIXTURES / "qif" / "checking_quicken.qif").read_bytes()
    preview = import_statement(small_book.owner, qif, "q.qif", [small_book.card.id],
                               dry_run=True)
    with pytest.raises(ValidationError, match="only a CSV file's mapping"):
        save_profile(small_book.owner, "quicken", preview.detected)
