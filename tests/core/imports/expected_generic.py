"""Expected results for ``generic/``: exports of banks that have NO FinTrack profile.

Each file was written by hand in its bank's bytes (encoding, delimiter, line ends, quoting);
the counts, sums and dates below were computed by hand from the rows as written, not by
FinTrack. Keys as in ``expected_statements.py``, plus ``skipped``: {reason: rows} of rows that
are not transactions, and ``country``. Every file must be read by automatic detection alone
(``profile`` None).
"""

from __future__ import annotations

from typing import Any

GENERIC: dict[str, dict[str, Any]] = {
    "generic/ch_debit_credit.csv": {
        "country": "CH", "profile": None, "count": 6, "sums": {"CHF": "30.00"},
        "date_min": "2025-02-03", "date_max": "2025-02-27", "date_order": "dmy",
        "account_currency": "CHF", "encoding": "iso-8859-1", "delimiter": ";",
        "amounts": ["-45.60", "-1180.00", "-12.00", "12.00", "1300.00", "-44.40"],
        "closing_balance": "3030.00",
        "note": "Débit/Crédit; the 'Compte' column (0123 45678901.23A) is no amount",
    },
    "generic/us_credit_debit_amount.csv": {
        "country": "US", "profile": None, "count": 7, "sums": {"USD": "2480.01"},
        "date_min": "2025-01-02", "date_max": "2025-01-21", "date_order": "mdy",
        "account_currency": "USD", "encoding": "utf-8", "delimiter": ",",
        "amounts": ["2150.00", "-48.17", "-62.30", "75.00", "-184.52", "2150.00", "-1600.00"],
        "note": "Credit Amount / Debit Amount are a split pair, never a signed amount",
    },
    "generic/us_summary_block.csv": {
        "country": "US", "profile": None, "count": 7, "sums": {"USD": "754.33"},
        "date_min": "2025-03-03", "date_max": "2025-03-28", "date_order": "mdy",
        "account_currency": "USD", "encoding": "utf-8", "delimiter": ",",
        "amounts": ["-87.45", "1550.00", "-132.22", "-1800.00", "1550.00", "-89.99",
                    "-236.01"],
        "preamble_lines": 6, "skipped": {"opening balance": 1},
        "opening_balance": "1204.55", "closing_balance": "1958.88",
        "note": "summary block (3 columns) and a blank line above the 4-column header",
    },
    "generic/de_soll_haben_preamble.csv": {
        "country": "DE", "profile": None, "count": 7, "sums": {"EUR": "1683.95"},
        "date_min": "2025-04-01", "date_max": "2025-04-28", "date_order": "dmy",
        "account_currency": "EUR", "encoding": "cp1252", "delimiter": ";",
        "amounts": ["-78.00", "3210.45", "-1150.00", "-64.37", "23.99", "-200.00", "-58.12"],
        "preamble_lines": 5, "skipped": {"account balance": 1},
        "opening_balance": "216.33", "closing_balance": "1900.28",
        "note": "Buchungstag/Wert, Soll/Haben, Währung; closing 'Kontostand' line under the data",
    },
    "generic/ca_cad_usd.csv": {
        "country": "CA", "profile": None, "count": 7, "sums": {"CAD": "4338.38"},
        "date_min": "2025-02-03", "date_max": "2025-02-26", "date_order": "mdy",
        "account_currency": "CAD", "encoding": "utf-8", "delimiter": ",",
        "amounts": ["-112.48", "2245.00", "-96.30", "-6.85", "150.00", "-85.99", "2245.00"],
        "note": "one amount column per currency (CAD$ filled, USD$ empty)",
    },
    "generic/fr_debit_credit_euros.csv": {
        "country": "FR", "profile": None, "count": 6, "sums": {"EUR": "1990.37"},
        "date_min": "2025-05-02", "date_max": "2025-05-14", "date_order": "dmy",
        "account_currency": "EUR", "encoding": "cp1252", "delimiter": ";",
        "amounts": ["-82.40", "2480.00", "-57.23", "-64.00", "64.00", "-350.00"],
        "preamble_lines": 7,
        "note": "title, account and balance lines above the header; a label over two lines",
    },
    "generic/es_importe_saldo.csv": {
        "country": "ES", "profile": None, "count": 6, "sums": {"EUR": "883.95"},
        "date_min": "2025-06-03", "date_max": "2025-06-27", "date_order": "dmy",
        "account_currency": "EUR", "encoding": "iso-8859-1", "delimiter": ";",
        "amounts": ["-67.89", "1850.00", "-43.21", "25.00", "-750.00", "-129.95"],
        "preamble_lines": 2, "closing_balance": "1883.95",
        "note": "Saldo is the running balance here, Importe the amount",
    },
    "generic/se_belopp_valuta.csv": {
        "country": "SE", "profile": None, "count": 6, "sums": {"SEK": "17234.70"},
        "date_min": "2025-01-02", "date_max": "2025-01-24", "date_order": "ymd",
        "account_currency": "SEK", "encoding": "utf-8", "delimiter": ",",
        "amounts": ["-456.30", "28450.00", "-9850.00", "350.00", "-970.00", "-289.00"],
        "preamble_lines": 1,
        "note": "'Valuta' holds the currency (SEK) here, not a value date",
    },
    "generic/nl_af_bij.csv": {
        "country": "NL", "profile": None, "count": 6, "sums": {"EUR": "1474.99"},
        "date_min": "2025-03-03", "date_max": "2025-03-25", "date_order": "ymd",
        "account_currency": "EUR", "encoding": "utf-8", "delimiter": ",",
        "amounts": ["-34.56", "2750.00", "-112.00", "15.25", "-1095.00", "-48.70"],
        "note": "unsigned Bedrag (EUR) with an Af/Bij direction column; dates yyyymmdd",
    },
    "generic/it_dare_avere.csv": {
        "country": "IT", "profile": None, "count": 6, "sums": {"EUR": "1068.72"},
        "date_min": "2025-07-02", "date_max": "2025-07-29", "date_order": "dmy",
        "account_currency": "EUR", "encoding": "cp1252", "delimiter": ";",
        "amounts": ["-56.78", "1980.00", "-74.50", "120.00", "-800.00", "-100.00"],
        "preamble_lines": 2,
    },
    "generic/pl_kwota_pln.csv": {
        "country": "PL", "profile": None, "count": 6, "sums": {"PLN": "3887.22"},
        "date_min": "2025-08-01", "date_max": "2025-08-28", "date_order": "ymd",
        "account_currency": "PLN", "encoding": "cp1250", "delimiter": ";",
        "amounts": ["-87.45", "6500.00", "-2300.00", "45.00", "-210.33", "-60.00"],
        "preamble_lines": 11,
        "note": "#-decorated headers, 'PLN' after each amount, spaces between thousands",
    },
    "generic/pt_debito_credito.csv": {
        "country": "PT", "profile": None, "count": 6, "sums": {"EUR": "666.78"},
        "date_min": "2025-09-01", "date_max": "2025-09-23", "date_order": "dmy",
        "account_currency": "EUR", "encoding": "cp1252", "delimiter": ";",
        "amounts": ["-64.32", "1450.00", "-58.90", "30.00", "-650.00", "-40.00"],
        "closing_balance": "1666.78",
    },
    "generic/fi_maara_tab.tsv": {
        "country": "FI", "profile": None, "count": 6, "sums": {"EUR": "1600.17"},
        "date_min": "2025-10-03", "date_max": "2025-10-30", "date_order": "dmy",
        "account_currency": "EUR", "encoding": "utf-8-sig", "delimiter": "\t",
        "amounts": ["-56.78", "2450.00", "-720.00", "-19.90", "35.00", "-88.15"],
        "note": "Kirjauspäivä is the date (Arvopäivä, Maksupäivä are other dates)",
    },
    "generic/dk_beloeb_status.csv": {
        "country": "DK", "profile": None, "count": 6, "sums": {"DKK": "15363.75"},
        "date_min": "2025-11-02", "date_max": "2025-11-25", "date_order": "dmy",
        "account_currency": "DKK", "encoding": "cp1252", "delimiter": ";",
        "amounts": ["-123.45", "24500.00", "-8750.00", "200.00", "-150.00", "-312.80"],
        "skipped": {"status 'Venter' is not a completed transaction": 1},
        "excluded_states": ["Venter"],
        "note": "Beløb is the amount, Saldo the balance; the pending (Venter) row is skipped",
    },
    "generic/no_ut_inn.csv": {
        "country": "NO", "profile": None, "count": 6, "sums": {"NOK": "20367.75"},
        "date_min": "2025-12-01", "date_max": "2025-12-20", "date_order": "dmy",
        "account_currency": "NOK", "encoding": "iso-8859-1", "delimiter": ";",
        "amounts": ["-245.90", "32500.00", "-11200.00", "400.00", "-899.00", "-187.35"],
    },
}
