"""``/metrics`` in the Prometheus text format: requests, latency, errors, imports, reports.

Why one registry per app (not prometheus-client's global one): tests build many apps in one
process, and ``fintrack serve api`` builds exactly one; a global registry would refuse the
second app's metric names, or mix their counts.

Labels carry the route *template* (``/api/v1/books/{book_id}/transactions``), never the raw
path: ids in labels would make a new time series per book and transaction, and would leak
them to whoever reads the metrics. A path that matches no route is counted as
``<unmatched>``.

Who may read them: see ``fintrack_api.routes.metrics``.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

UNMATCHED = "<unmatched>"
# Seconds; dense around the targets of issue 12 (p99 150 ms for pages, 200 ms for reports).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0,
                   2.5, 5.0, 10.0)
REPORT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)

class ApiMetrics:
    """The API's metrics in a registry of their own; also the core's ``telemetry.Observer``
    (report times, imported rows) for the requests this app serves."""

    def __init__(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("fintrack_http_requests", "HTTP requests by route template, "
                                "method and status", ["method", "route", "status"], registry=r)
        self.latency = Histogram("fintrack_http_request_duration_seconds",
                                 "Time to answer a request, by route template and method",
                                 ["method", "route"], buckets=LATENCY_BUCKETS, registry=r)
        self.errors = Counter("fintrack_http_errors", "Error answers (5xx, and every "
                              "application/problem+json answer) by route template and status",
                              ["route", "status"], registry=r)
        self.imported = Counter("fintrack_imported_rows", "Rows written by committed "
                                "statement imports", registry=r)
        self.report_time = Histogram("fintrack_report_query_seconds", "Time to compute a "
                                     "report, by report name", ["report"],
                                     buckets=REPORT_BUCKETS, registry=r)

    def request_done(self, method: str, route: str, status: int, seconds: float,
                     problem: bool) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
        if problem or status >= 500:
            self.errors.labels(route, str(status)).inc()

    def report_ran(self, report: str, seconds: float) -> None:
        self.report_time.labels(report).observe(seconds)

    def rows_imported(self, rows: int) -> None:
        self.imported.inc(rows)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
