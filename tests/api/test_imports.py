"""Statement uploads: a dry run previews and writes nothing, the commit writes one batch that
can be undone, and a retried upload with its Idempotency-Key imports once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fintrack_core.ledger.search import list_transactions
from tests.api.conftest import Api, Headers

STATEMENT = Path(__file__).resolve().parents[1] / "fixtures" / "statements" / "banks" / \
    "dkb_giro.csv"


def upload(api: Api, headers: Headers, dry_run: bool, **form: Any) -> Any:
    return api.client.post(api.path("imports"), headers=headers,
                           files={"file": ("dkb_giro.csv", STATEMENT.read_bytes(), "text/csv")},
                           data={"account_id": str(api.book.checking.id),
                                 "dry_run": str(dry_run).lower(), **form})


def test_a_dry_run_previews_every_row_and_writes_nothing(api: Api) -> None:
    before = list_transactions(api.book.owner).total
    answer = upload(api, api.alice, dry_run=True)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["dry_run"] is True
    assert report["batch_id"] is None
    assert report["format"] == "csv"
    assert report["rows"] == report["imported"] + report["duplicates"] + len(
        report["skipped"]) + len(report["invalid"])
    assert len(report["preview"]) == min(50, report["imported"])
    assert {m["currency"] for m in report["totals"]} == {"EUR"}
    assert list_transactions(api.book.owner).total == before


def test_a_commit_imports_one_batch_that_undo_removes(api: Api) -> None:
    before = list_transactions(api.book.owner).total
    answer = upload(api, api.alice, dry_run=False)
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert report["imported"] > 0
    assert list_transactions(api.book.owner).total == before + report["imported"]
    [batch] = api.get("imports", api.alice).json()
    assert (batch["id"], batch["remaining"]) == (report["batch_id"], report["imported"])
    undone = api.client.delete(api.path(f"imports/{batch['id']}"), headers=api.alice)
    assert undone.json() == {"count": report["imported"]}
    assert list_transactions(api.book.owner).total == before


def test_the_same_file_again_is_all_duplicates(api: Api) -> None:
    first = upload(api, api.alice, dry_run=False).json()
    again = upload(api, api.alice, dry_run=False)
    assert again.status_code == 200
    assert again.json()["imported"] == 0
    assert again.json()["duplicates"] == first["imported"]


def test_a_retried_upload_with_its_key_is_answered_from_the_first(api: Api) -> None:
    headers = {**api.alice, "Idempotency-Key": "statement-2024-03"}
    first = upload(api, headers, dry_run=False)
    retry = upload(api, headers, dry_run=False)  # another multipart boundary, same upload
    assert retry.status_code == first.status_code == 201
    assert retry.json() == first.json()
    assert len(api.get("imports", api.alice).json()) == 1


def test_an_upload_into_another_books_account_is_not_found(api: Api) -> None:
    answer = api.client.post(api.path("imports", api.book.other.book_id),
                             headers=api.pat(api.book.other),
                             files={"file": ("x.csv", STATEMENT.read_bytes(), "text/csv")},
                             data={"account_id": str(api.book.checking.id)})
    assert answer.status_code == 404


def test_an_upload_without_a_file_or_account_names_the_field(api: Api) -> None:
    answer = api.client.post(api.path("imports"), headers=api.alice,
                             data={"account_id": str(api.book.checking.id)})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["file"]
