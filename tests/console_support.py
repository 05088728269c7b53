"""Helpers for the clerk console's browser tests: log a clerk in, wait for the
console to settle, save a screenshot. Not a test module."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from playwright.sync_api import expect

from tests.browser import Pages
from tests.support import ARTIFACTS, ServerProcess, counter_pin

SHOTS = ARTIFACTS / "console"
VIEWPORT = {"width": 1366, "height": 768}


def log_in(pages: Pages, srv: ServerProcess, n: int, pin: str | None = None) -> Any:
    """A page in a fresh context, logged in to counter ``n`` and online; script
    errors and CSP refusals collect in ``page.js_errors`` (failed fetches, a 409
    the page shows, are fine)."""
    page = pages.open(srv.url + "/console", viewport=VIEWPORT)
    page.select_option("#counter", str(n))
    page.fill("#pin", pin or counter_pin(n))
    page.keyboard.press("Enter")
    page.wait_for_selector("#code")
    wait_online(page)
    return page


def wait_online(page: Any) -> None:
    expect(page.locator("body")).to_have_attribute("data-online", "1")


def settle(page: Any) -> None:
    """Wait until the console accepts actions again (request answered, quiet time over)."""
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bbusy\b"))


def posts(page: Any) -> list[str]:
    """The paths of the POST requests (the clerk's actions) the page sends from now
    on, in order: proof of what a key or a click did, and of what it did not."""
    sent: list[str] = []

    def record(request: Any) -> None:
        if request.method == "POST":
            sent.append(urllib.parse.urlsplit(request.url).path)

    page.on("request", record)
    return sent


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
