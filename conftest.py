"""Shared fixtures: real lakes built with the real importers and generator, and Chromium options.

Two lakes:
- ``demo_lake``: the vendored CBP and BTS files imported, then the generator at a small shipment
  count; built once per session (about 15 s) and used by integration, query and browser tests.
- ``tiny_lake``: a handful of hand-written seizure rows whose aggregates are computed by hand in
  the tests, so query correctness is checked against numbers nobody derived from the code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from tests.repo import DEMO_SHIPMENTS, REAL, REPO

TODAY = "2026-06-30"  # pinned: the generator continues CBP's series up to "today"
pytest_plugins = ["tests.generate_fixtures"]  # synthetic-seizure fixtures of the generator tests


BROWSER_FIXTURES = {"dash_br", "dash_duo"}


def pytest_collection_modifyitems(items):
    """Every test that opens Chromium is a browser test, marked or not (``make test-fast``
    leaves them out)."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


def pytest_setup_options():
    """Chromium options for dash_duo: Debian's chromium as root, in a container."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1800",
    ):
        options.add_argument(flag)
    return options


def _wait_generously(browser) -> None:
    """Dash's waits default to 10 s; the first page of a session on a busy two-core machine can
    take longer. A wait ends as soon as its condition holds, so passing tests are no slower."""
    from tests.waits import WAIT_S

    browser.wait_timeout = WAIT_S


@pytest.fixture
def dash_br(dash_br):
    """Dash's bare browser fixture, with the suite's generous waits."""
    _wait_generously(dash_br)
    return dash_br


@pytest.fixture
def dash_duo(dash_duo, request):
    """Dash's browser fixture, signing in first when it serves the internal app: the test
    starts on its page as an administrator (every page open), as a person would after the
    sign-in form. ``start_server(app, role=...)`` signs in with another role's account;
    ``signed_in=False`` leaves the browser signed out."""
    _wait_generously(dash_duo)
    start = dash_duo.start_server

    def start_server(app, navigate=True, role="admin", signed_in=True, **kwargs):
        start(app, navigate=False, **kwargs)
        if navigate and signed_in and "chokepoint_login" in app.server.view_functions:
            from tests.sessions import sign_in_browser

            sign_in_browser(dash_duo.driver, dash_duo.server.url, role)
        if navigate and signed_in:  # the app's page (the sign-in page has no Dash in it)
            dash_duo.server_url = dash_duo.server.url

    dash_duo.start_server = start_server
    return dash_duo


@pytest.fixture(scope="session", autouse=True)
def pinned_today():
    previous = os.environ.get("CHOKEPOINT_TODAY")
    os.environ["CHOKEPOINT_TODAY"] = TODAY
    yield date.fromisoformat(TODAY)
    if previous is None:
        os.environ.pop("CHOKEPOINT_TODAY", None)
    else:
        os.environ["CHOKEPOINT_TODAY"] = previous


@pytest.fixture(scope="session")
def demo_lake(tmp_path_factory, pinned_today) -> Path:
    from ingest.bts import import_bts_file
    from ingest.cbp import import_cbp_file
    from ingest.generate import generate_demo

    data_dir = tmp_path_factory.mktemp("demo-data")
    for path in sorted(REAL.glob("cbp-*.csv.gz")):
        import_cbp_file(path, data_dir)
    import_bts_file(REAL / "bts-border-crossing-entry-data-1996-2025feb.csv.gz", data_dir)
    generate_demo(shipments=DEMO_SHIPMENTS, seed=7, progress=False, data_dir=data_dir)
    before = _files(data_dir)
    yield data_dir
    changed = sorted(set(before.items()) ^ set(_files(data_dir).items()))
    assert not changed, f"a test wrote into the shared demo lake (use lake_copy): {changed[:5]}"


def _files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its size and modification time."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="session")
def lake_copy(demo_lake, tmp_path_factory):
    """A private copy of the demo lake, for a test that writes (publishes, scores, stores an
    answer): the session's ``demo_lake`` is shared and never written to."""

    def copy(name: str) -> Path:
        target = tmp_path_factory.mktemp(name)
        shutil.copytree(demo_lake, target, dirs_exist_ok=True)
        return target

    return copy


@pytest.fixture(scope="session")
def scored_lake(lake_copy) -> Path:
    """A copy of the demo lake with a trained model and scores (as ``make data`` leaves it)."""
    from targeting import pipeline

    data_dir = lake_copy("scored-data")
    pipeline.train_and_score(data_dir, seed=7)
    return data_dir


@pytest.fixture(scope="session")
def demo_gateway(demo_lake):
    from queries.gateway import Gateway

    return Gateway(demo_lake)


@pytest.fixture(scope="session")
def internal_app(scored_lake):
    """One app per session, over the scored copy of the demo lake (its data equal the demo
    lake's): Dash moves module-level callbacks into the first app that serves a request, so a
    second app in the same process would miss the filter bar's callbacks."""
    previous = os.environ.get("CHOKEPOINT_DATA")
    os.environ["CHOKEPOINT_DATA"] = str(scored_lake)
    from app import create_app
    from tests.sessions import ensure_users

    ensure_users(scored_lake)  # one account per role, signed in through the form by tests
    yield create_app()
    if previous is None:
        os.environ.pop("CHOKEPOINT_DATA", None)
    else:
        os.environ["CHOKEPOINT_DATA"] = previous


