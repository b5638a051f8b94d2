"""JSON shapes of statement imports: the dry-run preview and the committed batch.

The preview carries what the Import page shows before anything is written: the detected
format and column mapping, every row accounted for (imported, duplicate, skipped with a
reason, invalid with its line), likely duplicates of typed-in rows and the questions only a
person can settle (DESIGN.md rule 9).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import BaseModel, Field

from fintrack_api.schemas import Money, money
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.service import BatchView, ImportResult

PREVIEW_ROWS = 50


class LineNote(BaseModel):
    line: int = Field(examples=[14])
    reason: str = Field(examples=["pending payment"])


class LikelyDuplicate(BaseModel):
    line: int = Field(examples=[7])
    existing_id: int = Field(examples=[41])
    reason: str = Field(examples=["same account and amount as transaction #41 (REWE, "
                                  "2024-03-05), 1 day(s) apart"])


class Question(BaseModel):
    key: str = Field(examples=["signs"])
    text: str = Field(examples=["Are payments negative in this file?"])
    choices: dict[str, str] = Field(examples=[{"keep": "as in the file", "flip": "flipped"}])


class PreviewRow(BaseModel):
    line: int | None = Field(examples=[2])
    account_id: int | None = Field(examples=[3])
    date: dt.date = Field(examples=["2024-03-05"])
    amount: Money
    payee: str = Field(examples=["REWE"])
    description: str = Field(examples=["Groceries"])
    category_id: int | None = Field(examples=[12])


class ImportReport(BaseModel):
    """What an import did, or with ``dry_run`` would do."""

    file: str = Field(examples=["dkb_giro.csv"])
    dry_run: bool
    rejected: bool = Field(description="Nothing was written: see invalid, questions or "
                                       "unmatched_accounts")
    batch_id: int | None = Field(examples=[5], description="Undo with DELETE imports/{id}")
    profile: str | None = Field(examples=["DKB Girokonto"])
    format: str | None = Field(examples=["csv"])
    mapping: dict[str, Any] | None = Field(description="The column mapping read (CSV)")
    summary: str = Field(examples=["12 rows: 10 imported, 1 duplicate, 1 skipped"])
    rows: int = Field(examples=[12])
    imported: int = Field(examples=[10])
    duplicates: int = Field(examples=[1])
    skipped: list[LineNote]
    invalid: list[LineNote]
    likely_duplicates: list[LikelyDuplicate]
    totals: list[Money]
    date_min: dt.date | None
    date_max: dt.date | None
    warnings: list[str]
    notes: list[str]
    questions: list[Question]
    unmatched_accounts: list[str]
    preview: list[PreviewRow] = Field(description=f"The first {PREVIEW_ROWS} rows as they "
                                                  "would be stored (dry run only)")

    @classmethod
    def of(cls, r: ImportResult) -> ImportReport:
        mapping = r.detected.get("mapping")
        return cls(
            file=r.file, dry_run=r.dry_run, rejected=r.rejected, batch_id=r.batch_id,
            profile=r.profile, format=str(r.detected.get("format") or "") or None,
            mapping=json.loads(mapping.to_json()) if isinstance(mapping, Mapping) else None,
            summary=r.summary, rows=r.rows, imported=r.imported, duplicates=r.duplicates,
            skipped=[LineNote(line=s.line, reason=s.reason) for s in r.skipped],
            invalid=[LineNote(line=e.line, reason=e.error) for e in r.invalid],
            likely_duplicates=[LikelyDuplicate(line=d.line, existing_id=d.existing_id,
                                               reason=d.reason) for d in r.likely_duplicates],
            totals=[Money(amount=str(v), currency=c) for c, v in sorted(r.totals.items())],
            date_min=r.date_min, date_max=r.date_max, warnings=list(r.warnings),
            notes=list(r.notes),
            questions=[Question(key=q.key, text=q.text, choices=dict(q.choices))
                       for q in r.questions],
            unmatched_accounts=list(r.unmatched_accounts),
            preview=_preview(r) if r.dry_run else [])


def _preview(r: ImportResult) -> list[PreviewRow]:
    if r.preview is None:
        return []
    rows = []
    for rec in r.preview.head(PREVIEW_ROWS).to_dict("records"):
        category = rec.get("category_id")
        rows.append(PreviewRow(
            line=_int(rec.get("line")), account_id=_int(rec.get("account_id")),
            date=rec["date"], amount=money(int(rec["amount_minor"]), str(rec["currency"])),
            payee=str(rec.get("payee") or ""), description=str(rec.get("description") or ""),
            category_id=_int(category)))
    return rows


def _int(value: object) -> int | None:
    """An int from a frame cell, None for NA (pandas' missing values are not None)."""
    try:
        return int(str(value))
    except ValueError:  # "<NA>", "nan", "None"
        return None


class Batch(BaseModel):
    id: int = Field(examples=[5])
    filename: str = Field(examples=["dkb_giro.csv"])
    profile: str | None = Field(examples=["DKB Girokonto"])
    account: str | None = Field(examples=["Girokonto"])
    rows: int = Field(examples=[12])
    imported: int = Field(examples=[10])
    duplicates: int = Field(examples=[1])
    invalid: int = Field(examples=[0])
    created_at: dt.datetime
    remaining: int = Field(examples=[10], description="Its transactions still in the book")

    @classmethod
    def of(cls, b: BatchView) -> Batch:
        return cls(id=b.id, filename=b.filename, profile=b.profile, account=b.account,
                   rows=b.rows, imported=b.imported, duplicates=b.duplicates,
                   invalid=b.invalid, created_at=b.created_at, remaining=b.remaining)
