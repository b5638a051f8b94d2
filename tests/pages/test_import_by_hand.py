"""Import page: a file detection cannot read is mapped by hand, imported, and its mapping
saved as a bank profile that recognises the next file; the book's profiles are listed,
exported, loaded and deleted; the last import's account is offered in a new session."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from streamlit.testing.v1 import AppTest

from fintrack_core.imports.book_profiles import export_profile, import_profile, list_profiles
from fintrack_core.imports.service import import_statement, list_batches
from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage
from tests.pages.test_import_page import PAGE, metric, upload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "statements"
# Finnish headers after three preamble lines, dates written 05032024: no date is detected.
FINNISH = (FIXTURES / "quirks" / "finnish_compact_dates.csv").read_bytes()
COLUMNS = ["Kirjauspäivä", "Saaja/Maksaja", "Viesti", "Summa", "Valuutta"]


def selectbox(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(s for s in at.selectbox if s.label == label)


def uploader(at: AppTest, label_part: str) -> Any:
    """The file uploader whose label holds ``label_part`` (AppTest has no typed accessor)."""
    return next(u for u in at.get("file_uploader") if label_part in cast(Any, u).label)


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def map_by_hand(at: AppTest) -> AppTest:
    """Date column, then its format (DDMMYYYY), then the payee."""
    selectbox(at, "Date column").set_value("Kirjauspäivä").run()
    assert md("'Kirjauspäivä' does not hold dates") in at.error[0].value
    selectbox(at, "Date format").set_value("%d%m%Y").run()
    selectbox(at, "Payee column").set_value("Saaja/Maksaja").run()
    assert not at.exception, at.exception
    return at


def test_a_file_detection_cannot_read_offers_every_column(small_book: SmallBook,
                                                          as_owner: OpenPage) -> None:
    at = upload(as_owner(PAGE), "maaliskuu.csv", FINNISH)

    assert "does not hold dates" in at.error[0].value  # named by its header, format unknown
    for label in ("Date column", "Amount column (signed)", "Money-out column",
                  "Money-in column", "Payee column", "Currency column", "Balance column"):
        assert selectbox(at, label).options == ["(none)", *COLUMNS], label
    assert next(n for n in at.number_input if n.label == "Lines before the header").value == 3
    assert "  4  Kirjauspäivä;Saaja/Maksaja;Viesti;Summa;Valuutta" in at.code[0].value


def test_lines_before_the_header_read_the_columns_again(small_book: SmallBook,
                                                        as_owner: OpenPage) -> None:
    at = upload(as_owner(PAGE), "maaliskuu.csv", FINNISH)

    next(n for n in at.number_input if n.label == "Lines before the header").set_value(4).run()

    assert selectbox(at, "Date column").options[:2] == ["(none)", "05032024"]
    next(c for c in at.checkbox if c.label == "The file has a header row").uncheck().run()
    assert selectbox(at, "Date column").options == ["(none)", "1", "2", "3", "4", "5"]


def test_mapped_by_hand_imported_and_saved_as_a_profile_that_recognises_the_next_file(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    at = map_by_hand(upload(as_owner(PAGE), "maaliskuu.csv", FINNISH))
    assert (metric(at, "New"), metric(at, "Invalid")) == ("3", "0")
    assert "columns as you corrected them" in at.caption[0].value

    next(b for b in at.button if b.label.startswith("Import 3")).click().run()
    assert list_batches(small_book.owner)[0].imported == 3
    assert "was read with a mapping you made by hand" in at.info[0].value
    next(t for t in at.text_input if t.label == "Profile name").input("nordea_fi")
    next(t for t in at.text_input if t.label.startswith("Bank (shown")).input("Nordea (FI)")
    button(at, "Save as a bank profile").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith(md("Saved the bank profile 'nordea_fi'"))

    # April's statement from the same bank: recognised, nothing to correct.
    april = FINNISH.replace(b"032024", b"042024")
    uploader(at, "Statement files").set_value([("huhtikuu.csv", april, "text/csv")]).run()
    assert r"recognised as **Nordea \(FI\)** (your profile nordea\_fi)" in at.caption[0].value
    assert metric(at, "New") == "3"
    assert not at.error


def test_the_books_profiles_are_listed_exported_and_deleted(small_book: SmallBook,
                                                            as_owner: OpenPage) -> None:
    import_profile(small_book.owner, export_profile(small_book.owner, "dkb_giro")
                   .replace('name = "dkb_giro"', 'name = "my_dkb"'), "my_dkb.toml")
    at = as_owner(PAGE)

    assert any("your profile" in m.value and "my\\_dkb" in m.value for m in at.markdown)
    download = at.get("download_button")
    assert len(download) == 1  # one own profile: one Export button
    button(at, "Delete").click().run()

    assert not at.exception, at.exception
    assert [p.name for p in list_profiles(small_book.owner) if p.is_own] == []


def test_a_profile_file_is_loaded_and_a_broken_one_refused(small_book: SmallBook,
                                                          as_owner: OpenPage) -> None:
    good = export_profile(small_book.owner, "monzo").replace('"monzo"', '"my_monzo"')
    at = as_owner(PAGE)
    broken = good.replace("[mapping]", "[mapping]\nfoo = 1").encode()
    uploader(at, "profile file").set_value(("bad.toml", broken, "application/toml")).run()
    button(at, "Load profile").click().run()
    assert md("bad.toml: mapping.foo: unknown key") in at.error[0].value

    uploader(at, "profile file").set_value(("my_monzo.toml", good.encode(),
                                            "application/toml")).run()
    button(at, "Load profile").click().run()
    assert at.success[0].value.startswith(md("Loaded the bank profile 'my_monzo'"))
    assert [p.name for p in list_profiles(small_book.owner) if p.is_own] == ["my_monzo"]


def test_a_viewer_sees_the_profiles_but_cannot_change_them(small_book: SmallBook,
                                                           as_viewer: OpenPage) -> None:
    import_profile(small_book.owner, export_profile(small_book.owner, "dkb_giro")
                   .replace('name = "dkb_giro"', 'name = "my_dkb"'), "my_dkb.toml")
    at = as_viewer(PAGE)
    assert len(at.get("download_button")) == 1
    assert not [b for b in at.button if b.label in ("Delete", "Load profile")]


def test_the_last_imports_account_is_offered_in_a_new_session(small_book: SmallBook,
                                                              as_owner: OpenPage) -> None:
    import_statement(small_book.owner, b"Date,Description,Amount\n2024-04-02,Kiosk,-1.20\n",
                     "a.csv", [small_book.savings.id])

    at = as_owner(PAGE)  # a fresh login: nothing in the session

    assert at.multiselect(key="imp_accounts").value == [small_book.savings.id]


def test_a_multi_currency_preview_says_which_account_each_row_goes_to(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    two = (b"Date,Description,Amount,Currency\n2024-04-02,Bakery,-4.10,EUR\n"
           b"2024-04-03,Diner,-9.00,USD\n")
    at = as_owner(PAGE)
    at.multiselect(key="imp_accounts").set_value([small_book.checking.id, small_book.card.id])
    at = upload(at, "two.csv", two)

    preview = at.dataframe[0].value
    assert list(zip(preview["Description"], preview["Account"], strict=True)) == [
        ("Bakery", "Girokonto"), ("Diner", "US Visa")]
