"""Dialect detection: FinTrack's hand-written sniffer against clevercsv, on every CSV fixture.

For each fixture under ``tests/fixtures/statements`` whose delimiter is known
(``expected_statements.py``), both detectors get the same decoded text (the first
``SNIFF_CHARS`` characters, as the importer reads it) and are scored right or wrong on the
delimiter; the time per file is the median of 5 runs. clevercsv is not a dependency: install it
(``pip install clevercsv==0.8.5``) to run this.
Run from the repository root: PYTHONPATH=. python benchmarks/sniffer_vs_clevercsv.py
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fintrack_core.imports.limits import SNIFF_CHARS
from fintrack_core.imports.sniff import decode, detect_delimiter
from fintrack_core.imports.statement import StatementError
from tests.core.imports.expected_statements import EXPECTED

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "statements"
RUNS = 5


@dataclass
class Score:
    right: int = 0
    ms: float = 0.0
    wrong: list[str] = field(default_factory=list)


def clevercsv_delimiter(text: str) -> str | None:
    clevercsv: Any = importlib.import_module("clevercsv")  # optional: only measured here
    dialect = clevercsv.Detector().detect(text, delimiters=[",", ";", "\t", "|"])
    return None if dialect is None else str(dialect.delimiter)


def fintrack_delimiter(text: str) -> str | None:
    try:
        return detect_delimiter(text)
    except StatementError:
        return None


def median_ms(fn: Callable[[str], str | None], text: str) -> tuple[str | None, float]:
    times, out = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        out = fn(text)
        times.append((time.perf_counter() - start) * 1000)
    return out, statistics.median(times)


def main() -> None:
    names = sorted(n for n, spec in EXPECTED.items() if spec.get("delimiter")
                   and n.endswith((".csv", ".tsv")))
    score = {"fintrack": Score(), "clevercsv": Score()}
    for name in names:
        text, _ = decode((FIXTURES / name).read_bytes())
        sample = text[:SNIFF_CHARS]
        want = EXPECTED[name]["delimiter"]
        for label, fn in (("fintrack", fintrack_delimiter), ("clevercsv", clevercsv_delimiter)):
            got, ms = median_ms(fn, sample)
            entry = score[label]
            entry.right += got == want
            entry.ms += ms
            if got != want:
                entry.wrong.append(f"{name} ({got!r})")
    print(f"{len(names)} CSV fixtures with a known delimiter")
    for label, entry in score.items():
        print(f"{label:10s} right {entry.right}/{len(names)}, wrong {len(names) - entry.right}"
              f", total {entry.ms:.1f} ms (median of {RUNS} per file)")
        for item in entry.wrong:
            print(f"           wrong: {item}")


if __name__ == "__main__":
    main()
