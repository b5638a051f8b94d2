"""The report copy's change log (revision 0015): which transactions changed or went, written
by database triggers in the same transaction as the write. See ``fintrack_core.reports.changes``.

Why no foreign key to ``books``: the log is derived data. A book deleted as a whole takes its
transactions with it, and their delete triggers log rows for a book that is going away in the
same statement; a foreign key would refuse them. Entries for a book that no longer exists are
never read and go with the next prune.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fintrack_core.db.base import Base

# SQLite: INTEGER PRIMARY KEY AUTOINCREMENT, so a sequence number is never used twice, even
# after a prune emptied the table (a plain rowid would start again from the largest left).
SEQ_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class ChangeLogEntry(Base):
    """One change the report copies have to apply.

    ``kind``: ``changed`` (re-read the row; also an insert on PostgreSQL), ``deleted``,
    ``rates`` (an exchange rate of this book, or a shared one when ``book_id`` is NULL,
    changed: the copy is rebuilt), ``tables`` (an account or category of the book changed: the
    copy reloads those small tables), ``pruned`` (entries up to ``tx_id`` were deleted; a copy
    behind that rebuilds). ``xid``: the writing transaction's id on PostgreSQL (NULL on SQLite),
    for entries committed out of sequence order (``reports.changes``); indexed on PostgreSQL
    only, by revision 0016 (SQLite never reads it), so the index is not declared here.
    """

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_book_seq", "book_id", "seq"),
                      {"sqlite_autoincrement": True})
    seq: Mapped[int] = mapped_column(SEQ_TYPE, primary_key=True, autoincrement=True)
    book_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tx_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    kind: Mapped[str] = mapped_column(String(10))
    xid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
