"""Report results remembered per book and data version: asking the same question of the
same data again costs the access check and a dictionary lookup, not the query.

Why it is safe: every write to a book bumps its ``data_version`` in the same database
transaction (``access.require``), shared exchange rates bump every book's
(``prices.cache.store_market_rates``), and the key holds that version, the rewrite version,
the base currency, the arguments and today's date (scheduled rows count once their day has
come). The access check is never skipped: every call reads the caller's role first,
so a remembered result is only ever handed to a member of the book, and a non-member gets the
same refusal as without the memo (``access.read_state``). A result is computed *after* the
version was read, so what is stored under a version is never older than that version.

Why it matters: the dashboard re-runs a page on every click and the API answers the same
report to several clients; the monthly summary's query and the shaping of its frames cost
~40 ms at 1M rows, a remembered answer well under 1 ms (benchmarks/README.md).

Callers get their own copy of every DataFrame, dict and list in the result, so a page that
adds a column to a frame cannot change what the next caller sees.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import pandas as pd

from fintrack_core.access import Scope, read_state
from fintrack_core.reports.store import report_store

__all__ = ["MEMO_ENTRIES", "clear_memo", "fresh", "remembered"]

P = ParamSpec("P")
R = TypeVar("R")

# Report results are a few small frames; 256 of them stay well under a few MB.
MEMO_ENTRIES = 256
_MEMO: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_LOCK = threading.Lock()


def remembered(report: Callable[Concatenate[Scope, P], R]) -> Callable[Concatenate[Scope, P], R]:
    """Remember ``report``'s results (its first argument the scope, the rest hashable)."""
    name = f"{report.__module__}.{report.__qualname__}"

    @functools.wraps(report)
    def recall(scope: Scope, *args: P.args, **kwargs: P.kwargs) -> R:
        # The role check and the book's versions, one statement: no copy is built or caught
        # up for a call that is remembered, or that its own checks refuse (a month out of
        # range fails at once, as it did before the memo).
        state = read_state(scope)
        key = (report_store(scope.db).serial, scope.book_id, state.data_version,
               state.rewrite_version, state.base_currency, dt.date.today(), name, args,
               tuple(sorted(kwargs.items())))
        try:
            with _LOCK:
                hit = _MEMO.get(key)
                if hit is not None:
                    _MEMO.move_to_end(key)
        except TypeError:  # an unhashable argument (a list): not remembered
            return report(scope, *args, **kwargs)
        if hit is not None:
            return fresh(hit)  # type: ignore[no-any-return]  # a copy of an R
        result = report(scope, *args, **kwargs)
        with _LOCK:
            _MEMO[key] = result
            while len(_MEMO) > MEMO_ENTRIES:
                _MEMO.popitem(last=False)
        return fresh(result)  # type: ignore[no-any-return]  # a copy of an R

    return recall  # type: ignore[return-value]  # functools.wraps keeps the signature


def fresh(value: Any) -> Any:
    """A copy of a result whose mutable parts (frames, dicts, lists, the fields of a
    dataclass) are the caller's own; immutable values are shared."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy()
    if isinstance(value, dict):
        return {k: fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fresh(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: fresh(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return value


def clear_memo() -> None:
    """Forget every remembered result (tests; a database replaced under the same URL)."""
    with _LOCK:
        _MEMO.clear()
