"""Importing an investment statement (OFX ``INVSTMTRS`` or a broker CSV) into the portfolio.

``service.import_statement`` hands investment files here, so the Import page and
``fintrack import`` make the same call with the same preview (``dry_run``), dedup and undo as
for bank statements. Why a path of its own: a trade is written through the portfolio's own
checks (``portfolio.trades``: units never oversold, the cash leg written with the trade), not
as a bulk insert of signed amounts.

How one file goes in, all in one database transaction (the preview runs the very same steps
in a session that is rolled back, so what it shows is what an import would write):

1. the securities the rows name become assets: an asset of the book whose symbol is the
   security's ticker, ISIN or CUSIP, else a new asset (listed in the preview);
2. each row's duplicate key is its broker id (``FITID``, an order id) per account, or, for
   rows without one or whose id repeats in the file, a fingerprint of the row
   (``fp:`` + a hash of day, kind, security, numbers and occurrence), stored in
   ``external_id`` like a broker id; rows whose key is already stored are duplicates;
3. every other row is written in a savepoint: a trade with its cash leg, or a cash
   transaction; a row the portfolio refuses (an oversale, a date before the account was
   opened) is invalid with its line and the reason, and the rest go in (or, unless
   ``skip_invalid``, nothing is written);
4. the holdings the trades now give are compared with the positions the statement states
   (``INVPOSLIST``): every difference is a warning in the preview, never silently accepted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.audit import record_for
from fintrack_core.db.models import Account, AccountType, ImportBatch, Transaction
from fintrack_core.db.portfolio_models import Asset, AssetKind, Trade
from fintrack_core.errors import ValidationError
from fintrack_core.imports.batch_write import IMPORT_LOCK_SPACE
from fintrack_core.imports.invest_preview import InvestmentPreview, TradeLine
from fintrack_core.imports.invest_rows import (
    CASH,
    InvestmentRow,
    ParsedInvestments,
    Security,
)
from fintrack_core.imports.result import ImportResult
from fintrack_core.imports.routing import account_keys, ref_keys
from fintrack_core.imports.statement import RowError
from fintrack_core.ledger import transactions as ledger
from fintrack_core.money import to_decimal
from fintrack_core.portfolio.assets import AssetInput, _checked
from fintrack_core.portfolio.cash_legs import AMOUNTS
from fintrack_core.portfolio.lots import Oversold, positions_in_session
from fintrack_core.portfolio.trades import TradeInput, _save

MAX_TEXT = 200


class _Rollback(Exception):
    """Ends the preview's session without keeping anything."""


def investment_account(accounts: list[Account], refs: list[str]) -> Account:
    """The chosen investment account an investment file goes to, never a guess: the only one
    chosen, or among several the one whose number is the file's account (OFX ``ACCTID``).
    An account whose number is not the file's is refused (a statement of another account)."""
    chosen = [a for a in accounts if str(a.type) == AccountType.INVESTMENT.value]
    names = ", ".join(repr(a.name) for a in accounts)
    if not chosen:
        raise ValidationError("account", f"an investment statement imports into one "
                                         f"investment account; none of the chosen ({names}) "
                                         "is one")
    keys = set().union(*(ref_keys(r) for r in refs)) if refs else set()
    if keys:
        numbered = [a for a in chosen if account_keys(a.number) & keys]
        if len(numbered) == 1:
            return numbered[0]
        wrong = [a for a in chosen if a.number and not account_keys(a.number) & keys]
        if len(chosen) == 1 and wrong:
            raise ValidationError("account", f"the file is a statement of account "
                                             f"{', '.join(refs)}; {chosen[0].name!r} has "
                                             f"number {chosen[0].number}")
    if len(chosen) > 1:
        raise ValidationError("account", f"an investment statement imports into one "
                                         f"investment account; several of the chosen "
                                         f"({names}) are, and none has the file's number "
                                         f"({', '.join(refs) or 'none given'})")
    return chosen[0]