TINY_ROWS = [
    # id, day, component, area, port, mode, commodity, category, drug, lbs, pills, source, transit
    (
        "T1",
        date(2025, 10, 5),
        "OFO",
        "tucson-field-office",
        "2604",
        "land_pov",
        "fentanyl_pills",
        "drug",
        "Fentanyl",
        10.0,
        45000,
        "MX",
        None,
    ),
    (
        "T2",
        date(2025, 10, 20),
        "OFO",
        "tucson-field-office",
        "2604",
        "land_pedestrian",
        "methamphetamine",
        "drug",
        "Methamphetamine",
        30.0,
        None,
        "MX",
        None,
    ),
    (
        "T3",
        date(2025, 11, 2),
        "OFO",
        "san-diego-field-office",
        "2504",
        "land_pov",
        "fentanyl_powder",
        "drug",
        "Fentanyl",
        5.5,
        None,
        "MX",
        None,
    ),
    (
        "T4",
        date(2025, 11, 3),
        "USBP",
        "tucson-sector",
        None,
        "between_ports",
        "marijuana",
        "drug",
        "Marijuana",
        200.0,
        None,
        "MX",
        None,
    ),
    (
        "T5",
        date(2025, 12, 1),
        "OFO",
        "chicago-field-office",
        "4196",
        "express",
        "4_ap",
        "precursor",
        None,
        12.0,
        None,
        "CN",
        "HK",
    ),
    (
        "T6",
        date(2024, 10, 15),
        "OFO",
        "tucson-field-office",
        "2604",
        "land_pov",
        "fentanyl_pills",
        "drug",
        "Fentanyl",
        4.0,
        18000,
        "MX",
        None,
    ),
    (
        "T7",
        date(2024, 11, 20),
        "OFO",
        "san-diego-field-office",
        "2504",
        "land_truck",
        "methamphetamine",
        "drug",
        "Methamphetamine",
        100.0,
        None,
        "MX",
        None,
    ),
]


@pytest.fixture(scope="session")
def public_data(lake_copy) -> Path:
    """A copy of the demo lake with its public extract published beside it (as ``make data``
    does)."""
    from ingest.publish import publish

    data_dir = lake_copy("public-data")
    publish(data_dir)
    return data_dir


@pytest.fixture(scope="session")
def public_gw(public_data):
    """The public extract as the public app reads it."""
    from ingest.publish import public_dir
    from public.gateway import PublicGateway

    return PublicGateway(public_dir(public_data))


@pytest.fixture(scope="session")
def info(public_gw):
    """The public extract's facts (version, years, offices)."""
    from public import extract

    return extract.extract(public_gw)


@pytest.fixture(scope="session")
def public_site(public_data, tmp_path_factory, request) -> str:
    """The public app in its own process (never beside the internal app: Dash moves
    module-level callbacks into the first app that serves a request), on a free port."""
    from tests.public_helpers import fetch, free_port

    port = free_port()
    log = tmp_path_factory.mktemp("public-site") / "server.log"
    env = {**os.environ, "CHOKEPOINT_DATA": str(public_data), "CHOKEPOINT_TODAY": TODAY}
    with open(log, "wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "app.py", "--public", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    request.addfinalizer(lambda: (proc.terminate(), proc.wait(timeout=20)))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            if fetch(base, "/_dash-layout")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    else:
        pytest.fail(f"public server did not start: {log.read_text()[-2000:]}")
    return base


@pytest.fixture(scope="session")
def tiny_lake(tmp_path_factory) -> Path:
    from lake.contract import conform
    from lake.fiscal import fiscal_year_of
    from lake.writer import replace_table_files

    cols = [
        "seizure_id",
        "event_date",
        "component",
        "area_id",
        "port_code",
        "mode",
        "commodity",
        "category",
        "cbp_drug_type",
        "lbs",
        "pills",
        "source_country",
        "transit_country",
    ]
    frame = pl.DataFrame(TINY_ROWS, schema=cols, orient="row").with_columns(
        pl.col("event_date")
        .map_elements(fiscal_year_of, return_dtype=pl.Int16)
        .alias("fiscal_year"),
        pl.when(pl.col("component") == "USBP")
        .then(pl.lit("Southwest Border"))
        .otherwise(pl.lit("Southwest Border"))
        .alias("region"),
        pl.lit("Land Only").alias("land_filter"),
        pl.when(pl.col("pills").is_not_null())
        .then(pl.col("pills").cast(pl.Float64))
        .otherwise(pl.col("lbs"))
        .alias("quantity"),
        pl.when(pl.col("pills").is_not_null())
        .then(pl.lit("pills"))
        .otherwise(pl.lit("lbs"))
        .alias("unit"),
        pl.lit(None, pl.Utf8).alias("concealment"),
        (pl.col("mode") == "express").alias("de_minimis"),
        pl.lit(None, pl.Utf8).alias("shipment_id"),
        pl.lit("reported").alias("provenance"),
        pl.lit("tiny").alias("batch_id"),
        pl.lit(datetime(2026, 1, 1)).alias("ingested_at"),
    )
    data_dir = tmp_path_factory.mktemp("tiny-data")
    replace_table_files("seizures", conform("seizures", frame), "tiny", data_dir)
    return data_dir
