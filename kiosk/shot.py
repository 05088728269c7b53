"""``python -m kiosk --config FILE --screenshot OUT.png [--size WxH]``: the start
screen as a citizen would see it now, drawn once from what the server says.

For a technician checking a kiosk from afar: the server's opening hours (closed,
and when it opens), this kiosk's printer as it last reported it (a warning, or
issuing stopped), the waiting counts and whether the look-up is offered; the
server-down screen when the server does not answer (exit status 1). Nothing is
printed and no ticket is issued; the running kiosk is not disturbed.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from kiosk import state as st
from kiosk.controller import Setup, setup, timing
from kiosk.lookup import Catalogue
from sothutu.client import ApiClient, ClientError, Unreachable
from sothutu.config import Config

log = logging.getLogger(__name__)

DEFAULT_SIZE = (800, 480)  # the official 7" Raspberry Pi display


def _ask(client: ApiClient, path: str) -> Any:
    try:
        return client.get(path)
    except ClientError as exc:  # an old server, a catalogue that is not there
        log.debug("%s: %s", path, exc)
        return None


def start_state(config: Config, s: Setup, client: ApiClient) -> tuple[st.KioskState, str]:
    """The start screen's state from the server's answers, and a line saying it
    (raises ``Unreachable`` when the server does not answer)."""
    now = time.monotonic()
    state = st.initial(
        s.fields,
        timing(config, headless=False),
        priority=config.kiosk.priority,
        hours_text=s.hours_text,
        now=now,
        lookup=config.kiosk.lookup,
        printer_fault=config.kiosk.printer_fault,
        keyboard=config.kiosk.keyboard,
    )
    services = client.get("/api/v1/services")
    server = client.get("/api/v1/state")
    messages: list[st.Message] = [st.ServerStatus(True)]
    counts = {x["id"]: x["waiting"] for x in services.get("services", []) if "id" in x}
    messages.append(st.Waiting(counts))
    if isinstance(services.get("hours"), dict):
        messages.append(st.Hours(services["hours"]))
    mine = next((k for k in server.get("kiosks", []) if k.get("name") == s.kiosk_name), None)
    printer = str(mine.get("printer", "unknown")) if mine else "unknown"
    messages.append(st.PrinterStatus(printer))
    if config.kiosk.lookup:
        answer = _ask(client, "/api/v1/procedures?limit=1")
        if isinstance(answer, dict):
            messages.append(st.CatalogueInfo(Catalogue.of(answer)))
    for msg in messages:
        state, _ = st.update(state, msg, now)
    said = ["open"]
    if state.closed:
        op = state.opening
        what = "closed day" if op and op.closed_day else "closed"
        said = [what + (f", tickets again from {op.reopens}" if op and op.reopens else "")]
    if state.printer_broken:
        stops = state.printer_fault == "stop"
        said.append(f"printer {printer} ({'issuing stopped' if stops else 'number shown'})")
    elif printer == "unknown":
        said.append("printer not reported")
    return state, "; ".join(said)


def screenshot(config: Config, out: str, size: tuple[int, int] | None) -> int:
    """Draw the start screen now into ``out`` (PNG): 0 when the server answered, 1
    when it did not (the picture then shows the server-down screen)."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from kiosk import render

    k = config.kiosk
    size = size or ((k.width, k.height) if k.width and k.height else DEFAULT_SIZE)
    s = setup(config)
    client = ApiClient(config.server.client_url(), timeout=5.0)
    status = 0
    try:
        state, said = start_state(config, s, client)
    except (Unreachable, ClientError) as exc:
        print(f"kiosk: server unreachable: {exc}", file=sys.stderr)
        state = st.initial(s.fields, timing(config, headless=False), hours_text=s.hours_text)
        said, status = "server unreachable", 1
    pygame.font.init()
    surface = pygame.Surface(size)
    for problem in render.draw(surface, state):
        print(f"kiosk: text does not fit: {problem}", file=sys.stderr)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(surface, out)
    print(
        f"kiosk {s.kiosk_name}: {state.screen.value} screen, {said} → {out} ({size[0]}x{size[1]})"
    )
    return status
