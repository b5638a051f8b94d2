"""Reading files of banks without a profile: which column is what, and when to refuse.

Each test writes its statement next to its assertion. The failures users found (issue 9) are
here in their smallest form: an account number taken for the amount, a credit column taken for
a signed amount, a summary block above the header, a German preamble with Soll/Haben, a column
per currency.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from fintrack_core.errors import ValidationError
from fintrack_core.imports.amounts import parse_amounts
from fintrack_core.imports.columns import MappingError, check_account_currency
from fintrack_core.imports.layout import detect_layout
from fintrack_core.imports.read import read_statement
from fintrack_core.imports.statement import ParsedStatement
from fintrack_core.imports.vocabulary import header_currency, normalise, roles_by_name


def statement(text: str, encoding: str = "utf-8", **kwargs: object) -> ParsedStatement:
    """Read a statement written in the test (leading/trailing blank lines dropped)."""
    return read_statement(text.strip("\n").encode(encoding) + b"\n", "statement.csv",
                          **kwargs)  # type: ignore[arg-type]


def amounts(parsed: ParsedStatement) -> list[Decimal]:
    return [Decimal(a) for a in parsed.rows["amount"]]


# --- amounts: only what can be justified ----------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("CHF 12.00", "12.00"), ("12,00 €", "12.00"), ("USD$ 12", "12"), ("-£12.50", "-12.50"),
    ("£-12.50", "-12.50"), ("12.00 USD", "12.00"), ("CAD$ 1,234.50", "1234.50"),
    ("1'234.50", "1234.50"), ("100,00 zł", "100.00"), ("(45.00)", "-45.00"),
])
def test_a_currency_at_either_edge_of_a_value_is_dropped(text: str, expected: str) -> None:
    decimal = "," if text.count(",") == 1 and "." not in text else "."
    canonical, status = parse_amounts(pd.Series([text]), decimal)
    assert (status[0], Decimal(canonical[0])) == ("ok", Decimal(expected))


@pytest.mark.parametrize("text", ["0123 45678901.23A", "0123 45678901.23", "12 34", "abc",
                                  "12x50", "A12.00", "CH12 3456"])
def test_letters_inside_a_value_or_odd_digit_groups_make_it_no_amount(text: str) -> None:
    _, status = parse_amounts(pd.Series([text]))
    assert status[0] == "invalid"


def test_an_account_number_column_is_never_taken_for_the_amount() -> None:
    with pytest.raises(MappingError) as err:
        statement("""
Datum;Konto;Text
03.02.2025;0123 45678901.23A;Migros
05.02.2025;0123 45678901.23A;Coop
""")
    assert err.value.field == "amount"


def test_a_too_large_amount_is_reported_as_too_large_with_the_limit() -> None:
    parsed = statement("""
Date,Description,Amount
2024-04-01,FINE,-12.00
2024-04-02,HUGE,-1234567890123.00
""")
    [error] = parsed.invalid
    assert error.line == 3
    assert "too large" in error.error
    assert "12 digits" in error.error
    assert "not a number" not in error.error


def test_amounts_found_by_contents_that_no_account_moves_stop_the_import() -> None:
    with pytest.raises(MappingError) as err:
        statement("""
Date,Ref,Text
2025-01-02,12345678901.23,Rent
2025-01-03,22345678901.50,Food
""")
    assert "'Ref'" in str(err.value)


def test_one_amount_far_out_of_scale_with_the_rest_stops_a_guessed_import() -> None:
    with pytest.raises(MappingError) as err:
        statement("""
Date,Description,Amount
2025-01-02,Coffee,-3.50
2025-01-03,Bread,-2.10
2025-01-04,Oops,-98765432.10
2025-01-05,Milk,-1.20
""")
    assert "'Amount'" in str(err.value)


# --- split pairs, per-currency columns, directions -------------------------------------------


def test_credit_amount_and_debit_amount_are_a_split_pair_and_an_empty_row_is_invalid() -> None:
    parsed = statement("""
Date,Description,Credit Amount,Debit Amount
01/02/2025,PAYROLL,2150.00,
01/03/2025,SHELL,,48.17
01/16/2025,NOTHING,,
""")
    assert amounts(parsed) == [Decimal("2150.00"), Decimal("-48.17")]
    [error] = parsed.invalid
    assert (error.line, error.error.startswith("no amount")) == (4, True)


def test_the_swiss_debit_credit_file_totals_thirty_francs() -> None:
    parsed = statement("""
