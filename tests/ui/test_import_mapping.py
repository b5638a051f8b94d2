"""The "Correct the mapping" form's rules (``fintrack_ui.import_mapping``), without a browser:
a file detection cannot read still offers every column for every role, layout changes read
the columns afresh, and a mapping finished by hand reads the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from fintrack_core.imports.csv_import import MappingError
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.read import read_statement
from fintrack_core.imports.table_preview import preview_table
from fintrack_ui.import_mapping import (
    AUTO,
    DATE_FORMATS,
    NONE,
    apply_form,
    as_options,
    build_form,
    change,
    date_format_label,
    profile_name_for,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "statements"
# Finnish headers, three preamble lines, dates written 05032024: detection finds no date.
FINNISH = (FIXTURES / "quirks" / "finnish_compact_dates.csv").read_bytes()
COLUMNS = ["Kirjauspäivä", "Saaja/Maksaja", "Viesti", "Summa", "Valuutta"]


def form_for(fixes: dict[str, object], used: Mapping | None = None):  # type: ignore[no-untyped-def]
    layout = {k: v for k, v in fixes.items() if k in ("skip_rows", "has_header")}
    return build_form(preview_table(FINNISH, Mapping.from_dict(layout)), used, fixes)


def test_the_file_really_cannot_be_read_without_help() -> None:
    # The Finnish header names the date column; its compact dates need their format named.
    with pytest.raises(MappingError, match="'Kirjauspäivä' does not hold dates"):
        read_statement(FINNISH, "maaliskuu.csv")


def test_a_file_detection_cannot_read_offers_every_column_for_every_role() -> None:
    form = form_for({})

    assert form.choices() == [NONE, *COLUMNS]
    assert form.roles["date"] == "Kirjauspäivä"  # by its Finnish name, not by its contents
    assert form.roles["amount"] == "Summa"     # the guess from the first rows
    assert form.date_format == "auto"          # the format is what the user must name
    assert (form.skip_rows, form.has_header) == (3, True)
    assert form.raw_lines[3] == (4, "Kirjauspäivä;Saaja/Maksaja;Viesti;Summa;Valuutta")
    assert list(form.sample.iloc[0]) == ["05032024", "K-Market Kamppi", "Ruokaostokset",
                                         "-23,45", "EUR"]


def test_choosing_the_date_column_and_then_its_format_reads_the_file() -> None:
    fixes = change({}, "date", "Kirjauspäivä")
    with pytest.raises(MappingError, match="'Kirjauspäivä' does not hold dates"):
        read_statement(FINNISH, "f.csv", options=as_options(fixes))

    fixes = change(fixes, "date_format", "%d%m%Y")
    fixes = change(fixes, "payee", "Saaja/Maksaja")
    parsed = read_statement(FINNISH, "f.csv", options=as_options(fixes))

    assert fixes == {"date": "Kirjauspäivä", "date_format": "%d%m%Y",
                     "payee": "Saaja/Maksaja"}
    assert [str(d)[:10] for d in parsed.rows["date"]] == ["2024-03-05", "2024-03-07",
                                                          "2024-03-12"]
    assert list(parsed.rows["payee"]) == ["K-Market Kamppi", "Palkka Oy", "HSL"]


def test_hand_formats_are_offered_with_an_example() -> None:
    assert "%d%m%Y" in DATE_FORMATS
    assert date_format_label("%d%m%Y") == "DDMMYYYY (05032024)"
    assert date_format_label("%d.%m.%Y") == "DD.MM.YYYY (05.03.2024)"
    assert date_format_label(AUTO) == "detect from the file"


def test_lines_before_the_header_read_the_columns_afresh_and_drop_column_choices() -> None:
    fixes = change({}, "date", "Kirjauspäivä")

    fixes = change(fixes, "skip_rows", 4)  # the first transaction taken for the header
    form = form_for(fixes)

    assert fixes == {"skip_rows": 4}
    assert form.columns == ["05032024", "K-Market Kamppi", "Ruokaostokset", "-23,45", "EUR"]
    assert form.skip_rows == 4


def test_the_header_toggle_numbers_the_columns() -> None:
    form = form_for(change({}, "has_header", False))

    assert form.columns == ["1", "2", "3", "4", "5"]
    assert form.sample.iloc[0, 0] == "Kirjauspäivä"  # the header is now a row


def test_a_skip_past_the_end_of_the_file_says_so_and_still_shows_the_lines() -> None:
    form = form_for({"skip_rows": 40})

    assert form.problem == "skip_rows=40 skips the whole file"
    assert form.columns == []
    assert len(form.raw_lines) == 7


def test_none_overrides_a_detected_column_and_amount_excludes_money_out_and_in() -> None:
    fixes = change({}, "payee", None)
    assert fixes == {"payee": NONE}
    assert as_options(fixes).payee == ""  # "" wins over a guessed column when merged

    fixes = change(fixes, "debit", "Summa")
    assert (fixes["amount"], fixes["direction"]) == (NONE, NONE)
    fixes = change(fixes, "amount", "Summa")
    assert (fixes["debit"], fixes["credit"]) == (NONE, NONE)


def test_date_format_and_date_order_replace_each_other() -> None:
    fixes = change({}, "date_order", "dmy")
    fixes = change(fixes, "date_format", "%d%m%Y")
    assert fixes == {"date_format": "%d%m%Y"}
    assert change(fixes, "date_order", "mdy") == {"date_order": "mdy"}
    assert change(fixes, "date_format", AUTO) == {}


def test_decimal_separator_is_chosen_or_left_to_detection() -> None:
    assert change({}, "decimal", ",") == {"decimal": ","}
    assert change({"decimal": ","}, "decimal", AUTO) == {}


def test_the_sign_flip_is_a_correction_both_ways() -> None:
    """Unticking is recorded as ``False``, not dropped: dropping it would let a profile's or
    a remembered flip come back."""
    assert change({}, "negate", True) == {"negate": True}
    assert change({"negate": True}, "negate", False) == {"negate": False}


def test_a_form_run_without_changes_changes_nothing() -> None:
    form = form_for({})
    values = {**form.roles, "description": form.description, "skip_rows": 3,
              "has_header": True, "date_format": AUTO, "date_order": AUTO, "decimal": AUTO,
              "negate": False}
    assert apply_form({}, form, values) is None


def test_a_form_run_applies_the_changed_widget() -> None:
    form = form_for({})
    values = {**form.roles, "currency": NONE}
    assert apply_form({}, form, values) == {"currency": ""}  # "(none)" overrides the guess


def test_when_the_layout_changes_the_old_columns_widgets_are_ignored() -> None:
    form = form_for({})
    values = {**form.roles, "date": "Kirjauspäivä", "skip_rows": 2}
    assert apply_form({}, form, values) == {"skip_rows": 2}


def test_the_mapping_in_force_is_shown_when_there_are_no_corrections() -> None:
    used = Mapping(date="Kirjauspäivä", amount="Summa", payee="Saaja/Maksaja",
                   description=("Viesti",), date_format="%d%m%Y", decimal=",")
    form = form_for({}, used)
    assert (form.roles["date"], form.roles["payee"], form.description, form.date_format,
            form.decimal) == ("Kirjauspäivä", "Saaja/Maksaja", ["Viesti"], "%d%m%Y", ",")


@pytest.mark.parametrize(("filename", "name"), [
    ("Nordea 2024-03.csv", "nordea"), ("maaliskuu.csv", "maaliskuu"), ("2024.csv", "my_bank"),
    ("Crédit Agricole.CSV", "cr_dit_agricole")])
def test_a_profile_name_is_suggested_from_the_file_name(filename: str, name: str) -> None:
    assert profile_name_for(filename) == name


def test_encoding_and_delimiter_are_layout_settings() -> None:
    form = form_for({})
    assert (form.encoding, form.delimiter) == ("utf-8", ";")

    fixes = change({"date": "Kirjauspäivä"}, "encoding", "cp1252")
    assert fixes == {"encoding": "cp1252"}
    assert change(fixes, "encoding", " ") == {}
    assert change({}, "delimiter", ",") == {"delimiter": ","}
