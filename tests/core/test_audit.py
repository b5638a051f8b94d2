"""The audit log: every audited action writes exactly one row (who, when, what, from where) in
the same transaction as the action; a refused or failed action writes none; owners read their
book's log, administrators everything; the database refuses to change or remove a row."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from fintrack_core import audit
from fintrack_core.access import Scope, acting_from
from fintrack_core.db.engine import Database
from fintrack_core.db.models import AuditLog
from fintrack_core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from fintrack_core.imports import service as imports
from fintrack_core.ledger import accounts, books, categories, users
from fintrack_core.ledger import transactions as tx
from fintrack_core.rules import service as rules
from fintrack_core.rules.service import Action, Condition, RuleSpec
from tests.conftest import SmallBook

FROZEN = dt.datetime(2026, 2, 28, 23, 59, 30, tzinfo=dt.UTC)
STATEMENT = b"Date,Description,Amount\n2024-03-20,Corner shop,-7.40\n2024-03-21,Refund,2.00\n"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "now", lambda: FROZEN)


def last_id(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.max(AuditLog.id))) or 0)


def rows_after(db: Database, after: int) -> list[AuditLog]:
    with db.read() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.id > after).order_by(AuditLog.id)))


def one_row(db: Database, after: int) -> AuditLog:
    rows = rows_after(db, after)
    assert len(rows) == 1, [(r.action, r.detail) for r in rows]
    return rows[0]


def tx_ids(sb: SmallBook) -> dict[str, int]:
    """Ids of the small book's transactions by payee (the transfer's legs by account)."""
    with sb.db.read() as s:
        found = s.execute(text("SELECT id, payee FROM transactions WHERE book_id = :b"),
                          {"b": sb.owner.book_id}).all()
    return {payee: id_ for id_, payee in found}


def grocer_rule(sb: SmallBook) -> object:
    spec = RuleSpec("Shell is fuel", (Condition("payee", "equals", "Shell"),),
                    (Action("set_category", sb.categories["Groceries"]),))
    return rules.create_rule(sb.owner, spec)


# Each audited action: (name, set-up, the call, expected action, expected detail subset).
EVENTS: list[tuple[str, Callable[[SmallBook], Any], str, dict[str, Any]]] = [
    ("share", lambda sb: books.share_book(sb.owner, "carol", "editor"),
     "book.share", {"user": "carol", "role": "editor"}),
    ("role change", lambda sb: books.share_book(sb.owner, "bob", "editor"),
     "book.role_change", {"user": "bob", "old_role": "viewer", "role": "editor"}),
    ("unshare", lambda sb: books.remove_member(sb.owner, sb.viewer.user_id),
     "book.unshare", {"user": "bob", "role": "viewer"}),
    ("import", lambda sb: imports.import_statement(sb.owner, STATEMENT, "march.csv",
                                                   [sb.checking.id]),
     "import.batch", {"filename": "march.csv", "rows": 2, "imported": 2, "duplicates": 0}),
    ("delete transaction", lambda sb: tx.delete_transaction(sb.owner, tx_ids(sb)["REWE"]),
     "tx.delete", {"amount_minor": -6437, "currency": "EUR", "date": "2024-03-05"}),
    ("bulk re-categorise", lambda sb: tx.bulk_set_category(
        sb.owner, [tx_ids(sb)["REWE"], tx_ids(sb)["Landlord"]], sb.categories["Groceries"]),
     "tx.bulk_edit", {"count": 2}),
    ("bulk delete", lambda sb: tx.bulk_delete(sb.owner, [tx_ids(sb)["REWE"]]),
     "tx.bulk_delete", {"count": 1}),
    ("delete account", lambda sb: accounts.delete_account(sb.owner, sb.card.id,
                                                          confirm_transactions=2),
     "account.delete", {"name": "US Visa", "transactions": 2}),
    ("delete category", lambda sb: categories.delete_category(
        sb.owner, sb.categories["Fuel"], move_to_id=sb.categories["Groceries"]),
     "category.delete", {"name": "Fuel", "moved": 2}),
    ("merge categories", lambda sb: categories.merge_categories(
        sb.owner, sb.categories["Fuel"], sb.categories["Groceries"]),
     "category.merge", {"source": "Fuel", "target": "Groceries", "moved": 2}),
    ("re-apply rules", lambda sb: (grocer_rule(sb), rules.reapply_rules(sb.owner)),
     "rules.reapply", {"changed": 2}),
]


@pytest.mark.parametrize(("call", "action", "detail"), [e[1:] for e in EVENTS],
                         ids=[e[0] for e in EVENTS])
def test_each_audited_action_writes_exactly_one_row(
        small_book: SmallBook, call: Callable[[SmallBook], Any], action: str,
        detail: dict[str, Any]) -> None:
    sb = small_book
    before = last_id(sb.db)
    call(sb)
    row = one_row(sb.db, before)
    assert row.action == action
    assert (row.actor_user_id, row.actor_name, row.book_id) == (
        sb.owner.user_id, "alice", sb.owner.book_id)
    assert row.at == FROZEN.replace(tzinfo=None)
    stored = json.loads(row.detail)
    assert {k: stored.get(k) for k in detail} == detail


def test_undoing_an_import_is_logged_with_its_file(small_book: SmallBook) -> None:
    sb = small_book
    batch = imports.import_statement(sb.owner, STATEMENT, "march.csv", [sb.checking.id]).batch_id
    before = last_id(sb.db)
    imports.undo_batch(sb.owner, batch or 0)
    row = one_row(sb.db, before)
    assert row.action == "import.undo"
    assert json.loads(row.detail) == {"batch_id": batch, "filename": "march.csv", "removed": 2}


def test_nothing_is_logged_when_nothing_happens(small_book: SmallBook) -> None:
    """A dry-run import, re-sharing with the same role, a re-apply that changes nothing."""
    sb = small_book
    before = last_id(sb.db)
    imports.import_statement(sb.owner, STATEMENT, "march.csv", [sb.checking.id], dry_run=True)
    books.share_book(sb.owner, "bob", "viewer")
    rules.reapply_rules(sb.owner)  # no rules yet
    assert rows_after(sb.db, before) == []


def test_password_changes_and_resets_are_logged_without_the_password(
        small_book: SmallBook) -> None:
    sb = small_book
    before = last_id(sb.db)
    with acting_from("web 192.0.2.7"):
        users.reset_password(sb.db, sb.owner.user_id, "bob", "new-secret-pw")  # admin resets
        users.change_password(sb.db, sb.viewer.user_id, "new-secret-pw",
                              "river-stone-8")  # bob changes his own
    reset, change = rows_after(sb.db, before)
    assert (reset.action, reset.actor_name, reset.book_id) == ("user.password_reset", "alice",
                                                               None)
    assert (change.action, change.actor_name) == ("user.password_change", "bob")
    assert {reset.origin, change.origin} == {"web 192.0.2.7"}
    assert json.loads(reset.detail) == {"user": "bob"}
    assert "secret" not in reset.detail + change.detail
    assert "pw" not in change.detail


REFUSED: list[tuple[str, Callable[[SmallBook], Any], type[Exception]]] = [
    ("viewer deletes", lambda sb: tx.delete_transaction(sb.viewer, tx_ids(sb)["REWE"]),
     PermissionDenied),
    ("stranger shares", lambda sb: books.share_book(dataclasses.replace(
        sb.other, book_id=sb.owner.book_id), "carol", "owner"), PermissionDenied),
    ("bulk edit with a missing id", lambda sb: tx.bulk_set_category(
        sb.owner, [tx_ids(sb)["REWE"], 999_999], None), NotFound),
    ("account delete unconfirmed", lambda sb: accounts.delete_account(sb.owner, sb.card.id),
     Conflict),
    ("removing the last owner", lambda sb: books.remove_member(sb.owner, sb.owner.user_id),
     Conflict),
    ("non-admin resets a password", lambda sb: users.reset_password(
        sb.db, sb.viewer.user_id, "alice", "taken-over-pw"), PermissionDenied),
]


@pytest.mark.parametrize(("call", "error"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_refused_action_writes_no_row(small_book: SmallBook,
                                        call: Callable[[SmallBook], Any],
                                        error: type[Exception]) -> None:
    before = last_id(small_book.db)
    with pytest.raises(error):
        call(small_book)
    assert rows_after(small_book.db, before) == []


def test_the_action_and_its_row_commit_together_or_not_at_all(
        small_book: SmallBook, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after the row was written rolls the row back; a failure writing the row rolls
    the action back (no deletion without its record)."""
    sb = small_book
    before = last_id(sb.db)

    def log_then_fail() -> None:
        with sb.db.write() as s:
            audit.record_for(s, sb.owner, "tx.delete", id=1)
            raise RuntimeError("the action failed after logging")

    with pytest.raises(RuntimeError):
        log_then_fail()
    assert rows_after(sb.db, before) == []

    def broken_clock() -> dt.datetime:
        raise OSError("clock unavailable")

    monkeypatch.setattr(audit, "now", broken_clock)
    rewe = tx_ids(sb)["REWE"]
    with pytest.raises(OSError, match="clock"):
        tx.delete_transaction(sb.owner, rewe)
    assert "REWE" in tx_ids(sb)
    assert rows_after(sb.db, before) == []