Date;Compte;Libellé;Débit;Crédit
03.02.2025;0123 45678901.23A;Migros;45.60;
25.02.2025;0123 45678901.23A;Salaire;;75.60
""", encoding="latin-1")
    assert sum(amounts(parsed)) == Decimal("30.00")
    assert parsed.detected["mapping"].debit == "Débit"  # type: ignore[attr-defined]


CAD_USD = """
"Transaction Date","Description 1","CAD$","USD$"
2/3/2025,"LOBLAWS",-112.48,
2/25/2025,"PAYROLL",2245.00,
"""


def test_a_column_per_currency_is_one_amount_column_in_the_filled_currency() -> None:
    parsed = statement(CAD_USD)
    assert amounts(parsed) == [Decimal("-112.48"), Decimal("2245.00")]
    assert set(parsed.rows["currency"]) == {"CAD"}
    assert parsed.detected["currency_columns"] == {"CAD": "CAD$", "USD": "USD$"}


def test_an_account_in_another_currency_than_the_files_columns_is_told_so() -> None:
    parsed = statement(CAD_USD)
    with pytest.raises(ValidationError) as err:
        check_account_currency(parsed.detected, {"EUR"})
    assert "CAD (column 'CAD$')" in str(err.value)
    with pytest.raises(ValidationError) as empty:
        check_account_currency(parsed.detected, {"USD"})
    assert "USD column is empty" in str(empty.value)
    check_account_currency(parsed.detected, {"CAD"})  # the right account: no complaint


def test_both_currency_columns_filled_are_decided_by_the_accounts_currency() -> None:
    text = """
Date,Description,Amount (EUR),Amount (USD)
2025-02-03,Hotel,-100.00,-108.00
2025-02-04,Taxi,-20.00,-21.60
"""
    assert amounts(statement(text, account_currency="USD")) == [Decimal("-108.00"),
                                                                Decimal("-21.60")]
    with pytest.raises(MappingError):
        statement(text)


@pytest.mark.parametrize(("header", "out", "into"), [
    ("CR/DR", "DR", "CR"), ("D/C", "D", "C"), ("S/H", "S", "H"), ("Af Bij", "Af", "Bij"),
    ("Sens", "Débit", "Crédit"), ("Debe/Haber", "Debe", "Haber"), ("Segno", "Dare", "Avere"),
])
def test_a_direction_column_beside_an_unsigned_amount(header: str, out: str, into: str) -> None:
    parsed = statement(f"""
Date;Text;Amount;{header}
2025-03-03;Shop;34,56;{out}
2025-03-05;Salary;2750,00;{into}
""")
    assert amounts(parsed) == [Decimal("-34.56"), Decimal("2750.00")]


def test_a_direction_word_that_says_neither_in_nor_out_is_an_invalid_row() -> None:
    parsed = statement("""
Date,Text,Amount,CR/DR
2025-03-03,Shop,34.56,DR
2025-03-04,Odd,10.00,XX
2025-03-05,Salary,2750.00,CR
""")
    [error] = parsed.invalid
    assert (error.line, "'XX'" in error.error) == (3, True)


# --- words that depend on the language --------------------------------------------------------


def test_saldo_is_the_balance_beside_an_amount_and_the_amount_when_alone() -> None:
    beside = statement("""
Datum;Omschrijving;Bedrag;Saldo
03-03-2025;Winkel;-10,00;90,00
24-03-2025;Loon;100,00;190,00
""")
    assert amounts(beside) == [Decimal("-10.00"), Decimal("100.00")]
    alone = statement("""
Fecha;Concepto;Saldo
03/03/2025;Tienda;-10,00
24/03/2025;Nómina;100,00
""")
    assert amounts(alone) == [Decimal("-10.00"), Decimal("100.00")]


def test_valuta_is_a_currency_or_a_value_date_by_its_contents() -> None:
    currency = statement("""
Bokföringsdag,Valuta,Beskrivning,Belopp
2025-01-02,SEK,ICA,-456.30
2025-01-03,SEK,LÖN,28450.00
""")
    assert set(currency.rows["currency"]) == {"SEK"}
    value_date = statement("""
