"""OFX investment statements (``INVSTMTRS``, OFX 1.x SGML and 2.x XML) ->
:class:`ParsedInvestments`.

The tree is read as for bank statements (``ofx.read_ofx_tree``: ofxtools' tokenizer with
the lenient builder), and the investment aggregates are read from it here, for the same
reasons ``ofx`` gives: calendar dates as written (``DTTRADE`` ``20240105000000[-5:EST]``
is 5 January, not 4 January UTC) and one malformed transaction costing only its own row.

What each aggregate becomes (``trades`` explains the kinds):

====================================  ====================================================
``BUY*`` (STOCK, MF, OTHER, DEBT,      buy: ``UNITS`` at ``UNITPRICE``, fees =
OPT)                                   ``COMMISSION + FEES + TAXES + LOAD``, cash ``TOTAL``
``SELL*``                              sell (``UNITS`` is negative in OFX; its size is used)
``INCOME``                             dividend (``DIV``, ``CGLONG``, ``CGSHORT``, ``MISC``)
                                       or interest (``INTEREST``); ``WITHHOLDING`` is a fee
``REINVEST``                           reinvest (no cash); a buy when the file also has the
                                       ``INCOME`` paying it (then the cash came in and out)
``SPLIT``                              split, ratio ``NUMERATOR / DENOMINATOR``
``TRANSFER``                           transfer_in / transfer_out (``TFERACTION``), cost per
                                       unit ``UNITPRICE`` else ``AVGCOSTBASIS``
``INVEXPENSE``                         fee
``INVBANKTRAN``, ``MARGININTEREST``    a cash transaction of the account (``TRNAMT``/TOTAL)
``JRNLFUND``, ``JRNLSEC``, ``RETOFCAP``  skipped with the reason (moves between sub-accounts,
``CLOSUREOPT``                         or nothing FinTrack models yet)
====================================  ====================================================

Securities come from ``SECLIST`` (keyed by ``UNIQUEID``: a CUSIP or an ISIN, with its
``TICKER``), positions from ``INVPOSLIST`` (the proof ``invest_import`` checks the trades
against).
"""

from __future__ import annotations

import bisect
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from fintrack_core.imports.invest_rows import (
    CASH,
    InvestmentRow,
    ParsedInvestments,
    Security,
    StatedPosition,
    parse_decimal,
)
from fintrack_core.imports.ofx import _currency, _ofx_date, _value, read_ofx_tree
from fintrack_core.imports.statement import RowError, SkippedRow, StatementError

_BUYS = ("BUYSTOCK", "BUYMF", "BUYOTHER", "BUYDEBT", "BUYOPT")
_SELLS = ("SELLSTOCK", "SELLMF", "SELLOTHER", "SELLDEBT", "SELLOPT")
_CASH_TAGS = ("INVBANKTRAN", "MARGININTEREST")
_SKIPPED = {
    "JRNLFUND": "a journal between sub-accounts (moves no money in or out)",
    "JRNLSEC": "a journal between sub-accounts (moves no units in or out)",
    "RETOFCAP": "return of capital (not modelled yet: enter it by hand)",
    "CLOSUREOPT": "option closure (options are not modelled yet)",
}
_TRANSACTION_TAGS = (*_BUYS, *_SELLS, "INCOME", "REINVEST", "SPLIT", "TRANSFER",
                     "INVEXPENSE", *_CASH_TAGS, *_SKIPPED)
_SECINFO_KINDS = {"STOCKINFO": "stock", "MFINFO": "fund", "DEBTINFO": "bond",
                  "OPTINFO": "other", "OTHERINFO": "other"}
_POSITION_TAGS = ("POSSTOCK", "POSMF", "POSDEBT", "POSOPT", "POSOTHER")
_INTEREST = {"INTEREST"}
_BANK_IN_INVESTMENT_FILE = ("a bank or card statement's transaction in an investment file "
                            "(not imported: export that account's statement on its own)")


def is_investment_ofx(data: bytes) -> bool:
    """Whether an OFX file is an investment statement (cheap: looks for the tag)."""
    return b"<INVSTMTRS>" in data.upper()


