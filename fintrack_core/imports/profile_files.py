"""Bank profiles as TOML files: read one strictly, write one that any FinTrack reads back.

The built-in profiles in ``banks/*.toml``, a profile a user exports, and one loaded from
another installation are the same document and go through the same checks, so a file that
loads here loads everywhere. A profile read from a stranger's file is refused with a message
naming the file and the key (an unknown key, a regular expression that does not compile, a
column the header does not have, no date or amount role) instead of failing at the next import.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from fintrack_core.errors import ValidationError
from fintrack_core.imports.dates import ORDERS
from fintrack_core.imports.mapping import Mapping

TOP_KEYS = ("name", "label", "match", "mapping")
MATCH_KEYS = ("header", "width", "cells")
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
RESERVED_PREFIX = "account-"  # the per-account saved mappings are stored under these names
MAX_PROFILE_BYTES = 64 * 1024
_TUPLE_FIELDS = {"description", "debit_values", "states_ok", "skip_patterns"}
_BOOL_FIELDS = {"has_header", "negate"}
_COLUMN_FIELDS = ("date", "amount", "debit", "credit", "direction", "payee", "currency", "fee",
                  "state", "balance")


@dataclass(frozen=True)
class Profile:
    """How a bank's export looks (``header`` or ``width`` + ``cell_regex``) and how to read it.

    ``source`` says where it comes from: ``built-in`` (shipped in ``banks/``) or ``book`` (the
    book's own, saved from an import or loaded from a file)."""

    name: str
    label: str
    mapping: Mapping
    header: tuple[str, ...] = ()        # exact header names (compared normalised)
    width: int | None = None            # for files without a header
    cell_regex: tuple[tuple[int, str], ...] = ()  # (1-based column, regex) for no-header files
    source: str = "built-in"


def check_name(name: object, where: str = "name") -> str:
    """A profile name: lower-case letters, digits, ``_`` and ``-`` (it is a file name and a
    command-line argument); ``account-...`` is taken by the per-account mappings."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValidationError(where, f"{name!r} is not a profile name: use 1-64 lower-case "
                                     "letters, digits, '_' or '-' (e.g. my_credit_union)")
    if name.startswith(RESERVED_PREFIX):
        raise ValidationError(where, f"names starting with {RESERVED_PREFIX!r} are reserved "
                                     "for the mappings remembered per account")
    return name


def parse_profile(text: str, filename: str, source: str = "book") -> Profile:
    """A profile from TOML text, checked; every error names ``filename`` and the key."""
    if len(text.encode("utf-8")) > MAX_PROFILE_BYTES:
        raise ValidationError(filename, f"a profile file is at most {MAX_PROFILE_BYTES // 1024} "
                                        "KB")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(filename, f"not a TOML file: {exc}") from None
    return profile_from_data(data, filename, source)


def profile_from_data(data: dict[str, Any], filename: str, source: str = "book") -> Profile:
    """A profile from its document (TOML tables, or the JSON stored in the database)."""
    def bad(key: str, message: str) -> ValidationError:
        return ValidationError(filename, f"{key}: {message}")

    _no_unknown(data, TOP_KEYS, "", bad)
    for key in ("name", "match", "mapping"):
        if key not in data:
            raise bad(key, "missing")
    try:
        name = check_name(data["name"])
    except ValidationError as exc:
        raise bad("name", exc.message) from None
    label = data.get("label", name)
    if not isinstance(label, str) or not label.strip() or len(label) > 200:
        raise bad("label", "must be a text of 1 to 200 characters")
    match, mapping_data = data["match"], data["mapping"]
    if not isinstance(match, dict):
        raise bad("match", "must be a table ([match])")
    if not isinstance(mapping_data, dict):
        raise bad("mapping", "must be a table ([mapping])")
    header, width, cells = _read_match(match, bad)
    mapping = _read_mapping(mapping_data, bad)
    _check_columns(mapping, header, width, bad)
    return Profile(name=name, label=label.strip(), mapping=mapping, header=header,
                   width=width, cell_regex=cells, source=source)


def _no_unknown(data: dict[str, Any], allowed: tuple[str, ...] | set[str], prefix: str,
                bad: Any) -> None:
    for key in data:
        if key not in allowed:
            raise bad(prefix + key, f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _read_match(match: dict[str, Any], bad: Any) -> tuple[
        tuple[str, ...], int | None, tuple[tuple[int, str], ...]]:
    _no_unknown(match, MATCH_KEYS, "match.", bad)
    header = match.get("header", [])
    if not isinstance(header, list) or not all(isinstance(h, str) for h in header):
        raise bad("match.header", "must be a list of column names")
    width = match.get("width")
    if width is not None and (not isinstance(width, int) or isinstance(width, bool)
                              or not 1 <= width <= 200):
        raise bad("match.width", "must be a number of columns from 1 to 200")
    if bool(header) == (width is not None):
        raise bad("match", "give either header (the file's column names) or width (columns "
                           "of a file without a header)")
    raw_cells = match.get("cells", {})
    if not isinstance(raw_cells, dict):
        raise bad("match.cells", "must be a table of column number = regular expression")
    if raw_cells and width is None:
        raise bad("match.cells", "only for files without a header (with width)")
    cells = []
    for key, pattern in raw_cells.items():
        where = f"match.cells.{key}"
        if not key.isdigit() or not 1 <= int(key) <= (width or 0):
            raise bad(where, f"not a column number from 1 to {width}")
        if not isinstance(pattern, str):
            raise bad(where, "must be a regular expression in quotes")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise bad(where, f"not a valid regular expression: {exc}") from None
        cells.append((int(key), pattern))
    return tuple(header), width, tuple(cells)


def _read_mapping(data: dict[str, Any], bad: Any) -> Mapping:
    names = {f.name for f in fields(Mapping)}
    _no_unknown(data, names, "mapping.", bad)
    clean: dict[str, object] = {}
    for key, value in data.items():
        where = f"mapping.{key}"
        if key in _BOOL_FIELDS:
            if not isinstance(value, bool):
                raise bad(where, "must be true or false")
        elif key == "skip_rows":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise bad(where, "must be a number of lines, 0 or more")
        elif key == "description" and isinstance(value, str):
            value = [value]
        if key in _TUPLE_FIELDS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise bad(where, "must be a list of texts")
            value = tuple(value)
        elif key not in _BOOL_FIELDS and key != "skip_rows" and not isinstance(value, str):
            raise bad(where, "must be a text in quotes")
        clean[key] = value
    if clean.get("decimal") not in (None, ".", ","):
        raise bad("mapping.decimal", 'must be "." or ","')
    if clean.get("date_order") not in (None, *ORDERS):
        raise bad("mapping.date_order", f"must be one of {', '.join(ORDERS)}")
    date_format = clean.get("date_format")
    if date_format is not None and "%" not in str(date_format):
        raise bad("mapping.date_format", "must be a strftime format such as %d.%m.%Y")
    patterns: tuple[str, ...] = clean.get("skip_patterns", ())  # type: ignore[assignment]
    for i, pattern in enumerate(patterns):
        try:  # evaluated by Arrow (RE2 syntax), so checked by Arrow
            pc.match_substring_regex(pa.array([""]), pattern)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise bad(f"mapping.skip_patterns[{i + 1}]",
                      f"not a valid regular expression: {exc}") from None
    if not clean.get("date"):
        raise bad("mapping.date", "missing: which column holds the date")
    if not any(clean.get(k) for k in ("amount", "debit", "credit")):
        raise bad("mapping.amount", "missing: give amount (one signed column) or debit and "
                                    "credit (money out / money in)")
    return Mapping(**clean)  # type: ignore[arg-type]


def layout_names(header: tuple[str, ...]) -> list[str]:
    """Column names as the reader gives them: a repeated name gets ' (2)', ' (3)'."""
    seen: dict[str, int] = {}
    out = []
    for h in (h.strip() or "column" for h in header):
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


def _check_columns(mapping: Mapping, header: tuple[str, ...], width: int | None,
                   bad: Any) -> None:
    """Every column the mapping names is in the header (or, without one, within width)."""
    names = {n.lower() for n in layout_names(header)}
    count = len(header) if header else (width or 0)
    refs = [(f, getattr(mapping, f)) for f in _COLUMN_FIELDS]
    refs += [("description", d) for d in mapping.description]
    for key, ref in refs:
        if not ref:
            continue
        if ref.lower() in names or (ref.isdigit() and 1 <= int(ref) <= count):
            continue
        known = ", ".join(layout_names(header)) if header else f"1 to {count}"
        raise bad(f"mapping.{key}", f"column {ref!r} is not in the file's columns ({known})")


# --- writing ---------------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    out = []
    for ch in value:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {type(value).__name__}")


def profile_to_data(profile: Profile) -> dict[str, Any]:
    """The profile's document: what ``profile_from_data`` reads back (and the TOML holds).
    The encoding is left out: it is detected per file, and another installation's file of
    the same bank may come with a BOM or without."""
    match: dict[str, Any] = {}
    if profile.header:
        match["header"] = list(profile.header)
    else:
        match["width"] = profile.width
        if profile.cell_regex:
            match["cells"] = {str(col): rx for col, rx in profile.cell_regex}
    default = Mapping()
    mapping: dict[str, Any] = {}
    for f in fields(Mapping):
        value = getattr(profile.mapping, f.name)
        if value in (None, "") or value == getattr(default, f.name) or f.name == "encoding":
            continue  # "" is a role the user set to "(none)": no column, nothing to write
        mapping[f.name] = list(value) if isinstance(value, tuple) else value
    return {"name": profile.name, "label": profile.label, "match": match, "mapping": mapping}


def profile_to_toml(profile: Profile) -> str:
    """The profile as a TOML document in the format of ``banks/*.toml``."""
    data = profile_to_data(profile)
    lines = [f"name = {_toml_string(profile.name)}", f"label = {_toml_string(profile.label)}",
             "", "[match]"]
    for key, value in data["match"].items():
        if key == "cells":
            cells = ", ".join(f"{col} = {_toml_string(rx)}" for col, rx in value.items())
            lines.append(f"cells = {{ {cells} }}")
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    lines += ["", "[mapping]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in data["mapping"].items()]
    return "\n".join(lines) + "\n"


__all__ = ["Profile", "check_name", "layout_names", "parse_profile", "profile_from_data",
           "profile_to_data", "profile_to_toml"]
