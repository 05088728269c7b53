"""Screens of the display at the three resolutions, under SDL's dummy driver.

Each state is built from server-shaped events by the pure reducer, drawn by
``render.draw`` and written to tests/artifacts/display/ for people to look at.
A test fails when any text overflows its box, when texts collide, or when the
called code is smaller than 12% of the screen's height.
"""

from __future__ import annotations

import itertools
import subprocess
from datetime import timedelta

import pytest

import tests.display_support as ds  # sets the SDL drivers first
from display import state as st
from display.fit import Fonts, Painter
from display.render import Renderer
from tests.support import debian_tool

pygame = pytest.importorskip("pygame")

STATES = ["idle", "new-call", "many-counters", "disconnected", "booked-call"]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def build(name: str) -> tuple[st.DisplayState, object]:
    """The display state for one of STATES, and the moment it is drawn."""
    t0 = ds.NOW - timedelta(minutes=5)
    s = st.initial("x", ds.NOTICE, now=t0)
    s = st.connection(s, True, t0)
    counters = 16 if name == "many-counters" else 4
    s, _ = st.apply(s, "snapshot", ds.snapshot(counters=counters, now=t0, paused=(7,)), 40, t0)
    now = ds.NOW
    if name in ("new-call", "many-counters"):
        s, _ = st.apply(s, "ticket.called", ds.called(77, "A016", 3, now), 41, now)
        now += timedelta(seconds=0.1)
    if name == "booked-call":  # booked ahead: marked, so walk-ins see why it goes first
        data = ds.called(78, "A021", 2, now)
        booking = {
            "code": "K7M3PX",
            "slot_start": "2026-11-24T08:30:00+07:00",
            "slot_end": "2026-11-24T09:00:00+07:00",
            "late": False,
        }
        data["ticket"] = {**data["ticket"], "booking": booking}
        s, _ = st.apply(s, "ticket.called", data, 41, now)
        now += timedelta(seconds=0.6)  # the blink's dark phase
    if name == "disconnected":
        s = st.connection(s, False, now)
        now += timedelta(seconds=40)
    return s, now


def draw(renderer: Renderer, name: str, size: tuple[int, int]):
    s, now = build(name)
    view = st.view(s, now, ds.VN)
    surface = pygame.Surface(size)
    report = renderer.draw(surface, view)
    ds.SHOTS.mkdir(parents=True, exist_ok=True)
    pygame.image.save(surface, str(ds.SHOTS / f"{name}-{size[0]}x{size[1]}.png"))
    return surface, view, report


@pytest.mark.parametrize("size", ds.RESOLUTIONS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", STATES)
def test_screen(renderer: Renderer, name: str, size: tuple[int, int]) -> None:
    surface, view, report = draw(renderer, name, size)
    assert report.overflows == [], [str(o) for o in report.overflows]
    screen = surface.get_rect()
    boxes = {k: r for k, r in report.boxes.items() if k != "notice" and r.width}
    for key, box in boxes.items():
        assert screen.contains(box), (key, box)
    for (a, ra), (b, rb) in itertools.combinations(boxes.items(), 2):
        assert not ra.colliderect(rb), f"{a} {ra} overlaps {b} {rb}"
    if view.headline is not None and view.banner is None:
        code = report.boxes["code"]
        assert code.height >= 0.12 * size[1], f"code is {code.height}px on a {size[1]}px screen"
    # What each state must show.
    if name == "disconnected":
        assert "banner" in boxes and "banner_detail" in boxes and view.stale
    else:
        assert "code" in boxes and not view.stale
    if name == "new-call" or name == "many-counters":
        assert view.headline.lit and view.headline.code == "A016"
        # The highlighted panel is yellow behind the code.
        assert surface.get_at(report.boxes["code"].topleft)[:3] == (255, 204, 0)
    if name == "many-counters":
        assert len([k for k in boxes if k.startswith("counter_code_")]) == 16
    assert ("booked" in boxes) == (name == "booked-call")


def test_a_text_too_long_is_reported_not_hidden(renderer: Renderer) -> None:
    s, now = build("idle")
    long_name = "Trung tâm Phục vụ hành chính công " * 12
    view = st.view(st.DisplayState(**{**s.__dict__, "centre": long_name}), now, ds.VN)
    report = renderer.draw(pygame.Surface((1366, 768)), view)
    assert [o.name for o in report.overflows] == ["centre"]


def test_fitting_shrinks_and_keeps_stacked_marks_inside() -> None:
    surface = pygame.Surface((600, 200), pygame.SRCALPHA)
    surface.fill((0, 0, 0, 0))
    p = Painter(surface, Fonts())
    box = pygame.Rect(10, 10, 580, 80)
    ink = p.text("t", "ỄẾỆ ẴỖ QUẦY", box, (255, 255, 255))
    assert box.contains(ink) and ink.height > 40 and p.overflows == []
    # the ink drawn really is inside the box: nothing lit above or below it
    lit = surface.get_bounding_rect()
    assert box.contains(lit), (lit, box)
    p.text("u", "một câu rất dài " * 10, pygame.Rect(0, 100, 50, 20), (255, 255, 255), min_size=12)
    assert [o.name for o in p.overflows] == ["u"]


def test_the_notice_scrolls_when_it_is_too_long(renderer: Renderer) -> None:
    s, now = build("idle")
    view = st.view(s, now, ds.VN)
    surface = pygame.Surface((1080, 1920))
    report = renderer.draw(surface, view, 0.0)
    assert report.notice_scrolls
    x0 = report.boxes["notice"].x
    renderer.draw(surface, view, 300.0)
    strip = renderer.draw_notice(surface, view, 300.0)
    assert strip.bottom == 1920
    report2 = renderer.draw(surface, view, 300.0)
    assert report2.boxes["notice"].x == x0 - 300
    # Still (speed 0): shrunk onto at most two lines, and it must fit.
    still = renderer.draw(surface, view, None)
    assert not still.notice_scrolls and still.overflows == []


def test_headline_reads_back_with_ocr(renderer: Renderer, tmp_path) -> None:
    tesseract = debian_tool("tesseract", "reads the screen back")
    surface, _, _ = draw(renderer, "new-call", (1920, 1080))
    box = renderer.layout_for(surface, st.view(build("new-call")[0], ds.NOW, ds.VN)).headline
    inner = box.inflate(-box.height // 20, -box.height // 20)  # not the panel's edge
    crop = pygame.transform.smoothscale_by(surface.subsurface(inner), 1 / 3)
    path = tmp_path / "headline.png"
    pygame.image.save(crop, str(path))
    out = subprocess.run(
        [tesseract, str(path), "-", "-l", "vie", "--psm", "11"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    words = " ".join(out.split())
    assert "MỜI CÔNG DÂN CÓ SỐ" in words and "A016" in words and "ĐẾN QUẦY 3" in words, out
