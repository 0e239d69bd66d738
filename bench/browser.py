"""What the user waits for in the browser: each page until every card has rendered, each
interaction until the page has settled, with the bytes and the scripting time behind them.

The real app runs under gunicorn (``bench/server.py``) on the configured lake; headless Chromium
(Debian's, through Selenium) opens each page and replays a scripted session. A script injected
before any page script counts the callback requests in flight and notes the time of the last
response and of the last change to any chart; a page or an interaction is *settled* once no
request is in flight and nothing has changed for ``QUIET_MS``; a chart counts as changed when
plotly starts and finishes drawing it (the promise of ``Plotly.react`` resolving, which is when its
``plotly_afterplot`` fires), not while a Sankey's fixed 500 ms transition tweens its nodes into
place after the drawing. The time reported is from the
navigation (or the click) to the last response or chart change before the quiet, so the quiet
itself is not counted. A click counts from the press of the pointer: Selenium's pointer takes
250 ms to travel to its target first, which no user waits for after clicking. Per step: p50 and
p95 over the repeats, the bytes transferred, and the browser main thread's script and task time
(Chrome's Performance metrics).

The baseline measured in the same run is the same callbacks answered over HTTP with no browser
(``server_ms``: the sum of the page's callback response times as the server reports them), so
``x_server`` says how much of the wait the browser adds on top of the server.

``python -m bench --browser`` writes ``bench/results/browser-<timestamp>.json``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

QUIET_MS = 700
TIMEOUT_S = 90
PHONE = (390, 844)
DESKTOP = (1440, 900)

# Injected before any script of the page: counts Dash's requests in flight, and notes when the
# last response arrived and when any chart last changed (plotly redraws its SVG on every
# react), so the harness can tell when the page has settled.
WATCH_JS = r"""
(() => {
  const w = window;
  w.__cp = {inflight: 0, last: performance.now(), requests: 0, down: 0};
  const mark = () => { w.__cp.last = performance.now(); };
  // when the user pressed: an interaction is timed from here, not from the pointer's travel
  w.addEventListener('pointerdown', () => { w.__cp.down = performance.now(); }, true);
  const original = w.fetch.bind(w);
  // the live poll (every few seconds, answering "nothing new") is not the page loading
  const isPoll = (args) => {
    const body = args[1] && typeof args[1].body === 'string' ? args[1].body : '';
    return body.includes('"live-interval"') || body.includes('"id":"live-interval"');
  };
  w.fetch = (...args) => {
    if (isPoll(args)) { return original(...args); }
    w.__cp.inflight += 1; w.__cp.requests += 1; mark();
    return original(...args).then(
      (r) => { r.clone().text().finally(() => { w.__cp.inflight -= 1; mark(); }); return r; },
      (e) => { w.__cp.inflight -= 1; mark(); throw e; });
  };
  // A chart has rendered when the promise of its draw resolves (plotly's afterplot): its DOM
  // changes after that are transitions (a Sankey tweens its nodes for a fixed 500 ms), not
  // rendering, so they are not counted.
  const wrap = (owner, name) => {
    const draw = owner[name];
    if (typeof draw !== 'function' || draw.__cp) { return; }
    owner[name] = function (...args) {
      mark();
      const done = draw.apply(this, args);
      if (done && typeof done.then === 'function') { done.then(mark, mark); }
      return done;
    };
    owner[name].__cp = true;
  };
  let plotly;
  Object.defineProperty(w, 'Plotly', {
    configurable: true,
    get: () => plotly,
    set: (value) => {
      plotly = value;
      if (value) { ['react', 'newPlot', 'relayout', 'restyle'].forEach((n) => wrap(value, n)); }
    },
  });
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (el && !el.closest('.js-plotly-plot') && (el.closest('.ag-root-wrapper')
          || el.closest('.chart-summary') || el.closest('.kpi-value'))) { mark(); return; }
    }
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})();
"""

STATE_JS = """
const c = window.__cp || {inflight: 1, last: performance.now(), requests: 0};
const loading = document.querySelectorAll('[data-dash-is-loading="true"]').length;
return [c.inflight, c.last, performance.now(), c.requests, loading];
"""


@dataclass(frozen=True)
class Step:
    """One timed thing a user does: open a page, or act on it once it is open."""

    name: str
    page: str  # path (and query) opened first
    act: Callable | None = None  # the action, given the driver; None: the page load is timed
    ready: str = ""  # CSS selector that must exist before the action (the target)


def _driver(size: tuple[int, int]):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--window-size={size[0]},{size[1]}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    if size[0] < 500:  # a headless window is never narrower than 500 px: emulate the phone
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": size[0], "height": size[1], "deviceScaleFactor": 2, "mobile": True},
        )
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_JS})
    driver.execute_cdp_cmd("Performance.enable", {})
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    return driver


def _metrics(driver) -> dict[str, float]:
    found = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return {m["name"]: m["value"] for m in found}


def _settle(driver, since: float) -> float:
    """Wait until nothing is in flight or changing for ``QUIET_MS``; ms from ``since`` (a
    ``performance.now()`` of the page) to the last activity."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        inflight, last, now, _requests, loading = driver.execute_script(STATE_JS)
        if inflight <= 0 and not loading and now - last >= QUIET_MS:
            return max(0.0, last - since)
        time.sleep(0.05)
    raise TimeoutError("the page did not settle")


