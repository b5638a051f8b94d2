"""A member's own settings over HTTP: notifications (as on the Settings page) and portfolio
alerts. Each member reads and changes only their own, viewers too; a read-only token changes
nothing; ETags guard against lost updates; bad values are 422 problems naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from fintrack_core.notify.settings import get_settings
from fintrack_core.portfolio.alerts import get_alert_settings
from tests.api.conftest import Api

PROBLEM = "application/problem+json"
DEFAULTS = {"budget_alerts": True, "subscription_alerts": True, "channel": "in-app",
            "weekly": False, "weekday": 0, "thresholds": [80, 100]}


def test_the_defaults_until_changed_then_the_change(api: Api) -> None:
    assert api.get("notification-settings", api.alice).json() == DEFAULTS
    changed = api.client.patch(api.path("notification-settings"), headers=api.alice,
                               json={"weekly": True, "weekday": 4, "thresholds": [100, 75]})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**DEFAULTS, "weekly": True, "weekday": 4, "thresholds": [75, 100]}
    assert api.get("notification-settings", api.alice).json() == changed.json()
    saved = get_settings(api.book.owner)  # what the Settings page shows
    assert (saved.weekly, saved.weekday, saved.thresholds) == (True, 4, (75, 100))


def test_if_match_refuses_a_change_made_from_an_old_copy(api: Api) -> None:
    first = api.get("notification-settings", api.alice)
    api.client.patch(api.path("notification-settings"), headers=api.alice,
                     json={"channel": "email"})  # the dashboard, meanwhile
    stale = api.client.patch(api.path("notification-settings"),
                             headers={**api.alice, "If-Match": first.headers["ETag"]},
                             json={"budget_alerts": False})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == PROBLEM
    fresh = api.get("notification-settings", api.alice).headers["ETag"]
    ok = api.client.patch(api.path("notification-settings"),
                          headers={**api.alice, "If-Match": fresh}, json={"budget_alerts": False})
    assert ok.json()["channel"] == "email"
    assert ok.json()["budget_alerts"] is False


@pytest.mark.parametrize(("body", "field"), [
    ({"weekday": 7}, "weekday"),
    ({"channel": "sms"}, "channel"),
    ({"thresholds": [0]}, "thresholds.0"),
    ({"thresholds": []}, "thresholds"),
    ({"thresholds": [10, 20, 30, 40, 50, 60]}, "thresholds"),
    ({"budget_alerts": None}, "budget_alerts"),
    ({"weekly": "sometimes"}, "weekly"),
    ({"colour": "red"}, "colour"),
])
def test_bad_notification_settings_are_422_naming_the_field(
        api: Api, body: dict[str, Any], field: str) -> None:
    answer = api.client.patch(api.path("notification-settings"), headers=api.alice, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert api.get("notification-settings", api.alice).json() == DEFAULTS


def test_a_viewer_changes_their_own_settings_only(api: Api) -> None:
    bob = api.jwt(api.book.viewer)
    changed = api.client.patch(api.path("notification-settings"), headers=bob,
                               json={"subscription_alerts": False})
    assert changed.status_code == 200, changed.text
    assert api.get("notification-settings", bob).json()["subscription_alerts"] is False
    assert api.get("notification-settings", api.alice).json() == DEFAULTS


def test_a_read_only_token_reads_but_cannot_change(api: Api) -> None:
    read_only = api.pat(api.book.owner, "read")
    assert api.get("notification-settings", read_only).json() == DEFAULTS
    for rest, body in (("notification-settings", {"weekly": True}),
                       ("portfolio-alert-settings", {"gain": "100"})):
        refused = api.client.patch(api.path(rest), headers=read_only, json=body)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == PROBLEM
    assert api.get("notification-settings", api.alice).json() == DEFAULTS


def test_no_token_is_401_and_another_book_is_404(api: Api) -> None:
    for rest in ("notification-settings", "portfolio-alert-settings"):
        assert api.client.get(api.path(rest)).status_code == 401
        assert api.client.patch(api.path(rest), json={}).status_code == 401
        for carol in (api.jwt(api.book.other), api.pat(api.book.other)):
            assert api.get(rest, carol).status_code == 404
            answer = api.client.patch(api.path(rest), headers=carol, json={})
            assert answer.status_code == 404
            assert "Alice" not in answer.text


def test_portfolio_alerts_are_set_in_the_base_currency_and_null_turns_one_off(
        api: Api) -> None:
    off = api.get("portfolio-alert-settings", api.alice).json()
    assert off == {"currency": "EUR", "day_move_pct": None, "value": None, "gain": None}
    changed = api.client.patch(api.path("portfolio-alert-settings"), headers=api.alice,
                               json={"day_move_pct": "5", "value": "50000", "gain": "1000.5"})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"currency": "EUR", "day_move_pct": "5",
                              "value": {"amount": "50000.00", "currency": "EUR"},
                              "gain": {"amount": "1000.50", "currency": "EUR"}}
    again = api.client.patch(api.path("portfolio-alert-settings"), headers=api.alice,
                             json={"value": None})
    assert again.json()["value"] is None
    assert again.json()["day_move_pct"] == "5"
    saved = get_alert_settings(api.book.owner)
    assert (saved.value, str(saved.gain)) == (None, "1000.50")


@pytest.mark.parametrize(("body", "field"), [
    ({"day_move_pct": "-3"}, "day_move_pct"),
    ({"day_move_pct": "5000"}, "day_move_pct"),
    ({"value": "lots"}, "value"),
    ({"gain": "0"}, "gain"),
    ({"gain": 100}, "gain"),
    ({"threshold": "5"}, "threshold"),
])
def test_bad_portfolio_alert_settings_are_422_naming_the_field(
        api: Api, body: dict[str, Any], field: str) -> None:
    answer = api.client.patch(api.path("portfolio-alert-settings"), headers=api.alice,
                              json=body)
    assert answer.status_code == 422, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_a_viewer_sets_portfolio_alerts_of_their_own(api: Api) -> None:
    bob = api.jwt(api.book.viewer)
    mine = api.client.patch(api.path("portfolio-alert-settings"), headers=bob,
                            json={"day_move_pct": "2.5"})
    assert mine.json()["day_move_pct"] == "2.5"
    assert api.get("portfolio-alert-settings", api.alice).json()["day_move_pct"] is None