def test_origin_comes_from_the_scope_or_the_interface(small_book: SmallBook) -> None:
    sb = small_book
    before = last_id(sb.db)
    web = dataclasses.replace(sb.owner, origin="web 203.0.113.9")
    books.share_book(web, "carol", "viewer")
    with acting_from("cli"):
        cli_scope = Scope(sb.db, sb.owner.user_id, sb.owner.book_id)
    books.share_book(cli_scope, "carol", "editor")
    assert [r.origin for r in rows_after(sb.db, before)] == ["web 203.0.113.9", "cli"]


def test_a_failed_sign_in_of_an_unknown_name_is_kept_harmless(db: Database) -> None:
    """Anyone can type a username: it is stored without control characters and cut short."""
    with db.write() as s:
        audit.record(s, "signin.failed", actor_id=None, actor_name="\x1b[31mx" + "y" * 500,
                     detail={"reason": "unknown user"}, origin="web 198.51.100.1")
    row = one_row(db, 0)
    assert (row.actor_user_id, row.book_id) == (None, None)
    assert row.actor_name == "[31mx" + "y" * 59


def test_events_without_a_transaction_of_their_own_are_one_call(small_book: SmallBook) -> None:
    """How the sign-in and backup code logs: one call, which opens its own transaction."""
    sb = small_book
    before = last_id(sb.db)
    audit.log_event(sb.db, "signin.ok", actor_id=sb.viewer.user_id, origin="web 192.0.2.5")
    audit.log_event(sb.db, "backup.create", actor_id=None, actor_name="cli",
                    detail={"file": "fintrack-2026-02-28.db", "bytes": 4096}, origin="cli")
    signin, backup = rows_after(sb.db, before)
    assert (signin.action, signin.actor_name, signin.origin) == ("signin.ok", "bob",
                                                                 "web 192.0.2.5")
    assert json.loads(backup.detail) == {"bytes": 4096, "file": "fintrack-2026-02-28.db"}


