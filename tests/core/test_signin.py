"""Signing in: throttling per username and per address, equal answers for unknown users, and
the optional second factor. Every rule runs on an injected clock (``now``)."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from fintrack_core.auth import passwords, signin, twofactor
from fintrack_core.auth.signin import SecondFactorRequired, SignInFailed, TooManyAttempts, sign_in
from fintrack_core.db.engine import Database
from fintrack_core.db.models import SignInThrottle
from fintrack_core.errors import ValidationError
from fintrack_core.ledger import users

T0 = dt.datetime(2026, 2, 28, 23, 58, 0, tzinfo=dt.UTC).replace(tzinfo=None)  # naive UTC
PW = "wonderland-42"


@pytest.fixture
def alice(db: Database) -> users.UserView:
    return users.create_user(db, "alice", PW, "Alice")


def fail_times(db: Database, n: int, now: dt.datetime, username: str = "alice",
               ip: str | None = None) -> None:
    for _ in range(n):
        with pytest.raises(SignInFailed):
            sign_in(db, username, "wrong-guess-123", ip, now)


def test_the_right_password_signs_in_with_the_session_epoch(db: Database,
                                                             alice: users.UserView) -> None:
    result = sign_in(db, "Alice ", PW, "10.0.0.1", T0)
    assert result.user == alice
    assert result.session_epoch == 0


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
        db: Database, alice: users.UserView) -> None:
    with pytest.raises(SignInFailed) as wrong:
        sign_in(db, "alice", "wrong-guess-123", None, T0)
    with pytest.raises(SignInFailed) as unknown:
        sign_in(db, "nobody", "wrong-guess-123", None, T0)
    assert str(wrong.value) == str(unknown.value) == "username or password is incorrect"


def test_an_unknown_user_costs_the_same_bcrypt_check(db: Database, alice: users.UserView,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Same work, same time: one bcrypt check at the same cost, one throttle write."""
    # The stand-in hash is made once per process: drop one made before this suite's fast
    # hashing was in place (by a test outside tests/core), so both sides use today's cost.
    passwords.dummy_hash.cache_clear()
    checked: list[str] = []
    real = passwords.check_password

    def counted(pw: str, h: str) -> bool:
        checked.append(h[:7])
        return real(pw, h)

    monkeypatch.setattr(signin, "check_password", counted)
    fail_times(db, 1, T0, "alice")
    fail_times(db, 1, T0, "nobody")
    assert len(checked) == 2
    assert checked[0] == checked[1]  # "$2b$NN$": same algorithm and cost
    with db.read() as s:
        keys = set(s.scalars(select(SignInThrottle.key).where(SignInThrottle.kind == "user")))
    assert keys == {"alice", "nobody"}


def test_five_failures_lock_the_username_even_for_the_right_password(
        db: Database, alice: users.UserView) -> None:
    fail_times(db, 4, T0)
    with pytest.raises(SignInFailed, match="try again in 1 minute"):
        sign_in(db, "alice", "wrong-guess-123", None, T0)
    with pytest.raises(TooManyAttempts, match="too many failed attempts; try again in 1 minute"):
        sign_in(db, "alice", PW, None, T0 + dt.timedelta(seconds=59))
    assert sign_in(db, "alice", PW, None, T0 + dt.timedelta(seconds=60)).user == alice


