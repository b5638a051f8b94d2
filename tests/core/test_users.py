"""Users: the first is admin, later ones are added by an admin, passwords are bcrypt hashes,
and everyone starts with a book of their own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import bcrypt
import pytest
from sqlalchemy import select
from streamlit_authenticator.utilities.hasher import Hasher

from fintrack_core.access import Scope
from fintrack_core.auth import passwords
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Role, User
from fintrack_core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from fintrack_core.ledger import books, users
from fintrack_core.ledger.categories import list_categories


@pytest.fixture
def alice(db: Database) -> users.UserView:
    return users.create_user(db, "alice", "correct horse", "Alice Martin", "alice@example.org",
                             base_currency="EUR")


def stored_hash(db: Database, username: str) -> str:
    with db.read() as s:
        return s.scalar(select(User.password_hash).where(User.username == username)) or ""


def test_first_user_becomes_admin_without_an_actor(db: Database) -> None:
    assert users.count_users(db) == 0
    first = users.create_user(db, "alice", "correct horse", "Alice Martin")
    assert first.is_admin is True
    assert users.count_users(db) == 1


def test_later_users_need_an_admin_actor(db: Database, alice: users.UserView) -> None:
    with pytest.raises(PermissionDenied):
        users.create_user(db, "bob", "builder-jobs1", "Bob")
    bob = users.create_user(db, "bob", "builder-jobs1", "Bob", acting_user_id=alice.id)
    assert bob.is_admin is False
    with pytest.raises(PermissionDenied):
        users.create_user(db, "carol", "xmas-songs-3", acting_user_id=bob.id)
    with pytest.raises(PermissionDenied):
        users.create_user(db, "dave", "goliath-slayer", acting_user_id=9999)
    assert [u.username for u in users.list_users(db, alice.id)] == ["alice", "bob"]


def test_admin_may_create_another_admin(db: Database, alice: users.UserView) -> None:
    carol = users.create_user(db, "carol", "xmas-songs-3", is_admin=True, acting_user_id=alice.id)
    assert carol.is_admin is True
    assert carol.name == "carol"  # name defaults to the username


def test_each_new_user_gets_an_own_book_with_default_categories(db: Database,
                                                                alice: users.UserView) -> None:
    bob = users.create_user(db, "bob", "builder-jobs1", "Bob", acting_user_id=alice.id)
    (alice_book,) = books.list_books(db, alice.id)
    (bob_book,) = books.list_books(db, bob.id)
    assert alice_book.id != bob_book.id
    assert (alice_book.name, alice_book.base_currency, alice_book.role) == (
        "Alice Martin's book", "EUR", Role.OWNER)
    assert (bob_book.name, bob_book.base_currency, bob_book.role) == (
        "Bob's book", "USD", Role.OWNER)
    paths = {c.path for c in list_categories(Scope(db, bob.id, bob_book.id))}
    assert "Transportation → Car → Fuel" in paths
    assert "Income → Salary" in paths


def test_passwords_are_stored_only_as_bcrypt_hashes(db: Database, alice: users.UserView,
                                                    tmp_path: Path) -> None:
    pw_hash = stored_hash(db, "alice")
    assert pw_hash != "correct horse"
    assert pw_hash.startswith("$2b$")
    assert bcrypt.checkpw(b"correct horse", pw_hash.encode())
    db.dispose()  # checkpoint the WAL so every byte is in the files below
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("fintrack.db*"))
    assert b"correct horse" not in raw


def test_production_hashing_uses_bcrypt_default_cost(
        monkeypatch: pytest.MonkeyPatch, real_gensalt: Callable[..., bytes]) -> None:
    monkeypatch.setattr(bcrypt, "gensalt", real_gensalt)  # lift the suite's fast hashing
    pw_hash = passwords.hash_password("correct horse")
    assert pw_hash.startswith("$2b$12$")
    assert passwords.check_password("correct horse", pw_hash)
    assert not passwords.check_password("Correct horse", pw_hash)


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 10"), ("", "at least 10"), ("nine-char", "at least 10"),
     ("ü" * 37, "at most 72 bytes"),
     ("alice", "at least 10"), ("my-alice-pass", "must not contain the username"),
     ("ALICE-1234567", "must not contain the username"),
     ("password123", "most common"), ("QwertyUIOP", "most common"),
     ("1234567890", "most common"), ("fintrack2026", "most common")],
)
def test_passwords_breaking_the_policy_are_refused(db: Database, password: str,
                                                     message: str) -> None:
    with pytest.raises(ValidationError) as err:
        users.create_user(db, "alice", password)
    assert err.value.field == "password"
    assert message in err.value.message
    assert users.count_users(db) == 0


@pytest.mark.parametrize("username", ["al", "alice smith", "alice@home", "", "x" * 65])
def test_invalid_usernames_are_refused(db: Database, username: str) -> None:
    with pytest.raises(ValidationError) as err:
        users.create_user(db, username, "correct horse")
    assert err.value.field == "username"


def test_unknown_base_currency_is_refused(db: Database) -> None:
    with pytest.raises(ValidationError) as err:
        users.create_user(db, "alice", "correct horse", base_currency="EURO")
    assert err.value.field == "base_currency"
    assert users.count_users(db) == 0


def test_usernames_are_case_insensitive(db: Database, alice: users.UserView) -> None:
    """streamlit-authenticator lower-cases usernames at login, so FinTrack must too."""
    with pytest.raises(Conflict):
        users.create_user(db, "Alice", "other secret", acting_user_id=alice.id)
    bob = users.create_user(db, " Bob.Smith ", "builder-jobs1", acting_user_id=alice.id)
    assert bob.username == "bob.smith"
    assert users.get_user(db, "BOB.SMITH").id == bob.id
    assert users.authenticate(db, "Bob.Smith", "builder-jobs1") == bob


def test_duplicate_username_is_a_conflict(db: Database, alice: users.UserView) -> None:
    with pytest.raises(Conflict):
        users.create_user(db, "alice", "another secret", acting_user_id=alice.id)
    assert users.count_users(db) == 1


def test_authenticate_checks_the_password(db: Database, alice: users.UserView) -> None:
    assert users.authenticate(db, "alice", "correct horse") == alice
    assert users.authenticate(db, "alice", "wrong horse") is None
    assert users.authenticate(db, "nobody", "correct horse") is None


def test_get_user_of_unknown_name_is_not_found(db: Database, alice: users.UserView) -> None:
    assert users.get_user(db, "alice") == alice
    with pytest.raises(NotFound):
        users.get_user(db, "nobody")


def test_admin_resets_another_users_password(db: Database, alice: users.UserView) -> None:
    users.create_user(db, "bob", "builder-jobs1", acting_user_id=alice.id)
    users.reset_password(db, alice.id, "bob", "fresh-start-77")
    assert users.authenticate(db, "bob", "builder-jobs1") is None
    assert users.authenticate(db, "bob", "fresh-start-77") is not None


def test_a_user_changes_their_own_password_by_giving_the_current_one(
        db: Database, alice: users.UserView) -> None:
    bob = users.create_user(db, "bob", "builder-jobs1", acting_user_id=alice.id)
    with pytest.raises(ValidationError) as err:
        users.change_password(db, bob.id, "not-the-password", "builder-jobs2")
    assert err.value.field == "current_password"
    assert users.authenticate(db, "bob", "builder-jobs1") == bob
    users.change_password(db, bob.id, "builder-jobs1", "builder-jobs2")
    assert users.authenticate(db, "bob", "builder-jobs2") == bob


def test_nobody_changes_their_own_password_without_the_current_one(
        db: Database, alice: users.UserView) -> None:
    """Not even an administrator through the reset path (a hijacked session must not be
    enough to take the account over)."""
    bob = users.create_user(db, "bob", "builder-jobs1", acting_user_id=alice.id)
    with pytest.raises(PermissionDenied):
        users.reset_password(db, bob.id, "bob", "builder-jobs2")
    with pytest.raises(PermissionDenied, match="current one"):
        users.reset_password(db, alice.id, "alice", "wonderland-43")
    assert users.authenticate(db, "bob", "builder-jobs1") == bob


def test_a_reset_or_a_change_moves_the_session_epoch(db: Database,
                                                     alice: users.UserView) -> None:
    """What ends the user's other sessions (see fintrack_ui.session)."""
    bob = users.create_user(db, "bob", "builder-jobs1", acting_user_id=alice.id)
    assert users.session_epoch(db, "bob") == 0
    assert users.reset_password(db, alice.id, "bob", "fresh-start-77") == 1
    assert users.change_password(db, bob.id, "fresh-start-77", "builder-jobs2") == 2
    assert users.session_epoch(db, "bob") == 2
    assert users.session_epoch(db, "alice") == 0
    assert users.session_epoch(db, "nobody") is None


