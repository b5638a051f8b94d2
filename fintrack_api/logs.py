"""FinTrack's log lines as JSON, one object a line, for the API and the dashboard alike.

Why here and shared: the core logs through the standard ``logging`` module (loggers named
``fintrack.*``: ``fintrack.reports`` for slow reports) and leaves the format to whoever runs
it. The API and the dashboard both call ``configure_logging``; this module imports no FastAPI,
so the dashboard can use it without loading the web framework.

* Only FinTrack's logger trees are configured (``fintrack``, and ``fintrack_core`` for core
  modules that log under their module name): one handler each, to stderr. uvicorn's and
  Streamlit's loggers keep their own format. The lines still propagate to the root logger,
  which neither server gives a handler (so nothing is printed twice), and test runners and
  embedding programs can still capture them there.
* The level is ``FINTRACK_LOG_LEVEL`` (``DEBUG``, ``INFO``, ``WARNING``, ...; default INFO).
* Fields are passed as ``extra={...}``; ``drop_secrets`` removes any field whose name says
  it holds a secret or an amount, so a careless call cannot write a password, a token or a
  transaction's amount into a log file.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

ENV_LOG_LEVEL = "FINTRACK_LOG_LEVEL"
ROOT_LOGGERS = ("fintrack", "fintrack_core")
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
# Substrings of field names that are never written (the value is dropped, the key kept out).
SECRET_WORDS = ("password", "token", "secret", "authorization", "cookie", "amount", "totp")
_MARK = "_fintrack_json_handler"


class FinTrackJsonFormatter(JsonFormatter):
    """``JsonFormatter`` with ISO-8601 UTC times and secret-looking fields removed."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return drop_secrets(super().process_log_record(log_data))


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is logged (a test runner swaps it;
    a handler holding the first one would write to a closed file)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream or sys.stderr)
        self._follow_stderr = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        if self._follow_stderr:
            self.stream = sys.stderr
        super().emit(record)


def drop_secrets(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` without the keys that name a secret or an amount (case-insensitive)."""
    return {k: v for k, v in fields.items()
            if not any(word in k.lower() for word in SECRET_WORDS)}


def log_level(default: str = "INFO") -> int:
    """The level named by ``FINTRACK_LOG_LEVEL``; an unknown name is an error that says so
    (a typo must not silently turn logging off or flood the disk)."""
    name = (os.environ.get(ENV_LOG_LEVEL) or default).strip().upper()
    level = logging.getLevelNamesMapping().get(name)
    if level is None:
        raise ValueError(f"{ENV_LOG_LEVEL}={name!r} is not a log level; use DEBUG, INFO, "
                         "WARNING, ERROR or CRITICAL")
    return level


def is_configured() -> bool:
    """Whether ``configure_logging`` has put its handler on FinTrack's loggers."""
    return any(getattr(h, _MARK, False) for h in logging.getLogger(ROOT_LOGGERS[0]).handlers)


def configure_logging(stream: TextIO | None = None, level: int | None = None
                      ) -> logging.Handler:
    """Send FinTrack's loggers to ``stream`` (default: stderr) as JSON lines.

    Calling it again replaces the previous handler (a second app in one process, a test
    capturing lines), so there is always exactly one.
    """
    handler = StderrHandler(stream)
    formatter = FinTrackJsonFormatter(FORMAT, rename_fields=RENAMED,
                                      datefmt="%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime  # UTC, whatever the server's time zone
    handler.setFormatter(formatter)
    setattr(handler, _MARK, True)
    chosen = log_level() if level is None else level
    for name in ROOT_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, _MARK, False)]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(chosen)
    return handler


def remove_logging(handler: logging.Handler) -> None:
    """Take ``handler`` (from ``configure_logging``) off FinTrack's loggers again."""
    for name in ROOT_LOGGERS:
        logging.getLogger(name).removeHandler(handler)
