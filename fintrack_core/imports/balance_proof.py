"""The bank's running balance as proof of the amounts, their signs, the row order and the fee.

A statement with a balance column says, row by row, what the bank thinks the account held
after each transaction. If the amounts we read are right, each one equals the change of that
balance from the row before it in time. That one fact settles questions a file cannot answer
about itself: whether the rows come newest-first or oldest-first, whether every sign is
inverted, whether a fee column is already inside the amount, and whether a row is missing
(the balance jumps by an amount no row explains).

Everything is whole-array integer arithmetic at ``amounts.SCALE`` (no float, no row loop), so
a million-row file costs a few numpy passes. Rows without a balance cell are not skipped: the
amounts between two known balances are summed, so a blank cell does not read as a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fintrack_core.imports.amounts import SCALE_DIGITS, parse_amounts, to_scaled
from fintrack_core.imports.statement import canonical_amount

# How a fee column relates to the amount, as the balance shows it. ``scaled`` from the CSV
# reader is ``amount - fee``; the other two undo that subtraction.
FEE_SUBTRACTED, FEE_INCLUDED, FEE_ADDED = "subtracted", "included", "added"
FEE_SHIFT = {FEE_SUBTRACTED: 0, FEE_INCLUDED: 1, FEE_ADDED: 2}
MAX_BREAKS = 20  # breaks kept for display; the count is always exact


@dataclass(frozen=True, slots=True)
class BalanceBreak:
    """Where the balance stops agreeing: after ``previous_line`` (older) the row on ``line``
    should leave ``expected`` but the bank shows ``found`` (both at SCALE)."""

    previous_line: int
    line: int
    expected: int
    found: int
    currency: str | None

    @property
    def unexplained(self) -> int:
        """The jump no row explains: a missing row of this amount, if one row is missing."""
        return self.found - self.expected


@dataclass(frozen=True)
class BalanceProof:
    """The reading of the amounts that agrees best with the running balance."""

    rows: int                 # rows compared with a balance change
    newest_first: bool
    inverted: bool            # every amount is the opposite of its balance change
    fee: str | None           # FEE_* when the file has a fee column, else None
    mismatches: int
    breaks: list[BalanceBreak] = field(default_factory=list)
    # False when every fee reading fits the balance equally (no checked row has a fee): then
    # ``fee`` is only the mapping's reading, not something the balance proved.
    fee_proven: bool = False

    @property
    def agrees(self) -> bool:
        return self.mismatches == 0


def read_balances(values: pa.Array, decimal: str | None) -> tuple[np.ndarray, np.ndarray]:
    """A balance column's text -> (int64 at SCALE, known mask). Unreadable cells are unknown.

    A running balance has a different value on nearly every row, so the general amount parser
    (which parses each distinct text once) would parse them all with a dozen regex passes;
    plain numbers take a few whole-column kernels instead, anything else the general way."""
    fast = _plain_numbers(values, decimal)
    if fast is not None:
        return fast
    canonical, status = parse_amounts(values, decimal)
    scaled, unusable = to_scaled(canonical)
    known = (status == "ok").to_numpy() & ~unusable
    return np.where(known, scaled, 0), known


def _plain_numbers(values: pa.Array, decimal: str | None
                   ) -> tuple[np.ndarray, np.ndarray] | None:
    """``-1234.56`` / ``1.234,56``-style cells read exactly with whole-column kernels; None
    when any cell is something else (a symbol, a space, parentheses, too many digits)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if decimal is None:
        head = values.slice(0, 5000)
        comma = pc.sum(pc.match_substring_regex(head, r"\d,\d{1,2}$")).as_py() or 0
        point = pc.sum(pc.match_substring_regex(head, r"\d\.\d{1,2}$")).as_py() or 0
        if comma == point:
            return None
        decimal = "," if comma > point else "."
    thousands = "." if decimal == "," else ","
    if pc.any(pc.match_substring(values, thousands)).as_py():
        values = pc.replace_substring(values, thousands, "")
    digits = pc.replace_substring(values, decimal, "")
    digit_count = np.asarray(pc.binary_length(digits), dtype=np.int64)
    known = digit_count > 0
    try:
        whole = pc.cast(digits if known.all() else pc.if_else(
            pa.array(known), digits, pa.scalar(None, pa.string())), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    point_at = np.asarray(pc.find_substring(values, decimal), dtype=np.int64)
    length = np.asarray(pc.binary_length(values), dtype=np.int64)
    if np.any(length - digit_count > 1):
        return None  # two decimal separators in one cell
    places = np.where(point_at >= 0, length - point_at - 1, 0)
    integer_digits = np.where(point_at >= 0, point_at, length)
    if len(places) and (places.max() > SCALE_DIGITS or integer_digits.max() > 12):
        return None  # finer than SCALE, or possibly beyond int64 at SCALE: the careful way
    number = np.asarray(whole.fill_null(0), dtype=np.int64)
    return number * 10 ** (SCALE_DIGITS - places), known


def _groups(currency: np.ndarray | None, n: int
            ) -> list[tuple[str | None, np.ndarray | slice]]:
    """Row positions per currency: a multi-currency export keeps one balance per currency."""
    if currency is None or n == 0:
        return [(None, slice(None))]
    codes, uniques = pd.factorize(pd.Series(currency, dtype=object), use_na_sentinel=False)
    if len(uniques) == 1:
        return [(uniques[0] if isinstance(uniques[0], str) else None, slice(None))]
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return [(uniques[int(codes[part[0]])] if isinstance(uniques[int(codes[part[0]])], str)
             else None, part) for part in np.split(order, bounds)]


@dataclass(frozen=True)
class _Steps:
    """Consecutive rows of one currency that both have a balance: positions (first, second)
    in file order and the balance step between them (second minus first)."""

    part: np.ndarray | slice
    first: np.ndarray
    second: np.ndarray
    step: np.ndarray


def _steps(groups: list[tuple[str | None, np.ndarray | slice]], balances: np.ndarray,
           known: np.ndarray) -> list[tuple[str | None, _Steps]]:
    out = []
    for code, part in groups:
        idx = np.flatnonzero(known[part])
        if len(idx) >= 2:
            first, second = idx[:-1], idx[1:]
            bal = balances[part]
            out.append((code, _Steps(part, first, second, bal[second] - bal[first])))
    return out


def _explained(value: np.ndarray, s: _Steps, newest_first: bool) -> np.ndarray:
    """The amounts that should explain each step, summed (a blank balance cell is bridged).
    Oldest-first, rows first+1..second lead to the second balance; newest-first, rows
    first..second-1 lead from the second (older) balance to the first."""
    cum = np.concatenate(([0], np.cumsum(value[s.part], dtype=np.int64)))
    ends = (s.second, s.first) if newest_first else (s.second + 1, s.first + 1)
    return np.asarray(cum[ends[0]] - cum[ends[1]], dtype=np.int64)


def prove(amounts: np.ndarray, balances: np.ndarray, known: np.ndarray, lines: np.ndarray,
          currency: np.ndarray | None = None, fees: np.ndarray | None = None,
          ) -> BalanceProof | None:
    """Try every reading (row order x sign x fee handling) and keep the one the balance
    confirms on the most rows; ties keep the file as read (oldest-first, signs as written,
    fee as mapped). None when no currency has two rows with a balance."""
    amounts = np.asarray(amounts, dtype=np.int64)
    steps = _steps(_groups(currency, len(amounts)), balances, known)
    if not steps:
        return None
    compared = sum(len(s.step) for _, s in steps)
    fee_modes = [FEE_SUBTRACTED, FEE_INCLUDED, FEE_ADDED] if fees is not None else [None]
    by_reading: dict[tuple[str | None, bool, bool], int] = {}
    for fee in fee_modes:
        shift = FEE_SHIFT[fee] if fee is not None else 0
        value = amounts if not shift else amounts + shift * np.asarray(fees, dtype=np.int64)
        for newest in (False, True):
            agree = against = 0
            for _, s in steps:
                explained = _explained(value, s, newest)
                # oldest-first the balance moves by +step, newest-first by -step
                agree += int(np.count_nonzero((-s.step if newest else s.step) == explained))
                against += int(np.count_nonzero((s.step if newest else -s.step) == explained))
            by_reading[(fee, newest, False)] = agree
            by_reading[(fee, newest, True)] = against
    readings = list(by_reading)  # in preference order: fee as mapped, oldest-first, as written
    fee, newest, inverted = max(readings, key=lambda r: (by_reading[r], -readings.index(r)))
    shift = FEE_SHIFT[fee] if fee is not None else 0
    value = amounts if not shift else amounts + shift * np.asarray(fees, dtype=np.int64)
    sign = -1 if inverted else 1
    breaks: list[BalanceBreak] = []
    for code, s in steps:
        explained = sign * _explained(value, s, newest)
        change = -s.step if newest else s.step
        positions = np.arange(len(amounts))[s.part]
        older_at, newer_at = (s.second, s.first) if newest else (s.first, s.second)
        for k in np.flatnonzero(change != explained)[:MAX_BREAKS]:
            older, newer = positions[older_at[k]], positions[newer_at[k]]
            breaks.append(BalanceBreak(int(lines[older]), int(lines[newer]),
                                       int(balances[older] + explained[k]),
                                       int(balances[newer]), code))
    breaks.sort(key=lambda b: b.line)
    fee_proven = fee is not None and len({by_reading[(f, newest, inverted)]
                                           for f in fee_modes}) > 1
    return BalanceProof(compared + len(steps), newest, inverted, fee,
                        compared - by_reading[(fee, newest, inverted)], breaks[:MAX_BREAKS],
                        fee_proven)


def decimal_text(scaled: int) -> str:
    """An int at SCALE as a plain decimal for messages (``-44.5`` -> ``-44.50``)."""
    return canonical_amount(Decimal(scaled).scaleb(-SCALE_DIGITS).normalize())


def describe(proof: BalanceProof) -> str:
    """The preview's one-line verdict."""
    if proof.agrees:
        return f"✓ agrees with the bank's running balance on all {proof.rows:,} rows"
    first = proof.breaks[0]
    ccy = f" {first.currency}" if first.currency else ""
    return (f"✗ disagrees with the bank's running balance on {proof.mismatches:,} of "
            f"{proof.rows:,} rows; first at line {first.line}: after line "
            f"{first.previous_line} the balance should be {decimal_text(first.expected)}{ccy} "
            f"but the file shows {decimal_text(first.found)}{ccy}, a change of "
            f"{decimal_text(first.unexplained)}{ccy} that no row explains (a row missing "
            f"between lines {min(first.previous_line, first.line)} and "
            f"{max(first.previous_line, first.line)}?)")


__all__ = ["FEE_ADDED", "FEE_INCLUDED", "FEE_SHIFT", "FEE_SUBTRACTED", "BalanceBreak",
           "BalanceProof", "decimal_text", "describe", "prove", "read_balances"]
