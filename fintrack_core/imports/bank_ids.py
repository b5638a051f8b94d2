"""The bank's own transaction id (OFX ``FITID``, CAMT ``AcctSvcrRef``, MT940 bank reference)
as the duplicate key, with the fingerprint as the fallback.

A fingerprint cannot tell two genuine coffees of the same day and price apart once they
arrive in different files; the bank's id can. So a row that carries an id is a duplicate
exactly when its account already holds that id, or when a stored row *without* an id (an
import from a format that has none, or from before ids were stored) has its fingerprint. A
row without an id is checked by fingerprint as before. The database backs this with a
unique index on (account, id) where the id is set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from fintrack_core.db.models import Transaction
from fintrack_core.imports.fingerprint import already_stored

MAX_EXTERNAL_ID = 100  # transactions.external_id
CHUNK = 500  # values per IN (...) list: far below every database's limit


def external_ids(values: pd.Series, account_ids: np.ndarray,
                 lines: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The ids to store (object array, None where there is none) and what was dropped.

    A bank id that repeats within one file for one account, or is too long to store, cannot
    be a key: the row keeps its fingerprint as its key, and a warning says so."""
    ids = np.array([v.strip() if isinstance(v, str) and v.strip() else None for v in values],
                   dtype=object)
    warnings: list[str] = []
    long = [i for i, v in enumerate(ids) if v is not None and len(v) > MAX_EXTERNAL_ID]
    for i in long:
        ids[i] = None
    if long:
        warnings.append(f"{len(long)} row(s) have a bank transaction id longer than "
                        f"{MAX_EXTERNAL_ID} characters (first on line {int(lines[long[0]])}); "
                        "they are checked for duplicates by their content instead")
    seen: set[tuple[int, str]] = set()
    repeated: list[int] = []
    for i, (account, value) in enumerate(zip(account_ids.tolist(), ids, strict=True)):
        if value is None:
            continue
        if (account, value) in seen:
            ids[i] = None
            repeated.append(i)
        seen.add((account, value))
    if repeated:
        warnings.append(f"{len(repeated)} row(s) repeat a bank transaction id used earlier in "
                        f"this file (first on line {int(lines[repeated[0]])}); they are "
                        "checked for duplicates by their content instead")
    return ids, warnings


def stored_duplicates(session: Session, book_id: int, frame: pd.DataFrame,
                      known: pa.Array | None = None) -> np.ndarray:
    """Mask of the rows of ``frame`` the book already holds (see the module's rule).

    ``frame`` has account_id, date, fingerprint and external_id (None where not given);
    ``known``: the stored fingerprints of its accounts and days when already read
    (``fingerprint.stored_fingerprints``)."""
    has_id = frame["external_id"].notna().to_numpy(dtype=bool)
    if not has_id.any():
        return already_stored(session, book_id, frame, known)
    dup = np.zeros(len(frame), dtype=bool)
    if (~has_id).any():
        dup[~has_id] = already_stored(session, book_id, frame[~has_id])
    with_id = frame[has_id]
    dup[np.flatnonzero(has_id)] = _by_bank_id(session, book_id, with_id)
    return dup


def _by_bank_id(session: Session, book_id: int, frame: pd.DataFrame) -> np.ndarray:
    accounts = sorted({int(a) for a in pd.unique(frame["account_id"])})
    pairs = list(zip(frame["account_id"].astype(int).tolist(),
                     frame["external_id"].tolist(), strict=True))
    stored: set[tuple[int, str]] = set()
    wanted = sorted({value for _, value in pairs})
    for start in range(0, len(wanted), CHUNK):
        stored.update((int(a), str(v)) for a, v in session.execute(
            select(Transaction.account_id, Transaction.external_id).where(
                Transaction.book_id == book_id, Transaction.account_id.in_(accounts),
                Transaction.external_id.in_(wanted[start:start + CHUNK]))).all())
    found = np.array([pair in stored for pair in pairs], dtype=bool)
    # Rows stored without a bank id: the same payment imported from a file without ids.
    lo = pd.Timestamp(frame["date"].min()).date()
    hi = pd.Timestamp(frame["date"].max()).date()
    prints = frame["fingerprint"].astype("object").tolist()
    wanted_prints = sorted({p for p in prints if isinstance(p, str)})
    matched: set[str] = set()
    for start in range(0, len(wanted_prints), CHUNK):
        matched.update(str(p) for p in session.scalars(select(Transaction.fingerprint).where(
            Transaction.book_id == book_id, Transaction.account_id.in_(accounts),
            Transaction.date >= lo, Transaction.date <= hi,
            Transaction.external_id.is_(None),
            Transaction.fingerprint.in_(wanted_prints[start:start + CHUNK]))))
    also = np.array([p in matched for p in prints], dtype=bool)
    return np.asarray(found | also, dtype=bool)
