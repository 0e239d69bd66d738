"""Where the repository and its vendored data are, and the demo lake's size in tests: for the
fixtures (``conftest.py`` at the repository's root) and the tests that start processes in it."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / "data" / "real"
DEMO_SHIPMENTS = 30_000
