"""``/metrics``: Prometheus text with requests by route template and status, latency, errors,
imported rows and report times; one registry per app; readable locally or with a token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from fintrack_api.app import create_app
from fintrack_api.routes.metrics import ENV_METRICS_TOKEN
from tests.api.conftest import SECRET, Api, bearer
from tests.conftest import SmallBook

LOCAL = ("127.0.0.1", 50123)
TX_ROUTE = "/api/v1/books/{book_id}/transactions"
STATEMENT = b"Date,Amount,Payee\n2024-03-10,-3.20,Kiosk\n2024-03-11,-4.10,Kiosk\n"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def boom() -> None:
    raise RuntimeError("a bug in a route")


def local_app(small_book: SmallBook) -> FastAPI:
    app = create_app(small_book.db, secret=SECRET)
    app.add_api_route("/boom", boom)  # an unexpected error, as a bug would raise
    return app


@pytest.fixture
def local(small_book: SmallBook) -> Iterator[Api]:
    """The API called from 127.0.0.1, where metrics are readable without a token."""
    with TestClient(local_app(small_book), client=LOCAL,
                    raise_server_exceptions=False) as client:
        yield Api(client, small_book)


def samples(api: Api, **headers: str) -> Samples:
    answer = api.client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(answer.text)
            for s in family.samples}


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_a_request_is_counted_under_its_route_template_and_status(local: Api) -> None:
    assert local.get("transactions", local.alice, params={"limit": 5}).status_code == 200
    found = samples(local)
    assert value(found, "fintrack_http_requests_total", method="GET", route=TX_ROUTE,
                 status="200") == 1
    assert value(found, "fintrack_http_request_duration_seconds_count", method="GET",
                 route=TX_ROUTE) == 1
    assert value(found, "fintrack_http_request_duration_seconds_bucket", method="GET",
                 route=TX_ROUTE, le="+Inf") == 1
    book = str(local.book.owner.book_id)
    routes = {dict(labels).get("route", "") for _, labels in found}
    assert not [r for r in routes if f"/{book}/" in r or r.endswith(f"/{book}")], routes


def test_error_answers_are_counted_by_status(local: Api) -> None:
    stranger = local.client.get(local.path("transactions"), headers=local.pat(
        local.book.other))
    assert stranger.status_code == 404
    crashed = local.client.get("/boom")
    assert crashed.status_code == 500
    assert crashed.headers["content-type"] == "application/problem+json"
    local.client.get("/api/v1/books/1/no-such-thing/7", headers=local.alice)
    found = samples(local)
    assert value(found, "fintrack_http_errors_total", route=TX_ROUTE, status="404") == 1
    assert value(found, "fintrack_http_errors_total", route="/boom", status="500") == 1
    assert value(found, "fintrack_http_requests_total", method="GET", route="<unmatched>",
                 status="404") == 1
    assert value(found, "fintrack_http_errors_total", route=TX_ROUTE, status="200") == 0


def test_rows_of_a_committed_import_are_counted_and_a_dry_run_is_not(local: Api) -> None:
    def upload(dry_run: bool) -> int:
        answer = local.client.post(local.path("imports"), headers=local.alice,
                                 files={"file": ("kiosk.csv", STATEMENT, "text/csv")},
                                 data={"account_id": str(local.book.checking.id),
                                       "dry_run": str(dry_run).lower()})
        return int(answer.status_code)

    assert upload(dry_run=True) == 200
    assert value(samples(local), "fintrack_imported_rows_total") == 0
    assert upload(dry_run=False) == 201
    assert value(samples(local), "fintrack_imported_rows_total") == 2
    assert upload(dry_run=False) in (200, 201)  # the same rows again: duplicates, none written
    assert value(samples(local), "fintrack_imported_rows_total") == 2


def test_report_time_is_observed_under_the_report_name(local: Api) -> None:
    assert local.get("reports/monthly", local.alice,
                     params={"month": "2024-03-01"}).status_code == 200
    assert local.get("reports/monthly", local.alice,
                     params={"month": "2024-02-01"}).status_code == 200
    found = samples(local)
    assert value(found, "fintrack_report_query_seconds_count", report="monthly") == 2
    assert value(found, "fintrack_report_query_seconds_sum", report="monthly") > 0


def test_two_apps_in_one_process_keep_their_own_counts(local: Api,
                                                       small_book: SmallBook) -> None:
    local.get("transactions", local.alice)
    with TestClient(local_app(small_book), client=LOCAL) as other_client:
        other = Api(other_client, small_book)
        assert other.get("reports/monthly", other.alice).status_code == 200
        theirs = samples(other)
    ours = samples(local)
    assert value(ours, "fintrack_http_requests_total", method="GET", route=TX_ROUTE,
                 status="200") == 1
    assert value(theirs, "fintrack_http_requests_total", method="GET", route=TX_ROUTE,
                 status="200") == 0
    assert value(ours, "fintrack_report_query_seconds_count", report="monthly") == 0
    assert value(theirs, "fintrack_report_query_seconds_count", report="monthly") == 1


def test_metrics_are_refused_to_other_machines_without_a_token(api: Api) -> None:
    answer = api.client.get("/metrics")  # the test client's address is not a loopback one
    assert answer.status_code == 403
    assert ENV_METRICS_TOKEN in answer.json()["detail"]


def test_with_a_metrics_token_any_machine_reads_them_with_it_and_none_without(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_METRICS_TOKEN, "scrape-me-7f3a")
    assert api.client.get("/metrics").status_code == 401
    assert api.client.get("/metrics", headers=bearer("wrong")).status_code == 401
    assert api.client.get("/metrics", headers=api.alice).status_code == 401  # not a user token
    answer = api.client.get("/metrics", headers=bearer("scrape-me-7f3a"))
    assert answer.status_code == 200
    assert "fintrack_http_requests_total" in answer.text


@pytest.mark.parametrize("proxy_header", [
    {"X-Forwarded-For": "203.0.113.9"},
    {"Forwarded": "for=203.0.113.9;proto=https"},
    {"X-Real-IP": "203.0.113.9"},
])
def test_a_loopback_caller_through_a_proxy_is_not_local_and_gets_no_metrics(
        local: Api, proxy_header: dict[str, str]) -> None:
    assert local.client.get("/metrics").status_code == 200  # the same caller, direct
    answer = local.client.get("/metrics", headers=proxy_header)
    assert answer.status_code == 403
    detail = answer.json()["detail"]
    assert next(iter(proxy_header)) in detail
    assert ENV_METRICS_TOKEN in detail


def test_behind_a_proxy_the_metrics_token_is_what_lets_a_scraper_in(
        local: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_METRICS_TOKEN, "scrape-me-7f3a")
    proxied = {"X-Forwarded-For": "127.0.0.1"}  # even a forwarded address that looks local
    assert local.client.get("/metrics", headers=proxied).status_code == 401
    answer = local.client.get("/metrics", headers={**proxied, **bearer("scrape-me-7f3a")})
    assert answer.status_code == 200
    assert "fintrack_http_requests_total" in answer.text


def test_made_up_methods_share_one_label_and_cannot_grow_the_metrics(local: Api) -> None:
    for method in ("FOO0", "FOO1", "BAR"):
        local.client.request(method, "/api/v1/books")
    found = samples(local)
    methods = {dict(labels).get("method") for name, labels in found
               if name == "fintrack_http_requests_total"}
    assert "OTHER" in methods
    assert not methods & {"FOO0", "FOO1", "BAR"}
