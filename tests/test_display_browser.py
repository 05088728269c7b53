"""The browser display in Debian's Chromium, driven by Playwright, against a real server.

One browser per module. Screens of the wall display at 1920x1080, 1366x768 and
1080x1920 (idle, a new call, 16 counters, disconnected) and of the counter screen go
to tests/artifacts/webdisplay/; every screen fails on a text that overflows its box
or leaves the screen. The voice plays a test pack of short tones; an init script
records every AudioBufferSourceNode the page starts, so order and overlap are checked
on what the browser was asked to play, not only on the page's own log.
"""

from __future__ import annotations

import http.client
import io
import itertools
import json
import math
import os
import re
import signal
import threading
import time
import wave
from array import array
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from counter_api.service import QueueService
from counter_api.store import Store
from display import state as st
from sothutu.clock import ManualClock
from sothutu.config import load_config
from sothutu.voice import announce
from tests.browser import Pages
from tests.support import (
    ARTIFACTS,
    KIOSK_KEY,
    ServerProcess,
    counter_key,
    counter_pin,
    free_port,
    write_config,
)

pytestmark = [pytest.mark.debian, pytest.mark.slow]

SHOTS = ARTIFACTS / "webdisplay"
CHROMIUM_SWITCHES = ["--autoplay-policy=no-user-gesture-required"]  # the voice plays unasked
SIZES = [(1920, 1080), (1366, 768), (1080, 1920)]
NOTICE = "Thời gian làm việc: Sáng 7h30–11h30, Chiều 13h30–17h00, từ thứ Hai đến thứ Sáu"
GAP = 0.3  # [voice] gap of the test configs
MAX_AGE = 10.0  # [voice] max_age of the live server's config (60 elsewhere)
# The test pack lacks "chu-c": a call of field C (prefix C) is announced by the chime alone.
MISSING_CLIP = "chu-c"

# Every buffer the page starts: {when, duration} in the AudioContext's seconds.
RECORD_AUDIO = """
window.__played = [];
(function () {
  var start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (when) {
    window.__played.push({
      when: when || this.context.currentTime,
      duration: this.buffer ? this.buffer.duration : 0,
      at: this.context.currentTime
    });
    return start.apply(this, arguments);
  };
})();
"""

# Text elements that overflow their box (scrollWidth/Height > clientWidth/Height) or the
# screen. The scrolling notice is left out of the screen check: it moves through on purpose.
OVERFLOWS = """() => {
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    if (e.tagName === 'SCRIPT') continue;
    const text = Array.from(e.childNodes).filter(n => n.nodeType === 3)
      .map(n => n.textContent).join('').trim();
    if (!text) continue;
    const cs = getComputedStyle(e);
    if (e.getClientRects().length === 0 || cs.visibility === 'hidden') continue;
    const name = (e.id || e.className) + ' "' + text + '"';
    if (e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight) {
      out.push(name + ' needs ' + e.scrollWidth + 'x' + e.scrollHeight +
        ', box is ' + e.clientWidth + 'x' + e.clientHeight);
    }
    if (e.closest('#track') && !e.closest('.still')) continue;
    const r = e.getBoundingClientRect();
    const W = innerWidth + 0.5, H = innerHeight + 0.5;
    if (r.left < -0.5 || r.top < -0.5 || r.right > W || r.bottom > H) {
      out.push(name + ' leaves the screen: ' + JSON.stringify(r));
    }
  }
  return out;
}"""

# The ink height of a text as drawn (its font and size), as a share of the screen's height.
INK_HEIGHT = """(id) => {
  const el = document.getElementById(id);
  const cs = getComputedStyle(el);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = cs.fontWeight + ' ' + cs.fontSize + ' ' + cs.fontFamily;
  const m = ctx.measureText(el.textContent);
  return (m.actualBoundingBoxAscent + m.actualBoundingBoxDescent) / innerHeight;
}"""


# --- fixtures ------------------------------------------------------------------------------


def tone_wav(freq: float, seconds: float, rate: int = 22050) -> bytes:
    n = int(seconds * rate)
    fade = int(0.003 * rate)
    samples = array(
        "h",
        (
            round(
                12000 * min(1, i / fade, (n - i) / fade) * math.sin(2 * math.pi * freq * i / rate)
            )
            for i in range(n)
        ),
    )
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return buf.getvalue()


