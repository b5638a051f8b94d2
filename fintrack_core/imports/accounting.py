"""Every row of a statement accounted for: read = new + duplicates + skipped + invalid.

Issue 9 ("never silently wrong"): a user must be able to check that no row vanished. The
identity is asserted for every import; it failing means a bug in FinTrack, not in the file,
so it raises ``RowAccountingError`` (an internal error) instead of importing a wrong count.
"""

from __future__ import annotations

from fintrack_core.imports.skips import describe_skipped
from fintrack_core.imports.statement import RowError, SkippedRow, count_reasons


class RowAccountingError(AssertionError):
    """Rows read do not add up to new + duplicates + skipped + invalid (a bug)."""


def check_accounting(read: int, new: int, duplicates: int, skipped: list[SkippedRow],
                     invalid: list[RowError], filename: str) -> None:
    accounted = new + duplicates + len(skipped) + len(invalid)
    if accounted != read:
        raise RowAccountingError(
            f"internal error importing {filename}: {read} rows read but {new} new + "
            f"{duplicates} duplicates + {len(skipped)} skipped + {len(invalid)} invalid = "
            f"{accounted}; nothing was imported. Please report this with the file's layout.")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _head(reason: str) -> str:
    """``status 'Pending' — pending: not completed yet (...)`` -> ``status 'Pending'``."""
    return reason.split(" — ", 1)[0].split(": ", 1)[0].split(" (", 1)[0]


def summary_line(read: int, new: int, duplicates: int, skipped: list[SkippedRow],
                 invalid: list[RowError]) -> str:
    """``33 rows read: 30 new, 1 duplicate, 2 skipped (opening balance line 5, pending line
    12), 0 invalid`` — the one line the CLI and the Import page both show."""
    # The line names each reason by its head ("status 'Pending'"); the full reason is in
    # the skipped list the page and --json show.
    short = [SkippedRow(row.line, _head(row.reason)) for row in skipped]
    counts = count_reasons(short)
    lines_by_reason: dict[str, list[int]] = {}
    for row in short:
        lines_by_reason.setdefault(row.reason, []).append(row.line)
    skipped_text = f"{len(skipped):,} skipped"
    if skipped:
        skipped_text += f" ({describe_skipped(counts, lines_by_reason)})"
    return (f"{_plural(read, 'row')} read: {new:,} new, {_plural(duplicates, 'duplicate')}, "
            f"{skipped_text}, {len(invalid):,} invalid")


__all__ = ["RowAccountingError", "check_accounting", "summary_line"]
