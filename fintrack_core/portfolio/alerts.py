"""Portfolio alerts: an asset moved more than a chosen % in a day, the portfolio crossed a
chosen value, a sale realised a large gain or loss.

Why per user and book: like the notification settings, what is worth hearing about is a
person's choice (one member watches BTC's swings, another only the total). Each member with
settings gets their own alert rows; e-mail goes through the notification outbox
(``notify.queue.queue_alerts``, for members who chose mail), so nothing here talks SMTP.

Why inside the writes: the check runs in the transaction of a trade write or a price refresh
(``check_in_session``), so an alert is recorded with the change that caused it or not at
all. It is cheap when nobody asked for portfolio alerts (one indexed query). Each alert has
a key ("move:<symbol>:<price date>", "value:<threshold>:<side>:<day>", "realised:<sale id>")
and fires once per user.

Crossing a value: the last side seen (above/below) is stored; an alert fires when a later
check finds the other side. The first check after the threshold is set only records the
side, and a valuation with a holding that has no price or rate decides nothing (a partial
total would cross falsely). Realised gains: sales in the 7 days up to the check, so setting
a threshold does not turn years of history into news.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, Scope, require, role_of
from fintrack_core.db.models import Book
from fintrack_core.db.portfolio_alert_models import PortfolioAlert, PortfolioAlertSettings
from fintrack_core.errors import ValidationError
from fintrack_core.money import format_money, parse_amount, to_decimal, to_minor
from fintrack_core.portfolio.base_currency import round_minor
from fintrack_core.portfolio.gains import gains_in_session
from fintrack_core.portfolio.valuation import valuation_in_session

RECENT_SALES = dt.timedelta(days=7)
MAX_MOVE_PCT = Decimal(1000)
UNSET = object()


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """``None``: that alert is off. Amounts in the book's base currency ``currency``."""

    currency: str
    day_move_pct: Decimal | None = None
    value: Decimal | None = None
    gain: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PortfolioAlertView:
    id: int
    kind: str  # day_move | value | realised
    day: dt.date
    message: str
    fired_at: dt.datetime
    read: bool


def _base(s: Session, book_id: int) -> str:
    return str(s.scalar(select(Book.base_currency).where(Book.id == book_id)))


def _row(s: Session, user_id: int, book_id: int) -> PortfolioAlertSettings | None:
    return s.scalar(select(PortfolioAlertSettings).where(
        PortfolioAlertSettings.user_id == user_id, PortfolioAlertSettings.book_id == book_id))


def _view(row: PortfolioAlertSettings | None, base: str) -> AlertSettings:
    if row is None:
        return AlertSettings(base)
    return AlertSettings(
        base, None if row.day_move_pct is None else Decimal(row.day_move_pct),
        None if row.value_minor is None else to_decimal(row.value_minor, base),
        None if row.gain_minor is None else to_decimal(row.gain_minor, base))


def get_alert_settings(scope: Scope) -> AlertSettings:
    """The acting user's portfolio alert settings for the scope's book (all off by default)."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return _view(_row(s, scope.user_id, scope.book_id), _base(s, scope.book_id))


def _amount(value: object, field: str, *, allow_zero: bool) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else parse_amount(str(value), field)
    except (InvalidOperation, ValueError):
        raise ValidationError(field, f"{value!r} is not a number") from None
    if number < 0 or (number == 0 and not allow_zero):
        raise ValidationError(field, "must be more than zero (or empty to turn it off)")
    return number


def update_alert_settings(scope: Scope, *, day_move_pct: object = UNSET, value: object = UNSET,
                          gain: object = UNSET) -> AlertSettings:
    """Change some of the acting user's own portfolio alert settings; ``None`` or "" turns
    one off. Any member may, viewers too: the settings are theirs, not the book's."""
    move = _amount(day_move_pct, "day_move_pct", allow_zero=False) \
        if day_move_pct is not UNSET else UNSET
    if isinstance(move, Decimal) and move > MAX_MOVE_PCT:
        raise ValidationError("day_move_pct", f"choose at most {MAX_MOVE_PCT} %")
    with scope.db.write() as s:
        require(s, scope, READ)
        base = _base(s, scope.book_id)
        row = _row(s, scope.user_id, scope.book_id)
        if row is None:
            row = PortfolioAlertSettings(user_id=scope.user_id, book_id=scope.book_id)
            s.add(row)
        if move is not UNSET:
            row.day_move_pct = None if move is None else str(move)
        if value is not UNSET:
            amount = _amount(value, "value", allow_zero=True)
            row.value_minor = None if amount is None else to_minor(amount, base, "value")
            row.value_side = None  # a new threshold: the next check records the side
        if gain is not UNSET:
            amount = _amount(gain, "gain", allow_zero=False)
            row.gain_minor = None if amount is None else to_minor(amount, base, "gain")
        s.flush()
        return _view(row, base)