Boekdatum;Valuta;Omschrijving;Bedrag
03-03-2025;04-03-2025;Winkel;-10,00
25-03-2025;25-03-2025;Loon;100,00
""")
    assert [str(d)[:10] for d in value_date.rows["date"]] == ["2025-03-03", "2025-03-25"]
    assert value_date.detected["mapping"].currency is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(("header", "role"), [
    ("Débit", "debit"), ("CRÉDIT", "credit"), ("Credit Amount", "credit"),
    ("Debit Amount", "debit"), ("Buchungstag", "date"), ("Währung", "currency"),
    ("Soll", "debit"), ("Haben", "credit"), ('"#Betrag (EUR)"', "amount"),
    ("Montant", "amount"), ("Libellé", "description"), ("Fecha Operación", "date"),
    ("Importe", "amount"), ("Concepto", "description"), ("Data contabile", "date"),
    ("Importo", "amount"), ("Causale", "description"), ("Boekdatum", "date"),
    ("Bedrag", "amount"), ("Naam / Omschrijving", "payee"), ("Data Mov.", "date"),
    ("Descrição", "description"), ("Débito", "debit"), ("#Data operacji", "date"),
    ("Kwota", "amount"), ("Tytuł", "description"), ("Saldo po operacji", "balance"),
    ("Bokföringsdag", "date"), ("Belopp", "amount"), ("Bogføringsdato", "date"),
    ("Beløb", "amount"), ("Beløp", "amount"), ("Ut fra konto", "debit"),
    ("Inn på konto", "credit"), ("Kirjauspäivä", "date"), ("Määrä", "amount"),
    ("Saaja/Maksaja", "payee"), ("Solde", "balance"), ("Running Bal.", "balance"),
    ("Valuutta", "currency"), ("Divisa", "currency"),
])
def test_header_words_are_known_in_many_languages(header: str, role: str) -> None:
    assert roles_by_name(header)[0][0] == role


def test_headers_are_normalised_with_unicode_not_ascii_only() -> None:
    assert normalise("Débit") == "debit"          # was "d bit"
    assert normalise("ＤＡＴＵＭ") == "datum"       # full-width letters (NFKC)
    assert normalise('"Betrag (€)" #') == "betrag"
    assert normalise("Сумма") == "сумма"          # other scripts keep their letters
    assert [header_currency(h) for h in ("CAD$", "Amount (EUR)", "Betrag (€)", "Date")] == [
        "CAD", "EUR", "EUR", None]


# --- where the table starts ----------------------------------------------------------------


def test_the_header_is_found_below_a_summary_block_by_the_rows_under_it() -> None:
    text = ('Description,,Summary Amt.\nBeginning balance as of 03/01/2025,,"1,204.55"\n'
            'Total credits,,"3,100.00"\nEnding balance as of 03/31/2025,,"1,958.88"\n\n'
            'Date,Description,Amount,Running Bal.\n'
            '03/01/2025,Beginning balance as of 03/01/2025,,"1,204.55"\n'
            '03/03/2025,"SAFEWAY","-87.45","1,117.10"\n03/05/2025,"PAYROLL","1,550.00","2,667.10"\n')
    layout = detect_layout(text, ",")
    assert (layout.header_line, layout.columns) == (5, ["Date", "Description", "Amount",
                                                        "Running Bal."])


def test_a_german_preamble_with_soll_haben_and_a_closing_line_reads_and_accounts() -> None:
    parsed = statement("""
"Kontoumsätze Girokonto";
"Zeitraum:";"01.04.2025 - 30.04.2025"
"Kontostand vom 31.03.2025:";"216,33 €"

"Buchungstag";"Wert";"Verwendungszweck";"Soll";"Haben";"Währung"
"01.04.2025";"01.04.2025";"Abschlag Strom";"78,00";"";"EUR"
"02.04.2025";"02.04.2025";"Gehalt";"";"3.210,45";"EUR"
"Kontostand vom 30.04.2025";"";"";"";"3.348,78";"EUR"
""", encoding="cp1252")
    assert amounts(parsed) == [Decimal("-78.00"), Decimal("3210.45")]
    assert [(r.line, r.reason) for r in parsed.skipped] == [(8, "account balance")]
    assert parsed.data_rows == 3


def test_wert_is_a_value_date_or_an_amount_by_its_contents() -> None:
    value_date = statement("""
Buchungstag;Wert;Text;Betrag
03.03.2025;04.03.2025;Miete;-850,00
25.03.2025;25.03.2025;Gehalt;2.100,00
""")
    assert amounts(value_date) == [Decimal("-850.00"), Decimal("2100.00")]
    amount = statement("""
Buchungstag;Text;Wert
03.03.2025;Miete;-850,00
25.03.2025;Gehalt;2.100,00
""")
    assert amounts(amount) == [Decimal("-850.00"), Decimal("2100.00")]
