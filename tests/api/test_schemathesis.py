"""A fuzzer nobody here wrote: Schemathesis reads the API's own /openapi.json, generates
requests for every operation (valid and invalid ones), and checks each answer.

No answer may be a 5xx, and every answer must match what the schema promises: its status
code is documented, its body conforms to the documented schema, its content type and its
headers are the documented ones. Requests carry a read-write token of the demo user for
the demo book, and the book id in paths is that book's, so the fuzzer reaches real rows and
not only 404s. Inputs it
once broke the API with are kept as plain tests in ``test_fuzz_findings.py``.

The number of examples per operation is bounded (``EXAMPLES``) so the run stays well under
two minutes; ``FINTRACK_FUZZ_EXAMPLES`` raises it for a longer hunt. Each operation gets
valid requests and requests that break its schema (Schemathesis' positive and negative
generation modes).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode
from schemathesis.core.result import Err

from fintrack_api.app import create_app
from fintrack_api.price_jobs import jobs_of
from fintrack_api.ratelimit import RateLimits
from fintrack_api.routes.prices import price_providers
from fintrack_core.access import Scope
from fintrack_core.api import Database, upgrade
from fintrack_core.demo import create_demo
from fintrack_core.demo.generate import MIN_TRANSACTIONS
from fintrack_core.tokens.personal import create_token
from tests.api.conftest import SECRET, Headers, bearer, offline_providers

EXAMPLES = int(os.environ.get("FINTRACK_FUZZ_EXAMPLES", "25"))
# Rate limits would turn the fuzzer's burst into 429s and hide every other answer.
UNLIMITED = RateLimits(per_caller="1000000/minute", per_address="1000000/hour",
                       sign_in="1000000/minute")
CHECKS = [schemathesis.checks.not_a_server_error,
          schemathesis.checks.response_schema_conformance,
          schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance,
          schemathesis.checks.response_headers_conformance]


@dataclass
class Target:
    app: FastAPI
    book_id: int
    auth: Headers


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """One demo book for the whole run (accounts, categories, rules, budgets, trades), so
    generated ids meet real rows; writes pile up as they would on a live server."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fintrack.db'}")
    upgrade(db)
    demo = create_demo(db, MIN_TRANSACTIONS, seed=7, end=dt.date(2024, 12, 31))
    owner = Scope(db, demo.user_id, demo.book_id)
    token = create_token(owner, "fuzzer", "read-write").secret
    app = create_app(db, secret=SECRET, rate_limits=UNLIMITED)
    app.dependency_overrides[price_providers] = offline_providers  # never the network
    yield Target(app, demo.book_id, bearer(token))
    assert jobs_of(app).wait(30), "a price refresh job was still running after 30 s"
    db.dispose()


# The schema is read from an app over an empty in-memory database: the document does not
# depend on the data, and the tests call the app over the demo book (``target``).
# One pytest test per operation, with its own id: Schemathesis' own ``schema.parametrize``
# gives every operation the same test id, and pytest-xdist then ran only one of the 81.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Database("sqlite://"), secret=SECRET, rate_limits=UNLIMITED))


def _operations() -> dict[str, APIOperation[Any, Any, Any, Any]]:
    """Each operation by its label ("GET /api/v1/books/{book_id}/..."); a part of the schema
    Schemathesis cannot read fails the module, never leaves an operation out."""
    out: dict[str, APIOperation[Any, Any, Any, Any]] = {}
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        out[result.ok().label] = result.ok()
    return out


OPERATIONS = _operations()
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def test_every_operation_of_the_schema_gets_a_test_of_its_own() -> None:
    paths = create_app(Database("sqlite://"), secret=SECRET).openapi()["paths"]
    assert len(OPERATIONS) == sum(len(ops) for ops in paths.values()) > 80


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_server_error_and_every_answer_matches_the_schema(label: str,
                                                             target: Target) -> None:
    operation = OPERATIONS[label]
    cases = st.one_of(*(operation.as_strategy(mode) for mode in MODES))

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def check(case: schemathesis.Case[Any]) -> None:
        if "book_id" in (case.path_parameters or {}):
            case.path_parameters = {**(case.path_parameters or {}), "book_id": target.book_id}
        case.call_and_validate(app=target.app, headers=target.auth, checks=CHECKS)

    check()
