"""The public app's answer caches hold what their settings allow, least recently used first."""

from __future__ import annotations

from public.http import PageCache


def test_pca001_the_page_cache_keeps_its_setting_in_megabytes(monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_PUBLIC_PAGE_CACHE_MB", "1")
    cache = PageCache()
    body = b"x" * (100 * 1024)  # a tenth of the cache: small enough to keep
    for i in range(12):
        cache.put(("page", i), body)
    assert cache.get(("page", 0)) is None and cache.get(("page", 11)) == body
    assert sum(cache.get(("page", i)) is not None for i in range(12)) == 10
    cache.put(("big",), b"x" * (200 * 1024))  # over an eighth of the cache: not kept
    assert cache.get(("big",)) is None