def test_a_non_admin_cannot_reset_someone_elses_password(db: Database,
                                                         alice: users.UserView) -> None:
    bob = users.create_user(db, "bob", "builder-jobs1", acting_user_id=alice.id)
    old_hash = stored_hash(db, "alice")
    with pytest.raises(PermissionDenied):
        users.reset_password(db, bob.id, "alice", "taken-over!")
    # ... nor learn whether a username exists
    with pytest.raises(PermissionDenied):
        users.reset_password(db, bob.id, "nobody", "whatever-123")
    assert stored_hash(db, "alice") == old_hash


def test_resetting_an_unknown_user_is_not_found_for_an_admin(db: Database,
                                                             alice: users.UserView) -> None:
    with pytest.raises(NotFound):
        users.reset_password(db, alice.id, "nobody", "whatever-123")


def test_reset_password_validates_the_new_password(db: Database, alice: users.UserView) -> None:
    users.create_user(db, "bob", "builder-jobs1", acting_user_id=alice.id)
    old_hash = stored_hash(db, "bob")
    with pytest.raises(ValidationError) as err:
        users.reset_password(db, alice.id, "bob", "short")
    assert err.value.field == "password"
    assert stored_hash(db, "bob") == old_hash
    assert users.session_epoch(db, "bob") == 0


