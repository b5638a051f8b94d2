"""The shell around the pages: favicon and navigation work without internet and show all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fintrack_core.db.engine import Database
from tests.conftest import SmallBook
from tests.pages.conftest import log_in, new_app


def test_the_favicon_is_a_file_shipped_with_the_app_not_a_font_icon(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit

    seen: dict[str, Any] = {}
    real = streamlit.set_page_config

    def record(**kwargs: Any) -> None:
        seen.update(kwargs)
        real(**kwargs)

    monkeypatch.setattr(streamlit, "set_page_config", record)
    at = new_app().run()
    assert not at.exception
    icon = seen["page_icon"]
    assert not str(icon).startswith(":material/")  # fetched from a font host: fails offline
    assert Path(icon).is_file()


def test_every_page_is_listed_in_the_navigation_without_view_more(
        small_book: SmallBook, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit

    seen: list[Any] = []
    real = streamlit.navigation

    def record(pages: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(pages, **kwargs)

    monkeypatch.setattr(streamlit, "navigation", record)
    at = log_in("alice", "wonderland-42")
    assert not at.exception
    assert seen[-1].get("expanded") is True