def parse_ofx_investments(data: bytes) -> ParsedInvestments:
    """Read the trades, cash movements, securities and positions of every ``INVSTMTRS``."""
    root, text, detected = read_ofx_tree(data)
    detected["institution"] = _value(root, "SIGNONMSGSRSV1/SONRS/FI/ORG")
    statements = list(root.iter("INVSTMTRS"))
    if not statements:
        raise StatementError("no investment statement (INVSTMTRS) found in the OFX file")
    lines = _LineFinder(text, root)
    securities = _securities(root)
    parsed = ParsedInvestments(rows=[], securities=securities, format="ofx",
                               detected=detected)
    refs: list[str] = []
    for stmt in statements:
        currency = _currency(_value(stmt, "CURDEF"))
        refs.append(_value(stmt, "INVACCTFROM/ACCTID") or "")
        detected.setdefault("currency", currency)
        detected.setdefault("as_of", _ofx_date(_value(stmt, "DTASOF")))
        for elem in stmt.iter():
            if elem.tag not in _TRANSACTION_TAGS:
                continue
            line = lines.line_of(elem)
            parsed.data_rows += 1
            if elem.tag in _SKIPPED:
                parsed.skipped.append(SkippedRow(line, _SKIPPED[elem.tag]))
                continue
            try:
                parsed.rows.append(_row(elem, line, currency))
            except _RowProblem as exc:
                parsed.invalid.append(RowError(line, str(exc)))
        for elem in stmt.iter():
            if elem.tag in _POSITION_TAGS:
                units = parse_decimal(_value(elem, "INVPOS/UNITS"))
                key = _value(elem, "INVPOS/SECID/UNIQUEID")
                if units is not None and key:
                    parsed.positions.append(StatedPosition(
                        lines.line_of(elem), key, units,
                        _ofx_date(_value(elem, "INVPOS/DTPRICEASOF"))))
    for bank in (el for el in root.iter() if el.tag in ("STMTRS", "CCSTMTRS")):
        for trn in bank.iter("STMTTRN"):  # a bank statement beside the investment one
            parsed.data_rows += 1
            parsed.skipped.append(SkippedRow(lines.line_of(trn), _BANK_IN_INVESTMENT_FILE))
    detected["account_refs"] = [r for r in dict.fromkeys(refs) if r]
    parsed.rows = _reinvest_pairs(parsed.rows, detected)
    if parsed.data_rows == 0 and not parsed.positions:
        raise StatementError("the OFX investment statement contains no transactions")
    return parsed


class _RowProblem(ValueError):
    """One transaction cannot be read; its message names the element."""


class _LineFinder:
    """The line where an element's ``<TAG>`` starts: the n-th element of a tag in document
    order is the n-th ``<TAG>`` of the text (the tree keeps the text's order)."""

    _WANTED = frozenset({*_TRANSACTION_TAGS, *_POSITION_TAGS, "STMTTRN"})

    def __init__(self, text: str, root: ET.Element) -> None:
        newlines = [m.start() for m in re.finditer("\n", text)]
        positions: dict[str, list[int]] = {}
        count: dict[str, int] = {}
        self._line: dict[int, int] = {}
        for elem in root.iter():
            if elem.tag not in self._WANTED:
                continue
            found = positions.setdefault(
                elem.tag, [m.start() for m in re.finditer(f"<{elem.tag}>", text)])
            n = count.get(elem.tag, 0)
            count[elem.tag] = n + 1
            pos = found[n] if n < len(found) else 0
            self._line[id(elem)] = bisect.bisect_right(newlines, pos) + 1

    def line_of(self, elem: ET.Element) -> int:
        return self._line.get(id(elem), 0)


def _securities(root: ET.Element) -> dict[str, Security]:
    found: dict[str, Security] = {}
    for tag, kind in _SECINFO_KINDS.items():
        for info in root.iter(tag):
            key = _value(info, "SECINFO/SECID/UNIQUEID")
            if not key:
                continue
            id_type = (_value(info, "SECINFO/SECID/UNIQUEIDTYPE") or "").upper()
            found[key] = Security(
                key=key, symbol=(_value(info, "SECINFO/TICKER") or "").upper(),
                name=_value(info, "SECINFO/SECNAME") or "",
                isin=key if id_type == "ISIN" else "",
                cusip=key if id_type == "CUSIP" else "",
                currency=_currency(_value(info, "SECINFO/CURRENCY/CURSYM")), kind=kind)
    return found


def _number(elem: ET.Element, path: str, *, required: bool = True) -> Decimal:
    raw = _value(elem, path)
    value = parse_decimal(raw)
    if value is None:
        if raw is None and not required:
            return Decimal(0)
        what = "is missing" if raw is None else f"{raw!r} is not a number"
        raise _RowProblem(f"{elem.tag}: {path.rsplit('/', 1)[-1]} {what}")
    return value


