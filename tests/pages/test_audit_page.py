"""The audit log in the dashboard: owners see their book's events on the Audit log page
(viewers don't get the page), administrators see everything on the Admin page, and actions
taken in the browser are recorded as coming from the web."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from fintrack_core.audit import book_audit
from fintrack_core.ledger import books, transactions
from fintrack_core.ledger.search import list_transactions
from tests.conftest import SmallBook
from tests.pages.conftest import ROOT, TIMEOUT, OpenPage, log_in

AUDIT = "pages/audit.py"
ADMIN = "pages/admin.py"
HOSTILE = "![](https://tracker.example/p.png) **bold**"


def table(at: AppTest) -> list[dict[Hashable, Any]]:
    return at.dataframe[-1].value.to_dict("records")


def test_owner_sees_the_books_events_newest_first(small_book: SmallBook,
                                                  as_owner: OpenPage) -> None:
    sb = small_book
    rewe = next(r.id for r in list_transactions(sb.owner).rows if r.payee == "REWE")
    transactions.delete_transaction(sb.owner, rewe)
    at = as_owner(AUDIT)
    assert at.title[0].value == "Audit log"
    rows = table(at)
    assert [r["Action"] for r in rows] == ["tx.delete", "book.share"]
    assert rows[1]["Who"] == "alice"
    assert 'user: "bob"' in str(rows[1]["Detail"])
    assert "Events 1–2 of 2" in at.main.caption[-1].value


def test_owner_filters_by_action(small_book: SmallBook, as_owner: OpenPage) -> None:
    sb = small_book
    rewe = next(r.id for r in list_transactions(sb.owner).rows if r.payee == "REWE")
    transactions.delete_transaction(sb.owner, rewe)
    at = as_owner(AUDIT)
    at.multiselect[0].set_value(["book.share"]).run()
    assert [r["Action"] for r in table(at)] == ["book.share"]


def test_a_hostile_book_name_is_shown_literally(small_book: SmallBook, as_owner: OpenPage) -> None:
    books.update_book(small_book.owner, name=HOSTILE)
    at = as_owner(AUDIT)
    caption = at.main.caption[0].value
    assert "![](" not in caption
    assert "\\!\\[\\]\\(" in caption


def test_viewers_do_not_get_the_page(small_book: SmallBook, as_viewer: OpenPage) -> None:
    at = as_viewer()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(AUDIT)


def test_the_page_itself_refuses_a_viewer(small_book: SmallBook) -> None:
    """Defence in depth: opened directly, the page shows a notice and no events."""
    at = AppTest.from_file(str(ROOT / AUDIT), default_timeout=TIMEOUT)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "bob"
    at.session_state["session_epoch"] = 0
    at.run()
    assert not at.exception
    assert [i.value for i in at.info] == ["Only the book's owners can see its audit log."]
    assert not at.dataframe


def test_sharing_in_the_browser_is_recorded_from_the_web(small_book: SmallBook,
                                                         as_owner: OpenPage) -> None:
    at = as_owner("pages/settings.py")
    next(t for t in at.text_input if t.form_id == "share").input("carol")
    next(b for b in at.button if b.label == "Share / change role").click().run()
    assert not at.exception
    newest = book_audit(small_book.owner, limit=1).entries[0]
    assert (newest.action, newest.actor_name) == ("book.share", "alice")
    assert newest.origin.startswith("web ")  # AppTest has no real connection to take an IP from


def test_admin_sees_every_event_and_filters_by_user(small_book: SmallBook) -> None:
    sb = small_book
    carol_tx = list_transactions(sb.other).rows[0].id
    transactions.delete_transaction(sb.other, carol_tx)
    at = log_in("alice", "wonderland-42")
    at.switch_page(ADMIN).run()
    assert not at.exception
    assert "Audit log" in [h.value for h in at.subheader]
    rows = table(at)
    assert [(r["Who"], r["Action"]) for r in rows] == [("alice", "signin.ok"),
                                                      ("carol", "tx.delete"),
                                                      ("alice", "book.share")]
    assert rows[1]["Book"] == f"#{sb.other.book_id}"
    next(s for s in at.selectbox if s.key == "audit_admin_user").set_value("alice").run()
    assert [r["Who"] for r in table(at)] == ["alice", "alice"]
