"""Importing a statement into a book: preview, dedup, rules, one atomic write, undo.

The same function serves the Import page and ``fintrack import``: ``dry_run`` is the preview.
A file is all-or-nothing unless the caller asks to skip invalid rows; either way one database
transaction writes the batch and its rows, so a crash never leaves half a file behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from fintrack_core import telemetry
from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.audit import record_for
from fintrack_core.budgets.alerts import check_budget_alerts
from fintrack_core.config import user_settings
from fintrack_core.db.models import Account, ImportBatch, ImportProfile, Transaction
from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.imports.amounts import scaled_to_minor, to_scaled
from fintrack_core.imports.bank_ids import external_ids, stored_duplicates
from fintrack_core.imports.batch_write import Progress as Progress  # re-exported
from fintrack_core.imports.batch_write import _write, expect_size
from fintrack_core.imports.book_profiles import load_book_profiles
from fintrack_core.imports.columns import check_account_currency
from fintrack_core.imports.date_evidence import DateHints
from fintrack_core.imports.duplicates import (
    _anything_stored,
    _hash_and_read_stored,
    _likely_duplicates,
)
from fintrack_core.imports.evidence import weigh
from fintrack_core.imports.invest_import import import_investments, undo_trades
from fintrack_core.imports.invest_read import read_investments
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.payment_exports import link_conversions
from fintrack_core.imports.read import MAX_BYTES as MAX_BYTES  # re-exported: the CLI checks it
from fintrack_core.imports.read import read_statement
from fintrack_core.imports.result import ImportResult as ImportResult  # re-exported
from fintrack_core.imports.result import LikelyDuplicate as LikelyDuplicate  # re-exported
from fintrack_core.imports.result import _totals
from fintrack_core.imports.routing import route
from fintrack_core.imports.statement import (
    ParsedStatement,
    RowError,
    SkippedRow,
)
from fintrack_core.ledger.accounts import get_account
from fintrack_core.money import exponent


def _saved_mapping(s: Session, book_id: int, account_id: int, name: str | None) -> Mapping | None:
    """The mapping remembered from the account's last import, unless the book's profile that
    import used was replaced since: then the new profile reads the file (a remembered copy
    of the old one would quietly undo the replacement)."""
    # Rows without an account are the book's bank profiles (book_profiles), not mappings.
    q = select(ImportProfile.mapping, ImportProfile.updated_at).where(
        ImportProfile.book_id == book_id, ImportProfile.account_id.is_not(None))
    q = q.where(ImportProfile.name == name) if name else q.where(
        ImportProfile.account_id == account_id)
    row = s.execute(q.order_by(ImportProfile.updated_at.desc()).limit(1)).first()
    if row is None:
        return None
    if name is None:
        used = s.scalar(select(ImportBatch.profile).where(
            ImportBatch.book_id == book_id, ImportBatch.account_id == account_id)
            .order_by(ImportBatch.id.desc()).limit(1))
        replaced = used and s.scalar(select(ImportProfile.updated_at).where(
            ImportProfile.book_id == book_id, ImportProfile.account_id.is_(None),
            ImportProfile.name == used))
        if replaced and replaced > row.updated_at:
            return None
    return Mapping.from_json(row.mapping)


def import_statement(
    scope: Scope,
    data: bytes,
    filename: str,
    account_ids: list[int],
    *,
    options: Mapping | None = None,
    profile: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    import_likely_duplicates: frozenset[int] = frozenset(),
    save_mapping: bool = True,
    progress: Progress | None = None,
    signs: str | None = None,
) -> ImportResult:
    """Read, check and (unless ``dry_run``) store one statement file as one batch.

    ``signs`` answers the sign question of ``imports.evidence`` ("flip" or "keep")."""
    if not account_ids:
        raise ValidationError("account", "choose the account(s) to import into")
    if len(data) > MAX_BYTES:
        raise ValidationError("file", f"{filename} is larger than the {MAX_BYTES / 2**20:g} MB "
                                      f"limit ({len(data):,} bytes)")
    say = progress or (lambda _phase, _done, _total: None)
    with scope.db.read() as s:
        require(s, scope, READ if dry_run else WRITE)
        accounts = [get_account(s, scope.book_id, a) for a in account_ids]
        for acc in accounts:
            if acc.closed_on is not None:
                raise ValidationError("account", f"account {acc.name!r} is closed")
        saved = _saved_mapping(s, scope.book_id, accounts[0].id, profile)
        own_profiles = load_book_profiles(s, scope.book_id)
    invest = read_investments(data, filename, profile)
    if invest is not None:  # trades, not bank rows: the portfolio's own path
        done = import_investments(scope, invest, filename, hashlib.sha256(data).hexdigest(),
                                  accounts, dry_run=dry_run, skip_invalid=skip_invalid)
        if done.batch_id is not None:
            telemetry.rows_imported(done.imported)
        return done
    if not dry_run:
        expect_size(scope.db, len(data))
    hints = DateHints(saved.date_order if saved else None,
                      user_settings(scope.db, scope.user_id).get("locale"))
    say("reading", 0, 1)
    parsed = read_statement(data, filename, options=options, saved=saved, profile=profile,
                            date_hints=hints, book_profiles=own_profiles,
                            account_currency=accounts[0].currency)
    evidence = weigh(parsed, [str(a.type) for a in accounts], signs,
                     negate_given=options is not None and options.negate is not None)
    say("reading", 1, 1)
    check_account_currency(parsed.detected, {a.currency for a in accounts})
    result = _prepare(scope, parsed, filename, accounts, import_likely_duplicates, dry_run)
    result.notes, result.questions = evidence.notes, evidence.questions
    result.check_accounting()
    if result.questions and not dry_run:  # a guess the code cannot justify: ask, write nothing
        result.rejected, result.imported, result.totals = True, 0, {}
    if result.rejected or dry_run:
        return result
    if result.unmatched_accounts:  # never guess where a file's account belongs
        result.rejected, result.imported, result.totals = True, 0, {}
        return result
    frame = result.preview
    assert frame is not None
    if len(result.invalid) and not skip_invalid:
        result.rejected, result.imported, result.totals = True, 0, {}  # it did nothing
        return result
    sha = hashlib.sha256(data).hexdigest()
    result.batch_id = _write(scope, frame, parsed, filename, sha, accounts, result, say)
    result.check_accounting()
    telemetry.rows_imported(result.imported)
    if save_mapping and parsed.format == "csv" and "mapping" in parsed.detected:
        _remember_mapping(scope, accounts[0].id, parsed.detected["mapping"])  # type: ignore[arg-type]
    return result


def _prepare(scope: Scope, parsed: ParsedStatement, filename: str, accounts: list[Account],
             import_likely: frozenset[int], dry_run: bool) -> ImportResult:
    rows = parsed.rows.reset_index(drop=True)
    invalid = list(parsed.invalid)
    refs = cast("list[str]", parsed.detected.get("account_refs") or [])
    routing = route(rows, accounts, refs if parsed.format in ("ofx", "camt", "mt940") else [])
    target, missing = routing.target, routing.missing_currencies
    # Per row, from the account it goes to (rows with no account: "" and 2 decimals).
    by_target = pd.Series(target)
    currency = by_target.map({a.id: a.currency for a in accounts}).fillna("").to_numpy(
        dtype=object)
    if isinstance(parsed.scaled, np.ndarray):
        scaled, unusable = parsed.scaled, np.zeros(len(rows), dtype=bool)
    else:  # OFX/QIF: amounts as canonical strings
        scaled, unusable = to_scaled(rows["amount"])
    exps = by_target.map({a.id: exponent(a.currency) for a in accounts}).fillna(2).to_numpy(
        dtype=np.int64)
    minor, extra = scaled_to_minor(np.asarray(scaled, dtype=np.int64), exps)
    dates = pd.to_datetime(rows["date"]).to_numpy(dtype="datetime64[D]")
    today = np.datetime64(dt.date.today(), "D")
    bad = np.zeros(len(rows), dtype=bool)
    lines = rows["line"].to_numpy(dtype=np.int64)
    for pos in np.flatnonzero(target == -1):
        invalid.append(RowError(int(lines[pos]), routing.reasons.get(
            int(pos), f"no chosen account in {rows['currency'][pos]}")))
    bad |= target == -1
    for pos in np.flatnonzero(unusable & ~bad):
        invalid.append(RowError(int(lines[pos]), f"amount {rows['amount'][pos]} has too many "
                                                 "digits"))
    bad |= unusable
    for pos in np.flatnonzero(extra & ~bad):
        invalid.append(RowError(int(lines[pos]), f"amount {rows['amount'][pos]} has more "
                                                 f"decimals than {currency[pos]} allows"))
    bad |= extra
    for pos in np.flatnonzero((dates > today) & ~bad):
        invalid.append(RowError(int(lines[pos]), f"date {dates[pos]} is in the future"))
    bad |= dates > today
    zero = ~bad & (minor == 0)  # zero-amount lines (card checks) are not transactions
    keep = ~bad & ~zero
    skipped = sorted([*parsed.skipped, *(SkippedRow(int(line), "zero amount")
                                         for line in lines[zero])], key=lambda r: r.line)
    invalid.sort(key=lambda e: e.line)
    frame = pd.DataFrame({
        "line": lines[keep], "account_id": target[keep], "date": dates[keep],
        "amount_minor": minor[keep], "currency": currency[keep],
        # Text stays Arrow-backed (CSV path): no million Python strings until the insert.
        "payee": rows["payee"][keep].reset_index(drop=True).fillna(""),
        "description": rows["description"][keep].reset_index(drop=True).fillna(""),
    })
    bank_ids, id_warnings = (external_ids(rows["external_id"][keep], frame["account_id"]
                                          .to_numpy(), frame["line"].to_numpy())
                             if "external_id" in rows else  # CSV and QIF: no bank ids
                             (np.full(len(frame), None, dtype=object), []))
    frame["external_id"] = pd.Series(bank_ids, dtype=object)  # None stays None, not NaN
    first_import = not _anything_stored(scope, frame)
    with ThreadPoolExecutor(1, thread_name_prefix="fintrack-rules") as pool:
        # Nothing stored in these accounts and days (a first import): no row will turn out
        # a duplicate, so the rules file every row on a second thread meanwhile (their
        # matching runs in Arrow and RE2, outside Python's lock). Otherwise they wait for
        # the duplicates to go: a re-import would file a million rows only to drop them.
        filed = (pool.submit(_apply_rules, scope, frame.copy(deep=False)) if first_import
                 else None)  # its own frame: this thread adds the fingerprints meanwhile
        if dry_run and first_import:
            # Preview of a first import: nothing stored can match, so skip the hashing.
            frame["fingerprint"] = None
            is_dup = np.zeros(len(frame), dtype=bool)
        else:
            frame["fingerprint"], known = _hash_and_read_stored(scope, frame)
            with scope.db.read() as s:
                is_dup = stored_duplicates(s, scope.book_id, frame, known)
        kept = np.flatnonzero(~is_dup)
        likely = _likely_duplicates(scope, frame.iloc[kept].reset_index(drop=True))
        skip_lines = {d.line for d in likely} - set(import_likely)
        if skip_lines:
            kept = kept[~frame["line"].iloc[kept].isin(skip_lines).to_numpy()]
        if filed is not None:
            ruled = filed.result()
            ruled.insert(list(frame.columns).index("fingerprint"), "fingerprint",
                         frame["fingerprint"])
            frame = ruled.iloc[kept].reset_index(drop=True)
        else:
            frame = _apply_rules(scope, frame.iloc[kept].reset_index(drop=True))
    frame["transfer_id"] = link_conversions(frame)  # currency conversions inside the export
    totals = _totals(frame)
    all_dates = dates[keep]
    return ImportResult(
        warnings=[*_before_opening(frame, accounts), *id_warnings,
                  *cast("list[str]", parsed.detected.get("warnings") or [])],
        unmatched_accounts=routing.unmatched,
        file=filename, profile=parsed.profile, rows=parsed.data_rows,
        imported=len(frame), duplicates=int(is_dup.sum()) + len(skip_lines),
        invalid=invalid, totals=totals,
        date_min=pd.Timestamp(all_dates.min()).date() if len(all_dates) else None,
        date_max=pd.Timestamp(all_dates.max()).date() if len(all_dates) else None,
        dry_run=dry_run, likely_duplicates=likely, missing_currencies=missing,
        preview=frame, detected=dict(parsed.detected, format=parsed.format),
        skipped=skipped,
    )


def _before_opening(frame: pd.DataFrame, accounts: list[Account]) -> list[str]:
    """One warning per account that would get rows dated before its opening date (a statement
    of another account, or an opening date set too late)."""
    said = []
    for acc in accounts:
        if acc.opened_on is None:
            continue
        mine = frame["date"][frame["account_id"] == acc.id]
        early = mine[mine < np.datetime64(acc.opened_on, "D")]
        if len(early):
            said.append(f"{len(early):,} row(s) are dated before {acc.name!r} was opened "
                        f"({acc.opened_on.isoformat()}), the earliest "
                        f"{pd.Timestamp(early.min()).date().isoformat()}")
    return said


def _apply_rules(scope: Scope, frame: pd.DataFrame) -> pd.DataFrame:
    from fintrack_core.rules.service import apply_rules_frame, load_rules

    frame = frame.assign(category_id=pd.array([pd.NA] * len(frame), dtype="Int64"),
                         tags="")
    rules, mode = load_rules(scope)
    if not rules or frame.empty:
        return frame
    return apply_rules_frame(rules, frame, mode)


def _remember_mapping(scope: Scope, account_id: int, mapping: Mapping) -> None:
    """Save the mapping used for this account so the next import reads the same way."""
    with scope.db.write() as s:
        require(s, scope, WRITE, rewrites=False)  # only adds rows
        name = f"account-{account_id}"
        row = s.scalar(select(ImportProfile).where(ImportProfile.book_id == scope.book_id,
                                                   ImportProfile.name == name))
        if row is None:
            row = ImportProfile(book_id=scope.book_id, account_id=account_id, name=name,
                                mapping="{}")
            s.add(row)
        row.mapping = mapping.to_json()
        row.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class BatchView:
    id: int
    filename: str
    sha256: str
    profile: str | None
    account: str | None
    rows: int
    imported: int
    duplicates: int
    invalid: int
    created_at: dt.datetime
    remaining: int  # transactions of the batch still in the book


def list_batches(scope: Scope) -> list[BatchView]:
    with scope.db.read() as s:
        require(s, scope, READ)
        counts = dict(s.execute(select(Transaction.import_batch_id, func.count()).where(
            Transaction.book_id == scope.book_id, Transaction.import_batch_id.is_not(None))
            .group_by(Transaction.import_batch_id)).all())
        rows = s.execute(select(ImportBatch, Account.name).outerjoin(
            Account, Account.id == ImportBatch.account_id).where(
            ImportBatch.book_id == scope.book_id).order_by(ImportBatch.id.desc())).all()
        return [BatchView(b.id, b.filename, b.sha256, b.profile, name, b.rows, b.imported,
                          b.duplicates, b.invalid, b.created_at, int(counts.get(b.id, 0)))
                for b, name in rows]


def undo_batch(scope: Scope, batch_id: int) -> int:
    """Remove exactly the transactions of one import, and the batch record. Returns the count."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        batch = s.get(ImportBatch, NotFound.unless_id("import batch", batch_id))
        if batch is None or batch.book_id != scope.book_id:
            raise NotFound("import batch", batch_id)
        touched = s.execute(select(Transaction.category_id, Transaction.date).distinct().where(
            Transaction.book_id == scope.book_id, Transaction.import_batch_id == batch_id,
            Transaction.category_id.is_not(None))).all()
        undo_trades(s, scope.book_id, batch_id)  # an investment import's trades first
        res = s.execute(delete(Transaction).where(Transaction.book_id == scope.book_id,
                                                  Transaction.import_batch_id == batch_id))
        check_budget_alerts(s, scope.book_id, [(c, d) for c, d in touched])  # backed off
        s.delete(batch)
        check_budget_alerts(s, scope.book_id, [(c, d) for c, d in touched])
        removed = int(res.rowcount or 0)  # type: ignore[attr-defined]
        record_for(s, scope, "import.undo", batch_id=batch_id, filename=batch.filename,
                   removed=removed)
        return removed


__all__ = ["BatchView", "ImportResult", "LikelyDuplicate", "import_statement",
           "list_batches", "undo_batch"]
