"""Fingerprints that make re-importing a statement a no-op.

A row's fingerprint is the MD5 of (account, date, amount, normalised payee and description,
occurrence): the occurrence counts identical rows within one file, so two genuine identical
coffees on the same day are both kept, and the same two rows in an overlapping statement are
recognised again. MD5 here is an identity, not security (and stable across versions, unlike
library-internal hashes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fintrack_core.db.models import Transaction
from fintrack_core.duck import connect


def _arrow(frame: pd.DataFrame) -> pa.Table:
    def text(col: str) -> pa.Array:
        values = frame[col]
        if isinstance(values.dtype, pd.ArrowDtype):
            arr = values.array._pa_array
            return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        return pa.array(values.astype("object").where(values.notna(), ""), type=pa.string())

    return pa.table({
        "pos": pa.array(np.arange(len(frame), dtype=np.int64)),
        "account_id": pa.array(frame["account_id"].to_numpy(dtype=np.int64)),
        "date": pa.array(pd.to_datetime(frame["date"]).to_numpy(dtype="datetime64[s]")),
        "amount_minor": pa.array(frame["amount_minor"].to_numpy(dtype=np.int64)),
        "payee": text("payee"),
        "description": text("description"),
    })


def fingerprints(frame: pd.DataFrame) -> pd.Series:
    """One fingerprint per row of ``frame`` (account_id, date, amount_minor, payee, description)."""
    if frame.empty:
        return pd.Series([], dtype=object)
    rows = _arrow(frame)
    raw = pc.binary_join_element_wise(rows["payee"], rows["description"], " ")
    encoded = (raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw
               ).dictionary_encode()
    normal = pc.utf8_lower(pc.replace_substring_regex(
        pc.utf8_trim_whitespace(encoded.dictionary), r"\s+", " "))
    # Group on the *normalised* text: "Cafe x" and "cafe  X" are the same payment.
    normal_codes = normal.dictionary_encode().indices.to_numpy(zero_copy_only=False)
    text_codes = normal_codes[encoded.indices.to_numpy(zero_copy_only=False)]
    text = normal.take(encoded.indices)
    day = pc.cast(rows["date"], pa.date32())
    occurrence = pd.DataFrame({
        "a": rows["account_id"].to_numpy(), "d": pc.cast(day, pa.int32()).to_numpy(),
        "m": rows["amount_minor"].to_numpy(), "t": text_codes,
    }).groupby(["a", "d", "m", "t"], sort=False).cumcount().to_numpy()
    full = pc.binary_join_element_wise(
        pc.cast(rows["account_id"], pa.string()), pc.cast(day, pa.string()),
        pc.cast(rows["amount_minor"], pa.string()), text,
        pc.cast(pa.array(occurrence), pa.string()), "|")
    con = connect()
    try:
        con.register("keys", pa.table({"k": full}))
        digests = con.execute("SELECT md5(k) AS fp FROM keys").to_arrow_table().column("fp")
    finally:
        con.close()
    return pd.Series(pd.arrays.ArrowExtensionArray(digests.combine_chunks()), index=frame.index)


def already_stored(session: Session, book_id: int, frame: pd.DataFrame) -> np.ndarray:
    """Mask of rows whose fingerprint the book already has for that account and period.

    Read through ``session`` (the caller's transaction: inside an import's write transaction
    the check and the insert are one atomic step). The stored fingerprints come back as one
    aggregated string, split in C: a million Python row tuples would cost seconds.
    """
    if frame.empty:
        return np.zeros(0, dtype=bool)
    accounts = sorted({int(a) for a in pd.unique(frame["account_id"])})
    lo = pd.Timestamp(frame["date"].min()).date()
    hi = pd.Timestamp(frame["date"].max()).date()
    agg = (func.group_concat(Transaction.fingerprint, ",")
           if session.get_bind().dialect.name == "sqlite"
           else func.string_agg(Transaction.fingerprint, ","))
    joined = session.scalar(select(agg).where(
        Transaction.book_id == book_id, Transaction.account_id.in_(accounts),
        Transaction.date >= lo, Transaction.date <= hi, Transaction.fingerprint.is_not(None)))
    if not joined:
        return np.zeros(len(frame), dtype=bool)
    old = pc.split_pattern(pa.array([joined]), ",").flatten()
    new = pa.array(frame["fingerprint"].astype("object"), type=pa.string())
    return np.asarray(pc.is_in(new, value_set=old).to_numpy(zero_copy_only=False), dtype=bool)
