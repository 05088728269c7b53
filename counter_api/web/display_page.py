"""The browser display: the wall TV page and the counter screen at /display, and its voice.

``/display`` is the waiting-room screen for a smart TV or a PC's browser (the same
content as ``python -m display``); ``/display?counter=N`` the small screen above
one counter. Both are public, like ``/api/v1/state``: the page is rendered here with
the state in it, then its one script (static/display/display.js) follows
``/api/v1/events``. The script mirrors the rules of ``display/state.py``; the words
it shows come from that module's constants, passed in the page.

The voice uses the pygame display's pure parts, so nothing is implemented twice:
``/api/v1/voice/announcement`` answers ``sothutu.voice.announce.announcement(...).to_json()``
for a call (the clip names in order, with the pause after each), and
``/api/v1/voice/clip?name=NAME`` serves a clip of the voice pack (``[voice] pack``,
read on each request, so a clip a centre replaced is used at once), trimmed of its
silent ends like the pygame display trims it; the chime is synthesized when the
pack has none, a missing word is said by espeak-ng when allowed and installed, and
otherwise answers 404 (the page then plays the chime alone).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import subprocess
import threading
import wave
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, make_response, render_template, request

from counter_api.service import QueueService
from counter_api.web.api import service as _svc
from counter_api.web.errors import ApiError
from counter_api.web.stream import page_heartbeat
from sothutu import wall as display_state
from sothutu.config import Config
from sothutu.voice import announce
from sothutu.voice.chime import chime_wav
from sothutu.voice.pack import KEEP_MS, MANIFEST, espeak_path, espeak_wav, trim

log = logging.getLogger(__name__)

bp = Blueprint("display_page", __name__)

#: The page's own resources only; no inline script. Framing is allowed (signage players).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; media-src 'self'; form-action 'none'; "
    "base-uri 'none'; object-src 'none'"
)

MSG_NO_COUNTER = "Quầy không tồn tại."


def _clips() -> ClipSource:
    return current_app.extensions["sothutu_voice_clips"]


def texts() -> dict[str, str]:
    """Every word the display shows, from ``display.state`` (one source for both displays)."""
    return {
        name.removeprefix("TEXT_"): value
        for name, value in vars(display_state).items()
        if name.startswith("TEXT_") and isinstance(value, str)
    }


def _counter_arg(raw: str | None, config: Config) -> int | None:
    """``?counter=N``: None when absent; 404 when it names no counter of the config."""
    if raw is None:
        return None
    raw = raw.strip()
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else None
    if number is None or config.counter(number) is None:
        raise LookupError(raw)
    return number


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


def _page(html: str, status: int = 200) -> Response:
    resp = make_response(html, status)
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/display")
@bp.get("/display/")
def page() -> Response:
    """The wall display, or with ``?counter=N`` one counter's screen (``&voice=0``: silent)."""
    svc = _svc()
    config = svc.config
    try:
        counter = _counter_arg(request.args.get("counter"), config)
    except LookupError:
        html = render_template(
            "display/missing.html", centre=config.centre.name, message=MSG_NO_COUNTER
        )
        return _page(html, 404)
    voice = request.args.get("voice", "1").strip() not in ("0", "false", "off", "no")
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


# --- voice ---------------------------------------------------------------------------


