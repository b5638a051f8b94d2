"""Importing a statement into a book: preview, dedup, rules, one atomic write, undo.

The same function serves the Import page and ``fintrack import``: ``dry_run`` is the preview.
A file is all-or-nothing unless the caller asks to skip invalid rows; either way one database
transaction writes the batch and its rows, so a crash never leaves half a file behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.audit import record_for
from fintrack_core.budgets.alerts import check_budget_alerts
from fintrack_core.config import user_settings
from fintrack_core.db.models import Account, ImportBatch, ImportProfile, Transaction
from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.imports.accounting import check_accounting, summary_line
from fintrack_core.imports.amounts import scaled_to_minor, to_scaled
from fintrack_core.imports.bank_ids import external_ids, stored_duplicates
from fintrack_core.imports.book_profiles import load_book_profiles
from fintrack_core.imports.bulk import insert_rows, move_staged
from fintrack_core.imports.columns import check_account_currency
from fintrack_core.imports.date_evidence import DateHints
from fintrack_core.imports.evidence import Question, weigh
from fintrack_core.imports.fingerprint import fingerprint_span, fingerprints, stored_fingerprints
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.payment_exports import link_conversions
from fintrack_core.imports.read import MAX_BYTES as MAX_BYTES  # re-exported: the CLI checks it
from fintrack_core.imports.read import read_statement
from fintrack_core.imports.routing import route
from fintrack_core.imports.stage_file import ALIAS as STAGE
from fintrack_core.imports.stage_file import staged_rows
from fintrack_core.imports.statement import (
    ParsedStatement,
    RowError,
    SkippedRow,
    count_reasons,
)
from fintrack_core.ledger.accounts import get_account
from fintrack_core.money import exponent, to_decimal

LIKELY_DUPLICATE_DAYS = 3
IMPORT_LOCK_SPACE = 0x46_54_49_4D  # "FTIM": PostgreSQL advisory-lock key space for imports
INSERT_CHUNK = 50_000
SQLITE_IMPORT_CACHE_KIB = 65_536
# From this many rows on, SQLite gets the rows as a file DuckDB writes (``imports.stage_file``).
STAGE_FILE_MIN_ROWS = 20_000
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class LikelyDuplicate:
    line: int
    date: dt.date
    amount: Decimal
    currency: str
    payee: str
    existing_id: int
    existing_date: dt.date
    existing_payee: str

    @property
    def reason(self) -> str:
        days = abs((self.existing_date - self.date).days)
        when = "the same day" if days == 0 else f"{days} day(s) apart"
        return (f"same account and amount as transaction #{self.existing_id} "
                f"({self.existing_payee or 'no payee'}, {self.existing_date}), {when}")


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do). ``as_json`` is the CLI contract."""

    file: str
    profile: str | None
    rows: int
    imported: int
    duplicates: int
    invalid: list[RowError]
    totals: dict[str, Decimal]
    date_min: dt.date | None
    date_max: dt.date | None
    dry_run: bool
    batch_id: int | None = None
    likely_duplicates: list[LikelyDuplicate] = field(default_factory=list)
    missing_currencies: list[str] = field(default_factory=list)
    preview: pd.DataFrame | None = None  # first rows as they would be stored
    detected: dict[str, object] = field(default_factory=dict)
    rejected: bool = False
    # Things that import but look wrong, e.g. rows dated before their account was opened.
    warnings: list[str] = field(default_factory=list)
    # Rows of the file that are not transactions (pending, declined...), with line and reason.
    skipped: list[SkippedRow] = field(default_factory=list)
    # Accounts the file names that no chosen account matches: nothing is written then.
    unmatched_accounts: list[str] = field(default_factory=list)
    # What the file's evidence confirmed or changed (imports.evidence), what only the user
    # can settle (nothing is written while one is open).
    notes: list[str] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)

    @property
    def skipped_counts(self) -> dict[str, int]:
        return count_reasons(self.skipped)

    @property
    def summary(self) -> str:
        """One line accounting for every row read (the CLI and the Import page show it)."""
        return summary_line(self.rows, self.imported, self.duplicates, self.skipped,
                            self.invalid)

    def check_accounting(self) -> None:
        check_accounting(self.rows, self.imported, self.duplicates, self.skipped,
                         self.invalid, self.file)

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file, "profile": self.profile, "rows": self.rows,
            "imported": self.imported, "duplicates": self.duplicates,
            "skipped": [{"line": r.line, "reason": r.reason} for r in self.skipped],
            "skipped_counts": self.skipped_counts,
            "invalid": [{"line": e.line, "error": e.error} for e in self.invalid],
            "totals": {c: str(v) for c, v in sorted(self.totals.items())},
            "date_min": self.date_min.isoformat() if self.date_min else None,
            "date_max": self.date_max.isoformat() if self.date_max else None,
            "warnings": list(self.warnings),
        }


