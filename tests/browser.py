"""Debian's Chromium driven by Playwright for Python, for the page tests.

Playwright's own browser download does not work here (no internet): the tests
drive /usr/bin/chromium from Debian's package, and skip (fail in CI) without it.
``tests/conftest.py`` gives every page test a ``browser`` (one per module) and
``pages`` (fresh contexts, closed after the test) built from these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from tests.support import debian_tool

#: As root, in a container, with a closed network: no sandbox, no GPU, no
#: background connections (they are refused and slow the start).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@contextmanager
def chromium(why: str, extra_args: Sequence[str] = ()) -> Iterator[Any]:
    """A launched Chromium (a Playwright ``Browser``), closed afterwards."""
    path = debian_tool("chromium", why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=[*CHROMIUM_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()


def watch_errors(page: Any, *, failed_loads: bool = False) -> list[str]:
    """The page's script errors and console errors (a CSP refusal, a script error),
    collected as they happen; also kept as ``page.js_errors``. A resource that failed
    to load (a 409 the page shows on purpose) counts only with ``failed_loads``."""
    errors: list[str] = []

    def console(message: Any) -> None:
        failed = message.text.startswith("Failed to load resource")
        if message.type == "error" and (failed_loads or not failed):
            errors.append(message.text)

    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", console)
    page.js_errors = errors
    return errors


class Pages:
    """Pages of one test, each in a fresh browser context (its own cookies) in
    Vietnamese with 5 s timeouts, watched by ``watch_errors``."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.contexts: list[Any] = []

    def open(self, url: str | None = None, *, init: str = "", **options: Any) -> Any:
        """A new page (``options`` go to ``new_context``; ``init`` runs before any
        script of the page), at ``url`` when given."""
        ctx = self.browser.new_context(**{"locale": "vi-VN", **options})
        ctx.set_default_timeout(5000)
        self.contexts.append(ctx)
        if init:
            ctx.add_init_script(init)
        page = ctx.new_page()
        watch_errors(page)
        if url is not None:
            page.goto(url)
        return page

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()
        self.contexts.clear()


def pdf_pages(pdf: bytes) -> int:
    """How many pages a PDF that Chromium printed (``page.pdf()``) has: its page objects."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