def test_secrets_and_unknown_actions_are_refused(db: Database) -> None:
    with db.write() as s:
        for key in ("password", "new_password", "token", "password_hash"):
            with pytest.raises(ValueError, match="secret"):
                audit.record(s, "user.password_reset", actor_id=None, detail={key: "x"})
        with pytest.raises(ValueError, match="unknown audit action"):
            audit.record(s, "tx.delet", actor_id=None)
    assert rows_after(db, 0) == []


def test_a_huge_bulk_edit_logs_its_count_and_the_first_ids(db: Database) -> None:
    with db.write() as s:
        audit.record(s, "tx.bulk_delete", actor_id=None, detail={"count": 5000,
                                                                 "ids": list(range(5000))})
    detail = json.loads(one_row(db, 0).detail)
    assert detail == {"count": 5000, "ids": list(range(audit.MAX_IDS)), "ids_truncated": True}


# --- append-only ------------------------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor_name = 'someone else'",
    "DELETE FROM audit_log",
    "DELETE FROM audit_log WHERE id = 1",
])
def test_the_database_refuses_to_change_or_remove_a_row(small_book: SmallBook,
                                                        statement: str) -> None:
    sb = small_book
    books.share_book(sb.owner, "carol", "viewer")
    before = rows_after(sb.db, 0)
    assert before
    with pytest.raises(DBAPIError, match="append-only"), sb.db.write() as s:
        s.execute(text(statement))
    after = rows_after(sb.db, 0)
    assert [(r.id, r.actor_name) for r in after] == [(r.id, r.actor_name) for r in before]