def _saved_mapping(s: Session, book_id: int, account_id: int, name: str | None) -> Mapping | None:
    # Rows without an account are the book's bank profiles (book_profiles), not mappings.
    q = select(ImportProfile.mapping).where(ImportProfile.book_id == book_id,
                                            ImportProfile.account_id.is_not(None))
    q = q.where(ImportProfile.name == name) if name else q.where(
        ImportProfile.account_id == account_id)
    text = s.scalar(q.order_by(ImportProfile.updated_at.desc()).limit(1))
    return Mapping.from_json(text) if text else None


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
    hints = DateHints(saved.date_order if saved else None,
                      user_settings(scope.db, scope.user_id).get("locale"))
    say("reading", 0, 1)
    parsed = read_statement(data, filename, options=options, saved=saved, profile=profile,
                            date_hints=hints, book_profiles=own_profiles,
                            account_currency=accounts[0].currency)
    evidence = weigh(parsed, [str(a.type) for a in accounts], signs,
                     negate_given=bool(options and options.negate))
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


def _hash_and_read_stored(scope: Scope, frame: pd.DataFrame) -> tuple[pd.Series, pa.Array | None]:
    """The rows' fingerprints, and the ones the book already stores for their accounts and
    days, read on a second thread meanwhile (the database's and DuckDB's work both run
    without Python's lock, so a re-import of 1M rows saves about 0.3 s)."""
    if frame.empty:
        return fingerprints(frame), None

    def read_stored() -> pa.Array:
        with scope.db.read() as s:
            return stored_fingerprints(s, scope.book_id, *fingerprint_span(frame))

    with ThreadPoolExecutor(1, thread_name_prefix="fintrack-stored") as pool:
        stored = pool.submit(read_stored)
        return fingerprints(frame), stored.result()


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


def _totals(frame: pd.DataFrame) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for ccy, total in frame.groupby("currency")["amount_minor"].sum().items():
        totals[str(ccy)] = to_decimal(int(total), str(ccy))
    return totals


def _anything_stored(scope: Scope, frame: pd.DataFrame) -> bool:
    """Whether the book has any transaction in these accounts and dates (index lookup)."""
    if frame.empty:
        return False
    lo, hi = pd.Timestamp(frame["date"].min()).date(), pd.Timestamp(frame["date"].max()).date()
    with scope.db.read() as s:
        return s.scalar(select(Transaction.id).where(
            Transaction.book_id == scope.book_id,
            Transaction.account_id.in_([int(a) for a in pd.unique(frame["account_id"])]),
            Transaction.date >= lo, Transaction.date <= hi).limit(1)) is not None


