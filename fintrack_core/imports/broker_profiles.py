"""Broker profiles as TOML files (``brokers/*.toml``): how one broker's CSV export reads.

Why files, like the bank profiles (``banks/*.toml``, ``profile_files``): a broker is added by
adding a profile, never code, and a profile is checked strictly when it is loaded, naming the
file and the key, instead of failing at the next import.

A broker CSV is one or more *tables*. A flat export (Trading 212, Degiro) is one table under
one header line. Interactive Brokers' Activity Statement is many tables in one file, each line
starting with its section name and ``Header`` or ``Data``; each ``[[table]]`` then names its
``section``. A table says which column holds what (``"Koers+1"``: the unnamed column right
after ``Koers``, where Degiro writes the currency) and how a row's kind is known:

* ``kind = "action"``: the ``action`` column's text, looked up in ``[table.actions]`` (values:
  buy, sell, dividend, interest, fee, cash_in, cash_out, cash, or ``"skip: <reason>"``);
* ``kind = "quantity_sign"``: a positive quantity is a buy, a negative one a sale;
* a fixed kind for the whole table (``dividend``, ``cash``...), or ``position`` (units the
  broker says are held: the proof) or ``security`` (names and ISINs of symbols), or
  ``"skip: <reason>"`` (its rows are not transactions, e.g. IB's Forex conversions).

Rows go to the first table of their section whose ``where`` they meet.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from fintrack_core.errors import ValidationError

BROKERS = resources.files("fintrack_core.imports") / "brokers"
ROW_KINDS = ("buy", "sell", "dividend", "interest", "fee", "cash_in", "cash_out", "cash")
TABLE_KINDS = ("action", "quantity_sign", "position", "security", *ROW_KINDS)
COLUMN_KEYS = ("date", "action", "isin", "symbol", "name", "quantity", "price",
               "price_currency", "total", "total_currency", "withholding",
               "withholding_currency", "id", "symbol_from")
LIST_KEYS = ("fees", "memo")
TABLE_KEYS = (*COLUMN_KEYS, *LIST_KEYS, "section", "kind", "date_format", "actions",
              "total_sign", "total_gross", "key", "where", "total_marker", "symbol_pattern")
TOP_KEYS = ("name", "label", "encoding", "delimiter", "decimal", "match", "table")
SKIP = "skip:"


@dataclass(frozen=True)
class BrokerTable:
    """One table of a broker's file (see the module docstring)."""

    kind: str
    columns: dict[str, str]                      # role -> header name ("Koers+1" allowed)
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)  # fees, memo
    section: str | None = None
    date_format: str = "%Y-%m-%d"
    actions: dict[str, str] = field(default_factory=dict)  # action text (lower) -> kind
    total_sign: str = "as_written"               # or "by_kind": the kind says the sign
    key: str = "isin"                            # the security key: isin (else symbol) or symbol
    where: dict[str, str] = field(default_factory=dict)   # rows kept: column == value
    total_marker: tuple[str, str] | None = None  # (column, prefix): a total line, skipped
    symbol_pattern: str | None = None            # regex with (?P<symbol>) on symbol_from
    total_gross: bool = False                    # total is before fees (cash = total - fees)


@dataclass(frozen=True)
class BrokerProfile:
    name: str
    label: str
    encoding: str
    delimiter: str
    decimal: str
    header: tuple[str, ...]   # flat files: names the header line must contain
    line: str | None          # sectioned files: a line of the file starts with this
    tables: tuple[BrokerTable, ...]


@cache  # read once per process: every import asks whether its file is a broker's
def builtin_brokers() -> tuple[BrokerProfile, ...]:
    files = sorted((p for p in BROKERS.iterdir() if p.name.endswith(".toml")),
                   key=lambda p: p.name)
    return tuple(parse_broker_profile(p.read_text(encoding="utf-8"), f"brokers/{p.name}")
                 for p in files)


