"""Portfolio alerts: a day's move over a chosen %, the portfolio crossing a chosen value, a
large realised gain; recorded by the writes that cause them, once, per member, and mailed
through the outbox to a real SMTP server for members who chose mail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine

from fintrack_core.errors import ValidationError
from fintrack_core.ledger import transactions as tx
from fintrack_core.notify.outbox import deliver
from fintrack_core.notify.queue import queue_alerts
from fintrack_core.notify.settings import update_settings
from fintrack_core.portfolio.alerts import (
    get_alert_settings,
    list_portfolio_alerts,
    mark_portfolio_alerts_read,
    update_alert_settings,
)
from fintrack_core.portfolio.assets import list_assets
from fintrack_core.prices import set_price
from tests.conftest import SmallBook
from tests.core.notify.conftest import MailServer, body, set_email, smtp_server
from tests.core.portfolio.conftest import Folio

__all__ = ["smtp_server"]  # the real SMTP server fixture of the notification tests

MAY_20 = dt.date(2024, 5, 20)


@pytest.fixture
def watched(folio: Folio, small_book: SmallBook) -> Iterator[Folio]:
    """20 May 2024. Alice (mail on) wants to hear of a 5 % day move, the portfolio crossing
    1,500 EUR and a realised gain or loss of 100 EUR. Her depot holds 10 VWCE bought at 100
    on 2 May (cash -1000, so the portfolio is worth 0 on the 17th's close of 100)."""
    with time_machine.travel(dt.datetime(2024, 5, 20, 12, tzinfo=dt.UTC), tick=False):
        set_email(folio.db, folio.owner.user_id, "alice@example.org")
        update_settings(folio.owner, channel="email")
        etf = folio.asset("VWCE", provider="manual")
        folio.prices(etf, "2024-05-16 100\n2024-05-17 100")
        update_alert_settings(folio.owner, day_move_pct="5", value="1500", gain="100")
        folio.trade(folio.depot, etf, "2024-05-02", "buy", quantity="10", price="100")
        yield folio


def messages(folio: Folio) -> list[tuple[str, str]]:
    return [(a.kind, a.message) for a in reversed(list_portfolio_alerts(folio.owner))]


def test_settings_are_the_members_own_and_checked_by_field(watched: Folio) -> None:
    mine = get_alert_settings(watched.owner)
    assert (mine.currency, str(mine.day_move_pct), str(mine.value), str(mine.gain)) == (
        "EUR", "5", "1500.00", "100.00")
    bobs = update_alert_settings(watched.viewer, day_move_pct="10")  # a viewer may: theirs
    assert (bobs.day_move_pct, bobs.value) == (Decimal(10), None)
    assert get_alert_settings(watched.owner).day_move_pct == 5
    with pytest.raises(ValidationError, match="day_move_pct"):
        update_alert_settings(watched.owner, day_move_pct="-1")
    with pytest.raises(ValidationError, match="gain"):
        update_alert_settings(watched.owner, gain="lots")
    assert update_alert_settings(watched.owner, gain=None).gain is None  # turned off


def test_a_price_refresh_records_a_day_move_once(watched: Folio) -> None:
    with time_machine.travel(dt.datetime(2024, 5, 20, 12, tzinfo=dt.UTC), tick=False):
        set_price(watched.owner, "VWCE", MAY_20, "104.99")  # +4.99 %: under 5 %
        assert messages(watched) == []
        set_price(watched.owner, "VWCE", MAY_20, "106")  # +6 % on the 17th's 100
        set_price(watched.owner, "VWCE", MAY_20, "106")  # the same news: not again
    assert messages(watched) == [
        ("day_move", "VWCE rose 6.0 % on 2024-05-20 (to 106 EUR; your alert: 5 %)")]
    assert list_portfolio_alerts(watched.viewer) == []  # Bob asked for nothing


def test_a_trade_records_a_crossing_and_a_large_realised_gain(
        watched: Folio, small_book: SmallBook) -> None:
    with time_machine.travel(dt.datetime(2024, 5, 20, 12, tzinfo=dt.UTC), tick=False):
        tx.transfer(watched.owner, small_book.checking.id, watched.depot.id, "2000",
                    dt.date(2024, 5, 10))
        [etf] = list_assets(watched.owner)
        # sell 5 at 130: gain 5 x 30 = 150 (>= 100); value: cash 2000 - 1000 + 650 = 1650
        # plus 5 x 100 = 500 held: 2150, above 1500 (it was 0 at the first check)
        watched.trade(watched.depot, etf, "2024-05-20", "sell", quantity="5", price="130")
    assert messages(watched) == [
        ("value", "The portfolio is worth €2,150.00 on 2024-05-20, above your mark of "
                  "€1,500.00"),
        ("realised", "Selling 5 VWCE on 2024-05-20 realised a gain of €150.00 (your alert: "
                     "€100.00)")]


def test_alerts_are_mailed_once_and_can_be_marked_read(
        watched: Folio, small_book: SmallBook, smtp_server: MailServer) -> None:
    with time_machine.travel(dt.datetime(2024, 5, 20, 12, tzinfo=dt.UTC), tick=False):
        set_price(watched.owner, "VWCE", MAY_20, "94")  # -6 %
        report = queue_alerts(watched.db, MAY_20)
        assert [q.rsplit("/", 1)[1].split(":")[0] for q in report.queued] == ["portfolio"]
        assert queue_alerts(watched.db, MAY_20).queued == []  # once only
        assert len(deliver(watched.db, smtp_server.config).sent) == 1
    [(rcpt, mail)] = smtp_server.inbox.messages
    assert rcpt == ["alice@example.org"]
    assert mail["Subject"] == ("[FinTrack] Price move: VWCE fell 6.0 % on 2024-05-20 (to 94 "
                               "EUR; your alert: 5 %)")
    assert "Book: Alice's book" in body(mail, "plain")
    assert mark_portfolio_alerts_read(watched.owner) == 1
    assert list_portfolio_alerts(watched.owner, unread_only=True) == []


def test_a_holding_without_a_price_decides_no_crossing(
        watched: Folio, small_book: SmallBook) -> None:
    """With 5,000 more in the depot spent on a coin with no price yet, the known part is
    worth 0 (below 1,500) but the whole is not known: nothing is decided until it is."""
    with time_machine.travel(dt.datetime(2024, 5, 20, 12, tzinfo=dt.UTC), tick=False):
        tx.transfer(watched.owner, small_book.checking.id, watched.depot.id, "5000",
                    dt.date(2024, 5, 10))
        coin = watched.asset("NEWCOIN", "crypto", provider="manual")
        watched.trade(watched.depot, coin, "2024-05-20", "buy", quantity="1", price="5000")
        assert messages(watched) == []
        set_price(watched.owner, "NEWCOIN", MAY_20, "5000")  # now 5,000: above, but the
        # side before was never decided from a partial total, so it stays "below" from the
        # buy of 2 May and the crossing is real
    assert messages(watched) == [
        ("value", "The portfolio is worth €5,000.00 on 2024-05-20, above your mark of "
                  "€1,500.00")]
