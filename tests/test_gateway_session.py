"""Gateway sessions: the one way named queries keep state across statements (registered frames,
temporary tables), each statement under the time limit, errors as QueryError, nothing left
behind when the block ends, and the gateway's locked-down settings on the session's cursor."""

from __future__ import annotations

import polars as pl
import pytest

from public.gateway import PublicGateway
from queries.errors import QueryError, QueryOutOfMemory, QueryTimeout
from queries.gateway import Gateway
from queries.watchdog import watchdog

SLOW = "SELECT sum(hash(i)) FROM range(20000000000) t(i)"  # minutes of work on two cores


def test_gss001_frames_and_temporary_tables_last_for_the_block_only(tiny_lake):
    gateway = Gateway(tiny_lake)
    frame = pl.DataFrame({"seizure_id": ["T1", "T2", "NOPE"]})
    with gateway.session({"_wanted": frame}) as session:
        session.create_temp_table(
            "_found", "SELECT seizure_id FROM seizures WHERE seizure_id IN (SELECT * FROM _wanted)"
        )
        found = session.frame("SELECT seizure_id FROM _found ORDER BY 1")
        assert found["seizure_id"].to_list() == ["T1", "T2"]
        assert session.value("SELECT count(*) FROM _found WHERE seizure_id = ?", ["T2"]) == 1
    with gateway.session() as session:
        for name in ("_wanted", "_found"):
            with pytest.raises(QueryError, match=name):
                session.frame(f"SELECT * FROM {name}")  # noqa: S608 -- fixed test names
    with pytest.raises(QueryError):
        gateway.frame("SELECT * FROM _wanted", cache=False)  # never on the shared cursors


def test_gss002_each_statement_is_bounded_by_the_sessions_time_limit(tiny_lake):
    gateway = Gateway(tiny_lake)
    with gateway.session(time_limit_s=0.2) as session:
        with pytest.raises(QueryTimeout, match="longer than 0.2 s"):
            session.frame(SLOW)
        with pytest.raises(QueryTimeout):
            session.create_temp_table("_slow", SLOW)
        assert session.value("SELECT 41 + 1") == 42  # the session works afterwards
    assert watchdog.watching() == 0


def test_gss003_the_default_limit_is_the_query_time_limit(tiny_lake, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_QUERY_TIME_LIMIT_MS", "200")
    with Gateway(tiny_lake).session() as session, pytest.raises(QueryTimeout, match="0.2 s"):
        session.frame(SLOW)


def test_gss004_a_statement_past_the_memory_limit_is_said_to_be_one(tiny_lake, monkeypatch):
    """A batch job tells "the lake is too large for this machine" from a broken query by this
    (``python -m ops targeting`` skips the step instead of failing the demo build)."""
    monkeypatch.setenv("CHOKEPOINT_DUCKDB_MEMORY_LIMIT", "32MB")
    with Gateway(tiny_lake).session() as session, pytest.raises(QueryOutOfMemory):
        session.frame("SELECT list(i) FROM range(20000000) t(i)")  # a list cannot spill


def test_gss005_a_session_has_the_gateways_locked_settings(tiny_lake):
    with Gateway(tiny_lake).session() as session:
        for name, value in (
            ("enable_external_access", False),
            ("lock_configuration", True),
            ("parquet_metadata_cache", True),
        ):
            assert session.value("SELECT current_setting(?)", [name]) == value
        with pytest.raises(QueryError):
            session.frame("SELECT * FROM read_csv('/etc/passwd')")


def test_gss006_names_written_into_sql_must_be_plain(tiny_lake):
    gateway = Gateway(tiny_lake)
    bad = {"x; DROP VIEW seizures": pl.DataFrame({"a": [1]})}
    with pytest.raises(ValueError, match="plain table name"), gateway.session(bad):
        pass
    with gateway.session() as session, pytest.raises(ValueError, match="plain table name"):
        session.create_temp_table("t AS SELECT 1; --", "SELECT 1")
    assert gateway.scalar("SELECT count(*) FROM seizures") > 0


def test_gss007_the_public_gateway_opens_no_session(tmp_path):
    """It composes the executor, which answers single SELECTs only, and has no session to give:
    nothing can register a frame or create a table in the public database."""
    gateway = PublicGateway(tmp_path)
    assert not hasattr(gateway, "session")
    with pytest.raises(QueryError, match="single SELECT"):
        gateway.frame("CREATE TABLE t AS SELECT 1")
