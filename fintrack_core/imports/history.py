"""What a user imported before in a book, so the Import page can offer the same accounts.

The rule needs no stored preference: the accounts of this user's most recent batch in this
book that are still open. No batch (or an undone one) means no suggestion, never a guess.
"""

from __future__ import annotations

from sqlalchemy import select

from fintrack_core.access import READ, Scope, require
from fintrack_core.db.models import Account, ImportBatch, Transaction


def last_import_accounts(scope: Scope) -> list[int]:
    """Ids of the open accounts the acting user's last import in this book went into (all of
    them for a multi-currency file), or ``[]`` when they have not imported here."""
    with scope.db.read() as s:
        require(s, scope, READ)
        batch = s.execute(select(ImportBatch.id, ImportBatch.account_id).where(
            ImportBatch.book_id == scope.book_id, ImportBatch.created_by == scope.user_id)
            .order_by(ImportBatch.id.desc()).limit(1)).first()
        if batch is None:
            return []
        if batch.account_id is not None:
            ids = [int(batch.account_id)]
        else:  # a batch into several accounts names none: its rows say which
            ids = [int(i) for i in s.scalars(select(Transaction.account_id).where(
                Transaction.book_id == scope.book_id,
                Transaction.import_batch_id == batch.id).distinct())]
        open_ids = set(s.scalars(select(Account.id).where(
            Account.book_id == scope.book_id, Account.id.in_(ids),
            Account.closed_on.is_(None))))
        return sorted(i for i in ids if i in open_ids)


__all__ = ["last_import_accounts"]
