"""Liveness and readiness: no token needed, 503 with the reason when not ready."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from fintrack_api.app import create_app
from fintrack_core.api import Database
from fintrack_core.health import readiness
from tests.api.conftest import SECRET, Api


def test_a_migrated_database_is_ready(api: Api) -> None:
    assert api.client.get("/health").json() == {"status": "ok"}
    answer = api.client.get("/health/ready")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["database"], body["problems"]) == ("ready", True, [])
    assert body["revision"] == body["expected_revision"]


def test_an_unmigrated_database_is_not_ready_and_says_why(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with TestClient(create_app(db, secret=SECRET)) as client:
            answer = client.get("/health/ready")
        assert answer.status_code == 503
        assert "fintrack init" in answer.json()["problems"][0]
    finally:
        db.dispose()


def test_too_little_disk_space_is_a_problem(api: Api) -> None:
    found = readiness(api.book.db, min_free_bytes=2**62)
    assert not found.ready
    assert "free in the data folder" in found.problems[0]
