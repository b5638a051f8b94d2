"""What a price provider answers, and how it says it could not: the one interface the refresh,
the CLI and the tests share, whichever library is behind it.

Why a Protocol and plain values: the refresh must treat Yahoo, CoinGecko and a test double the
same way, and it must never see a library's own exception or a float. Every provider converts
its payload's numbers through ``str`` to ``Decimal`` (``parse_price``) and maps each failure to
one of the ``ProviderError`` kinds below, whose message can be shown to a person as it is.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol, TypeVar

from fintrack_core.errors import FinTrackError

T = TypeVar("T")

# The prices table stores the exact decimal as text of at most 40 characters.
MAX_PRICE_CHARS = 40


@dataclass(frozen=True, slots=True)
class Quote:
    """The latest price of one unit, on the trading ``day`` it belongs to (exchange time)."""

    provider_id: str
    price: Decimal
    currency: str
    day: dt.date
    at: dt.datetime | None = None  # when the provider says the price was made (UTC), if known


@dataclass(frozen=True, slots=True)
class DailyClose:
    day: dt.date
    close: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class RateLimit:
    """How fast a provider may be asked: ``per_second`` calls on average, ``burst`` at once,
    and at most ``concurrency`` calls in flight."""

    per_second: float
    burst: int
    concurrency: int


class ProviderError(FinTrackError):
    """A provider could not answer. ``reason`` is a plain sentence for the person refreshing."""

    kind = "error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderTimeout(ProviderError):
    kind = "timeout"


class RateLimited(ProviderError):
    """HTTP 429: the provider wants us to wait ``retry_after`` seconds (when it says)."""

    kind = "rate_limited"

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class UnknownSymbol(ProviderError):
    kind = "unknown_symbol"


class EmptyData(ProviderError):
    kind = "empty"


class Unreachable(ProviderError):
    """No connection at all (offline, DNS failure, refused): every other call will fail too."""

    kind = "unreachable"


class BadResponse(ProviderError):
    """An answer we cannot read (HTTP 5xx, not JSON, an unexpected shape)."""

    kind = "bad_response"


class Provider(Protocol):
    """A source of market prices. ``name`` is the ``provider`` stored with each price
    ("yahoo", "coingecko"); ``label`` the name shown to people; ``batch_size`` how many ids
    one ``latest`` call may take."""

    name: str
    label: str
    limit: RateLimit
    batch_size: int

    def latest(self, ids: Sequence[str]) -> dict[str, Quote]:
        """Latest quotes of these ids; an id the provider does not know is left out (a batch
        call) or raises ``UnknownSymbol`` (a call for one id)."""
        ...

    def history(self, provider_id: str, start: dt.date, end: dt.date) -> list[DailyClose]:
        """Daily closes from ``start`` to ``end`` (both included), oldest first."""
        ...


def parse_price(value: object, field: str = "price") -> Decimal:
    """A positive, finite price as an exact ``Decimal``; a float goes through ``str`` first
    (``str(67187.33)`` is ``'67187.33'``, ``Decimal(67187.33)`` is 67187.3299999...)."""
    if isinstance(value, bool) or value is None:
        raise BadResponse(f"{field}: {value!r} is not a number")
    try:
        price = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise BadResponse(f"{field}: {value!r} is not a number") from None
    if not price.is_finite() or price <= 0:
        raise BadResponse(f"{field}: {value!r} is not a positive price")
    if len(format(price, "f")) > MAX_PRICE_CHARS:
        raise BadResponse(f"{field}: {value!r} has too many digits")
    return price


def price_text(price: Decimal) -> str:
    """How a price is stored: plain decimal notation, never an exponent (``1E+2``)."""
    return format(price, "f")


def within(seconds: float, label: str, call: Callable[[], T]) -> T:
    """``call()``, or ``ProviderTimeout`` once ``seconds`` have passed without an answer.

    Why: a library may wait longer than we asked (yfinance fetches Yahoo's cookie with its
    own 30 s timeout). The call runs on a daemon thread, so one that hangs is left behind
    and ends at its library's own timeout without holding up the caller or the process's
    exit.
    """
    box: dict[str, object] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="fintrack-provider-call", daemon=True).start()
    if not done.wait(seconds):
        raise ProviderTimeout(f"{label} did not answer within {seconds:g} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