def parse_broker_profile(text: str, filename: str) -> BrokerProfile:
    """A broker profile from TOML text; every error names ``filename`` and the key."""
    def bad(key: str, message: str) -> ValidationError:
        return ValidationError(filename, f"{key}: {message}")

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(filename, f"not a TOML file: {exc}") from None
    _no_unknown(data, TOP_KEYS, "", bad)
    for key in ("name", "match", "table"):
        if key not in data:
            raise bad(key, "missing")
    match = data["match"]
    if not isinstance(match, dict) or set(match) - {"header", "line"} or (
            ("header" in match) == ("line" in match)):
        raise bad("match", "give either header (names the header line has) or line (the "
                           "start of a line of a sectioned file)")
    header = match.get("header", [])
    if not isinstance(header, list) or not all(isinstance(h, str) for h in header):
        raise bad("match.header", "must be a list of column names")
    decimal = data.get("decimal", ".")
    if decimal not in (".", ","):
        raise bad("decimal", "must be '.' or ','")
    tables = data["table"]
    if not isinstance(tables, list) or not tables:
        raise bad("table", "give at least one [[table]]")
    parsed = tuple(_table(t, f"table[{i}].", bad) for i, t in enumerate(tables))
    if "line" in match and any(t.section is None for t in parsed):
        raise bad("table", "a sectioned file's tables each name their section")
    return BrokerProfile(name=str(data["name"]), label=str(data.get("label", data["name"])),
                         encoding=str(data.get("encoding", "utf-8")),
                         delimiter=str(data.get("delimiter", ",")), decimal=decimal,
                         header=tuple(header), line=match.get("line"), tables=parsed)


def _no_unknown(data: dict[str, Any], allowed: tuple[str, ...], prefix: str, bad: Any) -> None:
    for key in data:
        if key not in allowed:
            raise bad(prefix + key, f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _table(data: Any, prefix: str, bad: Any) -> BrokerTable:
    if not isinstance(data, dict):
        raise bad(prefix, "must be a table")
    _no_unknown(data, TABLE_KEYS, prefix, bad)
    kind = data.get("kind")
    if isinstance(kind, str) and kind.startswith(SKIP) and kind[len(SKIP):].strip():
        return BrokerTable(kind=kind, columns={}, section=data.get("section"),
                           where=dict(data.get("where", {})))
    if kind not in TABLE_KINDS:
        raise bad(prefix + "kind", f"must be one of {', '.join(TABLE_KINDS)}, or 'skip: "
                                   "<reason>' for rows that are not transactions")
    columns = {k: v for k, v in data.items() if k in COLUMN_KEYS}
    if not all(isinstance(v, str) and v for v in columns.values()):
        raise bad(prefix, "column names are texts")
    needed = {"position": ("quantity",), "security": ()}.get(kind, ("date",))
    for role in needed:
        if role not in columns:
            raise bad(prefix + role, "missing")
    actions: dict[str, str] = {}
    for text, value in data.get("actions", {}).items():
        if not (value in ROW_KINDS or (isinstance(value, str) and value.startswith(SKIP))):
            raise bad(f"{prefix}actions.{text}", "must be a row kind or 'skip: <reason>'")
        actions[text.strip().lower()] = value
    if kind == "action" and ("action" not in columns or not actions):
        raise bad(prefix + "actions", "kind = 'action' needs the action column and actions")
    pattern = data.get("symbol_pattern")
    if pattern is not None:
        try:
            if "symbol" not in re.compile(pattern).groupindex:
                raise bad(prefix + "symbol_pattern", "needs a (?P<symbol>...) group")
        except re.error as exc:
            raise bad(prefix + "symbol_pattern", f"not a regular expression: {exc}") from None
    marker = data.get("total_marker")
    if marker is not None and not (isinstance(marker, list) and len(marker) == 2):
        raise bad(prefix + "total_marker", "must be [column, prefix]")
    if data.get("total_sign", "as_written") not in ("as_written", "by_kind"):
        raise bad(prefix + "total_sign", "must be 'as_written' or 'by_kind'")
    if data.get("key", "isin") not in ("isin", "symbol"):
        raise bad(prefix + "key", "must be 'isin' or 'symbol'")
    return BrokerTable(
        kind=kind, columns=columns,
        lists={k: tuple(data[k]) for k in LIST_KEYS if k in data},
        section=data.get("section"), date_format=data.get("date_format", "%Y-%m-%d"),
        actions=actions, total_sign=data.get("total_sign", "as_written"),
        key=data.get("key", "isin"), where=dict(data.get("where", {})),
        total_marker=(str(marker[0]), str(marker[1])) if marker else None,
        symbol_pattern=pattern, total_gross=bool(data.get("total_gross", False)))
