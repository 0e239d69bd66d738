"""The audit log on a real SQLite file: concurrent writers chain one after another, every kind
of tampering (an edited, a removed, a reordered row, rows cut off the end) is found at the row
where it happened, SQL cannot rewrite a row while the triggers stand, and a large set of ids is
kept as a count and a digest."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from accounts import audit
from queries import audit_store


def write(tmp_path, n: int, **fields) -> list[int]:
    return [
        audit.record(
            fields.get("user", "alice"),
            "analyst",
            fields.get("action", audit.RECORDS_PAGE),
            "explorer",
            f"/explorer?fy=2025&page={i}",
            ids=[f"SZ{i:04d}", f"SZ{i + 1:04d}"],
            client="10.0.0.7",
            detail=f"page {i}",
            data_dir=tmp_path,
        )
        for i in range(n)
    ]


def tamper(tmp_path, *statements: str) -> None:
    """Run SQL on the log as someone with the file would: triggers dropped first."""
    con = sqlite3.connect(audit_store.path(tmp_path), isolation_level=None)
    try:
        con.execute("DROP TRIGGER audit_log_no_update")
        con.execute("DROP TRIGGER audit_log_no_delete")
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def test_aud001_concurrent_appends_chain_one_after_another(tmp_path):
    start = threading.Barrier(4)
    errors = []

    def append_fifty(worker: int):
        start.wait()
        try:
            for i in range(50):
                audit.record(
                    f"user{worker}",
                    "analyst",
                    audit.RECORD_DETAIL,
                    "explorer",
                    "/explorer",
                    ids=[f"S{worker}-{i}"],
                    data_dir=tmp_path,
                )
        except Exception as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=append_fifty, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = audit.verify(tmp_path)
    assert (result.ok, result.rows, result.first_bad_seq) == (True, 200, None)
    rows = list(audit_store.rows_for_verify(tmp_path))
    assert [r.seq for r in rows] == list(range(1, 201))
    assert rows[0].fields["prev_hash"] == "0" * 64
    assert all(b.fields["prev_hash"] == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert result.head == rows[-1].hash
    stamps = [r.fields["at"] for r in rows]
    assert stamps == sorted(stamps)  # times follow the chain: taken inside the append's lock


def test_aud002_an_edited_row_is_found(tmp_path):
    write(tmp_path, 6)
    assert audit.verify(tmp_path).ok
    tamper(tmp_path, "UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 4")
    result = audit.verify(tmp_path)
    assert (result.ok, result.rows, result.first_bad_seq) == (False, 3, 4)
    assert "edited" in result.reason


def test_aud003_an_edited_row_with_its_hash_recomputed_breaks_the_next_link(tmp_path):
    write(tmp_path, 6)
    row = next(r for r in audit_store.rows_for_verify(tmp_path) if r.seq == 4)
    forged = audit_store.row_hash({**row.fields, "user": "mallory"})
    tamper(tmp_path, f"UPDATE audit_log SET user = 'mallory', hash = '{forged}' WHERE seq = 4")
    result = audit.verify(tmp_path)
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert "prev_hash" in result.reason


def test_aud004_a_removed_row_is_found(tmp_path):
    write(tmp_path, 6)
    tamper(tmp_path, "DELETE FROM audit_log WHERE seq = 3")
    result = audit.verify(tmp_path)
    assert (result.ok, result.rows, result.first_bad_seq) == (False, 2, 3)
    assert "missing" in result.reason


def test_aud005_rows_cut_off_the_end_are_found(tmp_path):
    write(tmp_path, 6)
    tamper(tmp_path, "DELETE FROM audit_log WHERE seq >= 5")
    result = audit.verify(tmp_path)
    assert (result.ok, result.rows, result.first_bad_seq) == (False, 4, 5)
    assert "rows 5 to 6" in result.reason


def test_aud006_a_swapped_pair_is_found(tmp_path):
    write(tmp_path, 6)
    columns = [c for c in audit_store.COLUMNS if c != "seq"]  # each row keeps its seq

    def take(seq: int, other: int) -> str:
        values = ", ".join(f"{c} = (SELECT {c} FROM pair WHERE seq = {other})" for c in columns)
        return f"UPDATE audit_log SET {values} WHERE seq = {seq}"

    tamper(
        tmp_path,
        "CREATE TEMP TABLE pair AS SELECT * FROM audit_log WHERE seq IN (2, 3)",
        take(2, 3),
        take(3, 2),
    )
    rows = list(audit_store.rows_for_verify(tmp_path))
    assert [r.fields["detail"] for r in rows[:4]] == ["page 0", "page 2", "page 1", "page 3"]
    result = audit.verify(tmp_path)
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "reordered" in result.reason


def test_aud007_sql_cannot_rewrite_a_row_while_the_triggers_stand(tmp_path):
    write(tmp_path, 3)
    con = sqlite3.connect(audit_store.path(tmp_path), isolation_level=None)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("UPDATE audit_log SET detail = 'x' WHERE seq = 2")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("DELETE FROM audit_log")
    finally:
        con.close()
    result = audit.verify(tmp_path)
    assert (result.ok, result.rows) == (True, 3)


def test_aud008_ids_up_to_the_limit_are_kept_beyond_it_only_counted(tmp_path):
    few = [f"SH{i:05d}" for i in range(200, 0, -1)]
    many = [f"SH{i:05d}" for i in range(201)]
    audit.record("bob", "analyst", audit.EXPORT, "explorer", "/export", ids=few, data_dir=tmp_path)
    audit.record("bob", "analyst", audit.EXPORT, "explorer", "/export", ids=many, data_dir=tmp_path)
    audit.record("bob", "analyst", audit.DOWNLOAD, "explorer", "/dl", count=5000, data_dir=tmp_path)
    frame = audit_store.read(data_dir=tmp_path).sort("seq")
    kept, counted, only_count = frame.iter_rows(named=True)
    assert json.loads(kept["ids"]) == few and kept["id_count"] == 200
    assert kept["id_digest"] == hashlib.sha256("\n".join(sorted(few)).encode()).hexdigest()
    assert json.loads(counted["ids"]) == [] and counted["id_count"] == 201
    assert counted["id_digest"] == hashlib.sha256("\n".join(sorted(many)).encode()).hexdigest()
    assert (only_count["ids"], only_count["id_count"], only_count["id_digest"]) == ("[]", 5000, "")
    with pytest.raises(ValueError, match="disagrees"):
        audit.record(
            "bob", "analyst", audit.EXPORT, "x", "/", ids=["a"], count=2, data_dir=tmp_path
        )
    assert audit.verify(tmp_path).rows == 3


def test_aud009_reading_filters_newest_first_and_never_creates_the_file(tmp_path):
    assert audit_store.read(data_dir=tmp_path).height == 0
    assert audit.verify(tmp_path) == audit.VerifyResult(True, 0, None, "0 rows, chain intact")
    assert not audit_store.path(tmp_path).exists()
    write(tmp_path, 3, user="alice")
    write(tmp_path, 2, user="bob", action=audit.RECORD_DETAIL)
    frame = audit_store.read(data_dir=tmp_path)
    assert frame["seq"].to_list() == [5, 4, 3, 2, 1]
    assert frame.columns == list(audit_store.COLUMNS)
    assert audit_store.read(user="bob", data_dir=tmp_path)["seq"].to_list() == [5, 4]
    details = audit_store.read(action=audit.RECORD_DETAIL, data_dir=tmp_path)
    assert details["user"].to_list() == ["bob", "bob"]
    assert audit_store.read(limit=2, data_dir=tmp_path)["seq"].to_list() == [5, 4]
    third = frame.filter(frame["seq"] == 3)["at"].item()
    since = audit_store.read(since=third, data_dir=tmp_path)["seq"].to_list()
    until = audit_store.read(until=third, data_dir=tmp_path)["seq"].to_list()
    assert (since, until) == ([5, 4, 3], [2, 1])
    assert audit_store.read(since=datetime(2100, 1, 1, tzinfo=UTC), data_dir=tmp_path).height == 0


def test_aud010_a_row_is_what_its_hash_says(tmp_path):
    at = datetime(2026, 12, 8, 9, 30, 1, 250, tzinfo=UTC)
    entry = audit_store.AuditEntry(
        "alice",
        "analyst",
        audit.LOGIN,
        "login",
        "/login",
        "[]",
        0,
        "",
        "ok",
        "10.0.0.7",
        at=audit_store.timestamp(at),
    )
    assert audit_store.append(entry, tmp_path) == 1
    (row,) = audit_store.rows_for_verify(tmp_path)
    assert row.fields["at"] == "2026-12-08T09:30:01.000250+00:00"
    body = {name: row.fields[name] for name in audit_store.HASHED}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert row.hash == hashlib.sha256(("0" * 64 + canonical).encode()).hexdigest()
    with pytest.raises(ValueError, match="outcome"):
        audit.record("a", "analyst", audit.LOGIN, "login", "/", outcome="maybe", data_dir=tmp_path)


def test_aud011_a_check_while_rows_are_appended_finds_the_chain_intact(tmp_path):
    write(tmp_path, 1)
    done = threading.Event()

    def append_many():
        try:
            write(tmp_path, 150)
        finally:
            done.set()

    writer = threading.Thread(target=append_many)
    writer.start()
    results = []
    while not done.is_set() or not results:
        results.append(audit.verify(tmp_path))
    writer.join()
    assert [r for r in results if not r.ok] == []
    assert audit.verify(tmp_path).rows == 151
