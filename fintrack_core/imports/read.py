"""Which parser reads a file: OFX/QFX, QIF or CSV, told from the content (the name helps)."""

from __future__ import annotations

from fintrack_core.imports.clean import clean_statement_text
from fintrack_core.imports.csv_import import read_csv_statement
from fintrack_core.imports.limits import MAX_BYTES, check_lines, check_rows, check_size
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.profiles import builtin_profiles
from fintrack_core.imports.statement import ParsedStatement, StatementError

__all__ = ["MAX_BYTES", "read_statement", "sniff_format"]


def sniff_format(data: bytes, filename: str = "") -> str:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    name = filename.lower()
    if head.startswith(b"OFXHEADER") or b"<OFX>" in head or (
            head.startswith(b"<?XML") and b"OFX" in head) or name.endswith((".ofx", ".qfx")):
        return "ofx"
    if head.startswith((b"!TYPE", b"!ACCOUNT", b"!OPTION", b"!CLEAR")) or name.endswith(".qif"):
        return "qif"
    return "csv"


def read_statement(data: bytes, filename: str = "", *, options: Mapping | None = None,
                   saved: Mapping | None = None, profile: str | None = None,
                   account_currency: str | None = None) -> ParsedStatement:
    """Parse any supported statement. ``profile`` forces a built-in bank profile by name;
    ``account_currency`` picks the column of a file with one amount column per currency.

    The limits of ``imports.limits`` are checked first, cheaply, and the row count again
    after parsing."""
    check_size(len(data))
    if not data.strip():
        raise StatementError("the file is empty")
    kind = sniff_format(data, filename)
    if kind != "ofx":  # OFX may be one long line; its parser reads it as XML/SGML
        check_lines(data, count_rows=kind == "csv")
    parsed = _parse(kind, data, options, saved, profile, account_currency)
    check_rows(parsed.data_rows or len(parsed.rows) + len(parsed.invalid))
    return clean_statement_text(parsed)


def _parse(kind: str, data: bytes, options: Mapping | None, saved: Mapping | None,
           profile: str | None, account_currency: str | None) -> ParsedStatement:
    if kind == "ofx":
        from fintrack_core.imports.ofx import parse_ofx

        return parse_ofx(data)
    if kind == "qif":
        from fintrack_core.imports.qif import parse_qif

        return parse_qif(data, (options.date_order if options else None)
                         or (saved.date_order if saved else None))
    profiles = list(builtin_profiles())
    if profile:
        chosen = [p for p in profiles if p.name == profile]
        if chosen:
            saved = chosen[0].mapping.merged(saved) if saved else chosen[0].mapping
            profiles = chosen
    return read_csv_statement(data, options, profiles, saved, account_currency)
