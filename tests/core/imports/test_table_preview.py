"""``preview_table``: the head of a CSV for mapping it by hand, read cheaply and never
failing on a text file (what is wrong is reported in ``problem``)."""

from __future__ import annotations

from fintrack_core.imports.limits import SNIFF_CHARS
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.table_preview import RAW_LINES, SAMPLE_ROWS, preview_table


def test_columns_first_rows_and_numbered_raw_lines() -> None:
    data = b"Bank export\n\nWhen;What;How much\n01.03.2024;Kiosk;-1,20\n02.03.2024;Cafe;-3,10\n"

    table = preview_table(data)

    assert table.raw_lines[:3] == [(1, "Bank export"), (2, ""), (3, "When;What;How much")]
    assert (table.columns, table.header_line, table.skip_rows) == (
        ["When", "What", "How much"], 3, 2)
    assert table.rows == [["01.03.2024", "Kiosk", "-1,20"], ["02.03.2024", "Cafe", "-3,10"]]
    assert (table.delimiter, table.encoding, table.problem) == (";", "utf-8", None)


def test_the_layout_given_by_hand_is_used() -> None:
    data = b"a,b\n1,2\n3,4\n"
    table = preview_table(data, Mapping(has_header=False))
    assert (table.columns, table.rows[0], table.header_line) == (["1", "2"], ["a", "b"], None)


def test_only_the_head_of_a_big_file_is_read() -> None:
    row = "2024-03-01,Shop with a longish name,-12.34\n"
    data = ("Date,Description,Amount\n" + row * (3 * SNIFF_CHARS // len(row))).encode()

    table = preview_table(data)

    assert len(table.raw_lines) == RAW_LINES
    assert len(table.rows) == SAMPLE_ROWS


def test_an_encoding_that_does_not_fit_is_a_problem_not_an_error() -> None:
    table = preview_table(b"Datum;Betrag\n01.03.2024;-1,20\n", Mapping(encoding="nope"))
    assert table.problem is not None
    assert table.problem.startswith("the file cannot be read as nope")
    assert table.raw_lines[0] == (1, "Datum;Betrag")


def test_a_binary_file_is_a_problem_not_an_error() -> None:
    table = preview_table(b"\x00\x01\x02PK\x03\x04" * 100)
    assert (table.raw_lines, table.problem) == ([], "this is a binary file, not a text "
                                                    "statement")
