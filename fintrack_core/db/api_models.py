"""Tables of the HTTP API: personal access tokens and the idempotency keys of its writes.

Kept beside the other models (and imported by ``models`` so ``Base.metadata`` holds them) but
in their own module: they describe how scripts reach a book, not the book itself.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from fintrack_core.db.base import Base


class ApiToken(Base):
    """A personal access token: one user, one book, read or read-write.

    Only the SHA-256 of the secret is stored (the secret has 256 random bits, so a fast hash
    is enough and lets a request find its token by one indexed lookup); ``prefix`` is the
    first characters of the secret, shown in lists so a person can tell their tokens apart.
    """

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(10))  # read | read-write
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class IdempotencyKey(Base):
    """The first answer to a POST sent with an ``Idempotency-Key``, per caller.

    ``status`` is NULL while the first request is still running, so a concurrent retry is
    told to wait instead of writing a second time; ``fingerprint`` is the hash of method,
    path and body, so the same key with another request is refused.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key", name="uq_idempotency_keys_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal: Mapped[str] = mapped_column(String(40))  # "user:3" or "token:12"
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
