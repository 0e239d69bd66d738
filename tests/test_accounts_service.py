"""Account rules and sign-in on a real store: what may be created, how a sign-in is refused
(the same words for an unknown name as for a wrong password), the lockout and its end at an
explicit time, and a hash renewed when the hashing parameters grew."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from accounts import passwords, roles, service
from accounts.errors import AccountError, LoginRefused
from queries import accounts_store as store

NOW = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
GOOD = "correct horse battery"


def refused(tmp_path, name: str, password: str, now: datetime = NOW) -> str:
    with pytest.raises(LoginRefused) as caught:
        service.authenticate(name, password, now, data_dir=tmp_path)
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


def test_svc001_a_generated_password_is_returned_once_and_signs_in(tmp_path):
    generated = service.create_user("alice", "analyst", data_dir=tmp_path)
    assert re.fullmatch(r"[A-Za-z0-9_-]{20}", generated)
    assert service.create_user("bob", "targeter", GOOD, data_dir=tmp_path) is None
    user = service.authenticate("alice", generated, NOW, data_dir=tmp_path)
    assert (user.name, user.role, user.last_login_at) == (
        "alice",
        "analyst",
        "2026-12-08T09:30:00+00:00",
    )
    assert service.authenticate(" Bob ", GOOD, NOW, data_dir=tmp_path).name == "bob"
    stored = store.get_user("alice", data_dir=tmp_path).password_hash
    assert stored.startswith("$argon2id$") and generated not in stored


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("alice", "wizard", None, "the roles are leadership, analyst, targeter, investigator"),
        ("Alice", "analyst", None, "lowercase letters"),
        ("a", "analyst", None, "2 to 64 characters"),
        ("x" * 65, "analyst", None, "2 to 64 characters"),
        ("al ice", "analyst", None, "invalid user name"),
        ("alice\n", "analyst", None, "invalid user name"),
        ("alice", "analyst", "short pass", "at least 12 characters"),
    ],
)
def test_svc002_bad_names_roles_and_short_passwords_are_refused(
    tmp_path, name, role, password, message
):
    with pytest.raises(AccountError, match=message):
        service.create_user(name, role, password, data_dir=tmp_path)
    assert store.count_users(tmp_path) == 0


def test_svc003_a_name_is_taken_once(tmp_path):
    service.create_user("alice", "analyst", GOOD, data_dir=tmp_path)
    with pytest.raises(AccountError, match="already exists"):
        service.create_user("alice", "admin", data_dir=tmp_path)
    assert store.get_user("alice", data_dir=tmp_path).role == "analyst"


def test_svc004_unknown_name_and_wrong_password_are_refused_alike(tmp_path):
    service.create_user("alice", "analyst", GOOD, data_dir=tmp_path)
    store.upsert_oidc_user("dana", "analyst", NOW, data_dir=tmp_path)
    reasons = {
        refused(tmp_path, "alice", "wrong password!"),
        refused(tmp_path, "nobody", GOOD),
        refused(tmp_path, "NOT A NAME;--", GOOD),
        refused(tmp_path, "dana", GOOD),  # signs in through OpenID Connect, has no password
        refused(tmp_path, "alice", ""),
    }
    assert reasons == {"unknown or wrong password"}
    assert store.get_user("alice", data_dir=tmp_path).failed_logins == 2


def test_svc005_lockout_after_n_failures_until_it_runs_out(tmp_path, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_LOGIN_LOCKOUT_AFTER", "3")
    monkeypatch.setenv("CHOKEPOINT_LOGIN_LOCKOUT_MINUTES", "15")
    service.create_user("alice", "analyst", GOOD, data_dir=tmp_path)
    for _ in range(3):
        assert refused(tmp_path, "alice", "wrong password!") == "unknown or wrong password"
    # Locked: even the right password is refused, and the time it ends is said.
    assert refused(tmp_path, "alice", GOOD) == "account locked until 09:45 UTC"
    almost = NOW + timedelta(minutes=14, seconds=59)
    assert refused(tmp_path, "alice", GOOD, almost) == "account locked until 09:45 UTC"
    assert store.get_user("alice", data_dir=tmp_path).failed_logins == 3  # not counted
    after = NOW + timedelta(minutes=15)
    user = service.authenticate("alice", GOOD, after, data_dir=tmp_path)
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_svc006_failures_below_the_limit_are_forgotten_at_a_sign_in(tmp_path, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_LOGIN_LOCKOUT_AFTER", "3")
    service.create_user("alice", "analyst", GOOD, data_dir=tmp_path)
    for _ in range(2):
        refused(tmp_path, "alice", "wrong password!")
    service.authenticate("alice", GOOD, NOW, data_dir=tmp_path)
    for _ in range(2):
        refused(tmp_path, "alice", "wrong password!")
    assert service.authenticate("alice", GOOD, NOW, data_dir=tmp_path).name == "alice"


def test_svc007_a_disabled_account_says_so_only_to_its_password(tmp_path):
    service.create_user("alice", "analyst", GOOD, data_dir=tmp_path)
    service.create_user("root", "admin", GOOD, data_dir=tmp_path)
    service.disable("alice", data_dir=tmp_path)
    assert refused(tmp_path, "alice", "wrong password!") == "unknown or wrong password"
    assert refused(tmp_path, "alice", GOOD) == "account disabled"
    assert store.get_user("alice", data_dir=tmp_path).last_login_at is None
    service.enable("alice", data_dir=tmp_path)
    assert service.authenticate("alice", GOOD, NOW, data_dir=tmp_path).disabled is False


def test_svc008_a_hash_with_older_parameters_is_renewed_at_sign_in(tmp_path):
    service.create_user("alice", "analyst", GOOD, data_dir=tmp_path)
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(GOOD)
    store.update_password_hash("alice", weak, data_dir=tmp_path)
    assert passwords.needs_rehash(weak)
    service.authenticate("alice", GOOD, NOW, data_dir=tmp_path)
    renewed = store.get_user("alice", data_dir=tmp_path).password_hash
    assert renewed != weak and not passwords.needs_rehash(renewed)
    assert passwords.verify_password(renewed, GOOD)
    service.authenticate("alice", GOOD, NOW, data_dir=tmp_path)  # a current hash is kept
    assert store.get_user("alice", data_dir=tmp_path).password_hash == renewed


def test_svc009_the_first_admin_is_made_only_when_there_is_no_account(tmp_path):
    password = service.ensure_first_admin(tmp_path)
    admin = service.authenticate("admin", password, NOW, data_dir=tmp_path)
    assert admin.role == "admin" and admin.source == "local"
    assert service.ensure_first_admin(tmp_path) is None
    other = tmp_path / "other"
    service.create_user("alice", "analyst", GOOD, data_dir=other)
    assert service.ensure_first_admin(other) is None
    assert [u.name for u in store.list_users(other)] == ["alice"]


def test_svc010_administration_keeps_an_admin_and_leaves_oidc_accounts_to_their_provider(
    tmp_path,
):
    service.create_user("root", "admin", GOOD, data_dir=tmp_path)
    with pytest.raises(AccountError, match="last enabled admin"):
        service.set_role("root", "analyst", data_dir=tmp_path)
    with pytest.raises(AccountError, match="last enabled admin"):
        service.disable("root", data_dir=tmp_path)
    service.create_user("second", "admin", GOOD, data_dir=tmp_path)
    assert service.set_role("root", "analyst", data_dir=tmp_path).role == "analyst"
    store.upsert_oidc_user("dana", "analyst", NOW, data_dir=tmp_path)
    with pytest.raises(AccountError, match="identity provider sets its role"):
        service.set_role("dana", "admin", data_dir=tmp_path)
    with pytest.raises(AccountError, match="identity provider sets its password"):
        service.reset_password("dana", data_dir=tmp_path)
    assert service.disable("dana", data_dir=tmp_path).disabled is True
    with pytest.raises(AccountError, match="no user 'ghost'"):
        service.enable("ghost", data_dir=tmp_path)


def test_svc011_a_reset_password_replaces_the_old_one_and_lifts_the_lock(tmp_path, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_LOGIN_LOCKOUT_AFTER", "2")
    service.create_user("alice", "analyst", GOOD, data_dir=tmp_path)
    for _ in range(2):
        refused(tmp_path, "alice", "wrong password!")
    new = service.reset_password("alice", data_dir=tmp_path)
    assert refused(tmp_path, "alice", GOOD) == "unknown or wrong password"
    assert service.authenticate("alice", new, NOW, data_dir=tmp_path).name == "alice"
    assert service.reset_password("alice", "another long one", data_dir=tmp_path) is None
    with pytest.raises(AccountError, match="at least 12"):
        service.reset_password("alice", "short", data_dir=tmp_path)
    assert service.authenticate("alice", "another long one", NOW, data_dir=tmp_path)


def test_svc012_password_helpers_never_raise_on_a_mismatch_or_damaged_hash():
    made = passwords.hash_password(GOOD)
    assert passwords.verify_password(made, GOOD) is True
    assert passwords.verify_password(made, GOOD + "!") is False
    assert passwords.verify_password("not a hash", GOOD) is False
    assert passwords.verify_password("", GOOD) is False
    assert passwords.verify_password(made, "x" * 5000) is False
    assert passwords.needs_rehash("not a hash") is True
    generated = {passwords.generate_password() for _ in range(50)}
    assert len(generated) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{20}", p) for p in generated)


def test_svc013_roles_are_the_five_and_each_is_described():
    assert roles.ROLES == ("leadership", "analyst", "targeter", "investigator", "admin")
    assert set(roles.DESCRIPTIONS) == set(roles.ROLES)
    assert roles.check_role("targeter") == "targeter"
    with pytest.raises(AccountError, match="'Admin': the roles are leadership, analyst"):
        roles.check_role("Admin")