def _bytes(driver) -> int:
    return int(
        driver.execute_script(
            "return performance.getEntriesByType('resource')"
            ".reduce((s, e) => s + (e.transferSize || e.encodedBodySize || 0), 0)"
            " + (performance.getEntriesByType('navigation')[0] || {transferSize: 0}).transferSize;"
        )
    )


def _server_ms(driver, since: float) -> float:
    """The callbacks' time on the server: each response's ``responseStart - requestStart``."""
    return float(
        driver.execute_script(
            "return performance.getEntriesByType('resource')"
            ".filter(e => e.name.includes('_dash-update-component') && e.startTime >= arguments[0])"
            ".reduce((s, e) => s + Math.max(0, e.responseStart - e.requestStart), 0);",
            since,
        )
    )


def measure(driver, base: str, step: Step) -> dict:
    """One run of a step: settle time, bytes, script and task time, server time."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    before = _metrics(driver)
    driver.get(base + step.page)
    since = 0.0
    if step.act is not None:
        _settle(driver, 0.0)
        if step.ready:
            WebDriverWait(driver, TIMEOUT_S).until(
                lambda d: d.execute_script(f"return !!document.querySelector({step.ready!r})")
            )
        before = _metrics(driver)
        driver.execute_script("performance.clearResourceTimings();")
        since = float(driver.execute_script("return performance.now();"))
        step.act(driver)
        pressed = driver.execute_script("return (window.__cp || {}).down || 0;")
        since = max(since, float(pressed))
    settled = _settle(driver, since)
    after = _metrics(driver)
    return {
        "ms": round(settled, 1),
        "kb": round(_bytes(driver) / 1024, 1),
        "script_ms": round((after["ScriptDuration"] - before["ScriptDuration"]) * 1000, 1),
        "task_ms": round((after["TaskDuration"] - before["TaskDuration"]) * 1000, 1),
        "server_ms": round(_server_ms(driver, since), 1),
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _click(selector: str, index: int = -1) -> Callable:
    def act(driver) -> None:
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By

        found = driver.find_elements(By.CSS_SELECTOR, selector)
        ActionChains(driver).move_to_element(found[index]).click().perform()

    return act


def _xfilter_bar(page: str, dim: str, slot: str = "main") -> str:
    return (
        f"""div[id*='"dim":"{dim}"'][id*='"page":"{page}"'][id*='"slot":"{slot}"'] g.point path"""
    )


def steps() -> list[Step]:
    """The scripted session: each page opened, then what its users do most."""
    return [
        Step("Overview: open", "/"),
        Step("Explorer: open", "/explorer"),
        Step("Targeting: open", "/targeting"),
        Step("Data health: open", "/health"),
        Step("Referrals: open", "/referrals"),
        Step(
            "Overview: click a port bar",
            "/",
            _click(_xfilter_bar("overview", "port")),
            _xfilter_bar("overview", "port"),
        ),
        Step(
            "Explorer: click a field office bar",
            "/explorer?fy=2025",
            _click(_xfilter_bar("explorer", "area")),
            _xfilter_bar("explorer", "area"),
        ),
        Step(
            "Explorer: week grain",
            "/explorer",
            lambda d: d.execute_script(
                "document.querySelector(\"#filters-grain input[value='week']\").click();"
            ),
            "#filters-grain input[value='week']",
        ),
        Step("Explorer: open in compare mode", "/explorer?cmp=fytd"),
    ]


def run_browser_bench(base: str, repeats: int = 5, widths=(DESKTOP, PHONE)) -> list[dict]:
    """Every step at each window size, ``repeats`` times after one warm-up: one row a step."""
    rows = []
    from bench.signin import sign_in_browser

    for size in widths:
        driver = _driver(size)
        try:
            sign_in_browser(driver, base, TIMEOUT_S)
            for step in steps():
                measure(driver, base, step)  # warm-up: the server's caches and the JS bundles
                runs = [measure(driver, base, step) for _ in range(repeats)]
                print(f"{step.name} @ {size[0]} px: {[r['ms'] for r in runs]} ms", flush=True)
                ms = [r["ms"] for r in runs]
                server = statistics.median(r["server_ms"] for r in runs)
                rows.append(
                    {
                        "step": step.name,
                        "width": size[0],
                        "p50_ms": round(statistics.median(ms), 1),
                        "p95_ms": round(_pct(ms, 0.95), 1),
                        "kb": statistics.median(r["kb"] for r in runs),
                        "script_ms": statistics.median(r["script_ms"] for r in runs),
                        "task_ms": statistics.median(r["task_ms"] for r in runs),
                        "server_ms": server,
                        "x_server": round(statistics.median(ms) / server, 1) if server else None,
                    }
                )
        finally:
            driver.quit()
    return rows


def table(rows: list[dict]) -> str:
    columns = list(rows[0])
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    for row in rows:
        lines.append("  ".join(str(row[c]).ljust(w) for c, w in zip(columns, widths, strict=True)))
    return "\n".join(lines)


def run(data_dir: Path, repeats: int = 5) -> dict:
    """Serve the lake under gunicorn and run the session against it."""
    from bench.server import serve

    with serve(data_dir) as served:
        rows = run_browser_bench(served.base, repeats)
    return {"rows": rows}