def _likely_duplicates(scope: Scope, frame: pd.DataFrame) -> list[LikelyDuplicate]:
    """New rows that match a hand-entered transaction: same account and amount, close dates."""
    if frame.empty:
        return []
    pad = dt.timedelta(days=LIKELY_DUPLICATE_DAYS)
    lo = pd.Timestamp(frame["date"].min()).date() - pad
    hi = pd.Timestamp(frame["date"].max()).date() + pad
    with scope.db.read() as s:
        manual = pd.DataFrame(s.execute(select(
            Transaction.id, Transaction.account_id, Transaction.date, Transaction.amount_minor,
            Transaction.payee).where(
            Transaction.book_id == scope.book_id, Transaction.import_batch_id.is_(None),
            Transaction.transfer_id.is_(None),
            Transaction.account_id.in_([int(a) for a in pd.unique(frame["account_id"])]),
            Transaction.date >= lo, Transaction.date <= hi)).all(),
            columns=["id", "account_id", "existing_date", "amount_minor", "existing_payee"])
    if manual.empty:
        return []
    merged = frame.merge(manual, on=["account_id", "amount_minor"])
    merged["existing_date"] = pd.to_datetime(merged["existing_date"])
    merged["days"] = (merged["existing_date"] - pd.to_datetime(merged["date"])).abs()
    merged = merged[merged["days"] <= pd.Timedelta(pad)]
    merged = merged.iloc[_one_to_one(merged)]
    return [LikelyDuplicate(int(r.line), pd.Timestamp(r.date).date(),
                            to_decimal(int(r.amount_minor), r.currency), r.currency, r.payee,
                            int(r.id), r.existing_date.date(), r.existing_payee)
            for r in cast(Iterable[Any], merged.itertuples())]  # row fields untyped in the stubs


def _one_to_one(pairs: pd.DataFrame) -> list[int]:
    """Positions of the (statement row, typed-in transaction) pairs to report: each typed-in
    transaction explains at most one statement row and each row is reported once, closest
    dates first. Two identical card payments on one statement and one of them typed in by
    hand are one likely duplicate and one new row, not two duplicates."""
    order = np.lexsort((pairs["id"].to_numpy(), pairs["line"].to_numpy(),
                        pairs["days"].to_numpy()))
    lines_used: set[int] = set()
    ids_used: set[int] = set()
    chosen = []
    line_col, id_col = pairs["line"].to_numpy(), pairs["id"].to_numpy()
    for pos in order:
        line, existing = int(line_col[pos]), int(id_col[pos])
        if line in lines_used or existing in ids_used:
            continue
        lines_used.add(line)
        ids_used.add(existing)
        chosen.append(int(pos))
    return sorted(chosen, key=lambda p: int(line_col[p]))


def _apply_rules(scope: Scope, frame: pd.DataFrame) -> pd.DataFrame:
    from fintrack_core.rules.service import apply_rules_frame, load_rules

    frame = frame.assign(category_id=pd.array([pd.NA] * len(frame), dtype="Int64"),
                         tags="")
    rules, mode = load_rules(scope)
    if not rules or frame.empty:
        return frame
    return apply_rules_frame(rules, frame, mode)


def _write(scope: Scope, frame: pd.DataFrame, parsed: ParsedStatement, filename: str,
           sha: str, accounts: list[Account], result: ImportResult, say: Progress) -> int | None:
    """Store the batch; ``None`` when nothing is left to add (then no batch is recorded).

    A large import on SQLite hands its rows over as a file DuckDB writes before the write
    lock is taken (``imports.stage_file``); smaller ones, and PostgreSQL, bind them.
    """
    if scope.db.is_sqlite and len(frame) >= STAGE_FILE_MIN_ROWS:
        with staged_rows(frame) as stage:
            try:
                return _write_batch(scope, frame, parsed, filename, sha, accounts, result, say,
                                    stage)
            finally:
                scope.db.checkpoint_later()
    return _write_batch(scope, frame, parsed, filename, sha, accounts, result, say, None)


