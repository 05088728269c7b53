"""The browser display: the wall TV page and the counter screen at /display.

``/display`` is the waiting-room screen for a smart TV or a PC's browser (the same
content as ``python -m display``); ``/display?counter=N`` the small screen above
one counter. Both are public, like ``/api/v1/state``: the page is rendered here with
the state in it, then its one script (static/display/display.js) follows
``/api/v1/events`` and speaks through ``/api/v1/voice/…`` (``counter_api.web.voice``).
The script mirrors the rules of ``sothutu.wall``; the words it shows come from
that module's constants, passed in the page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, make_response, render_template

from counter_api.service import QueueService
from counter_api.web.endpoint import page
from counter_api.web.endpoint import service as _svc
from counter_api.web.errors import ApiError
from counter_api.web.params import MAX_WHOLE, Param, parse_params
from counter_api.web.stream import page_heartbeat
from sothutu import wall as display_state
from sothutu.config import Config

bp = Blueprint("display_page", __name__)

#: The page's own resources only; no inline script. Framing is allowed (signage players).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; media-src 'self'; form-action 'none'; "
    "base-uri 'none'; object-src 'none'"
)

MSG_NO_COUNTER = "Quầy không tồn tại."
MSG_BAD_COUNTER = "Địa chỉ không hợp lệ: counter phải là số quầy."


def texts() -> dict[str, str]:
    """Every word the display shows, from ``display.state`` (one source for both displays)."""
    return {
        name.removeprefix("TEXT_"): value
        for name, value in vars(display_state).items()
        if name.startswith("TEXT_") and isinstance(value, str)
    }


#: The page's query.
QUERY = {
    "counter": Param(
        int, "a counter's number: that counter's screen", minimum=1, maximum=MAX_WHOLE
    ),
    "voice": Param(str, "0, false, off or no: silent (default: the config's [voice])"),
}


def boot(svc: QueueService, counter: int | None, voice: bool) -> dict[str, Any]:
    """What the page's script starts from: settings, words, rules and the state now."""
    config = svc.config
    return {
        "mode": "counter" if counter is not None else "wall",
        "counter": counter,
        "centre": config.centre.name,
        "notice": config.centre.notice,
        "counters": [{"number": c.number, "name": c.label} for c in config.counters],
        "services": [{"id": s.id, "name": s.name} for s in config.services],
        "display": {
            "highlight_seconds": config.display.highlight_seconds,
            "scroll_speed": config.display.scroll_speed,
        },
        "voice": {
            "on": voice and config.voice.announce != "off",
            "volume": config.voice.volume,
            "gap": config.voice.gap,
            "max_age": config.voice.max_age,
        },
        "heartbeat": page_heartbeat(config),
        "text": texts(),
        "rules": {
            "recent_kept": display_state.RECENT_KEPT,
            "blink_seconds": display_state.BLINK_SECONDS,
            "live_after": display_state.LIVE_AFTER,
            "connect_grace": display_state.CONNECT_GRACE,
        },
        "state": svc.state(),
    }


def _missing(config: Config, message: str, status: int) -> Response:
    html = render_template("display/missing.html", centre=config.centre.name, message=message)
    return _page(html, status)


def _page(html: str, status: int = 200) -> Response:
    resp = make_response(html, status)
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/display")
@bp.get("/display/")
@page(query=QUERY)
def screen() -> Response:
    """The wall display, or with ``?counter=N`` one counter's screen (``&voice=0``: silent)."""
    svc = _svc()
    config = svc.config
    try:
        args = parse_params(QUERY)
    except ApiError:
        return _missing(config, MSG_BAD_COUNTER, 400)
    counter = args.get("counter")
    if counter is not None and config.counter(counter) is None:
        return _missing(config, MSG_NO_COUNTER, 404)
    voice = args.get("voice", "1") not in ("0", "false", "off", "no")
    data = boot(svc, counter, voice)
    if counter is not None:
        c = config.counter(counter)
        assert c is not None
        html = render_template("display/counter.html", boot=data, counter=c, text=data["text"])
    else:
        html = render_template(
            "display/wall.html",
            boot=data,
            text=data["text"],
            centre=config.centre.name,
            notice=config.centre.notice,
            counters=config.counters,
            services=config.services,
        )
    return _page(html)
