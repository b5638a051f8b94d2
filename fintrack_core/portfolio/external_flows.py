"""Money entering or leaving the investment accounts from outside, exactly.

An external flow is a ledger transaction of an investment account that is no trade's cash
leg (a transfer from checking, a withdrawal, a deposit typed by hand), plus each account's
opening balance on the day it was opened. Amounts are converted to the base currency at the
ledger's rate of their own day; a flow without a rate is reported, not dropped.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fintrack_core.db.models import Transaction
from fintrack_core.db.portfolio_models import Trade
from fintrack_core.money import to_decimal
from fintrack_core.portfolio.base_currency import Converter
from fintrack_core.portfolio.daily_series import investment_accounts


def external_flows(s: Session, book_id: int, start: dt.date, end: dt.date, conv: Converter
                   ) -> tuple[list[tuple[dt.date, Decimal]], tuple[str, ...]]:
    """Net external flow per day in ``start..end`` (base currency, exact; + is money in),
    and the messages of flows that could not be converted."""
    accs = {a.id: a for a in investment_accounts(s, book_id)}
    legs = select(Trade.transaction_id).where(Trade.book_id == book_id,
                                              Trade.transaction_id.is_not(None))
    rows = s.execute(
        select(Transaction.account_id, Transaction.date, func.sum(Transaction.amount_minor))
        .where(Transaction.book_id == book_id, Transaction.account_id.in_(list(accs)),
               Transaction.date >= start, Transaction.date <= end,
               Transaction.id.not_in(legs))
        .group_by(Transaction.account_id, Transaction.date)).all()
    items = [(day, acc_id, int(total)) for acc_id, day, total in rows]
    items += [(a.opened_on, a.id, a.opening_balance) for a in accs.values()
              if a.opening_balance and start <= a.opened_on <= end]
    by_day: dict[dt.date, Decimal] = {}
    gaps = []
    for day, acc_id, minor in items:
        acc = accs[acc_id]
        base = conv.to_base(to_decimal(minor, acc.currency), acc.currency, day)
        if base is None:
            gaps.append(f"a flow of {to_decimal(minor, acc.currency)} {acc.currency} into "
                        f"{acc.name} on {day}: no {acc.currency}→{conv.base} exchange rate")
            continue
        by_day[day] = by_day.get(day, Decimal(0)) + base
    return sorted((d, a) for d, a in by_day.items() if a), tuple(gaps)