def test_the_core_offers_no_way_to_edit_the_log() -> None:
    public = {n for n in vars(audit) if not n.startswith("_") and callable(getattr(audit, n))}
    assert not {n for n in public if any(w in n for w in ("update", "delete", "purge", "edit"))}


# --- reading ----------------------------------------------------------------------------------


@pytest.fixture
def busy(small_book: SmallBook) -> SmallBook:
    """Events in Alice's book, in Carol's book, and a password reset belonging to no book."""
    sb = small_book
    books.share_book(sb.owner, "carol", "editor")
    tx.delete_transaction(sb.owner, tx_ids(sb)["REWE"])
    books.share_book(sb.other, "bob", "viewer")
    users.reset_password(sb.db, sb.owner.user_id, "carol", "fresh-password")
    return sb


def test_an_owner_reads_their_books_log_newest_first_and_nothing_else(busy: SmallBook) -> None:
    page = audit.book_audit(busy.owner)
    assert [e.action for e in page.entries] == ["tx.delete", "book.share", "book.share"]
    assert page.total == 3
    assert {e.book_id for e in page.entries} == {busy.owner.book_id}
    assert page.entries[0].at == FROZEN
    carol = audit.book_audit(busy.other)
    assert [(e.action, e.detail["user"]) for e in carol.entries] == [("book.share", "bob")]


def test_editors_viewers_and_strangers_may_not_read_a_books_log(busy: SmallBook) -> None:
    editor = Scope(busy.db, busy.other.user_id, busy.owner.book_id)  # carol is editor now
    with pytest.raises(PermissionDenied, match="editor"):
        audit.book_audit(editor)
    with pytest.raises(PermissionDenied, match="viewer"):
        audit.book_audit(busy.viewer)
    with pytest.raises(PermissionDenied, match="not a member"):
        audit.book_audit(Scope(busy.db, busy.viewer.user_id, 987_654))


def test_book_log_filters_and_pages_in_sql(busy: SmallBook) -> None:
    shares = audit.book_audit(busy.owner, actions=["book.share"])
    assert [e.detail["user"] for e in shares.entries] == ["carol", "bob"]
    second = audit.book_audit(busy.owner, limit=1, offset=1)
    assert (second.total, [e.action for e in second.entries]) == (3, ["book.share"])
    assert audit.book_audit(busy.owner, offset=10).entries == []


def test_an_administrator_reads_everything_and_filters_by_user_and_action(
        busy: SmallBook) -> None:
    admin = busy.owner.user_id  # alice, the first user
    everything = audit.all_audit(busy.db, admin)
    assert everything.total == 5
    assert {e.book_id for e in everything.entries} == {busy.owner.book_id, busy.other.book_id,
                                                       None}
    by_carol = audit.all_audit(busy.db, admin, user="Carol")
    assert [e.action for e in by_carol.entries] == ["book.share"]
    resets = audit.all_audit(busy.db, admin, actions=["user.password_reset"])
    assert [(e.actor_name, e.detail) for e in resets.entries] == [("alice", {"user": "carol"})]
    in_book = audit.all_audit(busy.db, admin, book_id=busy.other.book_id)
    assert in_book.total == 1


