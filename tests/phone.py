"""A 390 px phone in headless Chromium, for the tests that check a page fits one.

``set_window_size(390, ...)`` does not give one: a headless window is never narrower than 500 px.
Device emulation does, and a phone's layout viewport then widens to whatever overflows, so a
page's width is compared with the screen's 390 px, never with ``innerWidth`` or ``clientWidth``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

PHONE_WIDTH = 390


@contextmanager
def phone_screen(driver) -> Iterator[None]:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def sideways_overflow(driver) -> int:
    """Pixels the page is wider than the phone's screen: above zero, it scrolls sideways."""
    return int(driver.execute_script("return document.documentElement.scrollWidth")) - PHONE_WIDTH
