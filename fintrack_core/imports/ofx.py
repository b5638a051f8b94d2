"""OFX / QFX statements (OFX 1.x SGML and 2.x XML) -> :class:`ParsedStatement`.

The reading is ofxtools' (``ofxtools==1.1.1``): its header reader validates the
``OFXHEADER:100`` / ``<?OFX ...?>`` header and gives the version, and its ``TreeBuilder``
turns both SGML (unclosed element tags) and XML into an ElementTree. We deliberately stop
there and read the few fields we need from the tree ourselves, instead of calling
``OFXTree.convert()`` into ofxtools' models, because the models are built for talking to a
bank's server, not for reading what banks export:

* ``convert()`` turns ``DTPOSTED`` into a UTC datetime, so ``20240131000000[+10:AEST]``
  becomes 30 January. A posted date is a calendar date at the bank; we take the written
  ``YYYYMMDD`` as is.
* it validates the whole document at once, so one malformed transaction (or a missing
  mandatory element such as ``<SEVERITY>``) would reject the file. We want that row in
  ``invalid`` with its line number and the other rows imported.

Real-world files break ofxtools in a few known ways; each is handled with the smallest
repair and recorded in ``detected`` so nothing is silent:

* **Charsets**: ofxtools decodes strictly with the declared charset, so a ``CHARSET:NONE``
  file with cp1252 accents (common) fails. We decode the file ourselves (declared charset,
  then UTF-8, then cp1252; ``detected["encoding"]``) and feed the body from ``<OFX>`` on.
* **Header ofxtools refuses** (``CHARSET:UTF-8``, ``VERSION="230"``, no header at all):
  the body is read all the same; ``detected["header_problem"]`` says what was wrong.
* **Unclosed aggregates / empty elements**: ofxtools' builder (like ElementTree's) pops the
  innermost element on any end tag without checking its name, and treats an element with no
  value (``<MEMO>`` followed by the next tag) as an aggregate, so every later sibling ends up
  inside it. :class:`_LenientTreeBuilder` closes by name (SGML's implied end tags), treats a
  value-less tag as an empty element unless ofxtools' models know it as an aggregate, and
  closes everything still open at the end of a truncated file.
  ``detected["tag_repairs"]`` counts the repairs. (It overrides ``TreeBuilder._start``,
  a private method: one more reason ofxtools is pinned exactly.)
* ``<![CDATA[...]]>`` is turned into escaped text before tokenizing, because ofxtools'
  CDATA regex is quadratic on a line with many openers (see :func:`_inline_cdata`).
* ``&amp;`` and friends are left escaped by ofxtools' regex tokenizer; we unescape values.
* ``TRNAMT`` written with a decimal comma (``-12,50``), as some European banks do, is read
  as a decimal point.

Sign convention: ``TRNAMT`` is already signed from the account holder's side in bank *and*
credit-card statements (a card purchase is negative), so it is used as is. QFX is OFX with
Intuit's extra ``<INTU.*>`` elements; they are ignored except ``INTU.BID`` which is reported.
"""

from __future__ import annotations

import bisect
import html
import io
import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import ofxtools.models
import pandas as pd
from ofxtools.header import OFXHeaderError, parse_header
from ofxtools.models.base import Aggregate
from ofxtools.Parser import ParseError, TreeBuilder

from fintrack_core.imports.statement import (
    COLUMNS,
    ParsedStatement,
    RowError,
    StatementError,
    canonical_amount,
    decode_text,
    empty_rows,
)

# Extra columns beyond statement.COLUMNS: FITID (the bank's transaction id, for dedup) and
# the ACCTID of the statement the row belongs to (a file may hold several accounts).
OFX_COLUMNS = (*COLUMNS, "external_id", "source_account")

# Tags ofxtools models as aggregates. Anything else that appears without a value is an empty
# element, not a container.
_AGGREGATES = frozenset(
    name
    for name, obj in vars(ofxtools.models).items()
    if isinstance(obj, type) and issubclass(obj, Aggregate)
)

_STATEMENT_TAGS = ("STMTRS", "CCSTMTRS")
_STMTTRN_RE = re.compile(r"<STMTTRN>")
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
# YYYYMMDD, optional HHMMSS[.XXX], optional [offset:TZ]; we keep the calendar date only.
_OFX_DATE_RE = re.compile(
    r"(\d{4})(\d{2})(\d{2})(?:\d{4}(?:\d{2}(?:[.,]\d{1,6})?)?)?\s*(?:\[[^\]]*\])?"
)
# Bounded: at most 6 decimals (the importer's fixed-point scale) and 15 integer digits.
_AMOUNT_RE = re.compile(r"[+-]?(?:\d{1,15}(?:\.\d{0,6})?|\.\d{1,6})")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
# Declared charsets we map to Python codecs (OFX 1.x CHARSET / XML encoding attribute).
_CHARSETS = {
    "1252": "cp1252",
    "WINDOWS-1252": "cp1252",
    "CP1252": "cp1252",
    "ISO-8859-1": "cp1252",  # banks that say Latin-1 routinely send cp1252's € and quotes
    "8859-1": "cp1252",
    "LATIN1": "cp1252",
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
}


