"""Every bank profile and every CSV quirk, read from files in the banks' exact bytes.

Each fixture's expected transaction count, signed sums per currency and date range live in
``expected_statements.py`` (computed independently from the rows written to the file).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest

from fintrack_core.imports.csv_import import MappingError
from fintrack_core.imports.evidence import weigh
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.read import read_statement
from fintrack_core.imports.statement import StatementError, count_reasons
from tests.core.imports.expected_generic import GENERIC
from tests.core.imports.expected_statements import EXPECTED

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements"
IMPORTABLE = sorted(k for k, v in EXPECTED.items()
                    if not v.get("reject") and not v.get("needs_date_order"))
REJECTED = sorted(k for k, v in EXPECTED.items() if v.get("reject"))


def sums(parsed) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    out: dict[str, Decimal] = {}
    for amount, ccy in zip(parsed.rows["amount"], parsed.rows["currency"], strict=True):
        key = ccy if isinstance(ccy, str) and ccy else "?"
        out[key] = out.get(key, Decimal(0)) + Decimal(str(amount))
    return out


@pytest.mark.parametrize("name", IMPORTABLE)
def test_statement_reads_with_the_expected_count_sums_and_dates(name: str) -> None:
    spec = EXPECTED[name]
    options = Mapping(negate=True if spec.get("negate") else None)
    parsed = read_statement((FIXTURES / name).read_bytes(), name, options=options)
    weigh(parsed, [])  # the file's own evidence (running balance: fee, sign) as the import does
    assert parsed.invalid == []
    assert len(parsed.rows) == spec["count"]
    got = sums(parsed)
    account_ccy = cast(str, spec.get("account_currency"))  # given where rows lack a currency
    if "?" in got:  # rows without a currency in the file go to the account's currency
        got[account_ccy] = got.get(account_ccy, Decimal(0)) + got.pop("?")
    assert got == {c: Decimal(v) for c, v in spec["sums"].items()}
    dates = sorted(str(d)[:10] for d in parsed.rows["date"])
    assert (dates[0], dates[-1]) == (spec["date_min"], spec["date_max"])
    if spec.get("profile"):
        assert parsed.profile == spec["profile"]
    # Every row read is a transaction, skipped with a reason, or invalid with its line.
    assert parsed.data_rows == len(parsed.rows) + len(parsed.skipped) + len(parsed.invalid)
    assert all(row.reason for row in parsed.skipped)
    if isinstance(spec.get("skipped"), int):  # bank formats give a count of entries
        assert len(parsed.skipped) == spec["skipped"]
    elif "skipped" in spec:
        assert count_reasons(parsed.skipped) == spec["skipped"]


GENERIC_NAMES = sorted(k for k in EXPECTED if k.startswith("generic/"))


def test_there_are_ten_or_more_generic_layouts_from_six_or_more_countries() -> None:
    assert len(GENERIC_NAMES) >= 10
    assert len({EXPECTED[n]["country"] for n in GENERIC_NAMES}) >= 6


# The files whose evidence reorders rows or settles fees are checked row by row in their
# own tests (test_balance_proof, test_payment_exports); these are read by detection alone.
@pytest.mark.parametrize("name", sorted(GENERIC))
def test_a_bank_without_a_profile_is_read_by_detection_alone_row_by_row(name: str) -> None:
    spec = EXPECTED[name]
    data = (FIXTURES / name).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") == (spec["encoding"] == "utf-8-sig")

    flip = Mapping(negate=True if spec.get("negate") else None)
    parsed = read_statement(data, name, options=flip)
    weigh(parsed, [])  # as the import does: the running balance may settle fee and order

    assert parsed.profile is None
    assert parsed.detected["mapping_source"] == "guessed"
    assert parsed.detected["delimiter"] == spec["delimiter"]
    assert [Decimal(a) for a in parsed.rows["amount"]] == [Decimal(a) for a in spec["amounts"]]
    assert parsed.skipped == [] or "skipped" in spec


@pytest.mark.parametrize("name", sorted(k for k in EXPECTED if k.startswith("banks/")))
def test_each_bank_is_recognised_by_its_profile(name: str) -> None:
    parsed = read_statement((FIXTURES / name).read_bytes(), name)
    assert parsed.profile == EXPECTED[name]["profile"]
    assert parsed.detected["mapping_source"] == "profile"


@pytest.mark.parametrize("name", REJECTED)
def test_unreadable_files_are_rejected_with_a_clear_message(name: str) -> None:
    with pytest.raises(StatementError) as err:
        read_statement((FIXTURES / name).read_bytes(), name)
    assert str(err.value)


def test_ambiguous_dates_ask_for_the_order_then_read_either_way() -> None:
    name = "quirks/dates_ambiguous.csv"
    data = (FIXTURES / name).read_bytes()
    with pytest.raises(MappingError) as err:
        read_statement(data, name)
    assert err.value.field == "date_order"
    for order, expected in EXPECTED[name]["dates_by_order"].items():
        parsed = read_statement(data, name, options=Mapping(date_order=order))
        dates = sorted(str(d)[:10] for d in parsed.rows["date"])
        assert (dates[0], dates[-1]) == (expected["date_min"], expected["date_max"])


def test_formula_like_descriptions_are_kept_verbatim() -> None:
    name = "quirks/formula_descriptions.csv"
    parsed = read_statement((FIXTURES / name).read_bytes(), name)
    texts = set(parsed.rows["description"]) | set(parsed.rows["payee"])
    for text in EXPECTED[name]["formula_texts"]:
        assert text in texts
    if "tab_text" in EXPECTED[name]:
        assert EXPECTED[name]["tab_text"] in texts


@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED.items() if "accounts" in v))
def test_bank_format_rows_keep_their_account_and_balances_agree(name: str) -> None:
    """CAMT, MT940 and multi-account OFX: every row names the account it belongs to, the
    amounts come in file order, and each statement's balances add up (no warning)."""
    spec = EXPECTED[name]
    parsed = read_statement((FIXTURES / name).read_bytes(), name)
    assert list(parsed.rows["amount"]) == spec["amounts"]
    per_account: dict[str, Decimal] = {}
    for account, amount in zip(parsed.rows["source_account"], parsed.rows["amount"],
                               strict=True):
        per_account[account] = per_account.get(account, Decimal(0)) + Decimal(amount)
    assert per_account == {a: Decimal(v) for a, v in spec["accounts"].items()}
    assert parsed.detected["account_refs"] == list(spec["accounts"])
    assert len(parsed.skipped) == spec.get("skipped", 0)
    assert parsed.detected.get("warnings", []) == []
    if "closing_balance" in spec:
        [statement] = cast(list[dict[str, object]], parsed.detected["accounts"])
        assert (statement["opening_balance"], statement["closing_balance"]) == (
            spec["opening_balance"], spec["closing_balance"])
    if "encoding" in spec:
        assert parsed.detected["encoding"] == spec["encoding"]


@pytest.mark.parametrize(("name", "text"), [
    ("generic/de_soll_haben_preamble.csv", "Amazon EU S.à r.l."),   # cp1252, not cp1250's ŕ
    ("generic/it_dare_avere.csv", "PRELIEVO BANCOMAT Città Studi"),  # not cp1257's ą
    ("generic/pl_kwota_pln.csv", "ZAKUP PRZY UŻYCIU KARTY BIEDRONKA ŁÓDŹ"),  # cp1250 stays
])
def test_short_single_byte_files_keep_their_letters(name: str, text: str) -> None:
    parsed = read_statement((FIXTURES / name).read_bytes(), name)
    assert text in set(parsed.rows["payee"]) | set(parsed.rows["description"])
