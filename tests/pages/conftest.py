"""AppTest fixtures: the real app.py against a fresh SQLite file, logged in or not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from streamlit.testing.v1 import AppTest

from fintrack_core.db.engine import Database
from tests.conftest import SmallBook

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 30


class OpenPage(Protocol):
    """What the ``as_owner`` / ``as_viewer`` fixtures give: log in, then open a page."""

    def __call__(self, page: str | None = None) -> AppTest: ...


@pytest.fixture(autouse=True)
def navigation_steady_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run app.py the way a live server does once it has called ``st.navigation``.

    AppTest builds a fresh PagesManager for every run, which re-detects ``pages/`` and then
    runs a page file directly (legacy multipage mode) instead of app.py. A live server
    switches that mode off for good the first time app.py calls ``st.navigation``. The
    direct-page case (a logged-out visitor opening a page's URL) is tested separately.
    """
    from streamlit.runtime import pages_manager

    original = pages_manager.PagesManager.__init__

    def init(self: pages_manager.PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        pages_manager.PagesManager.uses_pages_directory = False

    monkeypatch.setattr(pages_manager.PagesManager, "__init__", init)


@pytest.fixture(autouse=True)
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own database file and cookie key; pages resolve from the repo root."""
    db_file = tmp_path / "fintrack.db"
    monkeypatch.setenv("FINTRACK_DATABASE_URL", f"sqlite:///{db_file}")
    monkeypatch.setenv("FINTRACK_COOKIE_KEY", "test-cookie-key-0123456789-abcdefghijklmnop")
    monkeypatch.chdir(ROOT)
    return db_file


@pytest.fixture
def db(app_env: Path) -> Iterator[Database]:
    """Override the core ``db`` fixture: the pages must see the same file as the test."""
    from fintrack_core.db.schema import upgrade

    database = Database(f"sqlite:///{app_env}")
    upgrade(database)
    yield database
    database.dispose()


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def log_in(username: str, password: str) -> AppTest:
    """Log in through the real streamlit-authenticator form."""
    at = new_app().run()
    inputs = {t.label: t for t in at.text_input}
    inputs["Username"].input(username)
    inputs["Password"].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def as_owner(small_book: SmallBook) -> OpenPage:
    def open_page(page: str | None = None) -> AppTest:
        at = log_in("alice", "wonderland-42")
        if page:
            at.switch_page(page).run()
        assert not at.exception, at.exception
        return at
    return open_page


@pytest.fixture
def as_viewer(small_book: SmallBook) -> OpenPage:
    def open_page(page: str | None = None) -> AppTest:
        at = log_in("bob", "builder-jobs1")
        if page:
            at.switch_page(page).run()
        assert not at.exception, at.exception
        return at
    return open_page