def _write_batch(scope: Scope, frame: pd.DataFrame, parsed: ParsedStatement, filename: str,
                 sha: str, accounts: list[Account], result: ImportResult, say: Progress,
                 stage: Path | None) -> int | None:
    """``_write`` in one transaction, the rows coming from ``stage`` when there is one.

    The duplicate check is repeated inside the write transaction, after taking the book's
    write lock: two processes importing the same statement at once are serialised here, and
    the second finds the first one's rows (on SQLite the transaction holds the database's
    write lock from its start; on PostgreSQL an advisory lock per book).
    """
    with scope.db.write(attach=(STAGE, stage) if stage else None) as s:
        require(s, scope, WRITE, rewrites=False)  # only adds rows
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:space, :book)"),
                      {"space": IMPORT_LOCK_SPACE, "book": int(scope.book_id)})
        landed = stored_duplicates(s, scope.book_id, frame)
        if landed.any():
            frame = frame[~landed].reset_index(drop=True)
            result.duplicates += int(landed.sum())
            result.imported = len(frame)
            result.totals = _totals(frame)
            result.preview = frame
            stage = None  # the file also holds the rows that landed meanwhile
        if frame.empty:
            return None
        batch = ImportBatch(book_id=scope.book_id,
                            account_id=accounts[0].id if len(accounts) == 1 else None,
                            filename=filename[:255], sha256=sha, profile=parsed.profile,
                            rows=result.rows, imported=result.imported,
                            duplicates=result.duplicates, invalid=len(result.invalid),
                            created_by=scope.user_id)
        s.add(batch)
        s.flush()
        if stage is not None:
            _move_staged(s, scope.book_id, batch.id, len(frame), say)
        else:
            _insert_rows(s, scope.book_id, batch.id, frame, say)
        # The budget thresholds the new rows cross, recorded with them (budgets.alerts).
        check_budget_alerts(s, scope.book_id, _category_days(frame))
        record_for(s, scope, "import.batch", batch_id=batch.id, filename=batch.filename,
                   rows=result.rows, imported=result.imported, duplicates=result.duplicates)
        return batch.id


def _category_days(frame: pd.DataFrame) -> list[tuple[int | None, dt.date]]:
    """The distinct (category, day) pairs of the rows written, for the budget alert check
    (rules may have filed them; rows without a category touch no budget). One integer key
    per row and ``np.unique``: a pandas ``drop_duplicates`` took 0.4 s on 1M rows."""
    filed = frame["category_id"].notna().to_numpy(dtype=bool)
    if not filed.any():
        return []
    cats = frame["category_id"].to_numpy(dtype=np.int64, na_value=0)[filed]
    days = pd.to_datetime(frame["date"]).to_numpy(dtype="datetime64[D]").astype(np.int64)[filed]
    first = int(days.min())
    width = int(days.max()) - first + 1
    keys = np.unique(cats * width + (days - first))
    pairs = zip((keys // width).tolist(), (keys % width + first).tolist(), strict=True)
    epoch = dt.date(1970, 1, 1)
    return [(int(c), epoch + dt.timedelta(days=int(d))) for c, d in pairs]


def _insert_rows(s: Session, book_id: int, batch_id: int, frame: pd.DataFrame,
                 say: Progress) -> None:
    """Bulk insert in the session's transaction, ``INSERT_CHUNK`` rows at a time (see
    ``imports.bulk``: on SQLite through a TEMP table and one ``INSERT ... SELECT`` per chunk).
    """
    n = len(frame)
    conn = s.connection()
    is_sqlite = conn.dialect.name == "sqlite"
    raw = conn.connection.driver_connection
    assert raw is not None  # a checked-out connection always has its driver connection
    if is_sqlite and n > INSERT_CHUNK:
        # A page cache that holds the indexes' hot pages during a large import. Rows go in in
        # account/date order, so only the right edges of the b-trees are hot: 64 MB wrote 1M
        # rows as fast as 256 MB did, with 95 MB less peak memory.
        raw.execute(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")
    try:
        insert_rows(raw, conn.dialect.name, book_id, batch_id, frame, INSERT_CHUNK,
                    lambda done: say("writing", done, n))
    finally:
        if is_sqlite and n > INSERT_CHUNK:
            raw.execute("PRAGMA cache_size=-2000")


def _move_staged(s: Session, book_id: int, batch_id: int, rows: int, say: Progress) -> None:
    """Move the attached stage file's rows in (``imports.bulk.move_staged``)."""
    conn = s.connection()
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")
    # The commit leaves the copy of the new pages into the database file to a background
    # checkpoint (``Database.write``, ``checkpoint_later``): the rows are committed and
    # visible either way, and the import returns about 0.9 s sooner per 1M rows.
    raw.execute("PRAGMA wal_autocheckpoint=0")
    try:
        move_staged(raw, STAGE, book_id, batch_id, rows, INSERT_CHUNK,
                    lambda done: say("writing", done, rows))
    finally:
        raw.execute("PRAGMA cache_size=-2000")


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