def import_investments(scope: Scope, parsed: ParsedInvestments, filename: str, sha: str,
                       accounts: list[Account], *, dry_run: bool, skip_invalid: bool
                       ) -> ImportResult:
    """Write (or with ``dry_run`` preview) one investment file as one undoable batch."""
    refs = parsed.detected.get("account_refs")
    account = investment_account(accounts, [str(r) for r in refs]
                                 if isinstance(refs, list) else [])
    result = ImportResult(file=filename, profile=parsed.profile, rows=parsed.data_rows,
                          imported=0, duplicates=0, invalid=list(parsed.invalid), totals={},
                          date_min=None, date_max=None, dry_run=dry_run,
                          detected=dict(parsed.detected, format=parsed.format,
                                        investment=True),
                          skipped=list(parsed.skipped))
    preview = InvestmentPreview(account.name)
    result.investment = preview
    try:
        with _session(scope, dry_run) as s:
            require(s, scope, READ if dry_run else WRITE)
            batch = None
            if not dry_run and s.get_bind().dialect.name == "postgresql":
                # as batch_write: two imports of one file at once run one after the other,
                # and the second finds the first one's keys (SQLite: BEGIN IMMEDIATE)
                s.execute(text("SELECT pg_advisory_xact_lock(:space, :book)"),
                          {"space": IMPORT_LOCK_SPACE, "book": int(scope.book_id)})
            if not dry_run:
                batch = ImportBatch(book_id=scope.book_id, account_id=account.id,
                                    filename=filename[:255], sha256=sha,
                                    profile=parsed.profile, created_by=scope.user_id)
                s.add(batch)
                s.flush()
            assets = _assets(s, scope.book_id, parsed, account, preview)
            _write_rows(s, scope, parsed, account, assets, batch, result, preview)
            preview.position_differences = _compare_positions(s, scope.book_id, parsed,
                                                              account, assets)
            result.warnings.extend(preview.position_differences)
            result.check_accounting()
            if dry_run or (result.invalid and not skip_invalid) or not result.imported:
                result.rejected = bool(result.invalid) and not skip_invalid and not dry_run
                raise _Rollback
            assert batch is not None
            batch.rows, batch.imported = result.rows, result.imported
            batch.duplicates, batch.invalid = result.duplicates, len(result.invalid)
            record_for(s, scope, "import.batch", batch_id=batch.id, filename=batch.filename,
                       rows=result.rows, imported=result.imported,
                       duplicates=result.duplicates)
            result.batch_id = batch.id
    except _Rollback:
        pass
    if result.rejected:
        result.imported, result.totals = 0, {}
    return result


@contextmanager
def _session(scope: Scope, dry_run: bool) -> Iterator[Session]:
    """A write transaction, or for the preview a read session that is rolled back.

    Why the explicit ``BEGIN`` on SQLite: the driver opens a transaction only before its
    first INSERT, so a preview whose first statement is a row's ``SAVEPOINT`` would have that
    savepoint open the transaction, and SQLite commits when it is released: the preview
    would write. Inside ``BEGIN`` every savepoint nests and the rollback undoes all."""
    if dry_run:
        with scope.db.read() as s:
            if scope.db.is_sqlite:
                driver = s.connection().connection.driver_connection
                assert driver is not None
                driver.execute("BEGIN")
            try:
                yield s
            finally:
                s.rollback()
    else:
        with scope.db.write() as s:
            yield s


