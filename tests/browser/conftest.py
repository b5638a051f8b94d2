"""Real-browser fixtures: Debian's Chromium driven by Playwright against `streamlit run`.

Never `playwright install` (it downloads a browser; this machine cannot). Without Chromium
these tests skip, unless FINTRACK_REQUIRE_BROWSER=1 (set by CI) turns that into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("FINTRACK_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"FINTRACK_REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason="Debian chromium not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, object]:
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, object]:
    return {"viewport": {"width": 1400, "height": 1300}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    db_url: str


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`streamlit run app.py` on a free port against a temporary database with demo data."""
    from fintrack_core.db.engine import Database
    from fintrack_core.db.schema import upgrade
    from fintrack_core.demo import create_demo

    tmp = tmp_path_factory.mktemp("server")
    db_url = f"sqlite:///{tmp / 'fintrack.db'}"
    db = Database(db_url)
    upgrade(db)
    create_demo(db)
    db.dispose()
    yield from streamlit_server(tmp, db_url)


def streamlit_server(tmp: Path, db_url: str) -> Iterator[Server]:
    """`streamlit run app.py` on a free port against ``db_url`` (log in ``tmp``), stopped
    when the generator is closed: the body of every server fixture here."""
    port = free_port()
    env = {**os.environ, "FINTRACK_DATABASE_URL": db_url,
           "FINTRACK_COOKIE_KEY": "browser-test-cookie-key-0123456789abcdef"}
    log_path = tmp / "streamlit.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            proc.kill()
            raise RuntimeError(f"streamlit did not start: {log_path.read_text()}")
        yield Server(url, db_url)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
