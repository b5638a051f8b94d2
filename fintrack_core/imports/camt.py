"""ISO 20022 CAMT.053 (statement), CAMT.052 (intraday account report) and CAMT.054
(notification) files -> :class:`ParsedStatement`.

Safe reading: the XML goes through ``defusedxml`` with DTDs forbidden, so an entity bomb
("billion laughs"), an external entity (``file:///etc/passwd``) or any network fetch is
refused with a clear message before a single entity is expanded; bank statements never need
a DTD. Files above ``MAX_XML_BYTES`` are refused too: an ElementTree costs several times the
file's size in memory.

Namespace-agnostic: every version from ``camt.05x.001.02`` to ``.001.13`` is read the same
way, by local element names (banks also use prefixes, ``<ns2:Ntry>``). What changed between
versions and is handled: ``Sts`` is text up to .07 and ``<Sts><Cd>`` from .08; the related
parties' names are ``Dbtr/Nm`` up to .07 and ``Dbtr/Pty/Nm`` from .08; the amount of a
transaction detail is ``AmtDtls/TxAmt/Amt`` in .02 and ``TxDtls/Amt`` from .03.

Each ``Ntry`` becomes a row:

* date: ``BookgDt`` (``Dt`` or the date written in ``DtTm``), else ``ValDt``;
* amount: ``Amt`` in its ``Ccy``, negative when ``CdtDbtInd`` is ``DBIT``. A reversal
  (``RvslInd`` true) is booked in the direction ``CdtDbtInd`` says, as the standard defines
  (the reversal of a debit is a ``CRDT``); its description says "Reversal";
* status: ``BOOK`` imports; ``PDNG`` (pending) and ``INFO`` are skipped with the reason;
* payee: the debtor's name for money in, the creditor's for money out (ultimate party as
  fallback; a reversal names the party of the payment it reverses); description: the
  ``RmtInf/Ustrd`` lines joined, the structured creditor reference, else
  ``AddtlTxInf``/``AddtlNtryInf``;
* bank id (the duplicate key): ``AcctSvcrRef`` of the entry (of its one detail when the entry
  has none). ``NtryRef`` is *not* used: it is unique only within one report, and banks number
  it 1, 2, 3... in each statement, so it would mark next month's entry 1 a duplicate.
* a batch entry (several ``TxDtls``) is split into one row per detail when every detail has
  an amount and they add up to the entry's amount; otherwise it stays one row (its total is
  what the bank booked).

Each ``Stmt``/``Rpt`` names its account (``Acct/Id/IBAN`` or ``Othr/Id``); its balances
(``OPBD`` or ``PRCD`` opening, ``CLBD`` or ``ITBD`` closing) are checked against the booked
entries (see ``bank_statement``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from fintrack_core.imports.bank_statement import AccountStatement, Collected
from fintrack_core.imports.statement import (
    ParsedStatement,
    RowError,
    SkippedRow,
    StatementError,
)

MAX_XML_BYTES = 100 * 1024 * 1024
_MESSAGES = {"BkToCstmrStmt": ("Stmt", "camt.053"), "BkToCstmrAcctRpt": ("Rpt", "camt.052"),
             "BkToCstmrDbtCdtNtfctn": ("Ntfctn", "camt.054")}
_VERSION_RE = re.compile(r"camt\.(05[234])\.(\d{3}\.\d{2})")
_NTRY_RE = re.compile(r"<(?:[\w.-]+:)?Ntry[\s/>]")
_AMOUNT_RE = re.compile(r"\d{1,15}(?:\.\d{1,6})?")
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SKIP_REASONS = {"PDNG": "pending (Sts PDNG): not booked yet, imported once the bank books it",
                 "INFO": "information only (Sts INFO): not a booking"}


def parse_camt(data: bytes) -> ParsedStatement:
    """Parse a CAMT.052/053/054 file. Raises :class:`StatementError` when the file as a whole
    cannot be read (not XML, a DTD or entity, not a CAMT message, no entries)."""
    if len(data) > MAX_XML_BYTES:
        raise StatementError(f"the XML file is larger than the {MAX_XML_BYTES // 2**20} MB "
                             "limit for CAMT statements")
    root = _safe_tree(data)
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    for elem in root.iter():
        if isinstance(elem.tag, str):  # comments and processing instructions have no name
            elem.tag = elem.tag.rsplit("}", 1)[-1]
    message = next((m for m in root if m.tag in _MESSAGES), None)
    if root.tag == "Document" and message is None:
        raise StatementError("this ISO 20022 XML file is not a bank statement (expected "
                             "BkToCstmrStmt, BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn)")
    if message is None:
        raise StatementError("not a CAMT statement: the XML file has no ISO 20022 Document")
    child, kind = _MESSAGES[message.tag]
    version = _VERSION_RE.search(namespace)
    declared = re.match(rb"<\?xml[^>]*encoding=[\"']([\w.-]+)", data.lstrip(b"\xef\xbb\xbf"))
    detected: dict[str, object] = {
        "encoding": declared.group(1).decode("ascii").lower() if declared else "utf-8",
        "camt_message": kind,
        "camt_version": version.group(2) if version else None,
        "namespace": namespace or None,
    }
    entries = list(root.iter("Ntry"))
    lines = _entry_lines(data, len(entries))
    if lines is None:
        detected["line_numbers"] = "entry order (the file's entry tags could not be located)"
        lines = list(range(1, len(entries) + 1))
    line_of = {id(e): n for e, n in zip(entries, lines, strict=True)}
    out = Collected()
    for report in message.findall(child):
        _read_report(report, kind, line_of, out)
    if not out.records and not out.invalid and not out.skipped:
        raise StatementError(f"the {kind} file contains no entries")
    return out.finish("camt", detected)


def _safe_tree(data: bytes) -> ET.Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException as exc:
        raise StatementError(
            "the XML file declares a DTD or entities, which bank statements never need; it is "
            f"refused, as XML bombs and external entities would be ({type(exc).__name__})"
        ) from None
    except ET.ParseError as exc:
        raise StatementError(f"the XML file is malformed and cannot be read: {exc}") from None


def _entry_lines(data: bytes, count: int) -> list[int] | None:
    """The 1-based line of each ``<Ntry>`` start tag, in document order (the tree keeps no
    line numbers); ``None`` when the scan finds a different number of tags than the tree."""
    newlines = [m.start() for m in re.finditer(rb"\n", data)]
    text = data.decode("latin-1")  # byte offsets = character offsets; tags are ASCII
    starts = [m.start() for m in _NTRY_RE.finditer(text)]
    if len(starts) != count:
        return None
    return [bisect.bisect_left(newlines, pos) + 1 for pos in starts]


# --- one statement / report ----------------------------------------------------------


def _read_report(report: ET.Element, kind: str, line_of: dict[int, int],
                 out: Collected) -> None:
    account = (_text(report, "Acct/Id/IBAN") or _text(report, "Acct/Id/Othr/Id") or "")
    currency = _text(report, "Acct/Ccy")
    period = _date(_text(report, "FrToDt/ToDtTm")) or _date(_text(report, "CreDtTm"))
    label = (f"{kind} {_text(report, 'ElctrncSeqNb') or _text(report, 'Id') or ''}"
             f" of {account or 'the account'}"
             + (f" to {period.isoformat()}" if period else "")).replace("  ", " ")
    stmt = AccountStatement(account=account, currency=currency, label=label.strip())
    _read_balances(report, stmt)
    out.statements.append(stmt)
    for entry in report.findall("Ntry"):
        _read_entry(entry, stmt, line_of[id(entry)], out)
    if stmt.currency is None:
        currencies = {r["currency"] for r in out.records if r["source_account"] == account}
        stmt.currency = str(currencies.pop()) if len(currencies) == 1 else None


def _read_balances(report: ET.Element, stmt: AccountStatement) -> None:
    found: dict[str, Decimal] = {}
    for bal in report.findall("Bal"):
        code = _text(bal, "Tp/CdOrPrtry/Cd") or _text(bal, "Tp/CdOrPrtry/Prtry") or ""
        amount = _amount(bal.find("Amt"))
        if amount is None or code in found:
            continue
        found[code] = -amount if _text(bal, "CdtDbtInd") == "DBIT" else amount
        stmt.currency = stmt.currency or _currency(bal.find("Amt"))
    stmt.opening = found.get("OPBD", found.get("PRCD"))
    stmt.closing = found.get("CLBD", found.get("ITBD"))


def _read_entry(entry: ET.Element, stmt: AccountStatement, line: int, out: Collected) -> None:
    status = (_text(entry, "Sts/Cd") or _text(entry, "Sts") or "BOOK").upper()
    if status != "BOOK":
        reason = _SKIP_REASONS.get(status, f"status {status} (Sts): not a booked entry")
        out.skipped.append(SkippedRow(line, reason))
        return
    stmt.entries += 1
    amount_el = entry.find("Amt")
    amount = _amount(amount_el)
    indicator = _text(entry, "CdtDbtInd")
    day = (_date(_text(entry, "BookgDt/Dt") or _text(entry, "BookgDt/DtTm"))
           or _date(_text(entry, "ValDt/Dt") or _text(entry, "ValDt/DtTm")))
    problems = []
    if day is None:
        problems.append("no booking or value date (BookgDt, ValDt)")
    if amount is None:
        raw = amount_el.text if amount_el is not None else None
        problems.append("missing amount (Amt)" if raw is None else f"bad amount {raw!r}")
    if indicator not in ("CRDT", "DBIT"):
        problems.append(f"credit/debit indicator (CdtDbtInd) is {indicator!r}, "
                        "not CRDT or DBIT")
    if problems or amount is None or day is None or indicator is None:
        stmt.unreadable += 1
        out.invalid.append(RowError(line, "; ".join(problems)))
        return
    sign = -1 if indicator == "DBIT" else 1
    stmt.booked += sign * amount
    currency = _currency(amount_el) or stmt.currency
    reversal = (_text(entry, "RvslInd") or "").lower() == "true"
    details = entry.findall("NtryDtls/TxDtls")
    entry_ref = _text(entry, "AcctSvcrRef")
    split = _split_amounts(details, amount)
    if split is None:
        one = details[0] if len(details) == 1 else None
        ref = entry_ref or (_text(one, "Refs/AcctSvcrRef") if one is not None else None)
        payee, text = _parties_and_text(one, entry, indicator, reversal)
        out.row(line, day, sign * amount, currency, payee, _described(text, reversal), ref,
                stmt.account)
        return
    for n, (detail, part) in enumerate(zip(details, split, strict=True), start=1):
        ref = _text(detail, "Refs/AcctSvcrRef") or (f"{entry_ref}/{n}" if entry_ref else None)
        payee, text = _parties_and_text(detail, entry, indicator, reversal)
        out.row(line, day, sign * part, currency, payee, _described(text, reversal), ref,
                stmt.account)


def _split_amounts(details: list[ET.Element], total: Decimal) -> list[Decimal] | None:
    """Each detail's amount when there are several and they add up to the entry's amount."""
    if len(details) < 2:
        return None
    amounts = [_amount(d.find("Amt")) or _amount(d.find("AmtDtls/TxAmt/Amt")) for d in details]
    if any(a is None for a in amounts):
        return None
    known = [a for a in amounts if a is not None]
    return known if sum(known) == total else None


def _parties_and_text(detail: ET.Element | None, entry: ET.Element, indicator: str,
                      reversal: bool) -> tuple[str, str]:
    """(payee, description) of a transaction detail, or of the entry when it has none.

    The other party is the debtor of money in and the creditor of money out; a reversal
    keeps the parties of the payment it reverses (a returned direct debit names its
    creditor)."""
    party = "Dbtr" if (indicator == "CRDT") != reversal else "Cdtr"
    payee = ""
    text = ""
    if detail is not None:
        for path in (f"RltdPties/{party}/Pty/Nm", f"RltdPties/{party}/Nm",
                     f"RltdPties/Ultmt{party}/Pty/Nm", f"RltdPties/Ultmt{party}/Nm"):
            if name := _text(detail, path):
                payee = name
                break
        parts = [t for el in detail.findall("RmtInf/Ustrd") if (t := (el.text or "").strip())]
        parts += [f"Ref {t}" for el in detail.findall("RmtInf/Strd/CdtrRefInf/Ref")
                  if (t := (el.text or "").strip())]
        text = " ".join(parts) or (_text(detail, "AddtlTxInf") or "")
    return payee, text or (_text(entry, "AddtlNtryInf") or "")


def _described(text: str, reversal: bool) -> str:
    return f"Reversal: {text}" if reversal and text else ("Reversal" if reversal else text)


# --- values ----------------------------------------------------------------------------


def _text(elem: ET.Element | None, path: str) -> str | None:
    if elem is None:
        return None
    found = elem.find(path)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def _amount(elem: ET.Element | None) -> Decimal | None:
    raw = (elem.text or "").strip() if elem is not None else ""
    if not _AMOUNT_RE.fullmatch(raw):
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern admits plain decimals only
        return None


def _currency(elem: ET.Element | None) -> str | None:
    code = (elem.get("Ccy") or "").strip().upper() if elem is not None else ""
    return code if re.fullmatch(r"[A-Z]{3}", code) else None


def _date(raw: str | None) -> dt.date | None:
    """The calendar date as written (a ``DtTm``'s time zone is not applied: the bank's
    booking day is the day it wrote)."""
    match = _DATE_RE.match(raw or "")
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
