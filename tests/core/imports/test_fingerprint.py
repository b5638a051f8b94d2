"""Import fingerprints are a stored contract: books hold them, so a re-import is a no-op only
if the code computes exactly what the code of the first import did.

The expected values here come from ``hashlib`` and the documented key
(``account|YYYY-MM-DD|amount_minor|text|occurrence``), not from the code under test, so a
faster implementation cannot quietly change them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from fintrack_core.imports.fingerprint import fingerprints


def frame_of(rows: list[tuple[int, str, int, str, str]], *, arrow: bool = True) -> pd.DataFrame:
    text = pd.ArrowDtype(pa.string()) if arrow else object
    return pd.DataFrame({
        "account_id": np.array([r[0] for r in rows], dtype=np.int64),
        "date": np.array([r[1] for r in rows], dtype="datetime64[D]"),
        "amount_minor": np.array([r[2] for r in rows], dtype=np.int64),
        "payee": pd.Series([r[3] for r in rows], dtype=text),
        "description": pd.Series([r[4] for r in rows], dtype=text),
    })


def md5(key: str) -> str:
    return hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()  # an identity


def reference(rows: list[tuple[int, str, int, str, str]]) -> list[str]:
    """The documented fingerprint, one row at a time in plain Python."""
    seen: dict[str, int] = {}
    out = []
    for account, day, amount, payee, description in rows:
        text = re.sub(r"[\t\n\f\r ]+", " ", f"{payee} {description}".strip()).lower()
        key = f"{account}|{dt.date.fromisoformat(day).isoformat()}|{amount}|{text}"
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        out.append(md5(f"{key}|{occurrence}"))
    return out


def test_the_value_of_a_fingerprint_is_pinned() -> None:
    got = fingerprints(frame_of([(1, "2024-01-02", -1234, "REWE Markt", "Ref 1")]))

    assert got.tolist() == [md5("1|2024-01-02|-1234|rewe markt ref 1|0")]


ROWS = [
    (1, "2024-01-02", -450, "Café Zoë", "Latte"),
    (1, "2024-01-02", -450, "café  zoë", " latte "),   # the same payment, written otherwise
    (1, "2024-01-02", -450, "CAFÉ ZOË\t", "LATTE"),     # and a third time
    (1, "2024-01-03", -450, "Café Zoë", "Latte"),      # another day
    (2, "2024-01-02", -450, "Café Zoë", "Latte"),      # another account
    (1, "2024-01-02", 450, "Café Zoë", "Latte"),       # a refund
    (1, "2024-01-02", -450, "Straße | Nr. 5", "line\r\nbreak"),
    (1, "1999-12-31", -10**15, "", ""),
    (1, "1999-12-31", -10**15, "", ""),
    (3, "2024-02-29", 7, "Ünïcödé", "ΑΒΓ"),
]


@pytest.mark.parametrize("arrow", [True, False], ids=["arrow text", "object text"])
def test_fingerprints_match_the_documented_key(arrow: bool) -> None:
    got = fingerprints(frame_of(ROWS, arrow=arrow))

    assert got.tolist() == reference(ROWS)
    assert len(set(got)) == len(ROWS)  # repeats are told apart by their occurrence


def test_a_large_file_of_mostly_distinct_rows_matches_the_reference() -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    payees = ["REWE", "Aldi  Süd", "dm", "Shell\tStation", "Amazon"]
    rows = [(int(rng.integers(1, 3)), str(np.datetime64("2024-01-01") + int(rng.integers(0, 30))),
             -int(rng.integers(1, 400)), payees[int(rng.integers(0, 5))],
             f"Ref {int(rng.integers(0, 5000))}") for _ in range(n)]

    got = fingerprints(frame_of(rows))

    assert got.tolist() == reference(rows)


def test_the_index_of_the_frame_is_kept() -> None:
    frame = frame_of(ROWS[:3]).set_index(pd.Index([10, 20, 30]))

    assert fingerprints(frame).index.tolist() == [10, 20, 30]