def test_the_lock_grows_with_every_further_failure_up_to_an_hour(
        db: Database, alice: users.UserView) -> None:
    now = T0
    waits = []
    for _ in range(5 + 8):
        with contextlib.suppress(SignInFailed):
            sign_in(db, "alice", "wrong-guess-123", None, now)
        wait = signin.lockout_status(db, "alice", now)
        waits.append(wait)
        now += wait or dt.timedelta(seconds=1)
    assert waits[:4] == [None] * 4
    assert [None if w is None else int(w.total_seconds() // 60) for w in waits[4:]] == [
        1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_attempts_while_locked_are_not_counted_and_say_how_long(
        db: Database, alice: users.UserView) -> None:
    fail_times(db, 5, T0)  # locked for 1 minute
    for _ in range(10):
        with pytest.raises(TooManyAttempts) as locked:
            sign_in(db, "alice", "wrong-guess-123", None, T0 + dt.timedelta(seconds=15))
    assert locked.value.retry_after == dt.timedelta(seconds=45)
    fail_times(db, 1, T0 + dt.timedelta(minutes=1))  # the 6th failure, not the 16th
    with pytest.raises(TooManyAttempts, match="try again in 2 minutes"):
        sign_in(db, "alice", PW, None, T0 + dt.timedelta(minutes=1, seconds=1))


def test_a_success_clears_the_count(db: Database, alice: users.UserView) -> None:
    fail_times(db, 4, T0)
    sign_in(db, "alice", PW, None, T0)
    fail_times(db, 4, T0)
    assert signin.lockout_status(db, "alice", T0) is None


def test_an_unknown_username_is_locked_like_a_known_one(db: Database,
                                                         alice: users.UserView) -> None:
    fail_times(db, 5, T0, "nobody")
    with pytest.raises(TooManyAttempts, match="1 minute"):
        sign_in(db, "nobody", "wrong-guess-123", None, T0)


def test_the_lock_survives_a_restart(db: Database, alice: users.UserView,
                                     tmp_path: Path) -> None:
    fail_times(db, 5, T0)
    db.dispose()
    again = Database(db.url)  # a new process would open the same file
    try:
        with pytest.raises(TooManyAttempts):
            sign_in(again, "alice", PW, None, T0 + dt.timedelta(seconds=10))
    finally:
        again.dispose()


def test_one_address_is_throttled_across_usernames(db: Database, alice: users.UserView) -> None:
    for i in range(signin.IP_LIMIT):
        fail_times(db, 1, T0, f"guess{i}", ip="203.0.113.9")
    with pytest.raises(TooManyAttempts, match="from your address; try again in 15 minutes"):
        sign_in(db, "alice", PW, "203.0.113.9", T0)
    assert sign_in(db, "alice", PW, "198.51.100.7", T0).user == alice  # another address
    later = T0 + signin.IP_WINDOW
    assert sign_in(db, "alice", PW, "203.0.113.9", later).user == alice


def test_the_address_window_starts_again_after_it_ends(db: Database,
                                                      alice: users.UserView) -> None:
    for i in range(signin.IP_LIMIT - 1):
        fail_times(db, 1, T0, f"guess{i}", ip="203.0.113.9")
    fail_times(db, 1, T0 + signin.IP_WINDOW, "guess-late", ip="203.0.113.9")
    assert sign_in(db, "alice", PW, "203.0.113.9", T0 + signin.IP_WINDOW).user == alice


def test_without_an_address_only_the_username_is_throttled(db: Database,
                                                          alice: users.UserView) -> None:
    for i in range(signin.IP_LIMIT + 5):
        fail_times(db, 1, T0, f"guess{i}")
    assert sign_in(db, "alice", PW, None, T0).user == alice


# --- two-factor login ------------------------------------------------------------------------


@pytest.fixture
def alice_2fa(db: Database, alice: users.UserView) -> tuple[pyotp.TOTP, list[str]]:
    setup = twofactor.new_totp_setup("alice")
    totp = pyotp.TOTP(setup.secret)
    codes = twofactor.enable_totp(db, alice.id, PW, setup.secret,
                                  totp.at(T0 - dt.timedelta(minutes=5)),
                                  T0 - dt.timedelta(minutes=5))
    return totp, codes


def at(totp: pyotp.TOTP, when: dt.datetime) -> str:
    return totp.at(when.replace(tzinfo=dt.UTC))


def test_setup_gives_an_otpauth_uri_for_the_app() -> None:
    setup = twofactor.new_totp_setup("alice")
    assert setup.uri.startswith("otpauth://totp/FinTrack:alice?secret=" + setup.secret)


def test_enabling_needs_the_password_and_a_matching_code(db: Database,
                                                         alice: users.UserView) -> None:
    setup = twofactor.new_totp_setup("alice")
    code = at(pyotp.TOTP(setup.secret), T0)
    with pytest.raises(ValidationError, match="current_password"):
        twofactor.enable_totp(db, alice.id, "wrong-guess-123", setup.secret, code, T0)
    with pytest.raises(ValidationError, match="code"):
        twofactor.enable_totp(db, alice.id, PW, setup.secret, "000000", T0)
    assert not twofactor.totp_enabled(db, alice.id)
    codes = twofactor.enable_totp(db, alice.id, PW, setup.secret, code, T0)
    assert len(codes) == len(set(codes)) == 10
    assert twofactor.totp_enabled(db, alice.id)


def test_with_two_factor_the_password_alone_is_not_enough(
        db: Database, alice_2fa: tuple[pyotp.TOTP, list[str]]) -> None:
    totp, _ = alice_2fa
    with pytest.raises(SecondFactorRequired):
        sign_in(db, "alice", PW, None, T0)
    assert sign_in(db, "alice", PW, None, T0, totp_code=at(totp, T0)).user.username == "alice"


def test_a_wrong_or_reused_code_counts_as_a_failure(
        db: Database, alice_2fa: tuple[pyotp.TOTP, list[str]]) -> None:
    totp, _ = alice_2fa
    code = at(totp, T0)
    sign_in(db, "alice", PW, None, T0, totp_code=code)
    with pytest.raises(SignInFailed, match="code is not valid"):
        sign_in(db, "alice", PW, None, T0 + dt.timedelta(seconds=5), totp_code=code)
    for _ in range(4):
        with pytest.raises(SignInFailed):
            sign_in(db, "alice", PW, None, T0, totp_code="123456")
    with pytest.raises(TooManyAttempts):
        sign_in(db, "alice", PW, None, T0 + dt.timedelta(seconds=30),
                totp_code=at(totp, T0 + dt.timedelta(seconds=30)))


def test_a_code_from_the_neighbouring_step_is_accepted(
        db: Database, alice_2fa: tuple[pyotp.TOTP, list[str]]) -> None:
    totp, _ = alice_2fa
    late = at(totp, T0 - dt.timedelta(seconds=30))
    assert sign_in(db, "alice", PW, None, T0, totp_code=late).user.username == "alice"
    with pytest.raises(SignInFailed):
        sign_in(db, "alice", PW, None, T0, totp_code=at(totp, T0 - dt.timedelta(minutes=2)))


def test_a_recovery_code_works_once(db: Database,
                                    alice_2fa: tuple[pyotp.TOTP, list[str]]) -> None:
    _, codes = alice_2fa
    result = sign_in(db, "alice", PW, None, T0, totp_code=codes[3].upper())
    assert result.used_recovery_code
    with pytest.raises(SignInFailed):
        sign_in(db, "alice", PW, None, T0, totp_code=codes[3])
    user_id = result.user.id
    assert twofactor.recovery_codes_left(db, user_id) == 9


def test_disabling_needs_the_password(db: Database,
                                      alice_2fa: tuple[pyotp.TOTP, list[str]]) -> None:
    user_id = users.get_user(db, "alice").id
    with pytest.raises(ValidationError):
        twofactor.disable_totp(db, user_id, "wrong-guess-123")
    twofactor.disable_totp(db, user_id, PW)
    assert sign_in(db, "alice", PW, None, T0).user.id == user_id
    assert twofactor.recovery_codes_left(db, user_id) == 0
