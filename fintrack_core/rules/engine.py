"""The rule evaluator: applies rules to a whole frame of rows at once, without a row loop.

Like ``rule_spec`` it has no database: the importer, the rule preview and "re-apply"
all hand it a ``pandas`` frame, so one evaluator serves them all and its speed can be
measured on its own (``benchmarks/bench_rules.py``).

Two promises shape it:

* **No user pattern can hang the app.** Every text test runs in ``pyarrow.compute``, whose
  regular expressions are RE2 (linear time, no backtracking); a pattern RE2 refuses (e.g. a
  backreference) is refused when the rule is saved (``rule_spec.check_regex``).
* **Money stays exact.** Amount bounds are ``Decimal`` in currency units and are turned into
  integer minor-unit bounds per currency (``money.exponent``), never floats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fintrack_core.errors import ValidationError
from fintrack_core.ledger.transactions import normalise_tags, split_tags
from fintrack_core.money import exponent
from fintrack_core.rules.spec import MODES, Condition, RuleView, Value

FRAME_COLUMNS = ("payee", "description", "amount_minor", "currency", "account_id", "date",
                 "category_id", "tags")
_I64 = (-(2**63), 2**63 - 1)


def _bools(result: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(result, False).to_numpy(zero_copy_only=False), dtype=bool)


def _text_test(values: pa.Array, op: str, needle: str) -> np.ndarray:
    if op == "contains":
        out = pc.match_substring(values, needle, ignore_case=True)
    elif op == "starts_with":
        out = pc.starts_with(values, needle, ignore_case=True)
    elif op == "regex":
        out = pc.match_substring_regex(values, needle, ignore_case=True)
    else:  # equals: pyarrow's equal has no ignore_case, so both sides are lower-cased
        low = pc.utf8_lower(pa.scalar(needle, values.type))
        out = pc.equal(pc.utf8_lower(values), low)
    return _bools(out)


class _Text:
    """A text column as Arrow data. Bank payees repeat a lot, so when a sample says values
    repeat, each test runs once per distinct value and is spread to rows by index."""

    def __init__(self, series: pd.Series) -> None:
        arr = pa.array(series, from_pandas=True, type=pa.large_string())
        if isinstance(arr, pa.ChunkedArray):  # e.g. after pd.concat of Arrow-backed strings
            arr = arr.combine_chunks()
        arr = pc.fill_null(arr, "")
        self.codes: np.ndarray | None = None
        sample = arr if len(arr) <= 65536 else arr.take(
            np.linspace(0, len(arr) - 1, 65536).astype(np.int64))
        if len(arr) > 64 and len(pc.unique(sample)) < 0.9 * len(sample):
            enc = pc.dictionary_encode(arr)
            arr, self.codes = enc.dictionary, enc.indices.to_numpy().astype(np.int64)
        self.values: pa.Array = arr
        self.touched = False

    def test(self, op: str, needle: str) -> np.ndarray:
        hits = _text_test(self.values, op, needle)
        return hits if self.codes is None else hits[self.codes]

    def assign(self, rows: np.ndarray, value: str) -> np.ndarray:
        """Set ``rows`` to ``value``; return which rows really changed."""
        if self.codes is None:
            changed = rows & ~_bools(pc.equal(self.values, value))
            if changed.any():
                self.values = pc.if_else(pa.array(changed), pa.scalar(value, pa.large_string()),
                                         self.values)
        else:
            where = np.flatnonzero(_bools(pc.equal(self.values, value)))
            if len(where):
                idx = int(where[0])
            else:
                idx = len(self.values)
                self.values = pa.concat_arrays([self.values, pa.array([value], pa.large_string())])
            changed = rows & (self.codes != idx)
            self.codes[changed] = idx
        self.touched = self.touched or bool(changed.any())
        return np.asarray(changed)

    def series(self, index: pd.Index) -> pd.Series:
        values = self.values if self.codes is None else self.values.take(pa.array(self.codes))
        return pd.Series(values.to_pandas(), index=index)


class _Frame:
    """The columns rules read and write, converted once per call (lazily) into numpy/Arrow."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.n = len(frame)
        self.amount = np.asarray(frame["amount_minor"], dtype=np.int64)
        cats = pd.to_numeric(frame["category_id"]).astype("Int64")
        self.category = cats.fillna(0).to_numpy(dtype=np.int64)  # 0 = no category
        self.eligible = (np.asarray(frame["transfer_id"].isna(), dtype=bool)
                         if "transfer_id" in frame else np.ones(self.n, dtype=bool))
        self._text: dict[str, _Text] = {}
        self._cache: dict[Condition, np.ndarray] = {}
        self._ccy: tuple[np.ndarray, list[str]] | None = None
        self._dates: np.ndarray | None = None
        self._accounts: np.ndarray | None = None
        tag_codes, tag_values = pd.factorize(frame["tags"].fillna(""))
        self.tag_codes = np.asarray(tag_codes, dtype=np.int64)
        self.tag_values: list[str] = [str(v) for v in tag_values] or [""]
        self.tags_touched = False

    def text(self, field: str) -> _Text:
        if field not in self._text:
            self._text[field] = _Text(self.frame[field])
        return self._text[field]

    def test(self, cond: Condition) -> np.ndarray:
        if cond not in self._cache:
            self._cache[cond] = self._evaluate(cond)
        return self._cache[cond]

    def _evaluate(self, cond: Condition) -> np.ndarray:
        if cond.field in ("payee", "description"):
            return self.text(cond.field).test(cond.op, str(cond.value))
        if cond.field == "account":
            if self._accounts is None:
                self._accounts = np.asarray(self.frame["account_id"], dtype=np.int64)
            return np.isin(self._accounts, np.asarray(cond.value, dtype=np.int64))
        if cond.field == "date":
            if self._dates is None:
                self._dates = _days(self.frame["date"])
            return _date_test(self._dates, cond)
        return self._amount_test(cond)

    def _amount_test(self, cond: Condition) -> np.ndarray:
        """Compare minor units with the bound scaled to each row's currency, in integers."""
        if self._ccy is None:
            codes, uniques = pd.factorize(self.frame["currency"])
            self._ccy = np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]
        codes, currencies = self._ccy

        def bound(value: Value | None, rounding: str) -> np.ndarray | np.int64:
            per = np.array([_clamp(Decimal(value).scaleb(exponent(c))  # type: ignore[arg-type]
                                   .to_integral_value(rounding=rounding)) for c in currencies],
                           dtype=np.int64)
            return per[0] if len(per) == 1 else per[codes]

        amount = self.amount
        if cond.op == "greater_than":  # a > 12.345 <=> a > floor(12.345) for whole a
            return amount > bound(cond.value, ROUND_FLOOR)
        if cond.op == "less_than":
            return amount < bound(cond.value, ROUND_CEILING)
        if cond.op == "between":
            return ((amount >= bound(cond.value, ROUND_CEILING))
                    & (amount <= bound(cond.value2, ROUND_FLOOR)))
        # equals: only where the amount is exactly representable in that currency
        lo, hi = bound(cond.value, ROUND_CEILING), bound(cond.value, ROUND_FLOOR)
        return np.asarray((amount == lo) & (lo == hi))

    def add_tags(self, rows: np.ndarray, tags: tuple[str, ...]) -> np.ndarray:
        """Merge ``tags`` into the rows' tags, computed once per distinct tag string."""
        remap = np.arange(len(self.tag_values), dtype=np.int64)
        index = {v: i for i, v in enumerate(self.tag_values)}
        for code in np.unique(self.tag_codes[rows]):
            merged = normalise_tags(split_tags(self.tag_values[code]) + list(tags))
            if merged not in index:
                index[merged] = len(self.tag_values)
                self.tag_values.append(merged)
            remap[code] = index[merged]
        new = np.where(rows, remap[self.tag_codes], self.tag_codes)
        changed: np.ndarray = new != self.tag_codes
        self.tag_codes = new
        self.tags_touched = self.tags_touched or bool(changed.any())
        return changed

    def touched(self, field: str) -> bool:
        return field in self._text and self._text[field].touched

    def forget(self, field: str) -> None:
        self._cache = {c: m for c, m in self._cache.items() if c.field != field}


