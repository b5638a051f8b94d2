"""Run the dashboard and the API as two child processes and stop them together.

Why two processes and not threads: Streamlit and uvicorn each want the main thread and their
own signal handling. Why a supervisor at all: ``fintrack serve`` (and the Docker image, where
it is PID 1) must behave as one service — Ctrl-C or SIGTERM stops both, and when one of them
dies the other is stopped too, so a half-running FinTrack never looks healthy.

The children run in their own process groups: a signal reaches each of them exactly once,
from here, instead of twice (once from the terminal, once forwarded), which would make
uvicorn skip its graceful shutdown.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType

# The exit status of ``fintrack serve`` says which server failed first.
EXIT_STOPPED = 0  # stopped on request (SIGINT / SIGTERM)
EXIT_DASHBOARD_DIED = 3
EXIT_API_DIED = 4
GRACE_SECONDS = 10.0  # how long a child gets to shut down before it is killed
POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class Child:
    """One server: its name in messages, its command, and the exit status if it dies."""

    name: str
    command: Sequence[str]
    died_status: int


def stop(procs: Sequence[subprocess.Popen[bytes]], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM every running child, then SIGKILL those still running after ``grace``."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class _StopRequested(Exception):
    """Raised from the signal handler so the wait loop ends at once."""


def _raise_stop(_signum: int, _frame: FrameType | None) -> None:
    raise _StopRequested


def supervise(children: Sequence[Child], say: Callable[[str], None],
              grace: float = GRACE_SECONDS) -> int:
    """Start ``children``, wait until a signal or until one exits, stop the rest.

    Returns ``EXIT_STOPPED`` after SIGINT/SIGTERM, else the ``died_status`` of the child that
    exited first (whatever its own status: a server that ends on its own has failed).
    """
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for child in children:
            # our own commands (python -m streamlit / fintrack_cli), never user input
            procs.append(subprocess.Popen(list(child.command), process_group=0))  # noqa: S603
        while True:
            for child, proc in zip(children, procs, strict=True):
                status = proc.poll()
                if status is not None:
                    others = [c.name for c in children if c is not child]
                    say(f"The {child.name} stopped (exit status {status}); stopping the "
                        f"{' and '.join(others)}.")
                    return child.died_status
            time.sleep(POLL_SECONDS)
    except _StopRequested:
        say("Stopping FinTrack…")
        return EXIT_STOPPED
    finally:
        # Signals stay ignored while the children shut down: a second Ctrl-C must not leave
        # them orphaned halfway.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        stop(procs, grace)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
