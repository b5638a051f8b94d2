"""JSON log lines: one per API request with its ids, route, status and time; slow reports
with their name; the dashboard's sign-ins, imports and exports; never a secret or an amount."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from fintrack_api.logs import ENV_LOG_LEVEL, configure_logging, log_level, remove_logging
from fintrack_core.telemetry import ENV_SLOW_QUERY_MS
from fintrack_ui import activity
from tests.api.conftest import PASSWORDS, Api, bearer
from tests.conftest import SmallBook

TX_ROUTE = "/api/v1/books/{book_id}/transactions"


class Lines:
    """What the ``fintrack`` loggers wrote, one parsed JSON object a line."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]

    def events(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.all() if line.get("event") == event]


@pytest.fixture
def lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lines]:
    monkeypatch.delenv(ENV_LOG_LEVEL, raising=False)
    found = Lines()
    handler = configure_logging(found.stream)
    yield found
    remove_logging(handler)


def test_a_request_logs_one_line_with_its_ids_route_status_and_time(api: Api,
                                                                    lines: Lines) -> None:
    token = api.alice
    answer = api.client.get(api.path("transactions"), headers={**token,
                                                               "X-Request-ID": "trace-42"},
                            params={"text": "REWE", "limit": 5})
    assert answer.status_code == 200
    [line] = lines.events("request")
    assert line["request_id"] == "trace-42" == answer.headers["X-Request-ID"]
    assert (line["user_id"], line["book_id"]) == (api.book.owner.user_id,
                                                  api.book.owner.book_id)
    assert (line["method"], line["route"], line["status"]) == ("GET", TX_ROUTE, 200)
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert (line["level"], line["logger"]) == ("INFO", "fintrack.api.access")
    assert line["time"].endswith("Z")
    secret = token["Authorization"].removeprefix("Bearer ")
    assert secret not in lines.text
    assert "REWE" not in lines.text  # the query string (search text) is not logged


def test_signing_in_logs_neither_the_password_nor_the_token(api: Api, lines: Lines) -> None:
    answer = api.client.post("/api/v1/auth/token", data={"username": "alice",
                                                         "password": PASSWORDS["alice"]})
    token = answer.json()["access_token"]
    assert api.client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert [(x["route"], x["status"]) for x in lines.events("request")] == [
        ("/api/v1/auth/token", 200), ("/api/v1/me", 200)]
    assert lines.events("request")[1]["user_id"] == api.book.owner.user_id
    assert PASSWORDS["alice"] not in lines.text
    assert token not in lines.text


def test_a_refused_request_is_logged_without_a_user(api: Api, lines: Lines) -> None:
    assert api.client.get(api.path("accounts"), headers=bearer("nonsense")).status_code == 401
    [line] = lines.events("request")
    assert (line["status"], line["user_id"]) == (401, None)
    assert "nonsense" not in lines.text


def test_a_slow_report_is_logged_with_its_name(api: Api, lines: Lines,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SLOW_QUERY_MS, "0")  # every report is slow
    api.get("reports/monthly", api.alice, params={"month": "2024-03-01"})
    [slow] = lines.events("slow_report")
    assert (slow["report"], slow["book_id"], slow["level"]) == (
        "monthly", api.book.owner.book_id, "WARNING")
    assert slow["logger"] == "fintrack.reports"
    assert slow["duration_ms"] >= slow["threshold_ms"] == 0


def test_a_report_under_the_threshold_is_not_logged(api: Api, lines: Lines,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SLOW_QUERY_MS, "600000")
    api.get("reports/monthly", api.alice, params={"month": "2024-03-01"})
    assert lines.events("slow_report") == []


def test_the_level_comes_from_the_environment(api: Api, lines: Lines,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_LOG_LEVEL, "warning")
    configure_logging(lines.stream)
    api.get("accounts", api.alice)
    assert lines.events("request") == []  # INFO lines are below WARNING
    monkeypatch.setenv(ENV_LOG_LEVEL, "LOUD")
    with pytest.raises(ValueError, match=f"{ENV_LOG_LEVEL}='LOUD' is not a log level"):
        log_level()


def test_fields_named_like_secrets_or_amounts_are_never_written(lines: Lines) -> None:
    logging.getLogger("fintrack.test").info("careless", extra={
        "password": "wonderland-42", "api_token": "ft_abc", "amount": "-12.50",
        "amount_minor": -1250, "rows": 3})
    [line] = lines.all()
    assert line["rows"] == 3
    for leaked in ("wonderland-42", "ft_abc", "12.50", "1250"):
        assert leaked not in lines.text


def test_the_dashboard_logs_sign_ins_imports_and_exports(small_book: SmallBook,
                                                         lines: Lines) -> None:
    owner = small_book.owner
    activity.signed_in(owner.user_id, "192.0.2.7")
    activity.sign_in_refused("192.0.2.8", "SignInFailed")
    activity.imported(owner, 17, rows=120, duplicates=3)
    activity.exported(owner, "transactions", "csv")
    activity.signed_out(owner.user_id)
    found = [(x["event"], x["logger"]) for x in lines.all()]
    assert found == [(e, "fintrack.dashboard") for e in (
        "sign_in", "sign_in_refused", "import", "export", "sign_out")]
    sign_in, refused, imported, exported, _ = lines.all()
    assert (sign_in["user_id"], sign_in["client"], sign_in["method"]) == (
        owner.user_id, "192.0.2.7", "password")
    assert (refused["level"], refused["reason"]) == ("WARNING", "SignInFailed")
    assert (imported["book_id"], imported["batch_id"], imported["rows"],
            imported["duplicates"]) == (owner.book_id, 17, 120, 3)
    assert (exported["export"], exported["format"], exported["book_id"]) == (
        "transactions", "csv", owner.book_id)
