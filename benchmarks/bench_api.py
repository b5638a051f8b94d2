"""How fast the HTTP API answers under concurrent clients (issue 12's speed table).

A real server: ``fintrack serve api`` (uvicorn, one process) on 127.0.0.1 over a copy of the
demo book of ``--rows`` transactions (built by ``bench_reports.py``'s generator and kept in
``--cache-dir``; the copy keeps the POSTs out of the cached book). ``--clients`` concurrent
httpx clients call each endpoint for ``--seconds`` or ``--max-requests``, whichever ends
first, after a short warm-up; every answer must be 2xx. Printed per endpoint: requests,
errors, requests/s, p50 and p99 latency (ms, as the client sees it), and the target.

* ``GET /transactions``: a page of 50 of one account (a filter), newest first.
* ``POST /transactions``: one expense, with a read-write personal access token; the rate
  limits are raised for the run (``FINTRACK_API_RATE_LIMITS``), as a bench is one busy caller.
* ``GET /reports/monthly``: the last complete month.

The server logs as in production (JSON lines at INFO, into a file in the temporary folder).
The client runs in this process: on a 2-core machine it competes with the server for CPU, so
the figures are a floor. The load average is printed before the run.

Run: python benchmarks/bench_api.py [--rows 1000000] [--clients 8] [--seconds 10]
                                    [--max-requests 20000] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_reports

from fintrack_core.tokens.personal import create_token

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"GET /transactions": (300.0, 150.0), "POST /transactions": (100.0, None),
           "GET /reports/monthly": (None, 200.0)}  # (req/s at least, p99 ms below)


@dataclass
class Endpoint:
    label: str
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    body: Callable[[int], dict[str, Any]] | None = None


@dataclass
class Result:
    label: str
    latencies_ms: list[float]
    errors: int
    seconds: float

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db_path: Path, folder: Path, port: int) -> tuple[subprocess.Popen[bytes], Path]:
    env = {**os.environ, "FINTRACK_DATABASE_URL": f"sqlite:///{db_path}",
           "FINTRACK_DATA_DIR": str(folder), "FINTRACK_LOG_LEVEL": "INFO",
           "FINTRACK_API_RATE_LIMITS": "per_caller=100000000/minute;"
                                       "per_address=100000000/hour"}
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [sys.executable, "-m", "fintrack_cli.main", "serve", "api", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, log_path
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"the API did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)


async def hammer(base: str, headers: dict[str, str], endpoint: Endpoint, clients: int,
                 seconds: float, max_requests: int) -> Result:
    """``clients`` workers calling ``endpoint`` until the time or the request budget ends."""
    latencies: list[float] = []
    errors = 0
    issued = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30,
                                 limits=limits) as client:
        for i in range(min(clients, 5)):  # warm-up: connections, caches, the report copy
            await call(client, endpoint, -1 - i)
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            nonlocal errors, issued
            while time.perf_counter() < deadline and issued < max_requests:
                issued += 1
                sent = time.perf_counter()
                status = await call(client, endpoint, issued)
                if 200 <= status < 300:
                    latencies.append((time.perf_counter() - sent) * 1000)
                else:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return Result(endpoint.label, latencies, errors, elapsed)


async def call(client: httpx.AsyncClient, endpoint: Endpoint, n: int) -> int:
    body = endpoint.body(n) if endpoint.body else None
    answer = await client.request(endpoint.method, endpoint.path, params=endpoint.params,
                                  json=body)
    return answer.status_code


def verdict(result: Result) -> str:
    rate, p99 = TARGETS[result.label]
    parts = []
    if rate is not None:
        parts.append(f">= {rate:.0f}/s " + ("met" if result.per_second >= rate else "MISSED"))
    if p99 is not None:
        parts.append(f"p99 < {p99:.0f} ms " + ("met" if result.percentile(0.99) < p99
                                                else "MISSED"))
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    cached = args.cache_dir / f"demo_{args.rows}.db"
    if not cached.exists():
        bench_reports.generate(cached, args.rows)
    with tempfile.TemporaryDirectory(prefix="bench_api_") as tmp:
        folder = Path(tmp)
        db_path = folder / "fintrack.db"
        shutil.copyfile(cached, db_path)
        book = bench_reports.open_book(db_path)
        token = create_token(book.scope, "bench_api", "read-write").secret
        book.db.dispose()
        base_path = f"/api/v1/books/{book.scope.book_id}"
        endpoints = [
            Endpoint("GET /transactions", "GET", f"{base_path}/transactions",
                     {"account_id": book.account_id, "limit": 50}),
            Endpoint("POST /transactions", "POST", f"{base_path}/transactions",
                     body=lambda n: {"account_id": book.account_id,
                                     "date": book.date_to.isoformat(),
                                     "amount": f"-{1 + n % 97}.{n % 100:02d}",
                                     "payee": f"Bench {n % 13}",
                                     "category_id": book.category_id}),
            Endpoint("GET /reports/monthly", "GET", f"{base_path}/reports/monthly",
                     {"month": book.month.isoformat()}),
        ]
        port = free_port()
        proc, log_path = start_server(db_path, folder, port)
        print(f"{book.rows:,} transactions; {args.clients} clients; up to {args.seconds:g} s "
              f"or {args.max_requests:,} requests per endpoint; load average "
              f"{os.getloadavg()[0]:.2f}", flush=True)
        print(f"{'endpoint':<22} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} "
              f"{'p99 ms':>8}  target", flush=True)
        try:
            for endpoint in endpoints:
                result = asyncio.run(hammer(f"http://127.0.0.1:{port}",
                                            {"Authorization": f"Bearer {token}"}, endpoint,
                                            args.clients, args.seconds, args.max_requests))
                p50 = statistics.median(result.latencies_ms or [0.0])
                print(f"{result.label:<22} {len(result.latencies_ms):>8,} {result.errors:>6} "
                      f"{result.per_second:>8.1f} {p50:>8.1f} {result.percentile(0.99):>8.1f}"
                      f"  {verdict(result)}", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        lines = log_path.read_text(errors="replace").count("\n")
        print(f"(server log: {lines:,} lines)", flush=True)


if __name__ == "__main__":
    main()
