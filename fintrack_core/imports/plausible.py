"""The last check before amounts are believed: are they amounts a person's account can hold?

A column taken for the amount that is really an account number or a reference still yields
numbers; this check is what stops a Swiss file importing a total of 37,037,036,703.69 CHF
when the right answer is +30.00. It looks at magnitudes only (vectorised, no row loop).
"""

from __future__ import annotations

import numpy as np

from fintrack_core.imports.amounts import SCALE
from fintrack_core.imports.columns import MappingError

# No personal statement moves a billion in one row.
IMPLAUSIBLE_UNITS = 10**9
# Above this, one row must also be in scale with the file's typical row.
LARGE_UNITS = 10**7
MAX_RATIO_TO_MEDIAN = 10**5


def exact_total(scaled: np.ndarray) -> int:
    """The sum as a Python int: int64 would wrap silently once rows x largest passes 2**63."""
    if not len(scaled):
        return 0
    largest = int(np.abs(scaled).max())
    if largest * len(scaled) < 2**63:
        return int(scaled.sum())
    return sum(int(v) for v in scaled)  # only reachable with amounts near the limit


MIN_ROWS_FOR_SCALE = 3


def check_plausible(scaled: np.ndarray, column: str, *, by_content: bool) -> None:
    """Raise ``MappingError`` naming ``column`` when its amounts cannot be an account's.

    For a guessed mapping only (a bank profile or the user's choice is not second-guessed):
    the absolute cap when no header word named the column, the scale check when there are
    rows enough to have a typical amount."""
    if not len(scaled):
        return
    magnitude = np.abs(scaled)
    largest = int(magnitude.max())
    total = exact_total(scaled)
    if abs(total) > largest * len(scaled):  # cannot happen with exact sums: a bug if it does
        raise AssertionError(f"total {total} exceeds {len(scaled)} x largest {largest}")
    shown = f"{largest // SCALE:,}"
    if by_content and largest >= IMPLAUSIBLE_UNITS * SCALE:
        raise MappingError("amount", (
            f"column {column!r} gives amounts up to {shown}, more than a personal account "
            "moves in one row: is it an account number or a reference? Choose the amount "
            "column"))
    if len(scaled) < MIN_ROWS_FOR_SCALE:
        return
    typical = int(np.median(magnitude))
    if largest >= LARGE_UNITS * SCALE and typical and largest > MAX_RATIO_TO_MEDIAN * typical:
        raise MappingError("amount", (
            f"column {column!r} gives one amount of {shown} while its typical amount is "
            f"{typical // SCALE:,}: check that it is the amount column"))


__all__ = ["check_plausible", "exact_total"]