def _row(elem: ET.Element, line: int, currency: str | None) -> InvestmentRow:
    """One transaction aggregate as an ``InvestmentRow`` (see the module docstring)."""
    tag = elem.tag
    inner = elem.find("INVBUY") if tag in _BUYS else elem.find("INVSELL")
    body = inner if inner is not None else elem
    if tag in _CASH_TAGS:
        trn = elem.find("STMTTRN")
        base = trn if trn is not None else elem
        day = _ofx_date(_value(base, "DTPOSTED") or _value(base, "INVTRAN/DTTRADE"))
        amount = _number(base, "TRNAMT" if trn is not None else "TOTAL")
        if tag == "MARGININTEREST":
            amount = -abs(amount)
        text = " · ".join(filter(None, (_value(base, "NAME"), _value(base, "MEMO"))))
        fitid = _value(base, "FITID") or _value(base, "INVTRAN/FITID")
        if day is None:
            raise _RowProblem(f"{tag}: the date is missing or not a date")
        return InvestmentRow(line, CASH, day, cash=amount, currency=currency,
                             external_id=fitid, memo=text or tag)
    day = _ofx_date(_value(body, "INVTRAN/DTTRADE"))
    if day is None:
        raise _RowProblem(f"{tag}: DTTRADE is missing or not a date")
    security = _value(body, "SECID/UNIQUEID")
    if not security:
        raise _RowProblem(f"{tag}: SECID is missing")
    common = {"line": line, "date": day, "security": security, "currency": currency,
              "external_id": _value(body, "INVTRAN/FITID"),
              "memo": _value(body, "INVTRAN/MEMO") or ""}
    if tag in _BUYS or tag in _SELLS:
        fees = sum((_number(body, name, required=False)
                    for name in ("COMMISSION", "FEES", "TAXES", "LOAD")), Decimal(0))
        return InvestmentRow(kind="buy" if tag in _BUYS else "sell",
                             quantity=abs(_number(body, "UNITS")),
                             price=_number(body, "UNITPRICE"), fees=fees,
                             cash=_number(body, "TOTAL"), **common)  # type: ignore[arg-type]
    if tag == "INCOME":
        income = (_value(elem, "INCOMETYPE") or "").upper()
        total = _number(elem, "TOTAL")
        withheld = _number(elem, "WITHHOLDING", required=False)
        return InvestmentRow(kind="interest" if income in _INTEREST else "dividend",
                             amount=abs(total), fees=withheld,
                             cash=abs(total) - withheld, **common)  # type: ignore[arg-type]
    if tag == "REINVEST":
        if _number(elem, "COMMISSION", required=False):
            raise _RowProblem("REINVEST: a reinvestment with a commission is not supported; "
                              "enter it as a dividend and a buy")
        return InvestmentRow(kind="reinvest", quantity=abs(_number(elem, "UNITS")),
                             price=_number(elem, "UNITPRICE"),
                             amount=abs(_number(elem, "TOTAL")),
                             **common)  # type: ignore[arg-type]
    if tag == "SPLIT":
        numerator, denominator = _number(elem, "NUMERATOR"), _number(elem, "DENOMINATOR")
        if not denominator:
            raise _RowProblem("SPLIT: DENOMINATOR is zero")
        return InvestmentRow(kind="split", quantity=numerator / denominator,
                             **common)  # type: ignore[arg-type]
    if tag == "TRANSFER":
        action = (_value(elem, "TFERACTION") or "").upper()
        if action not in ("IN", "OUT"):
            raise _RowProblem(f"TRANSFER: TFERACTION {action or 'missing'} is not IN or OUT")
        cost = (_number(elem, "UNITPRICE", required=False)
                or _number(elem, "AVGCOSTBASIS", required=False))
        return InvestmentRow(kind="transfer_in" if action == "IN" else "transfer_out",
                             quantity=abs(_number(elem, "UNITS")),
                             price=cost if action == "IN" else Decimal(0),
                             **common)  # type: ignore[arg-type]
    # INVEXPENSE
    total = abs(_number(elem, "TOTAL"))
    return InvestmentRow(kind="fee", fees=total, cash=-total,
                         **common)  # type: ignore[arg-type]


def _reinvest_pairs(rows: list[InvestmentRow], detected: dict[str, object]
                    ) -> list[InvestmentRow]:
    """A ``REINVEST`` whose dividend the file also pays as ``INCOME`` (same security, day
    and amount) is a buy: the cash came in with the income and went out with the buy.
    Without the pair the dividend would count twice."""
    paid = {(r.security, r.date, r.amount) for r in rows if r.kind in ("dividend", "interest")}
    out: list[InvestmentRow] = []
    paired = 0
    for r in rows:
        if r.kind == "reinvest" and (r.security, r.date, r.amount) in paid:
            paired += 1
            r = InvestmentRow(r.line, "buy", r.date, r.security, r.quantity, r.price,
                              cash=-(r.amount or Decimal(0)), currency=r.currency,
                              external_id=r.external_id, memo=r.memo)
        out.append(r)
    if paired:
        detected["reinvest_paired"] = paired
    return out
