"""Bank profiles: the built-in ones (one TOML file per bank in ``banks/``) and a book's own,
recognised from the file.

A profile says how a bank's export looks (``[match]``) and how to read it (``[mapping]``, the
same fields as ``Mapping``). Adding a bank is adding a file; a user adds one to their book by
saving a mapping or loading a profile file (``book_profiles``). Built-in files go through the
same checks as a user's (``profile_files.parse_profile``), so every exported profile loads.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from functools import cache
from importlib import resources

from fintrack_core.errors import ValidationError
from fintrack_core.imports.layout import Layout, detect_layout, split_lines
from fintrack_core.imports.mapping import Mapping, norm
from fintrack_core.imports.profile_files import Profile, parse_profile
from fintrack_core.imports.statement import StatementError

# Read through importlib.resources: the TOML files are package data, found the same way in a
# source checkout, an editable install and an installed wheel.
BANKS = resources.files("fintrack_core.imports") / "banks"


@cache
def builtin_profiles() -> tuple[Profile, ...]:
    files = sorted((f for f in BANKS.iterdir() if f.name.endswith(".toml")),
                   key=lambda f: f.name)
    return tuple(parse_profile(path.read_text(encoding="utf-8"), f"banks/{path.name}",
                               source="built-in") for path in files)


def candidates(book: Sequence[Profile], forced: str | None) -> list[Profile]:
    """The profiles to try on a file: the book's own first (a user's correction of a bank
    wins over the built-in one), then the built-ins; only ``forced`` when one is named."""
    profiles = [*book, *builtin_profiles()]
    if not forced:
        return profiles
    chosen = [p for p in profiles if p.name == forced]
    if not chosen:
        raise ValidationError("profile", f"no bank profile called {forced!r} (see `fintrack "
                                         "profiles list`)")
    return chosen[:1]


def _header_key(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    keyed = [norm(n) or n.strip().lower() for n in names]
    while keyed and (keyed[-1] == "" or keyed[-1].startswith("extra")):
        keyed.pop()
    return tuple(keyed)


def _columns_key(layout: Layout) -> tuple[str, ...]:
    return _header_key([c for c in layout.columns if not c.startswith("_extra")])


def match_profile(profiles: list[Profile] | tuple[Profile, ...], layout: Layout, text: str,
                  delimiter: str) -> Profile | None:
    """The profile whose header (or, without a header, whose cell patterns) fits the file.

    A profile that says where its header is (``skip_rows``, for a preamble the layout
    detection misreads) is compared with the header found on that line."""
    relaid: dict[int, tuple[str, ...] | None] = {}
    for p in profiles:
        if not p.header:
            continue
        key = _columns_key(layout) if layout.header_line is not None else None
        skip = p.mapping.skip_rows
        if skip is not None and skip != layout.header_line:
            if skip not in relaid:
                try:
                    relaid[skip] = _columns_key(detect_layout(text, delimiter, skip, True))
                except StatementError:
                    relaid[skip] = None
            key = relaid[skip]
        if key is not None and _header_key(p.header) == key:
            return p
    if layout.header_line is not None:
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


__all__ = ["Mapping", "Profile", "builtin_profiles", "candidates", "match_profile"]