class _LenientTreeBuilder(TreeBuilder):
    """ofxtools' tokenizer with SGML-style recovery for the tags banks forget to close.

    ElementTree's builder pops the innermost element on every end tag whatever its name;
    here an end tag closes the innermost open element *of that name* (implying the end of
    anything opened inside it), an end tag with nothing to close is ignored, and an
    aggregate that opens while one of the same name is open closes the earlier one (a
    ``<STMTTRN>`` never contains a ``<STMTTRN>``).
    """

    def __init__(self) -> None:
        super().__init__()
        self._open: list[str] = []
        self.implied_end_tags = 0
        self.stray_end_tags = 0

    def _start(self, tag: str, text: str | None, closetag: str | None) -> None:
        if text is None and closetag is None and tag not in _AGGREGATES:
            # <MEMO> with no value: an empty element, not a container for what follows.
            self.start(tag, {})
            self.end(tag)
            return
        super()._start(tag, text, closetag)

    def start(self, tag: str, attrs: dict[str, str], *args: Any) -> ET.Element:
        if tag in self._open:
            self._close_through(tag)
            self.implied_end_tags += 1
        self._open.append(tag)
        return super().start(tag, attrs)

    # A stray end tag has no element to return; XMLParser does not use end()'s result.
    def end(self, tag: str) -> ET.Element | None:  # type: ignore[override]
        if tag not in self._open:
            self.stray_end_tags += 1
            return None
        return self._close_through(tag)

    def _close_through(self, tag: str) -> ET.Element:
        while True:
            top = self._open.pop()
            elem = super().end(top)
            if top == tag:
                return elem
            self.implied_end_tags += 1

    def close(self) -> ET.Element:
        # A truncated download ends with aggregates still open: close them.
        while self._open:
            super().end(self._open.pop())
            self.implied_end_tags += 1
        return super().close()


def read_ofx_tree(data: bytes) -> tuple[ET.Element, str, dict[str, object]]:
    """The file's ``<OFX>`` element (read leniently, see the module docstring), its decoded
    text (for line numbers) and what was detected (encoding, version, repairs). Shared by
    the bank reader here and the investment reader (``imports.ofx_invest``)."""
    text, encoding = _decode(data)
    detected: dict[str, object] = {"encoding": encoding}
    body_start = text.find("<OFX>")
    if body_start < 0:
        raise StatementError("not an OFX/QFX file: no <OFX> element found")

    version, problem = _read_header(text, body_start)
    detected["ofx_version"] = version
    if problem:
        detected["header_problem"] = problem

    builder = _LenientTreeBuilder()
    try:
        builder.feed(_inline_cdata(text[body_start:]))
        root = builder.close()
    except (ParseError, ET.ParseError, ValueError, IndexError) as exc:
        raise StatementError(f"the OFX file is malformed and cannot be read: {exc}") from None
    if builder.implied_end_tags or builder.stray_end_tags:
        detected["tag_repairs"] = builder.implied_end_tags + builder.stray_end_tags
    if root is None or root.tag != "OFX":
        raise StatementError("not an OFX/QFX file: the document does not start with <OFX>")
    return root, text, detected


def parse_ofx(data: bytes) -> ParsedStatement:
    """Parse an OFX 1.x/2.x or QFX file into rows, one per bank or credit-card ``STMTTRN``.

    Rows carry ``external_id`` (FITID) and ``source_account`` (ACCTID) besides the common
    columns; ``line`` is the line where the ``<STMTTRN>`` starts. Transactions with a missing
    or malformed date or amount go to ``invalid``. Raises :class:`StatementError` when the
    file as a whole is not a readable OFX bank/credit-card statement.
    """
    root, text, detected = read_ofx_tree(data)
    _detect_institution(root, detected)
    statements = [el for el in root.iter() if el.tag in _STATEMENT_TAGS]
    if not statements:
        raise StatementError(_no_statement_reason(root))

    line_of = _stmttrn_lines(root, text)
    records: list[dict[str, object]] = []
    invalid: list[RowError] = []
    accounts: list[dict[str, object]] = []
    seen: set[int] = set()  # a malformed file could nest one statement in another
    for stmt in statements:
        info = _statement_info(stmt)
        accounts.append(info)
        for trn in stmt.iter("STMTTRN"):
            if id(trn) in seen:
                continue
            seen.add(id(trn))
            row, error = _transaction(trn, info, line_of[id(trn)])
            if error:
                invalid.append(RowError(line_of[id(trn)], error))
            else:
                records.append(row)
    data_rows = len(records) + len(invalid)
    if data_rows == 0:
        ids = ", ".join(str(a["account_id"]) for a in accounts)
        raise StatementError(f"the OFX statement (account {ids}) contains no transactions")

    _summarise_accounts(accounts, detected)
    # dtype=object: pandas 3 would infer its ``str`` dtype and turn a missing currency or
    # FITID into NaN; the shared shape promises None.
    rows = pd.DataFrame(records, columns=list(OFX_COLUMNS), dtype=object) if records else _empty()
    rows = rows.astype({"line": "int64"})
    return ParsedStatement(
        rows=rows, invalid=invalid, format="ofx", profile=None, detected=detected,
        data_rows=data_rows,
    )


