"""The price refresh as a background job: 202 with a status URL, progress and a summary of
what was updated and what failed and why, one running refresh per book, roles, other books'
jobs. The providers are offline fakes (``tests/core/prices/fakes.py``): no network."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

import pytest

from fintrack_api.price_jobs import PriceJobs
from fintrack_api.routes.prices import price_providers
from fintrack_core.api import NotFound
from fintrack_core.ledger.accounts import create_account
from fintrack_core.portfolio.assets import AssetInput, add_asset
from fintrack_core.prices import RefreshResult, Unreachable
from tests.api.conftest import Api, Headers
from tests.core.prices.fakes import TableProvider

PROBLEM = "application/problem+json"
DAY = dt.date(2024, 3, 28)


def feed(**yahoo_errors: Exception) -> dict[str, TableProvider]:
    """Yahoo knows AAPL and the USD/EUR pair; CoinGecko knows bitcoin."""
    return {"yahoo": TableProvider("yahoo", {"AAPL": Decimal("171.48"),
                                             "USDEUR=X": Decimal("0.9262")},
                                   currencies={"USDEUR=X": "EUR"}, day=DAY,
                                   errors=dict(yahoo_errors)),  # type: ignore[arg-type]
            "coingecko": TableProvider("coingecko", {"bitcoin": Decimal("69455.10")}, day=DAY)}


def use(api: Api, providers: dict[str, TableProvider]) -> None:
    api.client.app.dependency_overrides[price_providers] = lambda: providers  # type: ignore[attr-defined]


def assets(api: Api, *symbols: str) -> None:
    kinds = {"AAPL": ("stock", "USD"), "BTC": ("crypto", "USD"), "NOPE": ("stock", "USD"),
             "HOUSE": ("other", "EUR")}
    for symbol in symbols:
        kind, currency = kinds[symbol]
        add_asset(api.book.owner, AssetInput(symbol, kind, currency))


def start(api: Api, headers: Headers | None = None) -> Any:
    return api.client.post(api.path("prices/refresh"), headers=headers or api.alice)


def finished(api: Api, url: str, headers: Headers | None = None) -> dict[str, Any]:
    for _ in range(400):
        job = api.client.get(url, headers=headers or api.alice)
        assert job.status_code == 200, job.text
        if job.json()["status"] in ("done", "failed"):
            return dict(job.json())
        time.sleep(0.025)
    raise AssertionError("the job did not finish in 10 s")


def test_a_refresh_answers_202_and_its_status_url_ends_with_a_summary(api: Api) -> None:
    assets(api, "AAPL", "BTC", "NOPE", "HOUSE")
    use(api, feed())
    answer = start(api)
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert job["status"] in ("queued", "running", "done")
    assert answer.headers["Location"] == job["status_url"] == (
        f"/api/v1/books/{api.book.owner.book_id}/jobs/{job['id']}")
    done = finished(api, answer.headers["Location"])
    assert done["status"] == "done"
    summary = done["result"]
    assert summary["updated"] == ["AAPL", "BTC"]  # HOUSE is priced by hand
    assert summary["fx_updated"] == ["USD/EUR"]
    [failure] = summary["failed"]
    assert (failure["symbol"], failure["kind"]) == ("NOPE", "unknown_symbol")
    assert "NOPE" in failure["reason"]
    assert summary["error"].startswith("1 of 4 prices could not be updated")
    assert done["progress"] == {"done": 4, "total": 4}
    assert done["finished_at"] >= done["started_at"] >= done["created_at"]
    v = api.get("valuation", api.alice).json()
    assert v["holdings"] == []  # prices, but nothing bought yet


def test_an_unreachable_provider_fails_its_prices_not_the_job(api: Api) -> None:
    assets(api, "AAPL", "BTC")
    use(api, feed(AAPL=Unreachable("Yahoo Finance cannot be reached (no network?)")))
    done = finished(api, start(api).headers["Location"])
    assert done["status"] == "done"
    assert done["result"]["updated"] == ["BTC"]
    kinds = {f["symbol"]: f["kind"] for f in done["result"]["failed"]}
    assert kinds == {"AAPL": "unreachable", "USD/EUR": "unreachable"}
    assert "no network" in done["result"]["error"]


def test_a_second_refresh_while_one_runs_answers_the_running_job(api: Api) -> None:
    assets(api, "AAPL")
    release = threading.Event()
    slow = feed()

    def hold(ids: object) -> None:
        release.wait(10)

    slow["yahoo"].on_call = hold
    use(api, slow)
    first = start(api).json()
    again = start(api)
    assert again.status_code == 202
    assert again.json()["id"] == first["id"]
    assert again.json()["status"] in ("queued", "running")
    release.set()
    assert finished(api, first["status_url"])["status"] == "done"
    after = start(api).json()
    assert after["id"] != first["id"]
    finished(api, after["status_url"])


def test_a_retried_post_with_an_idempotency_key_answers_the_same_job(api: Api) -> None:
    headers = {**api.alice, "Idempotency-Key": "refresh-2024-03-28"}
    first = start(api, headers)
    finished(api, first.headers["Location"])
    retry = start(api, headers)
    assert retry.headers["Idempotency-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]


def test_a_viewer_and_a_read_only_token_cannot_start_a_refresh_but_can_follow_one(
        api: Api) -> None:
    job = start(api).json()
    for headers in (api.jwt(api.book.viewer), api.pat(api.book.owner, "read")):
        refused = start(api, headers)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == PROBLEM
        assert finished(api, job["status_url"], headers)["id"] == job["id"]
    assert "viewer" in start(api, api.jwt(api.book.viewer)).json()["detail"]


def test_another_books_job_is_not_found(api: Api) -> None:
    job = start(api).json()
    finished(api, job["status_url"])
    carol = api.pat(api.book.other)
    in_her_book = api.client.get(api.path(f"jobs/{job['id']}", api.book.other.book_id),
                                 headers=carol)
    assert in_her_book.status_code == 404
    assert in_her_book.headers["content-type"] == PROBLEM
    assert api.client.get(job["status_url"], headers=carol).status_code == 404
    assert start(api, carol).status_code == 404  # not her book either


def test_unknown_and_malformed_job_ids(api: Api) -> None:
    assert api.get("jobs/" + "0" * 32, api.alice).status_code == 404
    answer = api.get("jobs/not-a-job", api.alice)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "job_id"
    assert api.client.get(api.path("jobs/" + "0" * 32)).status_code == 401
    assert api.client.post(api.path("prices/refresh")).status_code == 401


def test_a_refresh_that_breaks_fails_the_job_with_a_sentence_not_a_traceback(
        api: Api) -> None:
    def broken(*args: object, **kwargs: object) -> RefreshResult:
        raise RuntimeError("a bug")

    jobs = PriceJobs()
    job, new = jobs.start(api.book.owner, refresh=broken)
    assert new
    assert jobs.wait(10)
    failed = jobs.get(api.book.owner.book_id, job.id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert "unexpected error" in failed.error
    assert "RuntimeError" not in failed.error
    assert jobs.start(api.book.owner, refresh=broken)[0].id != job.id  # not stuck


def test_old_finished_jobs_are_forgotten_beyond_the_bound(api: Api) -> None:
    jobs = PriceJobs(keep=2)
    ids = []
    for _ in range(4):
        job, _ = jobs.start(api.book.owner, refresh=lambda *a, **k: RefreshResult())
        assert jobs.wait(10)
        ids.append(job.id)
    for forgotten in ids[:2]:
        with pytest.raises(NotFound):
            jobs.get(api.book.owner.book_id, forgotten)
    assert [jobs.get(api.book.owner.book_id, i).id for i in ids[2:]] == ids[2:]


def test_a_book_without_anything_to_price_finishes_at_once(api: Api) -> None:
    create_account(api.book.owner, "Depot", "investment", "EUR", "0", dt.date(2024, 1, 1))
    use(api, {"yahoo": TableProvider("yahoo", {"USDEUR=X": Decimal("0.93")},
                                     currencies={"USDEUR=X": "EUR"}, day=DAY)})
    done = finished(api, start(api).headers["Location"])
    assert done["result"]["updated"] == []
    assert done["result"]["fx_updated"] == ["USD/EUR"]  # the USD card's pair
    assert done["result"]["failed"] == []
