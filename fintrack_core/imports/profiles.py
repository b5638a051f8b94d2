"""Built-in bank profiles: one TOML file per bank in ``banks/``, recognised from the file.

A profile says how a bank's export looks (``[match]``) and how to read it (``[mapping]``, the
same fields as ``Mapping``). Adding a bank is adding a file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from fintrack_core.imports.layout import Layout, split_lines
from fintrack_core.imports.mapping import Mapping, norm

# Read through importlib.resources: the TOML files are package data, found the same way in a
# source checkout, an editable install and an installed wheel.
BANKS = resources.files("fintrack_core.imports") / "banks"


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    mapping: Mapping
    header: tuple[str, ...] = ()        # exact header names (compared normalised)
    width: int | None = None            # for files without a header
    first_cell_regex: str | None = None
    cell_regex: tuple[tuple[int, str], ...] = ()  # (1-based column, regex) for no-header files


@cache
def builtin_profiles() -> tuple[Profile, ...]:
    profiles = []
    files = sorted((f for f in BANKS.iterdir() if f.name.endswith(".toml")),
                   key=lambda f: f.name)
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        match = data.get("match", {})
        profiles.append(Profile(
            name=data["name"], label=data.get("label", data["name"]),
            mapping=Mapping.from_dict(data.get("mapping", {})),
            header=tuple(match.get("header", ())), width=match.get("width"),
            cell_regex=tuple((int(k), v) for k, v in match.get("cells", {}).items()),
        ))
    return tuple(profiles)


def _header_key(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    keyed = [norm(n) or n.strip().lower() for n in names]
    while keyed and (keyed[-1] == "" or keyed[-1].startswith("extra")):
        keyed.pop()
    return tuple(keyed)


def match_profile(profiles: list[Profile] | tuple[Profile, ...], layout: Layout, text: str,
                  delimiter: str) -> Profile | None:
    """The profile whose header (or, without a header, whose cell patterns) fits the file."""
    import csv
    import re

    if layout.header_line is not None:
        key = _header_key([c for c in layout.columns if not c.startswith("_extra")])
        for p in profiles:
            if p.header and _header_key(p.header) == key:
                return p
        return None
    lines = split_lines(text[:262144])[layout.first_data_line: layout.first_data_line + 20]
    rows = [r for r in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in r)]
    for p in profiles:
        if p.header or p.width is None or not rows:
            continue
        if all(len(r) == p.width and all(re.fullmatch(rx, r[col - 1]) for col, rx in
                                         p.cell_regex) for r in rows):
            return p
    return None