def test_admin_rights_are_managed_by_admins(db: Database, alice: users.UserView) -> None:
    bob = users.create_user(db, "bob", "builder-jobs1", acting_user_id=alice.id)
    with pytest.raises(PermissionDenied):
        users.set_admin(db, bob.id, "bob", True)
    users.set_admin(db, alice.id, "bob", True)
    assert users.get_user(db, "bob").is_admin is True
    with pytest.raises(Conflict):
        users.set_admin(db, alice.id, "alice", False)
    users.set_admin(db, bob.id, "alice", False)
    assert users.get_user(db, "alice").is_admin is False


def test_list_users_is_for_admins_only(db: Database, alice: users.UserView) -> None:
    bob = users.create_user(db, "bob", "builder-jobs1", acting_user_id=alice.id)
    with pytest.raises(PermissionDenied):
        users.list_users(db, bob.id)


def test_credentials_have_the_streamlit_authenticator_shape(db: Database,
                                                            alice: users.UserView) -> None:
    users.create_user(db, "bob", "builder-jobs1", "Bob", acting_user_id=alice.id)
    creds = users.credentials(db)
    assert set(creds) == {"usernames"}
    assert set(creds["usernames"]) == {"alice", "bob"}
    alice_entry = creds["usernames"]["alice"]
    assert set(alice_entry) == {"name", "email", "password"}
    assert alice_entry["name"] == "Alice Martin"
    assert alice_entry["email"] == "alice@example.org"
    assert creds["usernames"]["bob"]["email"] == ""
    for username, plain in (("alice", "correct horse"), ("bob", "builder-jobs1")):
        entry = creds["usernames"][username]
        # a hash, so the authenticator never re-hashes it, and it verifies the real password
        assert Hasher.is_hash(entry["password"])
        assert Hasher.check_pw(plain, entry["password"])


def test_a_never_admin_user_leaves_the_administrator_to_be_created(db: Database) -> None:
    """The demo user on a fresh install: no actor needed, no admin right, and the next user
    created without an actor is still the administrator."""
    demo = users.create_user(db, "demo", "published-pass-0", never_admin=True)
    assert demo.is_admin is False
    assert users.count_admins(db) == 0
    ada = users.create_user(db, "ada", "lovelace-1815")
    assert ada.is_admin is True
    assert users.count_admins(db) == 1
    with pytest.raises(PermissionDenied):
        users.create_user(db, "eve", "sneaky-pete-99")


def test_ten_characters_not_common_and_without_the_username_is_enough(db: Database) -> None:
    assert users.create_user(db, "alice", "tea-at-4pm").is_admin


def test_the_common_password_list_ships_with_the_package() -> None:
    from fintrack_core.auth.passwords import COMMON_FILE, common_passwords

    assert COMMON_FILE.is_file()
    assert len(common_passwords()) > 300
    assert "iloveyou123" in common_passwords()


def test_display_name_and_email_get_the_text_checks_of_every_write_path(db: Database) -> None:
    with pytest.raises(ValidationError, match=r"^name: contains the control character \\x1b"):
        users.create_user(db, "alice", "wonderland-42", "Alice\x1b[31m")
    with pytest.raises(ValidationError, match=r"^email: is 300 characters long"):
        users.create_user(db, "alice", "wonderland-42", "Alice", "a" * 300)
    assert users.count_users(db) == 0
