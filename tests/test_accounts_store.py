"""The accounts store on a real SQLite file: rows survive new connections, the failed sign-in
count and its lock change in one transaction (no count is lost when workers fail at once), and
an OpenID Connect sign-in never takes over a password account."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from queries import accounts_store as store

NOW = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)


def test_acs001_accounts_persist_across_connections(tmp_path):
    assert store.get_user("alice", data_dir=tmp_path) is None
    made = store.insert_user("bob", "analyst", "h1", "local", NOW, data_dir=tmp_path)
    store.insert_user("alice", "admin", "h2", "local", NOW, data_dir=tmp_path)
    assert made == store.User(
        "bob", "analyst", "h1", "local", False, 0, None, "2026-12-08T09:30:00+00:00", None
    )
    assert store.get_user("bob", data_dir=tmp_path) == made  # a new connection
    assert [u.name for u in store.list_users(tmp_path)] == ["alice", "bob"]
    assert store.count_users(tmp_path) == 2
    assert store.path(tmp_path).relative_to(tmp_path).as_posix() == "state/accounts.sqlite3"


def test_acs002_a_name_is_stored_once_and_the_source_is_checked(tmp_path):
    store.insert_user("bob", "analyst", "h1", "local", NOW, data_dir=tmp_path)
    with pytest.raises(store.UserExists):
        store.insert_user("bob", "admin", "h2", "local", NOW, data_dir=tmp_path)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        store.insert_user("carol", "analyst", "h3", "ldap", NOW, data_dir=tmp_path)
    assert [(u.name, u.role) for u in store.list_users(tmp_path)] == [("bob", "analyst")]


def test_acs003_reads_never_create_the_file(tmp_path):
    assert store.list_users(tmp_path) == []
    assert store.count_users(tmp_path) == 0
    assert store.get_user("x", data_dir=tmp_path) is None
    assert not store.path(tmp_path).exists()


def test_acs004_failures_lock_the_account_once_they_reach_the_limit(tmp_path):
    store.insert_user("bob", "analyst", "h", "local", NOW, data_dir=tmp_path)
    for n in (1, 2):
        user = store.note_failed_login("bob", NOW, 3, 15, data_dir=tmp_path)
        assert (user.failed_logins, user.locked_until) == (n, None)
        assert user.locked_at(NOW) is None
    user = store.note_failed_login("bob", NOW, 3, 15, data_dir=tmp_path)
    assert user.failed_logins == 3
    assert user.locked_at(NOW) == NOW + timedelta(minutes=15)
    assert user.locked_at(NOW + timedelta(minutes=15)) is None  # runs out on the minute
    user = store.note_login("bob", NOW + timedelta(minutes=20), data_dir=tmp_path)
    assert (user.failed_logins, user.locked_until) == (0, None)
    assert user.last_login_at == "2026-12-08T09:50:00+00:00"


def test_acs005_a_failure_after_the_lock_ran_out_starts_a_new_count(tmp_path):
    store.insert_user("bob", "analyst", "h", "local", NOW, data_dir=tmp_path)
    for _ in range(3):
        store.note_failed_login("bob", NOW, 3, 15, data_dir=tmp_path)
    later = NOW + timedelta(minutes=16)
    user = store.note_failed_login("bob", later, 3, 15, data_dir=tmp_path)
    assert (user.failed_logins, user.locked_until) == (1, None)


def test_acs006_concurrent_failures_are_all_counted(tmp_path):
    store.insert_user("bob", "analyst", "h", "local", NOW, data_dir=tmp_path)
    start = threading.Barrier(4)
    errors = []

    def fail_ten_times():
        start.wait()
        try:
            for _ in range(10):
                store.note_failed_login("bob", NOW, 1000, 15, data_dir=tmp_path)
        except Exception as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=fail_ten_times) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.get_user("bob", data_dir=tmp_path).failed_logins == 40


def test_acs007_an_oidc_sign_in_creates_or_updates_its_account_only(tmp_path):
    made = store.upsert_oidc_user("dana", "analyst", NOW, data_dir=tmp_path)
    assert (made.source, made.role, made.password_hash) == ("oidc", "analyst", None)
    later = NOW + timedelta(days=1)
    again = store.upsert_oidc_user("dana", "targeter", later, data_dir=tmp_path)
    assert (again.role, again.created_at) == ("targeter", made.created_at)
    store.insert_user("bob", "analyst", "h", "local", NOW, data_dir=tmp_path)
    with pytest.raises(store.SourceConflict):
        store.upsert_oidc_user("bob", "admin", NOW, data_dir=tmp_path)
    bob = store.get_user("bob", data_dir=tmp_path)
    assert (bob.source, bob.role, bob.password_hash) == ("local", "analyst", "h")


def test_acs008_updates_change_one_account_and_name_a_missing_one(tmp_path):
    store.insert_user("bob", "analyst", "h", "local", NOW, data_dir=tmp_path)
    store.insert_user("eve", "analyst", "h", "local", NOW, data_dir=tmp_path)
    assert store.update_role("bob", "targeter", data_dir=tmp_path).role == "targeter"
    assert store.update_disabled("bob", True, data_dir=tmp_path).disabled is True
    assert store.update_password_hash("bob", "h2", data_dir=tmp_path).password_hash == "h2"
    store.note_failed_login("bob", NOW, 1, 15, data_dir=tmp_path)
    assert store.clear_lockout("bob", data_dir=tmp_path).locked_until is None
    eve = store.get_user("eve", data_dir=tmp_path)
    assert (eve.role, eve.disabled, eve.password_hash) == ("analyst", False, "h")
    for update in (
        lambda: store.update_role("nobody", "admin", data_dir=tmp_path),
        lambda: store.update_disabled("nobody", True, data_dir=tmp_path),
        lambda: store.note_failed_login("nobody", NOW, 3, 15, data_dir=tmp_path),
        lambda: store.note_login("nobody", NOW, data_dir=tmp_path),
    ):
        with pytest.raises(store.NoSuchUser):
            update()
    assert store.count_users(tmp_path) == 2


def test_acs009_the_first_account_is_stored_only_into_an_empty_store(tmp_path):
    assert store.insert_first_user("admin", "admin", "h", NOW, data_dir=tmp_path) is True
    assert store.insert_first_user("root", "admin", "h", NOW, data_dir=tmp_path) is False
    assert [u.name for u in store.list_users(tmp_path)] == ["admin"]
