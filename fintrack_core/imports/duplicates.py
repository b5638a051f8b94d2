"""Which rows of a statement the book already holds: exact duplicates by fingerprint (or the
bank's id), read while the rows are hashed, and likely duplicates of hand-entered
transactions (same account and amount, close dates), which the user decides on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import select

from fintrack_core.access import Scope
from fintrack_core.db.models import Transaction
from fintrack_core.imports.fingerprint import fingerprint_span, fingerprints, stored_fingerprints
from fintrack_core.imports.result import LikelyDuplicate
from fintrack_core.money import to_decimal

LIKELY_DUPLICATE_DAYS = 3


def _hash_and_read_stored(scope: Scope, frame: pd.DataFrame) -> tuple[pd.Series, pa.Array | None]:
    """The rows' fingerprints, and the ones the book already stores for their accounts and
    days, read on a second thread meanwhile (the database's and DuckDB's work both run
    without Python's lock, so a re-import of 1M rows saves about 0.3 s)."""
    if frame.empty:
        return fingerprints(frame), None

    def read_stored() -> pa.Array:
        with scope.db.read() as s:
            return stored_fingerprints(s, scope.book_id, *fingerprint_span(frame))

    with ThreadPoolExecutor(1, thread_name_prefix="fintrack-stored") as pool:
        stored = pool.submit(read_stored)
        return fingerprints(frame), stored.result()


def _anything_stored(scope: Scope, frame: pd.DataFrame) -> bool:
    """Whether the book has any transaction in these accounts and dates (index lookup)."""
    if frame.empty:
        return False
    lo, hi = pd.Timestamp(frame["date"].min()).date(), pd.Timestamp(frame["date"].max()).date()
    with scope.db.read() as s:
        return s.scalar(select(Transaction.id).where(
            Transaction.book_id == scope.book_id,
            Transaction.account_id.in_([int(a) for a in pd.unique(frame["account_id"])]),
            Transaction.date >= lo, Transaction.date <= hi).limit(1)) is not None


def _likely_duplicates(scope: Scope, frame: pd.DataFrame) -> list[LikelyDuplicate]:
    """New rows that match a hand-entered transaction: same account and amount, close dates."""
    if frame.empty:
        return []
    pad = dt.timedelta(days=LIKELY_DUPLICATE_DAYS)
    lo = pd.Timestamp(frame["date"].min()).date() - pad
    hi = pd.Timestamp(frame["date"].max()).date() + pad
    with scope.db.read() as s:
        manual = pd.DataFrame(s.execute(select(
            Transaction.id, Transaction.account_id, Transaction.date, Transaction.amount_minor,
            Transaction.payee).where(
            Transaction.book_id == scope.book_id, Transaction.import_batch_id.is_(None),
            Transaction.transfer_id.is_(None),
            Transaction.account_id.in_([int(a) for a in pd.unique(frame["account_id"])]),
            Transaction.date >= lo, Transaction.date <= hi)).all(),
            columns=["id", "account_id", "existing_date", "amount_minor", "existing_payee"])
    if manual.empty:
        return []
    merged = frame.merge(manual, on=["account_id", "amount_minor"])
    merged["existing_date"] = pd.to_datetime(merged["existing_date"])
    merged["days"] = (merged["existing_date"] - pd.to_datetime(merged["date"])).abs()
    merged = merged[merged["days"] <= pd.Timedelta(pad)]
    merged = merged.iloc[_one_to_one(merged)]
    return [LikelyDuplicate(int(r.line), pd.Timestamp(r.date).date(),
                            to_decimal(int(r.amount_minor), r.currency), r.currency, r.payee,
                            int(r.id), r.existing_date.date(), r.existing_payee)
            for r in cast(Iterable[Any], merged.itertuples())]  # row fields untyped in the stubs


def _one_to_one(pairs: pd.DataFrame) -> list[int]:
    """Positions of the (statement row, typed-in transaction) pairs to report: each typed-in
    transaction explains at most one statement row and each row is reported once, closest
    dates first. Two identical card payments on one statement and one of them typed in by
    hand are one likely duplicate and one new row, not two duplicates."""
    order = np.lexsort((pairs["id"].to_numpy(), pairs["line"].to_numpy(),
                        pairs["days"].to_numpy()))
    lines_used: set[int] = set()
    ids_used: set[int] = set()
    chosen = []
    line_col, id_col = pairs["line"].to_numpy(), pairs["id"].to_numpy()
    for pos in order:
        line, existing = int(line_col[pos]), int(id_col[pos])
        if line in lines_used or existing in ids_used:
            continue
        lines_used.add(line)
        ids_used.add(existing)
        chosen.append(int(pos))
    return sorted(chosen, key=lambda p: int(line_col[p]))


