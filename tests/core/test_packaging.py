"""A normal (non-editable) install works: the wheel carries its package data.

Before, ``imports/banks/*.toml`` was not package data, so an installed FinTrack recognised no
bank at all; only the editable install of a checkout worked.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATEMENT = ROOT / "tests" / "fixtures" / "statements" / "banks" / "dkb_giro.csv"

CHECK = """
import sys
sys.path.insert(0, sys.argv[1])  # the unpacked wheel before anything else
import fintrack_core
from fintrack_core.auth.passwords import common_passwords
from fintrack_core.imports.profiles import builtin_profiles
from fintrack_core.imports.read import read_statement
from pathlib import Path
assert fintrack_core.__file__.startswith(sys.argv[1]), fintrack_core.__file__
parsed = read_statement(Path(sys.argv[2]).read_bytes(), "dkb.csv")
print(len(builtin_profiles()), parsed.profile, len(parsed.rows), len(common_passwords()) > 300)
"""


def clean_copy(target: Path) -> Path:
    """The checkout's files (tracked or new, not ignored) without build leftovers, which
    would otherwise hide missing package data (setuptools reuses ``build/`` and
    ``*.egg-info``)."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\n")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def test_an_installed_wheel_recognises_banks(tmp_path: Path) -> None:
    source = clean_copy(tmp_path / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(tmp_path / "dist"),
                    str(source)], check=True, capture_output=True, timeout=300)
    [wheel] = (tmp_path / "dist").glob("fintrack-*.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)

    out = subprocess.run([sys.executable, "-c", CHECK, str(target), str(STATEMENT)],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         check=False)

    assert out.returncode == 0, out.stderr
    count, profile, rows, passwords = out.stdout.split()
    assert int(count) >= 12
    assert profile == "dkb_giro"
    assert int(rows) > 0
    assert passwords == "True"
