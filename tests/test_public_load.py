"""A short load test of the public app under gunicorn (the full one is ``python -m bench
--public-load``, 50 clients for 60 s, never part of the test run): 10 concurrent clients for
3 s on loopback, every answer a success, and the percentiles reported."""

from __future__ import annotations

from bench.public_load import gunicorn, run


def test_pub_load001_ten_clients_for_three_seconds_without_an_error(public_data):
    with gunicorn(public_data, workers=2) as base:
        result = run(base, clients=10, seconds=3)
    print(f"\npublic app smoke load: {result}")
    assert result["errors"] == 0, result["error_samples"]
    assert result["requests"] >= 30
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