def test_only_administrators_read_the_whole_log(busy: SmallBook) -> None:
    with pytest.raises(PermissionDenied, match="administrator"):
        audit.all_audit(busy.db, busy.viewer.user_id)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"limit": 0}, "limit"), ({"limit": 5000}, "limit"), ({"offset": -1}, "offset"),
    ({"actions": ["signin.maybe"]}, "action"),
])
def test_bad_paging_or_action_names_the_field(busy: SmallBook, kwargs: dict[str, Any],
                                              field: str) -> None:
    with pytest.raises(ValidationError) as err:
        audit.book_audit(busy.owner, **kwargs)
    assert err.value.field == field
    with pytest.raises(ValidationError):
        audit.all_audit(busy.db, busy.owner.user_id, **kwargs)


def test_the_log_keeps_the_username_of_a_user_who_is_gone(busy: SmallBook) -> None:
    """No foreign key ties a row to its user: the recorded name stays (even if the user row
    goes, which deleting users will do)."""
    with busy.db.write() as s:
        s.execute(text("DELETE FROM users WHERE username = 'carol'"))
    names = [e.actor_name for e in audit.all_audit(busy.db, busy.owner.user_id).entries]
    assert "carol" in names


def test_entries_have_a_stable_json_form(busy: SmallBook) -> None:
    entry = audit.book_audit(busy.owner, limit=1).entries[0]
    data = entry.as_json()
    assert data["at"] == "2026-02-28T23:59:30+00:00"
    assert (data["action"], data["actor"], data["book_id"]) == ("tx.delete", "alice",
                                                                busy.owner.book_id)
    assert entry.label == "Transaction deleted"


def test_migration_0007_downgrades_cleanly(db: Database) -> None:
    from alembic import command

    from fintrack_core.db.schema import alembic_config, upgrade

    cfg = alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    with db.engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name LIKE '%audit%'")
        assert left.fetchall() == []
    upgrade(db)
    with db.engine.connect() as conn:
        triggers = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit%' "
                "ORDER BY name").scalars()
        assert list(triggers) == ["audit_log_no_delete", "audit_log_no_update"]


# --- sign-ins and backups (wired after the login and backup work landed) ----------------------


def test_sign_ins_failures_and_lockouts_are_logged_with_the_address(db: Database) -> None:
    from fintrack_core.auth.signin import SignInFailed, sign_in

    users.create_user(db, "alice", "wonderland-42", "Alice")
    when = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC).replace(tzinfo=None)  # naive UTC
    before = last_id(db)
    sign_in(db, "alice", "wonderland-42", "192.0.2.7", when)
    for _ in range(5):
        with pytest.raises(SignInFailed):
            sign_in(db, "alice", "not-the-password", "192.0.2.8", when)
    with acting_from("cli"), pytest.raises(SignInFailed):
        sign_in(db, "mallory", "guess-guess-1", None, when)  # unknown user, from the CLI

    rows = rows_after(db, before)
    assert [(r.action, r.actor_name, r.origin) for r in rows] == [
        ("signin.ok", "alice", "web 192.0.2.7"),
        *[("signin.failed", "alice", "web 192.0.2.8")] * 5,
        ("signin.locked", "alice", "web 192.0.2.8"),
        ("signin.failed", "mallory", "cli"),
    ]
    assert rows[0].actor_user_id == rows[1].actor_user_id is not None
    assert rows[-1].actor_user_id is None
    assert json.loads(rows[6].detail) == {"failures": 5, "minutes": 1}
    assert "not-the-password" not in "".join(r.detail for r in rows)


def test_backups_and_restores_are_logged(db: Database, tmp_path: Any) -> None:
    from fintrack_core.backups import database as backup

    admin = users.create_user(db, "alice", "wonderland-42", "Alice")
    before = last_id(db)
    made = backup.create_backup(db, tmp_path)
    name, _data = backup.backup_for_download(db, admin.id)
    created = rows_after(db, before)
    assert [(r.action, r.actor_name) for r in created] == [("backup.create", "operator"),
                                                           ("backup.create", "alice")]
    assert json.loads(created[0].detail)["file"] == made.path.name
    assert json.loads(created[1].detail)["file"] == name

    backup.restore_backup(db, made.path, tmp_path)
    restored = rows_after(db, 0)[-1]  # the restored log, plus the restore itself
    assert restored.action == "backup.restore"
    assert json.loads(restored.detail)["file"] == str(made.path)