# --- reading the file -------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """Decode the whole file for sniffing, line numbers and the header fallback.

    Refuses empty and binary input up front: ofxtools would otherwise report them as a
    malformed header, which tells the user nothing.
    """
    head = data[3:1027] if data.startswith(b"\xef\xbb\xbf") else data[:1024]
    declared = re.search(rb"CHARSET:\s*([\w-]+)|encoding=[\"']([\w-]+)[\"']", head)
    preferred = None
    if declared:
        name = (declared.group(1) or declared.group(2)).decode("ascii").upper()
        preferred = _CHARSETS.get(name)
    return decode_text(data, "OFX/QFX", preferred)


def _read_header(text: str, body_start: int) -> tuple[int | None, str | None]:
    """The OFX version from ofxtools' header check, and its complaint if it refused.

    When ofxtools refuses, the version is taken from the header text if it is there.
    """
    # Only the header is checked: the body is decoded by _decode, not strictly as declared.
    head = text[:body_start].encode("utf-8", "replace") + b"<OFX></OFX>"
    try:
        header, _ = parse_header(io.BytesIO(head))
        # Both concrete headers (OFXHeaderV1, V2) have a version; their base class does not.
        return int(header.version), None  # type: ignore[attr-defined]
    except (OFXHeaderError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        sniffed = re.search(r"VERSION(?::\s*|=\")(\d{3})", text[:body_start])
        return (int(sniffed.group(1)) if sniffed else None), reason


def _stmttrn_lines(root: ET.Element, text: str) -> dict[int, int]:
    """Map each STMTTRN element to the 1-based line where its start tag is in the file.

    Both the tree and the scan see ``<STMTTRN>`` start tags in document order, so the n-th
    element is the n-th tag (the header never contains one).
    """
    text = _inline_cdata(text)  # as fed to the builder; keeps every line break
    starts = [0] + [m.end() for m in _NEWLINE_RE.finditer(text)]
    positions = [m.start() for m in _STMTTRN_RE.finditer(text)]
    elements = list(root.iter("STMTTRN"))
    if len(positions) != len(elements):
        raise StatementError("the OFX file is malformed: cannot locate its transactions")
    pairs = zip(elements, positions, strict=True)
    return {id(el): bisect.bisect_right(starts, pos) for el, pos in pairs}


def _inline_cdata(message: str) -> str:
    """Turn ``<![CDATA[...]]>`` into escaped text before ofxtools' tokenizer sees it.

    ofxtools matches CDATA with ``<!\\[CDATA\\[(.+)\\]\\]>``, which rescans the rest of the
    line for every opener: a crafted one-line file of 200 KB took 20 s. This single pass
    is linear; an opener that is never closed is dropped. Values are unescaped later.
    """
    if "<![CDATA[" not in message:
        return message
    parts: list[str] = []
    pos = 0
    while (start := message.find("<![CDATA[", pos)) >= 0:
        end = message.find("]]>", start + 9)
        if end < 0:
            break
        parts += [message[pos:start], html.escape(message[start + 9:end], quote=False)]
        pos = end + 3
    parts.append(message[pos:].replace("<![CDATA[", ""))
    return "".join(parts)


# --- reading the tree -------------------------------------------------------------------


def _value(elem: ET.Element, path: str) -> str | None:
    found = elem.find(path)
    if found is None or not found.text:
        return None
    return html.unescape(found.text).strip() or None


def _ofx_date(raw: str | None) -> date | None:
    if raw is None:
        return None
    match = _OFX_DATE_RE.fullmatch(raw.strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _ofx_amount(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    value = raw.strip()
    if value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")  # decimal comma from some European banks
    if not _AMOUNT_RE.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the regex admits only plain decimals
        return None


def _currency(raw: str | None) -> str | None:
    code = (raw or "").strip().upper()
    return code if _CURRENCY_RE.fullmatch(code) else None


def _statement_info(stmt: ET.Element) -> dict[str, object]:
    if stmt.tag == "CCSTMTRS":
        account_id = _value(stmt, "CCACCTFROM/ACCTID")
        account_type: str | None = "CREDITCARD"
        bank_id = None
    else:
        account_id = _value(stmt, "BANKACCTFROM/ACCTID")
        account_type = _value(stmt, "BANKACCTFROM/ACCTTYPE")
        bank_id = _value(stmt, "BANKACCTFROM/BANKID")
    info: dict[str, object] = {
        "account_id": account_id or "",
        "account_type": account_type,
        "bank_id": bank_id,
        "currency": _currency(_value(stmt, "CURDEF")),
        "date_start": _ofx_date(_value(stmt, "BANKTRANLIST/DTSTART")),
        "date_end": _ofx_date(_value(stmt, "BANKTRANLIST/DTEND")),
    }
    balance = _ofx_amount(_value(stmt, "LEDGERBAL/BALAMT"))
    if balance is not None:
        info["ledger_balance"] = canonical_amount(balance)
        info["ledger_balance_date"] = _ofx_date(_value(stmt, "LEDGERBAL/DTASOF"))
    return info


def _transaction(
    trn: ET.Element, info: dict[str, object], line: int
) -> tuple[dict[str, object], str | None]:
    raw_date = _value(trn, "DTPOSTED")
    raw_amount = _value(trn, "TRNAMT")
    posted = _ofx_date(raw_date)
    amount = _ofx_amount(raw_amount)
    problems = []
    if posted is None:
        problems.append("missing DTPOSTED" if raw_date is None else f"bad DTPOSTED {raw_date!r}")
    if amount is None:
        problems.append("missing TRNAMT" if raw_amount is None else f"bad TRNAMT {raw_amount!r}")
    if problems:
        return {}, "; ".join(problems)
    assert amount is not None  # for the type checker: problems would be non-empty
    # TRNAMT is in the account's currency (CURDEF); CURRENCY/ORIGCURRENCY only stand in when
    # the statement does not say.
    currency = (
        info["currency"]
        or _currency(_value(trn, "CURRENCY/CURSYM"))
        or _currency(_value(trn, "ORIGCURRENCY/CURSYM"))
    )
    return {
        "line": line,
        "date": posted,
        "amount": canonical_amount(amount),
        "payee": _value(trn, "NAME") or _value(trn, "PAYEE/NAME") or "",
        "description": _value(trn, "MEMO") or "",
        "currency": currency,
        "external_id": _value(trn, "FITID"),
        "source_account": info["account_id"],
    }, None


def _detect_institution(root: ET.Element, detected: dict[str, object]) -> None:
    sonrs = root.find("SIGNONMSGSRSV1/SONRS")
    if sonrs is None:
        sonrs = ET.Element("SONRS")  # no sign-on block: report the keys as unknown
    detected["institution"] = _value(sonrs, "FI/ORG")
    detected["fid"] = _value(sonrs, "FI/FID")
    detected["intuit_bid"] = _value(sonrs, "INTU.BID")  # QFX (Quicken Web Connect) marker


def _no_statement_reason(root: ET.Element) -> str:
    if root.find(".//INVSTMTRS") is not None:
        return "investment OFX statements are not supported yet"
    for status in root.iter("STATUS"):
        code = _value(status, "CODE")
        if code and code != "0":
            message = _value(status, "MESSAGE")
            suffix = f": {message}" if message else ""
            return f"the bank returned an error instead of a statement (code {code}{suffix})"
    return "no bank or credit-card statement found in the OFX file"


def _summarise_accounts(accounts: list[dict[str, object]], detected: dict[str, object]) -> None:
    """Top-level keys hold a value only when it is true of the whole file."""
    detected["accounts"] = accounts
    detected["statements"] = len(accounts)
    # The importer routes rows by these (ACCTID) to the accounts with that number.
    detected["account_refs"] = list(dict.fromkeys(str(a["account_id"]) for a in accounts
                                                  if a["account_id"]))
    for key in ("account_id", "account_type", "currency"):
        values = {a[key] for a in accounts}
        detected[key] = values.pop() if len(values) == 1 else None
    starts = [d for a in accounts if isinstance(d := a["date_start"], date)]
    ends = [d for a in accounts if isinstance(d := a["date_end"], date)]
    detected["date_start"] = min(starts) if starts else None
    detected["date_end"] = max(ends) if ends else None


def _empty() -> pd.DataFrame:
    rows = empty_rows()
    for column in OFX_COLUMNS[len(COLUMNS):]:
        rows[column] = pd.Series(dtype="object")
    return rows
