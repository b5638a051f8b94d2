"""An API over ``small_book`` (Alice owns it, Bob views it, Carol has her own book), and
ways to call it as each of them: a login token, or personal access tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fintrack_api.app import create_app
from fintrack_api.price_jobs import jobs_of
from fintrack_api.routes.prices import price_providers
from fintrack_api.security import issue_access_token
from fintrack_core.access import Scope
from fintrack_core.tokens.personal import create_token
from tests.conftest import SmallBook
from tests.core.prices.fakes import TableProvider

SECRET = "a-test-signing-key-that-is-long-enough-for-hs256"
PASSWORDS = {"alice": "wonderland-42", "bob": "builder-jobs1", "carol": "xmas-songs-3"}
Headers = dict[str, str]


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Api:
    client: TestClient
    book: SmallBook

    def login(self, username: str) -> Headers:
        """A login token (OAuth2 password flow) for one of the fixture's users."""
        answer = self.client.post("/api/v1/auth/token", data={
            "username": username, "password": PASSWORDS[username]})
        assert answer.status_code == 200, answer.text
        return bearer(answer.json()["access_token"])

    def jwt(self, scope: Scope) -> Headers:
        """The login token the password flow would give ``scope``'s user (without paying
        for a bcrypt check in every test; ``test_auth`` covers the flow itself)."""
        return bearer(issue_access_token(SECRET, scope.user_id, 0))

    def pat(self, scope: Scope, access: str = "read-write") -> Headers:
        """A personal access token of ``scope``'s user for ``scope``'s book."""
        return bearer(create_token(scope, "test", access).secret)

    @property
    def alice(self) -> Headers:
        return self.pat(self.book.owner)

    def path(self, rest: str, book_id: int | None = None) -> str:
        """``/api/v1/books/<Alice's book>/<rest>``."""
        return f"/api/v1/books/{book_id or self.book.owner.book_id}/{rest}"

    def get(self, rest: str, headers: Headers, **kw: Any) -> Any:
        return self.client.get(self.path(rest), headers=headers, **kw)


def offline_providers() -> dict[str, TableProvider]:
    """Price providers that know no symbol: a price refresh in an API test never reaches the
    network (tests that want prices override ``price_providers`` themselves)."""
    return {"yahoo": TableProvider("yahoo", {}), "coingecko": TableProvider("coingecko", {})}


@pytest.fixture
def api(small_book: SmallBook) -> Iterator[Api]:
    app = create_app(small_book.db, secret=SECRET)
    app.dependency_overrides[price_providers] = offline_providers
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, small_book)
    assert jobs_of(app).wait(30), "a price refresh job was still running after 30 s"
