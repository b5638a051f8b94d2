"""``fintrack serve`` runs the dashboard and the API as one service: both start, SIGTERM
stops both, and when one dies the other is stopped and the exit status names the one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fintrack_cli.supervisor import EXIT_API_DIED, EXIT_DASHBOARD_DIED, Child, supervise
from tests.api.test_server import free_port

ROOT = Path(__file__).resolve().parents[2]
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def start_serve(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FINTRACK_DATABASE_URL": f"sqlite:///{tmp_path / 'fintrack.db'}",
           "FINTRACK_DATA_DIR": str(tmp_path)}
    log = (tmp_path / "serve.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "fintrack_cli.main", "serve", *args],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    proc.kill()
    pytest.fail(f"{url} never answered: {log.read_text()}")


def port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_starts_both_servers_and_a_signal_stops_both(
        tmp_path: Path, stop_signal: signal.Signals) -> None:
    dashboard, api = free_port(), free_port()
    proc = start_serve(tmp_path, "--dashboard-port", str(dashboard), "--api-port", str(api))
    log = tmp_path / "serve.log"
    wait_healthy(proc, f"http://127.0.0.1:{api}/health", log)
    wait_healthy(proc, f"http://127.0.0.1:{dashboard}/_stcore/health", log)

    proc.send_signal(stop_signal)  # docker stop; Ctrl-C

    assert proc.wait(timeout=30) == 0
    assert port_is_closed(api), log.read_text()
    assert port_is_closed(dashboard), log.read_text()
    assert "Stopping FinTrack" in log.read_text()


def test_when_the_api_cannot_start_the_dashboard_is_stopped_and_the_status_says_api(
        tmp_path: Path) -> None:
    dashboard = free_port()
    with socket.socket() as taken:  # the API's port is in use by someone else
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        api = taken.getsockname()[1]
        proc = start_serve(tmp_path, "--dashboard-port", str(dashboard), "--api-port", str(api))
        status = proc.wait(timeout=60)
    assert status == EXIT_API_DIED
    assert port_is_closed(dashboard)
    assert "The API stopped" in (tmp_path / "serve.log").read_text()


def test_supervise_stops_the_survivor_and_names_the_one_that_died() -> None:
    said: list[str] = []
    dashboard = Child("dashboard", SLEEPER, EXIT_DASHBOARD_DIED)
    api = Child("API", [sys.executable, "-c", "raise SystemExit(7)"], EXIT_API_DIED)
    started = time.monotonic()
    assert supervise([dashboard, api], said.append, grace=5) == EXIT_API_DIED
    assert time.monotonic() - started < 10  # the sleeper was terminated, not waited for
    assert said == ["The API stopped (exit status 7); stopping the dashboard."]


def test_supervise_also_fails_when_a_server_ends_cleanly() -> None:
    dashboard = Child("dashboard", [sys.executable, "-c", "pass"], EXIT_DASHBOARD_DIED)
    api = Child("API", SLEEPER, EXIT_API_DIED)
    assert supervise([dashboard, api], lambda _: None, grace=5) == EXIT_DASHBOARD_DIED


def test_serve_options_belong_after_the_subcommand(tmp_path: Path) -> None:
    proc = start_serve(tmp_path, "--host", "127.0.0.2", "api")
    assert proc.wait(timeout=30) == 1
    assert "give the options after the subcommand" in (tmp_path / "serve.log").read_text()


def test_the_two_servers_need_two_ports(tmp_path: Path) -> None:
    proc = start_serve(tmp_path, "--dashboard-port", "9000", "--api-port", "9000")
    assert proc.wait(timeout=30) == 1
    assert "need two ports" in (tmp_path / "serve.log").read_text()