def write_pack(folder: Path) -> None:
    """Every clip a short tone (the chime a longer one), except MISSING_CLIP."""
    folder.mkdir(parents=True, exist_ok=True)
    clips = {}
    for i, name in enumerate(announce.CLIPS):
        if name == MISSING_CLIP:
            continue
        (folder / f"{name}.wav").write_bytes(
            tone_wav(300 + 35 * i, 0.15 if name == "chime" else 0.05)
        )
        clips[name] = {"file": f"{name}.wav", "text": announce.CLIPS[name]}
    (folder / "manifest.json").write_text(json.dumps({"clips": clips}), encoding="utf-8")


def sixteen_counters() -> str:
    return "".join(
        f"""
[[counters]]
number = {n}
services = ["ho-tich", "chung-thuc"]
key = "{counter_key(n)}"
pin = "{counter_pin(n)}"
"""
        for n in range(1, 17)
    )


# Five fields with long names (as a commune centre has them), for the crowded screen.
FIVE_FIELDS = "".join(
    f"""
[[services]]
id = "{sid}"
name = "{name}"
prefix = "{prefix}"
"""
    for sid, name, prefix in [
        ("ho-tich", "Hộ tịch", "A"),
        ("chung-thuc", "Chứng thực", "B"),
        ("dat-dai", "Đất đai", "C"),
        ("lao-dong-xa-hoi", "Lao động – Thương binh – Xã hội", "D"),
        ("kinh-doanh", "Đăng ký kinh doanh hộ cá thể", "E"),
    ]
)