def _assets(s: Session, book_id: int, parsed: ParsedInvestments, account: Account,
            preview: InvestmentPreview) -> dict[str, Asset]:
    """Each security the file names, as an asset of the book (found or created)."""
    used = {r.security for r in parsed.rows if r.security} | {
        p.security for p in parsed.positions}
    out: dict[str, Asset] = {}
    for key in sorted(used):
        sec = parsed.securities.get(key) or Security(key=key)
        names = [n.upper() for n in (sec.symbol, sec.isin, sec.cusip, sec.key) if n]
        found = s.scalars(select(Asset).where(Asset.book_id == book_id,
                                              or_(*(Asset.symbol == n for n in names)))).all()
        if found:  # the ticker wins over an asset named by its ISIN/CUSIP
            out[key] = min(found, key=lambda a: names.index(a.symbol.upper()))
            continue
        currency = sec.currency or _row_currency(parsed, key) or account.currency
        kind = sec.kind if sec.kind in {k.value for k in AssetKind} else "stock"
        symbol = (sec.symbol or sec.isin or sec.cusip or sec.key).replace(" ", "")
        asset = _checked(s, book_id, AssetInput(symbol, kind, currency, name=sec.name[:200]),
                         None)
        s.add(asset)
        s.flush()
        out[key] = asset
        preview.new_assets.append(asset.symbol)
    return out


def _row_currency(parsed: ParsedInvestments, key: str) -> str | None:
    return next((r.currency for r in parsed.rows if r.security == key and r.currency), None)


def _keys(rows: list[InvestmentRow]) -> list[str]:
    """Each row's duplicate key: its broker id, else (or when the id repeats in the file)
    a fingerprint of what it says, numbered by occurrence."""
    seen_ids: Counter[str] = Counter(r.external_id for r in rows if r.external_id)
    occurrence: Counter[str] = Counter()
    keys = []
    for r in rows:
        if r.external_id and seen_ids[r.external_id] == 1:
            keys.append(r.external_id[:100])
            continue
        said = "|".join(str(v) for v in (r.date, r.kind, r.security, r.quantity, r.price,
                                          r.amount, r.fees, r.cash))
        occurrence[said] += 1
        digest = hashlib.sha256(f"{said}|{occurrence[said]}".encode()).hexdigest()[:40]
        keys.append(f"fp:{digest}")
    return keys


