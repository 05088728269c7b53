"""Debian's Chromium driven by Playwright for Python, for the page tests.

Playwright's own browser download does not work here (no internet): the tests
drive /usr/bin/chromium from Debian's package, and skip (fail in CI) without it.
"""

from __future__ import annotations

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