def make_config(
    directory: Path,
    port: int,
    counters: str | None = None,
    max_age: float = 60,
    services: str | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    write_pack(directory / "voice")
    voice = f'pack = "voice"\ngap = {GAP}\nespeak = false\nmax_age = {max_age}\n'
    return write_config(
        directory,
        port=port,
        centre_extra=f'notice = "{NOTICE}"',
        counters=counters,
        services=services,
        extra="[voice]\n" + voice,
    )


def seed(config_path: Path, calls: list[int], pause: tuple[int, ...] = ()) -> None:
    """Tickets issued and called a minute ago (before the server starts): an idle screen
    with a history, nothing highlighted."""
    config = load_config(config_path)
    clock = ManualClock(datetime.now(UTC) - timedelta(seconds=70))
    svc = QueueService(config, Store(config.database_path), clock)
    try:
        for i in range(len(calls) + 6):
            svc.issue(["ho-tich", "chung-thuc"][i % 2])
            clock.advance(1)
        for n in calls:
            svc.next(n)
            clock.advance(2)
        for n in pause:
            svc.pause(n)
    finally:
        svc.bus.close()
        svc.store.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[ServerProcess]:
    """One server for the tests that only add calls; a call waits at most MAX_AGE s to be said."""
    port = free_port()
    config = make_config(tmp_path_factory.mktemp("live"), port, max_age=MAX_AGE)
    srv = ServerProcess(config, port).start()
    yield srv
    srv.stop()


@pytest.fixture
def open_page(pages: Pages) -> Callable:
    """``open_page(url, size)``: a page in a fresh context, recording audio and errors."""

    def open_(url: str, size: tuple[int, int] = (1366, 768), init: str = ""):
        viewport = {"width": size[0], "height": size[1]}
        page = pages.open(url, viewport=viewport, init=RECORD_AUDIO + init)
        page.evaluate("document.fonts.ready")
        return page

    return open_


# --- helpers -------------------------------------------------------------------------------


def link(page, value: str, timeout: float = 5000) -> None:
    expect(page.locator("body")).to_have_attribute("data-link", value, timeout=timeout)


def shown(page, selector: str, value: str, timeout: float = 5000) -> None:
    expect(page.locator(selector)).to_have_text(value, timeout=timeout)


def check_screen(page, name: str) -> None:
    """Screenshot into tests/artifacts/webdisplay/; fail on any overflowing text."""
    w, h = page.viewport_size["width"], page.viewport_size["height"]
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{w}x{h}.png"))
    assert page.evaluate(OVERFLOWS) == [], f"{name} at {w}x{h}"
    assert page.js_errors == []


def voice_log(page) -> list[dict]:
    return page.evaluate("window.sothutuVoiceLog.slice()")


def expected_clips(code: str, counter: int, recall: bool = False) -> list[str]:
    if code.startswith("C"):
        return ["chime"]  # the pack lacks chu-c
    return list(announce.announcement(code, counter, recall=recall).clips)


def simultaneously(srv: ServerProcess, counters: tuple[int, ...]) -> list[float]:
    """Counters call "next" together (threads released at once); when each request began."""
    clients = {n: srv.client(counter_key(n)) for n in counters}
    gate = threading.Barrier(len(counters))
    started: list[float] = []

    def press(n: int) -> None:
        gate.wait()
        started.append(time.perf_counter())
        clients[n].counter(n, "next")

    threads = [threading.Thread(target=press, args=(n,)) for n in counters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return started


def called_in_order(srv: ServerProcess, after: int, count: int) -> list[tuple[str, int]]:
    """(code, counter) of the first ``count`` ticket.called events after event ``after``,
    in the server's order, read from the event stream itself."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.request("GET", "/api/v1/events", headers={"Last-Event-ID": str(after)})
    resp = conn.getresponse()
    calls: list[tuple[str, int]] = []
    kind = ""
    try:
        while len(calls) < count:
            line = resp.fp.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "ticket.called":
                data = json.loads(line[6:])
                calls.append((data["ticket"]["code"], data["counter"]))
    finally:
        conn.close()
    return calls


def wait_spoken(page, count: int, timeout: float = 15000) -> list[dict]:
    """Wait until the page has started ``count`` clips and the audio clock passed the last."""
    page.wait_for_function(
        """(n) => window.sothutuVoiceLog.filter(e => e.clip).length >= n""",
        arg=count,
        timeout=timeout,
    )
    end = max(e["end"] for e in voice_log(page) if "clip" in e)
    page.wait_for_function(
        "(t) => window.__played.length && document.body && window.__ctxTime() >= t",
        arg=end,
        timeout=timeout,
    )
    return [e for e in voice_log(page) if "clip" in e]


# --- the wall display's screens ----------------------------------------------------------


def test_wall_screens_at_three_sizes(open_page, tmp_path: Path) -> None:
    port = free_port()
    config = make_config(tmp_path / "four", port)
    seed(config, calls=[1, 2, 3, 1, 2, 1])
    srv = ServerProcess(config, port).start()
    try:
        pages = [open_page(srv.url + "/display", size) for size in SIZES]
        history = srv.client().state()["recent_calls"]
        for page in pages:
            link(page, "live")
            if history:  # (empty only when the seeded minute was yesterday)
                shown(page, "#code", history[0]["code"])
                expect(page.locator("#headline")).not_to_have_class(re.compile("fresh|lit"))
                assert page.locator("#chips .chip:not([hidden])").count() >= 3
            expect(page.locator("#notice-text")).to_have_text(NOTICE)
            assert re.fullmatch(r"\d\d:\d\d", page.inner_text("#clock"))
            assert re.fullmatch(r"\d\d/\d\d/\d{4}", page.inner_text("#date"))
            check_screen(page, "idle")

        srv.client(KIOSK_KEY).issue("ho-tich")
        code = srv.client(counter_key(2)).counter(2, "next")["ticket"]["code"]
        for page in pages:
            shown(page, "#code", code)
            shown(page, "#call-counter", "ĐẾN QUẦY 2")
            expect(page.locator("#counters .row.fresh .ccode")).to_have_text(code)
            expect(page.locator("#headline")).to_have_class(re.compile(r"\blit\b"))
            check_screen(page, "new-call")
            ink = page.evaluate(INK_HEIGHT, "code")
            size = page.viewport_size
            assert ink >= 0.12, f"the code is {ink:.1%} of the height at {size}"

        srv.kill()
        t0 = time.monotonic()
        for page in pages:
            link(page, "lost", timeout=20000)
            shown(page, "#banner", "Mất kết nối máy chủ")
            expect(page.locator("#banner-detail")).to_have_text(
                re.compile(r"^Cập nhật lần cuối: \d\d:\d\d — \d\d/\d\d/\d{4}$")
            )
            expect(page.locator("body")).to_have_class(re.compile(r"\bstale\b"))
            check_screen(page, "disconnected")
        assert time.monotonic() - t0 < 20
    finally:
        srv.stop()


def test_sixteen_counters(open_page, tmp_path: Path) -> None:
    port = free_port()
    config = make_config(
        tmp_path / "sixteen", port, counters=sixteen_counters(), services=FIVE_FIELDS
    )
    seed(config, calls=[n for n in range(1, 17) if n not in (4, 7, 12)], pause=(7,))
    srv = ServerProcess(config, port).start()
    try:
        pages = [open_page(srv.url + "/display", size) for size in SIZES]
        srv.client(KIOSK_KEY).issue("chung-thuc")
        code = srv.client(counter_key(12)).counter(12, "next")["ticket"]["code"]
        for page in pages:
            link(page, "live")
            shown(page, "#code", code)
            assert page.locator("#counters .row").count() == 16
            assert page.locator("#fields .row").count() == 5
            expect(page.locator('#counters .row[data-key="7"] .ccode')).to_have_text("Tạm dừng")
            expect(page.locator('#counters .row[data-key="12"] .ccode')).to_have_text(code)
            check_screen(page, "many-counters")
    finally:
        srv.stop()


# --- live calls and the voice ----------------------------------------------------------------


CTX_TIME = "window.__ctxTime = () => 0;"  # replaced once the page made its AudioContext
WATCH_CTX = """
(function () {
  var Orig = window.AudioContext;
  window.AudioContext = function () {
    var ctx = new Orig();
    window.__ctxTime = function () { return ctx.currentTime; };
    return ctx;
  };
  window.AudioContext.prototype = Orig.prototype;
})();
"""


def test_a_call_shows_within_a_second_and_three_calls_are_said_in_order(
    open_page, live: ServerProcess
) -> None:
    page = open_page(live.url + "/display", init=CTX_TIME + WATCH_CTX)
    link(page, "live")
    expect(page.locator("#sound")).to_be_hidden()  # autoplay allowed: no button
    kiosk = live.client(KIOSK_KEY)
    for service in ["ho-tich", "chung-thuc", "ho-tich", "chung-thuc"]:
        kiosk.issue(service)

    c1 = live.client(counter_key(1))
    t0 = time.perf_counter()
    first = c1.counter(1, "next")["ticket"]["code"]
    page.wait_for_function(
        "(code) => document.getElementById('code').textContent === code", arg=first, timeout=1000
    )
    assert time.perf_counter() - t0 < 1.0
    before = len(wait_spoken(page, len(expected_clips(first, 1))))

    # Three counters press "next" at the same moment; the server decides the order.
    after = live.client().state()["last_event_id"]
    started = simultaneously(live, (2, 4, 1))
    assert max(started) - min(started) < 0.1, "the three calls were not made within 100 ms"
    calls = called_in_order(live, after, 3)

    want = [clip for code, n in calls for clip in expected_clips(code, n)]
    spoken = wait_spoken(page, before + len(want))[before:]
    assert [e["clip"] for e in spoken] == want  # in call order, every clip, nothing else
    assert [(e["code"], e["counter"]) for e in spoken if e["clip"] == "chime"] == calls
    played = page.evaluate("window.__played.slice()")[-len(want) :]
    assert [round(p["duration"], 3) for p in played] == [
        round(e["end"] - e["start"], 3) for e in spoken
    ]
    for a, b in itertools.pairwise(played):
        assert b["when"] >= a["when"] + a["duration"] - 1e-6, "two clips overlap"
    # Back to back: each announcement starts after the previous one ended, within the gap.
    starts = [i for i, e in enumerate(spoken) if e["clip"] == "chime"]
    for i in starts[1:]:
        pause = spoken[i]["start"] - spoken[i - 1]["end"]
        assert GAP - 0.02 <= pause <= GAP + 1.5, f"{pause:.3f} s between announcements"
    assert page.js_errors == []


def test_recalls_say_which_call_they_are(open_page, live: ServerProcess) -> None:
    """The second call is "Mời lần thứ hai", the third "Mời lần thứ ba", the fourth "…
    thứ tư": the count comes from the event's ticket (calls), as the pygame display."""
    page = open_page(live.url + "/display", init=CTX_TIME + WATCH_CTX)
    link(page, "live")
    live.client(KIOSK_KEY).issue("ho-tich")
    c2 = live.client(counter_key(2))
    code = c2.counter(2, "next")["ticket"]["code"]
    before = len(wait_spoken(page, len(expected_clips(code, 2))))
    for _ in range(3):
        c2.counter(2, "recall")
    want = [
        clip
        for n in (2, 3, 4)
        for clip in announce.announcement(code, 2, recall=True, calls=n).clips
    ]
    spoken = wait_spoken(page, before + len(want))[before:]
    assert [e["clip"] for e in spoken] == want
    openings = [
        " ".join(announce.CLIPS[e["clip"]] for e in spoken[i + 1 : i + 3])
        for i, e in enumerate(spoken)
        if e["clip"] == "chime"
    ]
    assert openings == ["Mời lần thứ hai", "Mời lần thứ ba", "Mời lần thứ tư"]
    assert page.js_errors == []


def test_counter_screen_shows_only_its_counter(open_page, live: ServerProcess) -> None:
    tablet = open_page(live.url + "/display?counter=3", (800, 1280), init=CTX_TIME + WATCH_CTX)
    silent = open_page(live.url + "/display?counter=3&voice=0", (1280, 800))
    for page in (tablet, silent):
        link(page, "live")
        shown(page, "#cs-name", "Quầy 3")
    kiosk = live.client(KIOSK_KEY)
    kiosk.issue("ho-tich")
    kiosk.issue("dat-dai")
    other = live.client(counter_key(1)).counter(1, "next")["ticket"]["code"]
    mine = live.client(counter_key(3)).counter(3, "next")["ticket"]["code"]
    assert mine.startswith("C")
    for page in (tablet, silent):
        shown(page, "#cs-code", mine)
        shown(page, "#cs-status", "ĐANG PHỤC VỤ")
        expect(page.locator("#cs-main")).to_have_class(re.compile(r"\blit\b"))
        assert other not in page.inner_text("body")
    check_screen(tablet, "counter")
    check_screen(silent, "counter")
    # Blinking: lit, then plain with a yellow edge, then lit again.
    expect(tablet.locator("#cs-main")).to_have_class(re.compile(r"\bfresh\b"), timeout=1500)
    expect(tablet.locator("#cs-main")).to_have_class(re.compile(r"\blit\b"), timeout=1500)
    # Its own calls only; the C call by the chime alone (the pack lacks chu-c).
    spoken = wait_spoken(tablet, 1)
    assert [(e["code"], e["clip"]) for e in spoken] == [(mine, "chime")]
    assert voice_log(silent) == [] and silent.evaluate("window.__played.length") == 0
    expect(silent.locator("#sound")).to_be_hidden()
    # A paused counter says so.
    live.client(counter_key(3)).counter(3, "pause")
    shown(tablet, "#cs-status", "Tạm dừng")
    live.client(counter_key(3)).counter(3, "resume")


SUSPENDED_AUDIO = """
(function () {
  var Orig = window.AudioContext;
  window.AudioContext = function () {
    var ctx = new Orig();
    ctx.suspend();  // as a browser does until someone interacts with the page
    window.__ctxTime = function () { return ctx.currentTime; };
    return ctx;
  };
  window.AudioContext.prototype = Orig.prototype;
})();
"""


def test_sound_button_until_sound_is_on(open_page, live: ServerProcess) -> None:
    page = open_page(live.url + "/display", init=CTX_TIME + SUSPENDED_AUDIO)
    link(page, "live")
    button = page.locator("#sound")
    expect(button).to_be_visible()
    expect(button).to_have_text("Bật âm thanh")
    kiosk = live.client(KIOSK_KEY)
    kiosk.issue("ho-tich")
    kiosk.issue("chung-thuc")
    old = live.client(counter_key(2)).counter(2, "next")["ticket"]["code"]
    shown(page, "#code", old)  # shown at once; said only when sound is on
    check_screen(page, "sound-off")
    time.sleep(MAX_AGE + 0.5)
    code = live.client(counter_key(1)).counter(1, "next")["ticket"]["code"]
    shown(page, "#code", code)
    assert voice_log(page) == []
    button.click()
    expect(button).to_be_hidden()
    spoken = wait_spoken(page, len(expected_clips(code, 1)))
    assert [e["clip"] for e in spoken] == expected_clips(code, 1)
    skipped = [e for e in voice_log(page) if "skipped" in e]
    assert [(e["code"], e["counter"]) for e in skipped] == [(old, 2)]  # too old: not said
    assert skipped[0]["skipped"] > MAX_AGE


# Visible boxes that the sound button overlaps (other than the page itself).
COVERED_BY_SOUND = """() => {
  const button = document.getElementById('sound');
  const b = button.getBoundingClientRect();
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    if (e === button || e.contains(button) || e.tagName === 'SCRIPT') continue;
    if (e.getClientRects().length === 0 || getComputedStyle(e).visibility === 'hidden') continue;
    const r = e.getBoundingClientRect();
    const w = Math.min(r.right, b.right) - Math.max(r.left, b.left);
    const h = Math.min(r.bottom, b.bottom) - Math.max(r.top, b.top);
    if (w > 0.5 && h > 0.5) out.push((e.id || e.className) + ' ' + JSON.stringify(r));
  }
  return out;
}"""


def test_the_sound_button_hides_nothing(open_page, live: ServerProcess) -> None:
    """At every screen size, the button takes its own room: no box of the notice, the
    waiting counts, the counters or "ĐANG PHỤC VỤ" lies under it; after a press the
    screen takes the room back, and nothing overflows either way."""
    kiosk = live.client(KIOSK_KEY)
    kiosk.issue("ho-tich")
    kiosk.issue("chung-thuc")
    code = live.client(counter_key(4)).counter(4, "next")["ticket"]["code"]
    screens = [(live.url + "/display", size) for size in SIZES] + [
        (live.url + "/display?counter=4", (1280, 800)),
        (live.url + "/display?counter=4", (800, 1280)),
    ]
    for url, size in screens:
        page = open_page(url, size, init=CTX_TIME + SUSPENDED_AUDIO)
        link(page, "live")
        button = page.locator("#sound")
        expect(button).to_be_visible()
        expect(button).to_be_focused()  # the OK key of a TV's remote presses it
        wall = "counter=" not in url
        if wall:
            shown(page, "#code", code)
            must_show = ["#notice", "#notice-text", "#fields .wcount", "#fields .wname",
                         "#counters .ccode", "#centre", "#clock"]  # fmt: skip
        else:
            shown(page, "#cs-status", "ĐANG PHỤC VỤ")
            must_show = ["#cs-status", "#cs-code", "#cs-name"]
        name = ("wall" if wall else "counter") + "-sound-off"
        check_screen(page, name)
        assert page.evaluate(COVERED_BY_SOUND) == [], f"{name} at {size}"
        box = button.bounding_box()
        assert box is not None and box["height"] >= 0.04 * size[1] and box["width"] >= size[0] - 1
        for selector in must_show:
            for el in page.locator(selector).all():
                expect(el).to_be_visible()
                r = el.bounding_box()
                assert r is not None and r["y"] >= box["y"] + box["height"] - 0.5, (selector, size)
        button.click()
        expect(button).to_be_hidden()
        expect(page.locator("body")).not_to_have_class(re.compile(r"\bsound-off\b"))
        check_screen(page, name.replace("-off", "-on"))
    live.client(counter_key(4)).counter(4, "done")


def _booked(data: dict, late: bool = False) -> dict:
    """A call event of a ticket checked in with a booking (on time, or late)."""
    booking = {
        "code": "K7M3PX",
        "slot_start": "2026-11-24T08:30:00+07:00",
        "slot_end": "2026-11-24T09:00:00+07:00",
        "late": late,
    }
    return {**data, "ticket": {**data["ticket"], "booking": booking}}


def test_reducer_mirrors_display_state(open_page, live: ServerProcess) -> None:
    """The page's reducer and display/state.py give the same views for the same events."""
    import tests.display_support as ds

    page = open_page(live.url + "/display")
    t0 = ds.NOW - timedelta(minutes=5)
    ms = lambda t: t.timestamp() * 1000  # noqa: E731
    steps: list[tuple] = [
        ("connection", True, t0),
        ("event", "snapshot", ds.snapshot(counters=6, now=t0, paused=(5,)), 40, t0),
        ("view", t0 + timedelta(seconds=1)),
        (
            "event",
            "ticket.called",
            ds.called(77, "A016", 3, t0 + timedelta(seconds=3)),
            41,
            t0 + timedelta(seconds=3),
        ),
        ("view", t0 + timedelta(seconds=3.2)),
        ("view", t0 + timedelta(seconds=3.7)),
        (
            "event",
            "ticket.recalled",
            ds.called(77, "A016", 3, t0 + timedelta(seconds=20), kind="recalled"),
            42,
            t0 + timedelta(seconds=20),
        ),
        ("view", t0 + timedelta(seconds=25)),
        (
            "event",
            "ticket.done",
            {"ticket": {"id": 77, "code": "A016"}, "waiting": {"ho-tich": 9}},
            43,
            t0 + timedelta(seconds=40),
        ),
        (
            "event",
            "counter.paused",
            {"counter": {"number": 2, "name": "Quầy 2", "status": "paused", "current": None}},
            44,
            t0 + timedelta(seconds=41),
        ),
        ("event", "ticket.called", {"bad": 1}, 45, t0 + timedelta(seconds=42)),
        ("view", t0 + timedelta(seconds=43)),
        ("connection", False, t0 + timedelta(seconds=50)),
        ("view", t0 + timedelta(seconds=90)),
        ("connection", True, t0 + timedelta(seconds=95)),
        (
            "event",
            "ticket.called",
            ds.called(78, "B004", 1, t0 + timedelta(seconds=30), "chung-thuc"),
            46,
            t0 + timedelta(seconds=96),
        ),
        ("view", t0 + timedelta(seconds=96.1)),
        (
            "event",
            "ticket.called",
            _booked(ds.called(79, "A017", 2, t0 + timedelta(seconds=97))),
            47,
            t0 + timedelta(seconds=97),
        ),
        ("view", t0 + timedelta(seconds=97.2)),
        (
            "event",
            "ticket.called",
            _booked(ds.called(80, "A018", 2, t0 + timedelta(seconds=98)), late=True),
            48,
            t0 + timedelta(seconds=98),
        ),
        ("view", t0 + timedelta(seconds=98.2)),
        (
            "event",
            "day.rollover",
            {"business_date": "2026-11-25", "expired": 3},
            49,
            t0 + timedelta(seconds=99),
        ),
        ("view", t0 + timedelta(seconds=99)),
    ]
    # Python: display/state.py.
    py_out = []
    s = st.initial(
        "x",
        ds.NOTICE,
        counters=tuple(st.CounterInfo(n, f"Quầy {n}") for n in range(1, 7)),
        waiting=tuple(st.Waiting(i, n, 0) for i, n, _ in ds.SERVICES),
        now=t0,
    )
    for step in steps:
        if step[0] == "connection":
            s = st.connection(s, step[1], step[2])
        elif step[0] == "event":
            s, spoken = st.apply(s, step[1], step[2], step[3], step[4])
            py_out.append([[x.code, x.counter, x.recall, ms(x.at), x.calls] for x in spoken])
        else:
            v = st.view(s, step[1], ds.VN)
            py_out.append(
                {
                    "centre": v.centre,
                    "clock": v.clock,
                    "date": v.date,
                    "link": v.link,
                    "banner": v.banner,
                    "detail": v.banner_detail,
                    "stale": v.stale,
                    "headline": None
                    if v.headline is None
                    else [
                        v.headline.code,
                        v.headline.counter,
                        v.headline.recall,
                        v.headline.fresh,
                        v.headline.lit,
                        v.headline.booked,
                    ],
                    "counters": [[c.number, c.name, c.code, c.status, c.fresh] for c in v.counters],
                    "recent": [[r.code, r.counter] for r in v.recent],
                    "waiting": [[w.name, w.count] for w in v.waiting],
                    "next": round(st.next_change(s, step[1]) * 1000),
                }
            )
    # JavaScript: the page's reducer, fed the same steps.
    js_steps = [[x if not isinstance(x, datetime) else ms(x) for x in step] for step in steps]
    js_out = page.evaluate(
        """([steps, services, notice]) => {
      const D = window.SothutuDisplay;
      const out = [];
      let s = D.initial({centre: 'x', notice: notice, counters:
        [1, 2, 3, 4, 5, 6].map(n => ({number: n, name: 'Quầy ' + n})),
        services: services.map(x => ({id: x[0], name: x[1]})),
        time: '2026-11-24T08:37:05+07:00'}, steps[0][2]);
      for (const step of steps) {
        if (step[0] === 'connection') s = D.connection(s, step[1], step[2]);
        else if (step[0] === 'event') {
          const r = D.apply(s, step[1], step[2], step[3], step[4]);
          s = r.state;
          out.push(r.spoken.map(x => [x.code, x.counter, x.recall, x.at, x.calls]));
        } else {
          const v = D.view(s, step[1]);
          out.push({centre: v.centre, clock: v.clock, date: v.date, link: v.link,
            banner: v.banner, detail: v.bannerDetail, stale: v.stale,
            headline: v.headline && [v.headline.code, v.headline.counter, v.headline.recall,
              v.headline.fresh, v.headline.lit, v.headline.booked],
            counters: v.counters.map(c => [c.number, c.name, c.code, c.status, c.fresh]),
            recent: v.recent.map(r => [r.code, r.counter]),
            waiting: v.waiting.map(w => [w.name, w.count]),
            next: Math.round(D.nextChange(s, step[1]))});
        }
      }
      return out;
    }""",
        [js_steps, [list(x) for x in ds.SERVICES], ds.NOTICE],
    )
    assert len(js_out) == len(py_out)
    booked = [o["headline"][5] for o in py_out if isinstance(o, dict) and o["headline"]]
    assert True in booked and booked[-1] is False  # the late one is an ordinary call
    for i, (js, py) in enumerate(zip(js_out, py_out, strict=True)):
        assert js == py, f"step {i}"


# --- a server that goes away -------------------------------------------------------------


def test_silent_link_restart_and_a_call_made_while_reconnecting(open_page, tmp_path: Path) -> None:
    port = free_port()
    srv = ServerProcess(make_config(tmp_path / "restart", port), port).start()
    try:
        page = open_page(srv.url + "/display", init=CTX_TIME + WATCH_CTX)
        link(page, "live")
        kiosk = srv.client(KIOSK_KEY)
        for _ in range(3):
            kiosk.issue("ho-tich")
        before = srv.client(counter_key(1)).counter(1, "next")["ticket"]["code"]
        shown(page, "#code", before)
        wait_spoken(page, len(expected_clips(before, 1)))

        # A server that stops answering but keeps the connection (frozen, a cable pulled
        # somewhere): heartbeats stop, the page gives up on the stream and says so.
        assert srv.proc is not None
        os.kill(srv.proc.pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            link(page, "lost", timeout=15000)
            assert time.monotonic() - t0 < 10
        finally:
            os.kill(srv.proc.pid, signal.SIGCONT)
        link(page, "live", timeout=15000)

        # Killed and restarted; a call made before the page got back.
        srv.kill()
        t0 = time.monotonic()
        link(page, "lost", timeout=20000)
        assert time.monotonic() - t0 < 20
        shown(page, "#banner", "Mất kết nối máy chủ")
        events = re.compile(r"/api/v1/events")
        page.route(events, lambda route: route.abort())
        srv.start()
        during = srv.client(counter_key(2)).counter(2, "next")["ticket"]["code"]
        # the page tries the stream again and is refused: still away, the call not shown
        page.wait_for_event("requestfailed", lambda r: bool(events.search(r.url)), timeout=15000)
        link(page, "lost")
        page.unroute(events)
        link(page, "live", timeout=15000)
        shown(page, "#code", during)
        shown(page, "#call-counter", "ĐẾN QUẦY 2")
        expect(page.locator("#banner")).to_be_hidden()
        spoken = wait_spoken(page, 2 * len(expected_clips(before, 1)))
        chimes = [(e["code"], e["counter"]) for e in spoken if e["clip"] == "chime"]
        assert chimes == [(before, 1), (during, 2)]  # each said once, in order
        recent = page.locator("#chips .chip-code").all_inner_texts()
        assert recent.count(before) == 1 and during not in recent
        assert page.js_errors == []
    finally:
        srv.stop()
