"""Idempotency keys: a retried POST gets the first answer instead of a second write.

Why in the database and not in memory: the retry may reach another API process, or the same
one after a restart, and "never a second transaction" must hold across both (Firefly III's
sync scripts created duplicates exactly there). The flow, per caller (``principal``):

1. ``claim`` inserts the key with no answer yet. The unique constraint decides a race: of two
   requests with one key, one claims it and the other learns it is still running (``Conflict``).
2. The request runs; ``settle`` stores its status and body (errors too: a refused request
   is refused again, it does not get a second chance with the same key).
3. A retry finds the stored answer (``Replay``). The same key with another method, path or
   body is a client bug and gets a ``ValidationError`` naming the header.

If the process dies between its write and ``settle``, the key stays claimed: retries are then
refused with ``Conflict`` rather than risk a second write; keys are forgotten after
``KEEP_FOR``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from fintrack_core.db.api_models import IdempotencyKey
from fintrack_core.db.engine import Database
from fintrack_core.errors import Conflict, ValidationError

HEADER = "Idempotency-Key"
MAX_KEY = 200
KEEP_FOR = dt.timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Replay:
    """The stored first answer to a request."""

    status: int
    body: str


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
        raise ValidationError(HEADER, f"must be 1 to {MAX_KEY} printable ASCII characters")
    return key


def claim(db: Database, principal: str, key: str, fingerprint: str,
          now: dt.datetime | None = None) -> Replay | None:
    """Claim ``key`` for a new request (None), or return the first request's answer."""
    now = now or _utcnow()
    key = check_key(key)
    try:
        with db.write() as s:
            s.execute(delete(IdempotencyKey).where(IdempotencyKey.principal == principal,
                                                   IdempotencyKey.created_at < now - KEEP_FOR))
            s.add(IdempotencyKey(principal=principal, key=key, fingerprint=fingerprint,
                                 status=None, response="", created_at=now))
        return None
    except IntegrityError:
        pass
    with db.read() as s:
        row = s.scalar(select(IdempotencyKey).where(IdempotencyKey.principal == principal,
                                                    IdempotencyKey.key == key))
        if row is None:  # forgotten in between: the caller may simply retry
            raise Conflict(f"{HEADER} {key!r} was just released; retry the request")
        if row.fingerprint != fingerprint:
            raise ValidationError(HEADER, f"{key!r} was already used for a different request")
        if row.status is None:
            raise Conflict(f"a request with {HEADER} {key!r} is still running; retry later")
        return Replay(row.status, row.response)


def settle(db: Database, principal: str, key: str, status: int, body: str) -> None:
    """Store the answer of the request that claimed ``key``."""
    with db.write() as s:
        row = s.scalar(select(IdempotencyKey).where(IdempotencyKey.principal == principal,
                                                    IdempotencyKey.key == key.strip()))
        if row is not None:
            row.status, row.response = status, body


def release(db: Database, principal: str, key: str) -> None:
    """Forget a claim whose request wrote nothing (the database was busy), so a retry runs."""
    with db.write() as s:
        s.execute(delete(IdempotencyKey).where(IdempotencyKey.principal == principal,
                                               IdempotencyKey.key == key.strip()))
