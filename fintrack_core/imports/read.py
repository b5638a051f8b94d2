"""Which parser reads a file: CAMT (XML), OFX/QFX, MT940, QIF or CSV, told from the content
(the name helps only when the content does not tell)."""

from __future__ import annotations

import re

from fintrack_core.imports.clean import clean_statement_text
from fintrack_core.imports.csv_import import read_csv_statement
from fintrack_core.imports.date_evidence import DateHints
from fintrack_core.imports.limits import MAX_BYTES, check_lines, check_rows, check_size
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.profiles import Profile, candidates
from fintrack_core.imports.statement import ParsedStatement, StatementError

__all__ = ["MAX_BYTES", "read_statement", "sniff_format"]


# A :20: line followed by :25: (an optional :21: between): the start of every MT940 statement.
_MT940_RE = re.compile(rb"(?:^|[\r\n:])[ \t]*:20:[^\r\n]*[\r\n]+[ \t]*"
                       rb"(?::21:[^\r\n]*[\r\n]+[ \t]*)?:25:")


def sniff_format(data: bytes, filename: str = "") -> str:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    name = filename.lower()
    if head.startswith(b"<") and (b"BKTOCSTMR" in head or b"CAMT.05" in head):
        return "camt"
    if _MT940_RE.search(data[:4096]):
        return "mt940"
    if head.startswith(b"OFXHEADER") or b"<OFX>" in head or (
            head.startswith(b"<?XML") and b"OFX" in head) or name.endswith((".ofx", ".qfx")):
        return "ofx"
    if head.startswith((b"!TYPE", b"!ACCOUNT", b"!OPTION", b"!CLEAR")) or name.endswith(".qif"):
        return "qif"
    if name.endswith((".sta", ".mt940", ".940")):
        return "mt940"
    if name.endswith(".xml") or head.startswith(b"<?XML"):
        return "camt"  # its parser says clearly when the XML is not a CAMT statement
    return "csv"


def read_statement(data: bytes, filename: str = "", *, options: Mapping | None = None,
                   saved: Mapping | None = None, profile: str | None = None,
                   date_hints: DateHints | None = None,
                   book_profiles: tuple[Profile, ...] = (),
                   account_currency: str | None = None) -> ParsedStatement:
    """Parse any supported statement. ``profile`` forces a bank profile by name (built-in
    or one of ``book_profiles``, the book's own, which are tried first);
    ``account_currency`` picks the column of a file with one amount column per currency.

    The limits of ``imports.limits`` are checked first, cheaply, and the row count again
    after parsing."""
    check_size(len(data))
    if not data.strip():
        raise StatementError("the file is empty")
    kind = sniff_format(data, filename)
    if kind not in ("ofx", "camt"):  # XML may be one long line; those parsers read a tree
        check_lines(data, count_rows=kind == "csv")
    parsed = _parse(kind, data, options, saved, profile, date_hints, book_profiles,
                    account_currency)
    check_rows(parsed.data_rows or len(parsed.rows) + len(parsed.invalid))
    return clean_statement_text(parsed)


def _parse(kind: str, data: bytes, options: Mapping | None, saved: Mapping | None,
           profile: str | None, date_hints: DateHints | None = None,
           book_profiles: tuple[Profile, ...] = (),
           account_currency: str | None = None) -> ParsedStatement:
    if kind == "ofx":
        from fintrack_core.imports.ofx import parse_ofx

        return parse_ofx(data)
    if kind == "camt":
        from fintrack_core.imports.camt import parse_camt

        return parse_camt(data)
    if kind == "mt940":
        from fintrack_core.imports.mt940 import parse_mt940

        return parse_mt940(data)
    if kind == "qif":
        from fintrack_core.imports.qif import parse_qif

        return parse_qif(data, (options.date_order if options else None)
                         or (saved.date_order if saved else None))
    profiles = candidates(book_profiles, profile)
    if profile:
        saved = profiles[0].mapping.merged(saved) if saved else profiles[0].mapping
    parsed = read_csv_statement(data, options, profiles, saved, date_hints, account_currency)
    used = next((p for p in profiles if p.name == parsed.profile), None)
    if used is not None:  # "recognised as <label> (your profile)"
        parsed.detected.update(profile_label=used.label, profile_source=used.source)
    return parsed