def _flag(raw: str | None) -> bool:
    value = (raw or "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ApiError(400, "invalid_request", "recall must be true or false")


@bp.get("/api/v1/voice/announcement")
def announcement() -> Response:
    """The announcement of one call as the display says it: text, clips and pauses."""
    config = _svc().config
    code = request.args.get("code", "")
    raw = request.args.get("counter", "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) < 6):
        raise ApiError(400, "invalid_request", "counter must be a whole number")
    recall = _flag(request.args.get("recall"))
    voice = config.voice
    try:
        ann = announce.announcement(
            code,
            int(raw),
            recall=recall,
            dialect=voice.dialect,
            repeat=voice.repeat,
            chime=voice.announce != "off" and (voice.chime or voice.announce == "chime"),
            speech=voice.announce == "voice",
        )
    except ValueError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    return current_app.json.response(ann.to_json())


@bp.get("/api/v1/voice/clip")
def clip() -> Response:
    """``?name=NAME``: one clip of the voice pack as WAV (trimmed), or 404 ``not_found``."""
    name = request.args.get("name", "")
    if name not in announce.CLIPS:
        raise ApiError(404, "not_found", f"no clip {name!r}; clips are named as in the README")
    got = _clips().wav(name)
    if got is None:
        raise ApiError(404, "not_found", f"the voice pack has no clip {name!r}")
    data, etag = got
    resp = Response(data, mimetype="audio/wav")
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = "no-cache"
    return resp.make_conditional(request)


class ClipSource:
    """The voice pack's clips as the browser plays them, from the folder on each request.

    A file is read again when its size or modification time changed, so a clip a
    centre replaced is served at once. 16-bit WAV files are trimmed of their silent
    ends with ``sothutu.voice.pack.trim`` (the pygame display's own trimming); other
    files are served as they are (the browser decodes any WAV).
    """

    def __init__(self, config: Config) -> None:
        self.folder = config.resolve(config.voice.pack)
        self.dialect = config.voice.dialect
        self.use_espeak = config.voice.espeak
        self._cache: dict[str, tuple[tuple[str, int, int], bytes, str]] = {}
        self._spoken: dict[str, bytes | None] = {}
        self._chime: bytes | None = None
        self._lock = threading.Lock()

    def _file(self, name: str) -> Path:
        default = self.folder / f"{name}.wav"
        try:
            manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            entry = manifest.get("clips", {}).get(name)
            file = entry.get("file") if isinstance(entry, dict) else None
        except (OSError, ValueError, AttributeError):
            return default
        if not isinstance(file, str) or not file:
            return default
        path = self.folder / file
        try:
            path.resolve().relative_to(self.folder.resolve())
        except (OSError, ValueError):
            log.warning("voice pack manifest names %r outside the pack; using %s", file, default)
            return default
        return path

    def wav(self, name: str) -> tuple[bytes, str] | None:
        """(WAV bytes, ETag) of a clip, or None when neither the pack nor espeak-ng has it."""
        path = self._file(name)
        try:
            st = path.stat()
        except OSError:
            st = None
        if st is not None and path.is_file():
            key = (str(path), st.st_size, st.st_mtime_ns)
            with self._lock:
                hit = self._cache.get(name)
            if hit is not None and hit[0] == key:
                return hit[1], hit[2]
            try:
                data = trimmed(path.read_bytes())
            except OSError as exc:
                log.warning("voice pack clip %s unreadable: %s", path, exc)
                data = None
            if data:
                etag = hashlib.sha256(data).hexdigest()[:20]
                with self._lock:
                    self._cache[name] = (key, data, etag)
                return data, etag
        if name == announce.CHIME:  # synthesized, as the pygame display does
            if self._chime is None:
                self._chime = chime_wav()
            return self._chime, "chime-synthesized"

        spoken = self._espeak(name)
        if spoken is not None:
            return spoken, "espeak-" + hashlib.sha256(spoken).hexdigest()[:14]
        return None

    def _espeak(self, name: str) -> bytes | None:
        """A clip missing from the pack, said by espeak-ng (once; then cached)."""
        if not self.use_espeak or not announce.CLIPS.get(name) or espeak_path() is None:
            return None
        with self._lock:
            if name in self._spoken:
                return self._spoken[name]
        try:
            data: bytes | None = trimmed(espeak_wav(announce.CLIPS[name], self.dialect))
            log.warning("voice pack lacks %s.wav; saying it with espeak-ng", name)
        except (OSError, subprocess.SubprocessError, RuntimeError, ValueError) as exc:
            log.warning("espeak-ng could not say clip %s: %s", name, exc)
            data = None
        with self._lock:
            self._spoken[name] = data
        return data


def trimmed(data: bytes) -> bytes:
    """A 16-bit PCM WAV without the quiet at its ends; any other file unchanged."""
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            if w.getsampwidth() != 2:
                return data
            channels, rate = w.getnchannels(), w.getframerate()
            pcm = w.readframes(w.getnframes())
    except (wave.Error, EOFError, ValueError):
        return data
    pcm = trim(pcm, channels, rate * KEEP_MS // 1000)
    if not pcm:
        return data
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()


def init_app(app: Flask, config: Config) -> None:
    """Register the display pages and the voice endpoints."""
    app.extensions["sothutu_voice_clips"] = ClipSource(config)
    app.register_blueprint(bp)
