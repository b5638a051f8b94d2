"""The core's measurements reach only the observer of the context that made the call, and a
slow report is logged with its name (stdlib logging; the format is the interfaces')."""

from __future__ import annotations

import logging
import threading

import pytest

from fintrack_core import telemetry


class Recorder:
    def __init__(self) -> None:
        self.reports: list[str] = []
        self.rows = 0

    def report_ran(self, report: str, seconds: float) -> None:
        assert seconds >= 0
        self.reports.append(report)

    def rows_imported(self, rows: int) -> None:
        self.rows += rows


@telemetry.timed_report("sample")
def sample_report(scope: object, value: int) -> int:
    return value * 2


def test_only_the_observer_of_the_calling_context_hears_of_it() -> None:
    first, second = Recorder(), Recorder()
    assert sample_report(None, 1) == 2  # nobody observing: nothing recorded, no error
    with telemetry.observing(first):
        sample_report(None, 2)
        telemetry.rows_imported(40)
        with telemetry.observing(second):
            sample_report(None, 3)
        telemetry.rows_imported(2)
    telemetry.rows_imported(1000)
    assert (first.reports, first.rows) == (["sample"], 42)
    assert (second.reports, second.rows) == (["sample"], 0)


def test_another_thread_without_the_context_reports_to_nobody() -> None:
    seen = Recorder()
    with telemetry.observing(seen):
        worker = threading.Thread(target=sample_report, args=(None, 1))
        worker.start()
        worker.join()
    assert seen.reports == []


def test_a_slow_report_is_logged_with_its_name_and_book(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    class Book:
        book_id = 7

    monkeypatch.setenv(telemetry.ENV_SLOW_QUERY_MS, "0")
    with caplog.at_level(logging.INFO, logger="fintrack.reports"):
        sample_report(Book(), 1)
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert (record.__dict__["report"], record.__dict__["book_id"]) == ("sample", 7)
    assert record.getMessage().startswith("slow report sample:")


@pytest.mark.parametrize(("value", "threshold"), [("", 200.0), ("350", 350.0),
                                                   ("fast", 200.0)])
def test_the_threshold_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str,
                                                  threshold: float) -> None:
    monkeypatch.setenv(telemetry.ENV_SLOW_QUERY_MS, value)
    assert telemetry.slow_query_ms() == threshold
