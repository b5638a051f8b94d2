"""Demo data: ``generate`` builds a book as numpy columns, ``load`` stores it for a new user.

The names people and tests use stay importable from here (``create_demo``, ``DEMO_USERNAME``,
``DEMO_PASSWORD``); knobs a benchmark or test turns (``load.RAW_INSERT``) live in their module.
"""

from __future__ import annotations

from fintrack_core.demo.generate import (
    MAX_TRANSACTIONS,
    MIN_TRANSACTIONS,
    DemoData,
    generate,
    span_start,
)
from fintrack_core.demo.load import DEMO_PASSWORD, DEMO_USERNAME, DemoResult, create_demo

__all__ = ["DEMO_PASSWORD", "DEMO_USERNAME", "MAX_TRANSACTIONS", "MIN_TRANSACTIONS", "DemoData",
           "DemoResult", "create_demo", "generate", "span_start"]
