"""The Backups section of Book & profile: the owner downloads the book's archive, an
administrator also the whole database; a viewer gets neither."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from fintrack_core.backups import archive as book_archive
from fintrack_core.db.engine import Database
from fintrack_core.db.schema import upgrade
from fintrack_core.ledger import users
from tests.conftest import SmallBook

SETTINGS = "pages/settings.py"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes behind each download button, by the URL the browser would fetch."""
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self: MemoryMediaFileStorage, path_or_data: Any, *args: Any, **kw: Any) -> str:
        file_id = original(self, path_or_data, *args, **kw)
        files[self.get_url(file_id)] = bytes(path_or_data)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return files


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def download(at: AppTest, label: str, served: dict[str, bytes]) -> bytes:
    button = next(b for b in at.get("download_button") if b.proto.label == label)
    return served[button.proto.url]


def test_the_owner_downloads_the_book_archive_and_it_imports(
        small_book: SmallBook, as_owner: Any, served: dict[str, bytes], tmp_path: Path) -> None:
    at = click(as_owner(SETTINGS), "Prepare book archive")
    data = download(at, "Download book archive", served)
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    target = Database(f"sqlite:///{tmp_path / 'restored.db'}")
    upgrade(target)
    summary = book_archive.import_book(target, io.BytesIO(data))
    assert summary.book_id == small_book.owner.book_id
    assert summary.tables["transactions"] == 7
    target.dispose()


def test_an_administrator_downloads_a_verified_database_backup(
        small_book: SmallBook, as_owner: Any, served: dict[str, bytes], tmp_path: Path) -> None:
    at = click(as_owner(SETTINGS), "Prepare database backup")  # alice is the first user
    (tmp_path / "whole.db").write_bytes(download(at, "Download database backup", served))
    with sqlite3.connect(tmp_path / "whole.db") as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM users").fetchone() == (3,)
    assert not list(tmp_path.glob("backups"))  # nothing left behind on the server


def test_a_viewer_sees_no_download(small_book: SmallBook, as_viewer: Any) -> None:
    at = as_viewer(SETTINGS)
    labels = {b.label for b in at.button}
    assert "Prepare book archive" not in labels
    assert "Prepare database backup" not in labels
    assert any("owners can download" in c.value for c in at.caption)


def test_an_owner_who_is_not_administrator_gets_only_the_book(
        small_book: SmallBook, as_owner: Any) -> None:
    alice = users.get_user(small_book.db, "alice")
    bob = users.get_user(small_book.db, "bob")
    users.set_admin(small_book.db, alice.id, "bob", True)
    users.set_admin(small_book.db, bob.id, "alice", False)
    labels = {b.label for b in as_owner(SETTINGS).button}
    assert "Prepare book archive" in labels
    assert "Prepare database backup" not in labels
