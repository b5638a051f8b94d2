"""Secrets on disk: the database and its WAL are private to their owner, and the cookie key is
found beside the data whatever the working directory (issue 7, item 12)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from fintrack_core import config
from fintrack_core.db.engine import ENV_DATA_DIR, ENV_URL, Database, data_dir
from fintrack_core.db.schema import upgrade
from fintrack_core.errors import ValidationError
from fintrack_core.ledger.users import create_user


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_sqlite_file_and_its_wal_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask would give 644
    try:
        db = Database(f"sqlite:///{tmp_path / 'new' / 'fintrack.db'}")
        upgrade(db)
        create_user(db, "alice", "wonderland-42")
        with db.engine.connect() as conn:  # a connection holds the WAL and SHM open
            conn.exec_driver_sql("SELECT count(*) FROM users").scalar()
            files = sorted(p.name for p in (tmp_path / "new").iterdir())
            assert files == ["fintrack.db", "fintrack.db-shm", "fintrack.db-wal"]
            for name in files:
                assert mode(tmp_path / "new" / name) == 0o600, name
        db.dispose()
    finally:
        os.umask(old)


@pytest.mark.parametrize("weak", ["change-me", "CHANGE-ME", "short-but-random-K9x"])
def test_a_placeholder_or_short_signing_key_is_refused_naming_where_it_came_from(
        weak: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoever knows the key can forge a login for anyone: a weak one stops the start."""
    monkeypatch.setenv("FINTRACK_COOKIE_KEY", weak)
    with pytest.raises(ValidationError, match="FINTRACK_COOKIE_KEY: this signing key is too "
                                              "weak"):
        config.cookie_key(key_file=tmp_path / "key")
    monkeypatch.delenv("FINTRACK_COOKIE_KEY")
    monkeypatch.delenv("FINTRACK_API_SECRET", raising=False)
    with pytest.raises(ValidationError, match=r"secrets\.toml: this signing key is too weak"):
        config.api_secret(weak, key_file=tmp_path / "api")
    assert not (tmp_path / "key").exists()
    assert len(config.cookie_key(key_file=tmp_path / "key")) >= config.MIN_KEY_CHARS


def test_an_in_memory_database_creates_no_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite://", "sqlite:///:memory:"):
        Database(url).dispose()
    assert list(tmp_path.iterdir()) == []  # once, "sqlite:" appeared beside the code


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Start in an unrelated working directory, with no key in the environment."""
    cwd = tmp_path / "somewhere-else"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.delenv(config.ENV_COOKIE_KEY, raising=False)
    monkeypatch.delenv(ENV_DATA_DIR, raising=False)
    return cwd


def test_the_cookie_key_file_lives_beside_the_sqlite_file(tmp_path: Path, elsewhere: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_URL, f"sqlite:///{tmp_path / 'store' / 'fintrack.db'}")
    key = config.cookie_key()
    key_file = tmp_path / "store" / ".cookie_key"
    assert key_file.read_text() == key
    assert mode(key_file) == 0o600
    assert not (elsewhere / "data").exists()
    monkeypatch.chdir(tmp_path)  # another working directory finds the same key
    assert config.cookie_key() == key


def test_fintrack_data_dir_wins(tmp_path: Path, elsewhere: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_URL, "postgresql+psycopg://u@localhost/fintrack")
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "secrets"))
    assert data_dir() == tmp_path / "secrets"
    key = config.cookie_key()
    assert (tmp_path / "secrets" / ".cookie_key").read_text() == key


def test_a_server_database_keeps_the_key_in_the_users_data_folder(
        tmp_path: Path, elsewhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_URL, "postgresql+psycopg://u@localhost/fintrack")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "fintrack"
