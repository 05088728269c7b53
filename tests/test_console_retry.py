"""The console sends a write whose answer was lost again, with the same request_id.

Debian's Chromium on a real server: the browser's network layer (Playwright's
routing) lets the first request reach the server and throws its answer away, as
a dropped connection would. The console sends the same request again; the
server does it once and the console shows the result.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.console_support import log_in, settle
from tests.support import KIOSK_KEY, ServerProcess, free_port, write_config


@pytest.fixture
def server(tmp_path) -> Iterator[ServerProcess]:
    port = free_port()
    proc = ServerProcess(write_config(tmp_path, port=port), port).start()
    yield proc
    proc.stop()


def lose_first_answer(page: Any, path: str) -> list[dict]:
    """Route ``path``: the first request is done by the server, its answer dropped;
    later ones go through. Returns the bodies sent, in order."""
    bodies: list[dict] = []

    def handle(route: Any) -> None:
        bodies.append(json.loads(route.request.post_data or "{}"))
        if len(bodies) == 1:
            route.fetch()  # the server does it ...
            route.abort("connectionreset")  # ... and the answer never arrives
        else:
            route.continue_()

    page.route(f"**{path}", handle)
    return bodies


def test_a_lost_answer_to_next_is_sent_again_and_done_once(server, pages) -> None:
    kiosk = server.client(KIOSK_KEY)
    for _ in range(3):
        kiosk.issue("ho-tich")
    page = log_in(pages, server, 1)
    sent = lose_first_answer(page, "/api/v1/counters/1/next")
    page.keyboard.press("KeyT")
    page.locator("#code").filter(has_text="A001").wait_for(timeout=15000)
    settle(page)
    assert len(sent) == 2 and sent[0]["request_id"] == sent[1]["request_id"], sent
    assert len(sent[0]["request_id"]) == 32
    state = server.client().state()
    assert next(c for c in state["counters"] if c["number"] == 1)["current"]["code"] == "A001"
    assert next(s for s in state["services"] if s["id"] == "ho-tich")["waiting"] == 2
    assert "Đã gọi số A001" in page.locator("#message").inner_text()


def test_the_guidance_counter_issues_one_ticket_when_the_answer_is_lost(server, pages) -> None:
    page = log_in(pages, server, 4)  # counter 4 is the guidance counter
    sent = lose_first_answer(page, "/api/v1/tickets")
    page.keyboard.press("KeyP")
    page.keyboard.press("Digit2")  # Chứng thực
    page.locator("#message").filter(has_text="Đã cấp số B001").wait_for(timeout=15000)
    assert len(sent) == 2 and sent[0] == sent[1] and sent[0]["service"] == "chung-thuc"
    waiting = {s["id"]: s["waiting"] for s in server.client().services()}
    assert waiting["chung-thuc"] == 1  # one ticket, though the request was sent twice