def _stored_keys(s: Session, account_id: int, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found.update(s.scalars(select(Trade.external_id).where(
            Trade.account_id == account_id, Trade.external_id.in_(chunk))))
        found.update(s.scalars(select(Transaction.external_id).where(
            Transaction.account_id == account_id, Transaction.external_id.in_(chunk))))
    return found


def _write_rows(s: Session, scope: Scope, parsed: ParsedInvestments, account: Account,
                assets: dict[str, Asset], batch: ImportBatch | None, result: ImportResult,
                preview: InvestmentPreview) -> None:
    keys = _keys(parsed.rows)
    stored = _stored_keys(s, account.id, keys)
    dates: list[dt.date] = []
    totals: dict[str, Decimal] = {}
    for row, key in sorted(zip(parsed.rows, keys, strict=True),
                           key=lambda pair: (pair[0].date, pair[0].line)):
        if key in stored:
            result.duplicates += 1
            continue
        try:
            with s.begin_nested():
                line = _write_row(s, scope, row, key, account, assets, batch)
        except ValidationError as exc:
            result.invalid.append(RowError(row.line, f"{exc.field}: {exc.message}"))
            continue
        stored.add(key)
        preview.trades.append(line)
        result.imported += 1
        dates.append(row.date)
        totals[account.currency] = totals.get(account.currency, Decimal(0)) + line.cash
        if row.cash is not None and row.kind != CASH and line.cash != row.cash:
            result.warnings.append(f"line {row.line}: the statement books {row.cash} "
                                   f"{account.currency}, the trade's numbers give {line.cash}")
    result.invalid.sort(key=lambda e: e.line)
    result.totals = totals
    result.date_min, result.date_max = (min(dates), max(dates)) if dates else (None, None)


def _write_row(s: Session, scope: Scope, row: InvestmentRow, key: str, account: Account,
               assets: dict[str, Asset], batch: ImportBatch | None) -> TradeLine:
    batch_id = batch.id if batch is not None else None
    if row.currency and row.currency != account.currency:
        raise ValidationError("currency", f"the row books {row.currency}, {account.name!r} is "
                                          f"in {account.currency}")
    if row.kind == CASH:
        assert row.cash is not None
        label = row.memo[:MAX_TEXT]
        tx = ledger.add_in_session(s, scope, ledger.TransactionInput(
            account.id, row.date, row.cash, label, label))
        tx.external_id, tx.import_batch_id = key, batch_id
        return TradeLine(row.line, row.date, CASH, "", Decimal(0), Decimal(0), Decimal(0),
                         to_decimal(tx.amount_minor, tx.currency))
    if row.security is None:
        raise ValidationError("security", "the row names no security")
    asset = assets[row.security]
    kind = row.kind
    foreign = asset.currency != account.currency
    booked = abs(row.cash) if foreign and row.cash is not None and row.cash else None
    data = TradeInput(account.id, asset.id, row.date, kind, quantity=row.quantity,
                      price=row.price, fees=row.fees,
                      amount=row.amount if kind in AMOUNTS else None,
                      cash_amount=booked if kind in {"buy", "sell", "dividend", "interest"}
                      else None,
                      notes=row.memo[:MAX_TEXT], external_id=key)
    view = _save(s, scope, data, None)
    trade = s.get(Trade, view.id)
    assert trade is not None
    trade.import_batch_id = batch_id
    if trade.transaction_id is not None:
        leg = s.get(Transaction, trade.transaction_id)
        assert leg is not None
        leg.import_batch_id = batch_id
    s.flush()
    return TradeLine(row.line, row.date, kind, asset.symbol, view.quantity, view.price,
                     to_decimal(view.fees_minor, view.currency), view.cash)


def _compare_positions(s: Session, book_id: int, parsed: ParsedInvestments, account: Account,
                       assets: dict[str, Asset]) -> list[str]:
    """"statement says 12 VWCE, trades give 10" for every stated position the trades do not
    give, and for every holding of the account the statement (listing positions) omits; as
    of the statement's date (``DTASOF``) when it has one, so trades entered since do not
    count."""
    if not parsed.positions:
        return []
    as_of = parsed.detected.get("as_of")  # the statement's date: later trades do not count
    on = as_of if isinstance(as_of, dt.date) else None
    held = {asset.id: pos.quantity for (acc, _), (asset, pos)
            in positions_in_session(s, book_id, on, [account.id]).items()
            if acc == account.id}
    said: list[str] = []
    stated_ids: set[int] = set()
    for p in parsed.positions:
        asset = assets[p.security]
        stated_ids.add(asset.id)
        have = held.get(asset.id, Decimal(0))
        if have != p.quantity:
            said.append(f"statement says {_n(p.quantity)} {asset.symbol}, trades give "
                        f"{_n(have)} (line {p.line})")
    symbols = {a.id: a.symbol for a in s.scalars(select(Asset).where(
        Asset.id.in_(list(held))))} if held else {}
    for asset_id, have in sorted(held.items()):
        if asset_id not in stated_ids and have:
            said.append(f"statement lists no {symbols[asset_id]}, trades give {_n(have)}")
    return said


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def undo_trades(s: Session, book_id: int, batch_id: int) -> int:
    """Delete the trades of one import batch inside the caller's write transaction (their
    cash legs carry the batch id and go with the batch's transactions). Refused, naming the
    sale, when a trade entered since would then sell units the account no longer held."""
    batch_trades = s.scalars(select(Trade).where(Trade.book_id == book_id,
                                                 Trade.import_batch_id == batch_id)).all()
    if not batch_trades:
        return 0
    touched = {t.account_id for t in batch_trades}
    for t in batch_trades:
        s.delete(t)
    s.flush()
    try:
        positions_in_session(s, book_id, None, sorted(touched))
    except Oversold as exc:
        raise ValidationError("batch", f"undoing it would leave the {exc.event.kind.value} "
                                       f"of {exc.event.quantity} units on {exc.event.date} "
                                       f"selling more than the {exc.held} held then; "
                                       "delete that trade first") from None
    return len(batch_trades)
