"""Fingerprints that make re-importing a statement a no-op.

A row's fingerprint is the MD5 of (account, date, amount, normalised payee and description,
occurrence): the occurrence counts identical rows within one file, so two genuine identical
coffees on the same day are both kept, and the same two rows in an overlapping statement are
recognised again. MD5 here is an identity, not security (and stable across versions, unlike
library-internal hashes).

The value of a fingerprint is a stored contract: every book holds them, and a re-import is
only a no-op if today's code computes exactly what the code of the first import did. So the
key text is fixed (``account|YYYY-MM-DD|amount_minor|text|occurrence``, ``text`` being payee
and description joined by a space, trimmed, runs of whitespace as one space, lower case) and
``tests/core/imports/test_fingerprint.py`` pins it against ``hashlib``. How it is computed
is free: column-wise in Arrow, with the MD5s in DuckDB, and the occurrence counted only where
a key repeats (rare), because grouping a million text keys cost more than hashing them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fintrack_core.db.models import Transaction
from fintrack_core.duck import connect
from fintrack_core.imports.arrow_cols import text_array

# RE2 (Arrow): text that the whitespace normalisation would change. Checking first is cheap;
# the replacement itself is the dearest step, and statements rarely need it.
_NEEDS_SPACING = r"\s\s|[\t\n\f\r]"


def _keys(frame: pd.DataFrame) -> pa.Array:
    """``account|date|amount|text`` per row: the fingerprint's key without the occurrence."""
    joined = pc.binary_join_element_wise(text_array(frame["payee"]),
                                         text_array(frame["description"]), " ")
    text = pc.utf8_trim_whitespace(joined)
    if pc.any(pc.match_substring_regex(text, _NEEDS_SPACING)).as_py():
        text = pc.replace_substring_regex(text, r"\s+", " ")
    text = pc.utf8_lower(text)
    return pc.binary_join_element_wise(
        pc.cast(pa.array(frame["account_id"].to_numpy(dtype=np.int64)), pa.string()),
        _day_text(pd.to_datetime(frame["date"]).to_numpy(dtype="datetime64[D]")),
        pc.cast(pa.array(frame["amount_minor"].to_numpy(dtype=np.int64)), pa.string()),
        text, "|")


def _day_text(days: np.ndarray) -> pa.Array:
    """``YYYY-MM-DD`` per row; a statement spans few days, so each is formatted once."""
    number = days.astype(np.int64)
    first, last = int(number.min()), int(number.max())
    if last - first >= len(number):  # odd dates far apart: format each row
        return pc.cast(pc.cast(pa.array(number.astype(np.int32)), pa.date32()), pa.string())
    span = np.arange(first, last + 1, dtype=np.int32)
    text = pc.cast(pc.cast(pa.array(span), pa.date32()), pa.string())
    return text.take(pa.array(number - first))


def _occurrences(keys: pa.Array, key_hash: np.ndarray) -> np.ndarray:
    """For each row, how many earlier rows have the same key (0 for almost every row).

    Rows whose 64-bit hash is unique cannot repeat a key; only the others are grouped, on
    the key text itself, so a hash collision costs time, never a wrong count."""
    occurrence = np.zeros(len(key_hash), dtype=np.int64)
    maybe = np.flatnonzero(pd.Series(key_hash).duplicated(keep=False).to_numpy())
    if len(maybe):
        codes = keys.take(pa.array(maybe)).dictionary_encode().indices.to_numpy()
        occurrence[maybe] = pd.Series(codes).groupby(codes, sort=False).cumcount().to_numpy()
    return occurrence


def fingerprints(frame: pd.DataFrame) -> pd.Series:
    """One fingerprint per row of ``frame`` (account_id, date, amount_minor, payee, description)."""
    if frame.empty:
        return pd.Series([], dtype=object)
    keys = _keys(frame)
    con = connect()
    try:
        con.register("keys", pa.table({"k": keys}))
        first = con.execute("SELECT md5(k || '|0') AS fp, hash(k) AS h FROM keys"
                            ).to_arrow_table()
        digests = first.column("fp").combine_chunks()
        occurrence = _occurrences(keys, first.column("h").to_numpy())
        again = np.flatnonzero(occurrence)
        if len(again):  # the second and later of identical rows: their own count in the key
            con.register("more", pa.table({"k": pc.binary_join_element_wise(
                keys.take(pa.array(again)), pc.cast(pa.array(occurrence[again]), pa.string()),
                "|")}))
            redone = con.execute("SELECT md5(k) AS fp FROM more").to_arrow_table()
            mask = np.zeros(len(digests), dtype=bool)
            mask[again] = True
            digests = pc.replace_with_mask(digests, pa.array(mask),
                                           redone.column("fp").combine_chunks())
    finally:
        con.close()
    return pd.Series(pd.arrays.ArrowExtensionArray(digests), index=frame.index)


def stored_fingerprints(session: Session, book_id: int, accounts: list[int], lo: dt.date,
                        hi: dt.date) -> pa.Array:
    """The fingerprints the book holds for these accounts between two days, as Arrow strings.

    They come back as one aggregated string, split in C: a million Python row tuples would
    cost seconds. Separate from ``already_stored`` so that an import can read them while it
    hashes the file's rows (``imports.service``).
    """
    agg = (func.group_concat(Transaction.fingerprint, ",")
           if session.get_bind().dialect.name == "sqlite"
           else func.string_agg(Transaction.fingerprint, ","))
    joined = session.scalar(select(agg).where(
        Transaction.book_id == book_id, Transaction.account_id.in_(accounts),
        Transaction.date >= lo, Transaction.date <= hi, Transaction.fingerprint.is_not(None)))
    if not joined:
        return pa.array([], pa.string())
    return pc.split_pattern(pa.array([joined]), ",").flatten()


def fingerprint_span(frame: pd.DataFrame) -> tuple[list[int], dt.date, dt.date]:
    """The accounts and the first and last day of ``frame``'s rows (not empty)."""
    accounts = sorted({int(a) for a in pd.unique(frame["account_id"])})
    return (accounts, pd.Timestamp(frame["date"].min()).date(),
            pd.Timestamp(frame["date"].max()).date())


def already_stored(session: Session, book_id: int, frame: pd.DataFrame,
                   known: pa.Array | None = None) -> np.ndarray:
    """Mask of rows whose fingerprint the book already has for that account and period.

    Read through ``session`` (the caller's transaction: inside an import's write transaction
    the check and the insert are one atomic step), unless ``known`` gives the stored
    fingerprints of ``fingerprint_span(frame)``, read before.
    """
    if frame.empty:
        return np.zeros(0, dtype=bool)
    old = known if known is not None else stored_fingerprints(
        session, book_id, *fingerprint_span(frame))
    if not len(old):
        return np.zeros(len(frame), dtype=bool)
    new = text_array(frame["fingerprint"])
    return np.asarray(pc.is_in(new, value_set=old).to_numpy(zero_copy_only=False), dtype=bool)
