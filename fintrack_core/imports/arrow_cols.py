"""Columns of an import's frames as Arrow arrays, without copying what is Arrow already.

Why one place: the CSV path keeps text Arrow-backed end to end, and reaching into pandas'
Arrow storage (a private attribute, not in the stubs) was written out in five modules.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_data(values: pd.Series) -> pa.Array | None:
    """The column's own Arrow data as one array (no copy), or None when it is not
    Arrow-backed."""
    if not isinstance(values.dtype, pd.ArrowDtype):
        return None
    arr = values.array._pa_array  # private: not in the stubs; Arrow data, no copy
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def text_array(values: pd.Series) -> pa.Array:
    """A text column as one Arrow string array, nulls as ""."""
    arr = arrow_data(values)
    if arr is None:
        arr = pa.array(values.astype("object").where(values.notna(), ""), type=pa.string())
    return pc.fill_null(arr.cast(pa.string()), "")
