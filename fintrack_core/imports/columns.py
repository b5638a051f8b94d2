"""Guessing what each column of a bank file without a profile holds, from names and contents.

A header word is only a claim: a column becomes the amount only when its values read as money
in nearly every row, the date only when a date format reads them, the currency only when they
are currency codes. Words that mean different things in different languages (``Saldo``,
``Valuta``, ``Wert``) are decided by the contents. Everything here looks at a sample of the
rows, so a million-row file costs no more to guess than a short one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from fintrack_core.errors import ValidationError
from fintrack_core.imports.amounts import parse_amounts
from fintrack_core.imports.dates import DateOrderNeeded, detect_format
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.vocabulary import (
    AMBIGUOUS,
    CREDIT_WORDS,
    CURRENCY_CODES,
    DEBIT_WORDS,
    STATES_NOT_OK,
    STATES_OK,
    header_currency,
    is_currency_name,
    normalise,
    roles_by_name,
)

SAMPLE_ROWS = 500
DATE_SAMPLE = 100  # distinct values tried against every date format (the file decides later)
# Cheap pre-check before trying every date format: digits with separators, or a month name.
_DATE_LIKE = (r"^\s*(?:\d{1,4}[./ -]\d{1,2}[./ -]\d{2,4}|\d{8}\b|[A-Za-z]{3,9}\.? \d{1,2},? \d{2,4}"
              r"|\d{1,2}[ -][A-Za-z]{3,9}\.?[ -]\d{2,4})")
# A column named like an amount: most of its values are money (the others become invalid rows,
# reported with their lines); one taken by its contents alone: nearly all of them.
NAMED_MONEY_SHARE = 0.5
UNNAMED_MONEY_SHARE = 0.95  # a column taken as the amount by its contents alone
DIRECTION_SHARE = 0.95
MONEY_ROLES = ("amount", "debit", "credit", "balance", "fee")
KNOWN_STATES = frozenset(STATES_OK) | frozenset(STATES_NOT_OK)


class MappingError(ValidationError):
    """The mapping does not fit the file (names a column that is not there, no amount...)."""


class ColumnFacts:
    """What a sample of one column's values looks like; each fact is computed when first
    asked for (a column whose name settles its role is only checked for that role)."""

    def __init__(self, values: pd.Series) -> None:
        text = values.astype("string").fillna("").str.strip()
        self.values = text[text != ""]
        self.filled = len(self.values)  # non-empty cells in the sample

    @cached_property
    def _status(self) -> pd.Series:
        status = parse_amounts(self.values)[1]
        return status[(status != "empty").to_numpy()]  # "-" and "n/a" are empty cells

    @cached_property
    def money(self) -> float:
        """Share of written cells that read as amounts."""
        if not self.filled:
            return 0.0
        if self._status.empty:
            return 1.0
        return float(self._status.isin(["ok", "too_large"]).mean())

    @cached_property
    def bad_example(self) -> str | None:
        bad = self._status[~self._status.isin(["ok", "too_large"])]
        return None if bad.empty else str(self.values.loc[bad.index[0]])

    @cached_property
    def decimals(self) -> float:
        """Share of cells written with a decimal separator."""
        return self._share(self.values.str.contains(r"\d[.,]\d{1,3}\s*\S*$", regex=True))

    @cached_property
    def date_like(self) -> bool:
        """Most values are written like dates (a quick look; ``dates`` tries the formats)."""
        return self._share(self.values.str.contains(_DATE_LIKE, regex=True)) > 0.5

    @cached_property
    def dates(self) -> bool:
        """One date format reads most values."""
        if not self.filled or not self.date_like:
            return False
        try:
            return detect_format(self.values.drop_duplicates().head(DATE_SAMPLE)) is not None
        except DateOrderNeeded:
            return True

    @cached_property
    def codes(self) -> float:
        return self._share(self.values.str.upper().isin(CURRENCY_CODES))

    @cached_property
    def _distinct(self) -> pd.Series:
        return self.values.value_counts()

    @cached_property
    def directions(self) -> float:
        """Share of cells that are debit/credit words (in normalised form)."""
        if not self.filled:
            return 0.0
        words = set(DEBIT_WORDS) | set(CREDIT_WORDS) | {"-", "+"}
        hit = [normalise(str(v)) in words or str(v) in words for v in self._distinct.index]
        return float(self._distinct[hit].sum()) / self.filled

    @cached_property
    def states(self) -> float:
        return self._share(self.values.str.lower().isin(KNOWN_STATES))

    @cached_property
    def distinct(self) -> int:
        return len(self._distinct)

    @cached_property
    def length(self) -> float:
        return float(self.values.str.len().mean()) if self.filled else 0.0

    def _share(self, mask: pd.Series) -> float:
        return float(mask.mean()) if self.filled else 0.0


@dataclass
class Guess:
    mapping: Mapping
    currency_columns: dict[str, str] = field(default_factory=dict)  # code -> column
    amount_by_content: bool = False  # no header word named the amount column


def column_facts(values: pd.Series) -> ColumnFacts:
    return ColumnFacts(values)


def _fits(role: str, f: ColumnFacts, *, plain_name: bool = False) -> bool:
    """Whether a column's contents agree with a role. A date column named so in plain words
    (not "Wert" or "Valuta") needs values written like dates here; every date format is
    tried on all its rows when the file is read, which refuses a column that is not one."""
    if role in ("date", "value_date"):
        return f.date_like if plain_name else f.dates
    if role in MONEY_ROLES:
        return f.filled > 0 and f.money >= NAMED_MONEY_SHARE and not f.date_like
    if role == "currency":
        return f.filled == 0 or f.codes >= UNNAMED_MONEY_SHARE
    if role == "direction":  # named: most cells (the others become invalid rows)
        return f.filled > 0 and f.directions >= NAMED_MONEY_SHARE
    if role == "state":  # rows in an unknown state would all be left out
        return f.filled > 0 and f.states >= UNNAMED_MONEY_SHARE
    return True


def guess_columns(frame: pd.DataFrame, has_header: bool,
                  account_currency: str | None = None) -> Guess:
    """Each column's role, from its header (in any of the known languages) checked against
    its contents, then from contents alone for what the names did not settle."""
    columns = [str(c) for c in frame.columns]
    sample = frame.head(SAMPLE_ROWS)
    facts = {c: column_facts(sample[c]) for c in columns}
    found: dict[str, str] = {}
    refused: dict[str, str] = {}
    by_content = False
    currency_columns: dict[str, str] = {}
    if has_header:
        currency_columns = _by_name(columns, facts, found, refused)
    taken = set(found.values())
    if currency_columns and not {"amount", "debit", "credit"} & found.keys():
        _, picked = _pick_currency_column(currency_columns, facts, account_currency)
        found["amount"] = picked
        taken.add(picked)
    if "date" not in found and "value_date" in found:
        found["date"] = found["value_date"]
    if "date" not in found:
        date_col = next((c for c in columns if c not in taken and facts[c].dates), None)
        if date_col is not None:
            found["date"] = date_col
            taken.add(date_col)
    if not {"amount", "debit", "credit"} & found.keys():
        if refused:
            raise MappingError("amount", next(iter(refused.values())))
        amount_col = next((c for c in columns if c not in taken
                           and _unnamed_amount(facts[c], len(sample))), None)
        if amount_col is not None:
            found["amount"] = amount_col
            taken.add(amount_col)
            by_content = True
    if "debit" in found and "credit" in found:
        found.pop("amount", None)  # a split pair is never also a signed amount
    if "amount" in found and "direction" not in found:
        direction_col = next((c for c in columns if c not in taken and facts[c].distinct >= 2
                              and facts[c].directions >= DIRECTION_SHARE), None)
        if direction_col is not None:
            found["direction"] = direction_col
            taken.add(direction_col)
    if "payee" not in found and "description" not in found:
        text_cols = [c for c in columns if c not in taken
                     and facts[c].money < NAMED_MONEY_SHARE and not facts[c].dates]
        if text_cols:
            found["description"] = max(text_cols, key=lambda c: facts[c].length)
    currency_code = None
    chosen = found.get("amount")
    if "currency" not in found and chosen is not None:
        currency_code = next((k for k, v in currency_columns.items() if v == chosen),
                             None) or header_currency(chosen)
    mapping = Mapping(
        date=found.get("date"), amount=found.get("amount"), debit=found.get("debit"),
        credit=found.get("credit"), direction=found.get("direction"),
        payee=found.get("payee"),
        description=(found["description"],) if "description" in found else (),
        currency=found.get("currency"), currency_code=currency_code, fee=found.get("fee"),
        state=found.get("state"), balance=found.get("balance"), has_header=has_header)
    return Guess(mapping, currency_columns, by_content)


def _by_name(columns: list[str], facts: dict[str, ColumnFacts], found: dict[str, str],
             refused: dict[str, str]) -> dict[str, str]:
    """Roles named by headers and confirmed by contents (into ``found``); columns named like
    amounts whose contents are not (into ``refused``). Returns the columns named after a
    currency (``CAD$``, ``Amount (EUR)``) that hold money, by currency code."""
    best: dict[str, tuple[int, int, str]] = {}  # role -> (rank, position, column)
    currency_columns: dict[str, str] = {}
    for pos, col in enumerate(columns):
        f = facts[col]
        if is_currency_name(col) and (f.filled == 0 or f.money >= NAMED_MONEY_SHARE):
            code = header_currency(col)
            if code and code not in currency_columns:
                currency_columns[code] = col
            continue
        named = roles_by_name(col)
        ambiguous = normalise(col) in AMBIGUOUS
        for role, rank in named:
            if not _fits(role, f, plain_name=not ambiguous):
                if role in ("amount", "debit", "credit") and f.filled and rank == 0:
                    share = 1 - f.money
                    refused.setdefault(col, (
                        f"column {col!r} is named like an amount, but {share:.0%} of its "
                        f"values are not amounts (e.g. {f.bad_example!r})"))
                continue
            key = (rank + (2 if ambiguous else 0), pos, col)
            if role == "amount" and header_currency(col):
                code = header_currency(col) or ""
                currency_columns.setdefault(code, col)
            if role not in best or key < best[role]:
                best[role] = key
            break
    # Keep one column per role, and one role per column (the best-ranked claim wins).
    for role, (_, _, col) in sorted(best.items(), key=lambda kv: kv[1]):
        if col not in found.values():
            found[role] = col
    if len(currency_columns) >= 2 and found.get("amount") in currency_columns.values():
        del found["amount"]  # one column per currency: the caller picks the account's
    # "Saldo" and friends: the amount only when nothing else is.
    if "amount" not in found and "debit" not in found and "credit" not in found:
        for col in columns:
            if normalise(col) in AMBIGUOUS and "amount" in AMBIGUOUS[normalise(col)] \
                    and found.get("balance") == col and _fits("amount", facts[col]):
                found["amount"] = found.pop("balance")
                break
    return currency_columns


def _pick_currency_column(by_code: dict[str, str], facts: dict[str, ColumnFacts],
                          account_currency: str | None) -> tuple[str, str]:
    """One column per currency (``CAD$``, ``USD$``): the account's, or the only filled one."""
    filled = {code: col for code, col in by_code.items() if facts[col].filled}
    if account_currency and account_currency in filled:
        return account_currency, filled[account_currency]
    if len(filled) == 1:
        return next(iter(filled.items()))
    names = ", ".join(repr(c) for c in filled.values())
    raise MappingError("amount", f"columns {names} all hold amounts, one per currency; "
                                 "choose the amount column of this account")