def _days(series: pd.Series) -> np.ndarray:
    """Dates as ``datetime64[D]``; ``datetime.date`` objects go through Arrow (twice as fast as
    ``pd.to_datetime`` on a million rows)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.to_numpy().astype("datetime64[D]")
    try:
        days = pa.array(series, from_pandas=True, type=pa.date32())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.to_datetime(series).to_numpy().astype("datetime64[D]")
    return np.asarray(days.to_numpy(zero_copy_only=False), dtype="datetime64[D]")


def _clamp(value: Decimal) -> int:
    return max(_I64[0], min(_I64[1], int(value)))


def _date_test(dates: np.ndarray, cond: Condition) -> np.ndarray:
    day = np.datetime64(cast(dt.date, cond.value), "D")  # the spec holds dates as dt.date
    if cond.op == "on":
        return np.asarray(dates == day)
    if cond.op == "before":
        return dates < day
    if cond.op == "after":
        return dates > day
    return (dates >= day) & (dates <= np.datetime64(cast(dt.date, cond.value2), "D"))


_COST = {"account": 0, "amount": 1, "date": 2, "payee": 3, "description": 4}


def _matches(state: _Frame, rule: RuleView, candidates: np.ndarray) -> np.ndarray:
    conds = sorted(rule.conditions, key=lambda c: _COST[c.field])  # cheap tests first
    if rule.match == "any":
        hit = np.zeros(state.n, dtype=bool)
        for cond in conds:
            hit |= state.test(cond)
        return np.asarray(hit & candidates)
    hit = candidates.copy()
    for cond in conds:
        if not hit.any():
            break
        hit &= state.test(cond)
    return hit


def _act(state: _Frame, rule: RuleView, hit: np.ndarray) -> np.ndarray:
    changed = np.zeros(state.n, dtype=bool)
    for action in rule.actions:
        if action.kind == "set_category":
            if rule.category_kind == "transfer":
                continue  # never valid for ordinary rows; saving refuses it too
            rows = hit
            if rule.category_kind == "income":
                rows = hit & (state.amount > 0)  # skipped, not failed (transactions refuses it)
            cid = int(action.value)  # type: ignore[arg-type]
            moved = rows & (state.category != cid)
            state.category[moved] = cid
            changed |= moved
        elif action.kind == "rename_payee":
            renamed = state.text("payee").assign(hit, str(action.value))
            if renamed.any():
                state.forget("payee")
            changed |= renamed
        else:
            changed |= state.add_tags(hit, tuple(action.value))  # type: ignore[arg-type]
    return changed


def apply_rules_frame(rules: Sequence[RuleView], frame: pd.DataFrame,
                      mode: str = "first") -> pd.DataFrame:
    """Apply enabled ``rules`` in priority order (lower first) to every row of ``frame``.

    ``frame`` has the columns of ``FRAME_COLUMNS`` (``amount_minor`` int64, ``category_id``
    nullable, ``tags`` canonical ``,a,b,``) and optionally ``transfer_id``: transfer legs are
    never touched. ``mode`` "first": a row is settled by the first rule whose conditions match
    it; "all": every matching rule acts in turn and later rules see earlier rules' changes
    (a renamed payee, say), so for the same field the later rule has the last word.

    An income category is never set on a money-out row: that action is skipped for such rows
    (the rule's other actions still apply) instead of failing a whole import.

    Returns a new frame with ``category_id``/``payee``/``tags`` updated and ``rule_id``: the
    first rule that changed the row, or NA. Runs one vectorised pass per rule, no row loop.
    """
    if mode not in MODES:
        raise ValidationError("mode", f"{mode!r}: choose 'first' or 'all'")
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError("frame", f"missing column(s): {', '.join(missing)}")
    state = _Frame(frame)
    rule_ids = np.zeros(state.n, dtype=np.int64)
    open_rows = state.eligible.copy()
    for rule in sorted((r for r in rules if r.enabled), key=lambda r: (r.priority, r.id)):
        if not open_rows.any():
            break
        hit = _matches(state, rule, open_rows)
        if not hit.any():
            continue
        changed = _act(state, rule, hit)
        rule_ids[changed & (rule_ids == 0)] = rule.id
        if mode == "first":
            open_rows &= ~hit
    out = frame.copy()
    out["category_id"] = pd.arrays.IntegerArray(state.category, mask=state.category == 0)
    if state.touched("payee"):
        out["payee"] = state.text("payee").series(frame.index)
    if state.tags_touched:
        out["tags"] = pd.Series(np.asarray(state.tag_values, dtype=object)[state.tag_codes],
                                index=frame.index, dtype=frame["tags"].dtype)
    out["rule_id"] = pd.arrays.IntegerArray(rule_ids, mask=rule_ids == 0)
    return out
