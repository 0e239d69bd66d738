"""``python -m accounts`` as an administrator runs it: a real process on a data folder of its
own. A generated password is printed once and stored nowhere in clear, the list shows no hash,
mistakes exit with 2 and a message (no traceback), every change lands in the audit log, and a
row edited behind the app's back makes ``verify-audit`` exit with 1 naming it."""

from __future__ import annotations

import getpass
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

from accounts import service
from queries import accounts_store, audit_store
from tests.repo import REPO

GOOD = "correct horse battery"


def cli(data_dir, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "accounts", *args],
        cwd=REPO,
        env={**os.environ, "CHOKEPOINT_DATA": str(data_dir)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def signs_in(data_dir, name: str, password: str) -> bool:
    try:
        service.authenticate(name, password, datetime.now(UTC), data_dir=data_dir)
    except service.LoginRefused:
        return False
    return True


def test_acl001_a_generated_password_is_printed_once_and_stored_nowhere(tmp_path):
    done = cli(tmp_path, "add", "alice", "--role", "analyst")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if "password" in line]
    assert len(lines) == 1
    password = lines[0].rsplit(" ", 1)[1]
    assert len(password) == 20 and done.stdout.count(password) == 1
    assert signs_in(tmp_path, "alice", password)
    files = sorted((tmp_path / "state").iterdir())  # the stores and any journal beside them
    assert accounts_store.path(tmp_path) in files and audit_store.path(tmp_path) in files
    assert not [f.name for f in files if password.encode() in f.read_bytes()]
    assert password not in cli(tmp_path, "list").stdout + cli(tmp_path, "audit").stdout


def test_acl002_a_password_read_from_stdin_is_not_printed(tmp_path):
    done = cli(tmp_path, "add", "bob", "--role", "targeter", "--password-stdin", stdin=GOOD + "\n")
    assert done.returncode == 0, done.stderr
    assert GOOD not in done.stdout and "password" not in done.stdout
    assert signs_in(tmp_path, "bob", GOOD)
    short = cli(tmp_path, "add", "carl", "--role", "analyst", "--password-stdin", stdin="short\n")
    assert short.returncode == 2
    assert "at least 12 characters" in short.stderr and "Traceback" not in short.stderr
    assert accounts_store.get_user("carl", data_dir=tmp_path) is None


def test_acl003_the_list_shows_accounts_but_never_a_hash(tmp_path):
    cli(tmp_path, "add", "bob", "--role", "targeter", "--password-stdin", stdin=GOOD)
    cli(tmp_path, "add", "root", "--role", "admin")
    assert cli(tmp_path, "disable", "bob").returncode == 0
    listed = cli(tmp_path, "list")
    assert listed.returncode == 0
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["name", "role", "source", "disabled", "locked", "last", "login"]
    assert [row.split()[:4] for row in rows] == [
        ["bob", "targeter", "local", "yes"],
        ["root", "admin", "local", "no"],
    ]
    assert "argon2" not in listed.stdout
    assert accounts_store.get_user("bob", data_dir=tmp_path).password_hash.startswith("$argon2id")


def test_acl004_mistakes_exit_with_2_and_say_what_is_wrong(tmp_path):
    cli(tmp_path, "add", "bob", "--role", "analyst")
    bad_role = cli(tmp_path, "set-role", "bob", "wizard")
    assert bad_role.returncode == 2
    assert "unknown role 'wizard'" in bad_role.stderr
    assert "leadership, analyst, targeter, investigator, admin" in bad_role.stderr
    assert "Traceback" not in bad_role.stderr
    assert accounts_store.get_user("bob", data_dir=tmp_path).role == "analyst"
    for args in (("enable", "ghost"), ("add", "Bad Name", "--role", "analyst"), ("frobnicate",)):
        done = cli(tmp_path, *args)
        assert done.returncode == 2, args
        assert done.stderr.strip() and "Traceback" not in done.stderr, args


def test_acl005_every_change_is_audited_under_the_operator(tmp_path):
    cli(tmp_path, "add", "bob", "--role", "analyst")
    cli(tmp_path, "set-role", "bob", "targeter")
    cli(tmp_path, "set-role", "bob", "wizard")
    cli(tmp_path, "reset-password", "bob")
    frame = audit_store.read(data_dir=tmp_path).sort("seq")
    assert frame["action"].unique().to_list() == ["account.change"]
    assert set(frame["user"]) == {getpass.getuser()}
    assert set(frame["page"]) == {"cli"} and set(frame["role"]) == {"admin"}
    assert frame["outcome"].to_list() == ["ok", "ok", "failed", "ok"]
    assert frame["ids"].to_list() == ['["bob"]'] * 4
    shown = cli(tmp_path, "audit", "--user", getpass.getuser(), "--limit", "2")
    assert shown.returncode == 0
    assert len(shown.stdout.splitlines()) == 3 and "reset password" in shown.stdout


def test_acl006_verify_audit_names_the_edited_row(tmp_path):
    for name in ("ann", "ben", "cat"):
        cli(tmp_path, "add", name, "--role", "analyst")
    ok = cli(tmp_path, "verify-audit")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "OK: 3 rows checked" in ok.stdout
    con = sqlite3.connect(audit_store.path(tmp_path), isolation_level=None)
    try:
        con.execute("DROP TRIGGER audit_log_no_update")
        con.execute("UPDATE audit_log SET detail = 'add with role admin' WHERE seq = 2")
    finally:
        con.close()
    broken = cli(tmp_path, "verify-audit")
    assert broken.returncode == 1
    assert "BROKEN at seq 2" in broken.stdout and "edited" in broken.stdout