def check_account_currency(detected: dict[str, object], wanted: set[str]) -> None:
    """A file with one amount column per currency (``CAD$``, ``USD$``) goes into an account
    in one of them: say so when the account's currency is not among the file's, or when the
    account's column is empty and another currency's was read."""
    by_code = detected.get("currency_columns")
    used = detected.get("mapping")
    if not isinstance(by_code, dict) or not by_code or not isinstance(used, Mapping):
        return
    used_code = next((k for k, v in by_code.items() if v == used.amount), None)
    names = ", ".join(f"{code} (column {col!r})" for code, col in sorted(by_code.items()))
    if not wanted & set(by_code):
        raise ValidationError("account", f"the file's amounts are in {names}; the chosen "
                                         f"account is in {', '.join(sorted(wanted))}")
    if used_code not in wanted:
        raise ValidationError("account", (
            f"the file's {'/'.join(sorted(wanted & set(by_code)))} column is empty; its "
            f"amounts are in {used_code} (column {used.amount!r}): choose a {used_code} "
            "account"))


def _unnamed_amount(f: ColumnFacts, rows: int) -> bool:
    """Money in nearly every row, written with decimals: an amount even without a name."""
    return (f.filled >= 0.9 * rows and f.money >= UNNAMED_MONEY_SHARE and f.decimals > 0.3
            and not f.dates)


__all__ = ["ColumnFacts", "Guess", "MappingError", "check_account_currency", "column_facts",
           "guess_columns"]
