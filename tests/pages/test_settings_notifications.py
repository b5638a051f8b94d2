"""Book & profile → Notifications: says whether mail is set up, saves the user's address and
their own notification settings (viewers too), refuses bad thresholds by field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fintrack_core.ledger.users import get_user
from fintrack_core.notify.settings import NotifySettings, get_settings
from fintrack_core.portfolio.alerts import AlertSettings, get_alert_settings
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

SETTINGS = "pages/settings.py"


@pytest.fixture(autouse=True)
def no_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "FROM"):
        monkeypatch.delenv(f"FINTRACK_SMTP_{name}", raising=False)


def submit(at: object, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()  # type: ignore[attr-defined]


def test_without_smtp_the_page_says_notifications_stay_in_the_app(
        small_book: SmallBook, as_viewer: OpenPage) -> None:
    at = as_viewer(SETTINGS)
    assert any("E-mail is not set up on this server" in i.value for i in at.info)
    assert next(c for c in at.checkbox if c.label == "Weekly summary by e-mail").disabled
    next(t for t in at.text_input if t.label.startswith("Alert thresholds")).input("50, 90")
    next(s for s in at.selectbox if s.label == "Sent on").set_value(4)
    submit(at, "Save notifications")
    assert not at.exception
    assert get_settings(small_book.viewer) == NotifySettings(weekday=4, thresholds=(50, 90))
    assert get_settings(small_book.owner) == NotifySettings()


def test_with_smtp_the_owner_chooses_mail_and_the_weekly_report(
        small_book: SmallBook, as_owner: OpenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINTRACK_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("FINTRACK_SMTP_FROM", "fintrack@example.org")
    monkeypatch.setenv("FINTRACK_SMTP_PASSWORD", "never-shown-pw")
    at = as_owner(SETTINGS)
    captions = " ".join(c.value for c in at.caption)
    assert r"E-mail goes out through mail\.example\.org\:587 \(starttls\)" in captions
    assert "never-shown-pw" not in captions
    next(t for t in at.text_input if t.label == "My e-mail address").input("alice@example.org")
    submit(at, "Save address")
    assert get_user(small_book.db, "alice").email == "alice@example.org"
    at.radio[0].set_value("email")
    next(c for c in at.checkbox if c.label == "Weekly summary by e-mail").check()
    submit(at, "Save notifications")
    assert not at.exception
    saved = get_settings(small_book.owner)
    assert (saved.channel, saved.weekly) == ("email", True)


def test_bad_thresholds_are_refused_naming_the_field(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(SETTINGS)
    next(t for t in at.text_input if t.label.startswith("Alert thresholds")).input("eighty")
    submit(at, "Save notifications")
    [error] = [e.value for e in at.error]
    assert error.startswith("thresholds\\: ")  # Markdown-escaped, as every core message
    assert "eighty" in error
    assert "is not a list of whole percentages" in error
    assert get_settings(small_book.owner) == NotifySettings()


def test_a_viewer_sets_their_own_portfolio_alerts_and_an_empty_field_turns_one_off(
        small_book: SmallBook, as_viewer: OpenPage) -> None:
    at = as_viewer(SETTINGS)
    field = {t.label: t for t in at.text_input}
    field["An asset moves more than (% in a day)"].input("5")
    field["The portfolio's value crosses (EUR)"].input("100000")
    submit(at, "Save portfolio alerts")
    assert not at.exception
    assert get_alert_settings(small_book.viewer) == AlertSettings(
        "EUR", day_move_pct=Decimal("5"), value=Decimal("100000.00"))
    assert get_alert_settings(small_book.owner) == AlertSettings("EUR")

    field = {t.label: t for t in at.text_input}
    field["An asset moves more than (% in a day)"].input("")
    submit(at, "Save portfolio alerts")
    assert get_alert_settings(small_book.viewer).day_move_pct is None


def test_a_bad_portfolio_alert_is_refused_naming_the_field(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(SETTINGS)
    next(t for t in at.text_input
         if t.label == "An asset moves more than (% in a day)").input("lots")
    submit(at, "Save portfolio alerts")
    assert not at.exception
    assert any("day_move_pct" in e.value.replace("\\", "") for e in at.error)  # md()-escaped
    assert get_alert_settings(small_book.owner) == AlertSettings("EUR")