def list_portfolio_alerts(scope: Scope, *, unread_only: bool = False, limit: int = 50
                          ) -> list[PortfolioAlertView]:
    """The acting user's portfolio alerts of the book, newest first."""
    with scope.db.read() as s:
        require(s, scope, READ)
        q = select(PortfolioAlert).where(PortfolioAlert.user_id == scope.user_id,
                                         PortfolioAlert.book_id == scope.book_id)
        if unread_only:
            q = q.where(PortfolioAlert.read_at.is_(None))
        rows = s.scalars(q.order_by(PortfolioAlert.fired_at.desc(), PortfolioAlert.id.desc())
                         .limit(max(1, min(int(limit), 500)))).all()
        return [PortfolioAlertView(r.id, r.kind, r.day, r.message, r.fired_at,
                                   r.read_at is not None) for r in rows]


def _pct_text(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'))}"


def _findings(s: Session, book_id: int, setting: PortfolioAlertSettings, today: dt.date,
              base: str) -> list[tuple[str, str, str]]:
    """(key, kind, message) of everything ``setting`` asks about that holds on ``today``."""
    found: list[tuple[str, str, str]] = []
    needs_value = setting.day_move_pct is not None or setting.value_minor is not None
    worth = valuation_in_session(s, book_id, today) if needs_value else None
    if worth is not None and setting.day_move_pct is not None:
        limit, seen = Decimal(setting.day_move_pct), set()
        for h in worth.holdings:
            if h.price is None or h.value is None or h.day_change is None or h.symbol in seen:
                continue
            before = h.value - h.day_change
            if before <= 0:
                continue
            move = h.day_change / before * 100
            if abs(move) >= limit:
                seen.add(h.symbol)
                verb = "rose" if move > 0 else "fell"
                found.append((f"move:{h.symbol}:{h.price.date}", "day_move",
                              f"{h.symbol} {verb} {_pct_text(abs(move))} % on {h.price.date} "
                              f"(to {h.price.close} {h.price.currency}; your alert: "
                              f"{setting.day_move_pct} %)"))
    if worth is not None and setting.value_minor is not None and not worth.missing:
        total = round_minor(worth.total_value, base)
        side = "above" if total >= setting.value_minor else "below"
        if setting.value_side is not None and side != setting.value_side:
            found.append((f"value:{setting.value_minor}:{side}:{today}", "value",
                          f"The portfolio is worth {format_money(total, base)} on {today}, "
                          f"{side} your mark of {format_money(setting.value_minor, base)}"))
        setting.value_side = side
    if setting.gain_minor is not None:
        sales: dict[int, list[Decimal | None]] = {}
        symbols: dict[int, tuple[str, dt.date, Decimal]] = {}
        for g in gains_in_session(s, book_id, today - RECENT_SALES, today).rows:
            sales.setdefault(g.sell_trade_id, []).append(g.gain_base)
            sym, day, qty = symbols.get(g.sell_trade_id, (g.symbol, g.sold, Decimal(0)))
            symbols[g.sell_trade_id] = (sym, day, qty + g.quantity)
        for sale_id, parts in sales.items():
            if any(p is None for p in parts):
                continue  # no rate to the base currency: not judged on a guess
            gain = sum((p for p in parts if p is not None), Decimal(0))
            minor = round_minor(gain, base)
            if abs(minor) >= setting.gain_minor:
                sym, day, qty = symbols[sale_id]
                what = "gain" if minor >= 0 else "loss"
                found.append((f"realised:{sale_id}", "realised",
                              f"Selling {qty} {sym} on {day} realised a {what} of "
                              f"{format_money(abs(minor), base)} (your alert: "
                              f"{format_money(setting.gain_minor, base)})"))
    return found


def check_in_session(s: Session, book_id: int, today: dt.date | None = None) -> int:
    """Record the alerts the book's members asked for that hold now (inside the caller's
    write); returns how many are new. Nothing to do, and one query, when nobody asked."""
    settings = s.scalars(select(PortfolioAlertSettings).where(
        PortfolioAlertSettings.book_id == book_id)).all()
    active = [r for r in settings
              if (r.day_move_pct, r.value_minor, r.gain_minor) != (None, None, None)
              and role_of(s, r.user_id, book_id) is not None]
    if not active:
        return 0
    day = today or dt.date.today()
    base = _base(s, book_id)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    new = 0
    for setting in active:
        found = _findings(s, book_id, setting, day, base)
        if not found:
            continue
        done = set(s.scalars(select(PortfolioAlert.key).where(
            PortfolioAlert.user_id == setting.user_id, PortfolioAlert.book_id == book_id,
            PortfolioAlert.key.in_([k for k, _, _ in found]))))
        for key, kind, message in found:
            if key not in done:
                s.add(PortfolioAlert(user_id=setting.user_id, book_id=book_id, key=key,
                                     kind=kind, day=day, message=message[:500], fired_at=now))
                done.add(key)
                new += 1
    s.flush()
    return new


def mark_portfolio_alerts_read(scope: Scope) -> int:
    """Mark the acting user's unread portfolio alerts of the book as read; returns how many.
    Any member may: the alerts are theirs."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with scope.db.write() as s:
        require(s, scope, READ)
        rows = s.scalars(select(PortfolioAlert).where(
            PortfolioAlert.user_id == scope.user_id, PortfolioAlert.book_id == scope.book_id,
            PortfolioAlert.read_at.is_(None))).all()
        for r in rows:
            r.read_at = now
        return len(rows)
