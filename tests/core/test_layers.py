"""The boundaries of the house (docs/architecture.md), checked on the source itself.

The core imports no interface and no interface library; the interfaces reach the database
layer only through the core's facade (``fintrack_core.api``), never ``fintrack_core.db``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INTERFACE_LIBRARIES = {"streamlit", "streamlit_authenticator", "typer", "rich", "click",
                       "plotly", "fastapi", "uvicorn", "fintrack_ui", "fintrack_cli",
                       "fintrack_api"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py")
                  if "migrations" not in p.parts)


@pytest.mark.parametrize("path", python_files("fintrack_core"), ids=lambda p: p.name)
def test_the_core_imports_no_interface(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.split(".")[0] in INTERFACE_LIBRARIES}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", [*python_files("fintrack_ui", "fintrack_cli", "fintrack_api",
                                               "pages"), ROOT / "app.py"],
                         ids=lambda p: p.name)
def test_interfaces_reach_the_database_only_through_the_facade(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.startswith("fintrack_core.db")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: use fintrack_core.api"


ENTRY_MODULES = ("fintrack_core.db.portfolio_models", "fintrack_core.db.notify_models",
                 "fintrack_core.db.api_models", "fintrack_core.db.portfolio_alert_models",
                 "fintrack_core.prices", "fintrack_core.portfolio.valuation",
                 "fintrack_core.portfolio.alerts", "fintrack_core.imports.service")


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_a_module_imports_first_in_a_fresh_process(module: str) -> None:
    """A circular import shows only when its cycle is entered from the wrong end: import each
    module that sits on a known cycle (models and their base, prices and the portfolio's
    alerts) first, alone, in a new interpreter."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
