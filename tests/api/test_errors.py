"""Errors are application/problem+json (RFC 9457) and never a traceback: unknown routes,
wrong methods, malformed bodies, domain errors, and bugs (a 500 with a request id)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fintrack_api.app import create_app
from tests.api.conftest import SECRET, Api

PROBLEM = "application/problem+json"


def test_an_unknown_route_is_a_404_problem(api: Api) -> None:
    answer = api.client.get("/api/v1/nothing-here")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["instance"] == "/api/v1/nothing-here"


def test_a_wrong_method_is_a_405_problem(api: Api) -> None:
    answer = api.client.put("/api/v1/me", headers=api.alice)
    assert answer.status_code == 405
    assert answer.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"account_id": "three"}'])
def test_a_malformed_body_is_a_422_problem(api: Api, body: bytes) -> None:
    answer = api.client.post(api.path("transactions"), content=body,
                             headers={**api.alice, "Content-Type": "application/json"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["errors"]


def test_a_domain_conflict_is_a_409_problem_with_the_cores_message(api: Api) -> None:
    answer = api.client.delete(api.path(f"accounts/{api.book.checking.id}"),
                               headers=api.alice)
    assert answer.status_code == 409
    assert "confirm deleting them" in answer.json()["detail"]


def test_every_answer_carries_a_request_id_and_security_headers(api: Api) -> None:
    answer = api.client.get("/api/v1/me", headers={**api.alice, "X-Request-ID": "abc-123"})
    assert answer.headers["X-Request-ID"] == "abc-123"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    odd = api.client.get("/api/v1/me", headers={**api.alice, "X-Request-ID": "<script>"})
    assert odd.headers["X-Request-ID"] != "<script>"


def test_a_bug_is_a_500_problem_with_the_request_id_and_no_traceback(api: Api) -> None:
    app = create_app(api.book.db, secret=SECRET)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["request_id"] == answer.headers["X-Request-ID"]
    assert "secret internals" not in answer.text
    assert "Traceback" not in answer.text


def test_the_openapi_document_lists_examples_and_error_responses(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    create = spec["paths"]["/api/v1/books/{book_id}/transactions"]["post"]
    assert {"201", "401", "403", "404", "422"} <= set(create["responses"])
    assert PROBLEM in create["responses"]["422"]["content"]
    schemas = spec["components"]["schemas"]
    assert schemas["Money"]["properties"]["amount"]["examples"] == ["-64.37"]
    assert spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"][
        "password"]["tokenUrl"] == "/api/v1/auth/token"
