"""Every third-party package the code imports is declared: pinned in requirements.txt and
listed in pyproject's dependencies (before, ``rich`` and ``click`` came only through typer)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("fintrack_core", "fintrack_ui", "fintrack_cli", "fintrack_api")
OURS = set(PACKAGES) | {"pages", "app", "tests"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_top_level_modules() -> set[str]:
    found: set[str] = set()
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    files += [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in OURS and m not in sys.stdlib_module_names}


def imported_distributions() -> set[str]:
    owners = packages_distributions()
    return {_norm(d) for m in imported_top_level_modules() for d in owners.get(m, [m])}


def pinned_requirements() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", line.strip())
        if match:
            pins[_norm(match.group(1))] = match.group(2)
    return pins


def pyproject_dependencies() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {_norm(re.split(r"[\[<>=!~ ;]", d, maxsplit=1)[0])
            for d in data["project"]["dependencies"]}


def test_every_imported_package_is_pinned_in_requirements() -> None:
    missing = imported_distributions() - set(pinned_requirements())
    assert not missing, f"imported but not pinned in requirements.txt: {sorted(missing)}"


def test_every_imported_package_is_a_declared_dependency() -> None:
    missing = imported_distributions() - pyproject_dependencies()
    assert not missing, f"imported but not in pyproject dependencies: {sorted(missing)}"


def test_the_cli_libraries_are_declared_at_the_installed_versions() -> None:
    from importlib.metadata import version

    pins = pinned_requirements()
    assert pins["rich"] == version("rich")
    assert pins["click"] == version("click")
