"""Every kiosk screen at every supported size: nothing overflows, buttons are big
enough and hit-test where they are drawn. Screenshots go to tests/artifacts/kiosk/."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk import layout, render
from kiosk import state as st
from kiosk.geometry import hit
from kiosk.state import Screen
from tests.support import ARTIFACTS

SIZES = [(800, 480), (1024, 600), (1280, 800), (1920, 1080)]
SHOT_SIZES = {(800, 480), (1920, 1080)}

FIVE = (
    st.Field("ho-tich", "Hộ tịch", "A", 4),
    st.Field("chung-thuc", "Chứng thực", "B", 0),
    st.Field("dat-dai", "Đất đai", "C", 12),
    st.Field("lao-dong", "Lao động – Thương binh – Xã hội", "D", 3),
    st.Field("huong-dan", "Hướng dẫn / Khác", "E", 105),
)
NINE = (
    *FIVE[:4],
    st.Field("bhxh", "Bảo hiểm xã hội", "F", 7),
    st.Field("kinh-doanh", "Đăng ký kinh doanh hộ cá thể", "G", 2),
    st.Field("tu-phap", "Tư pháp", "H", 0),
    st.Field("xay-dung", "Xây dựng", "K", 1),
    st.Field("khac", "Hướng dẫn / Khác", "E", None),
)
SHOWN = st.Shown(5, "A015", "Lao động – Thương binh – Xã hội", True, 4, 12)
SHOWN_WIDE = st.Shown(6, "AB123456", "Đăng ký kinh doanh hộ cá thể", False, 128, 240)


def screens(fields: tuple[st.Field, ...]) -> dict[str, st.KioskState]:
    base = replace(
        st.initial(fields, st.Timing(), hours_text="07:00–11:30, 13:00–17:00"), server_up=True
    )
    return {
        "start": replace(base, screen=Screen.START),
        "start-no-priority": replace(base, screen=Screen.START, priority_enabled=False),
        "priority": replace(base, screen=Screen.PRIORITY),
        "issuing": replace(base, screen=Screen.ISSUING),
        "issuing-code": replace(base, screen=Screen.ISSUING, shown=SHOWN),
        "done": replace(base, screen=Screen.DONE, shown=SHOWN),
        "done-wide": replace(base, screen=Screen.DONE, shown=SHOWN_WIDE),
        "printer-fault": replace(base, screen=Screen.PRINTER_FAULT, shown=SHOWN),
        "printer-fault-wide": replace(base, screen=Screen.PRINTER_FAULT, shown=SHOWN_WIDE),
        "closed": replace(base, screen=Screen.CLOSED),
        "limit": replace(base, screen=Screen.LIMIT, refused_service=fields[-1].name),
        "offline": replace(base, screen=Screen.OFFLINE, server_up=False),
        "offline-uncertain": replace(base, screen=Screen.OFFLINE, uncertain=True),
        "error": replace(base, screen=Screen.ERROR),
    }


@pytest.fixture(scope="module", autouse=True)
def fonts():
    pygame.font.init()  # left running: the renderer caches its fonts across modules


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fields", [FIVE, NINE], ids=["5-fields", "9-fields"])
def test_every_screen_fits(size: tuple[int, int], fields: tuple[st.Field, ...]) -> None:
    problems = []
    for name, state in screens(fields).items():
        surface = pygame.Surface(size)
        problems += [f"{name}: {o}" for o in render.draw(surface, state)]
        if size in SHOT_SIZES:
            out = ARTIFACTS / "kiosk" / f"{len(fields)}-fields-{name}-{size[0]}x{size[1]}.png"
            out.parent.mkdir(parents=True, exist_ok=True)
            pygame.image.save(surface, str(out))
    assert problems == []


def test_overflow_is_detected() -> None:
    """The check above can fail: an absurd field name overflows and is reported."""
    fields = (st.Field("x", "X" * 90, "X", 1),)
    state = screens(fields)["start"]
    problems = render.draw(pygame.Surface((800, 480)), state)
    assert problems and problems[0].where == "button field/x"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_buttons_are_big_and_hit_where_drawn(size: tuple[int, int]) -> None:
    for name in ("start", "priority"):
        state = screens(NINE)[name]
        boxes = layout.buttons(state, size)
        assert len(boxes) == len(NINE) + (2 if name == "start" else 1)  # + priority, look-up
        for b in boxes:
            x, y, w, h = b.rect
            assert h >= 0.1 * size[1] and w >= 0.2 * size[0], b
            assert x >= 0 and y >= 0 and x + w <= size[0] and y + h <= size[1], b
            assert hit(boxes, (x + w / 2, y + h / 2)) == b.target
            assert hit(boxes, (x + 2, y + 2)) == b.target
        rects = [pygame.Rect(b.rect) for b in boxes]
        for i, r in enumerate(rects):
            assert r.collidelist(rects[:i] + rects[i + 1 :]) == -1  # no overlaps
    # margins and headers hit nothing
    assert hit(layout.buttons(screens(NINE)["start"], size), (1, 1)) is None
    assert layout.buttons(screens(NINE)["done"], size) == []


def test_start_screen_offers_the_lookup_beside_priority() -> None:
    """The procedure look-up shares the bottom row with priority, unless it is off
    or the server said its catalogue is empty; then priority has the whole row."""
    from kiosk.lookup import Catalogue

    state = screens(FIVE)["start"]
    *_, prio, lookup = layout.buttons(state, (800, 480))
    assert (prio.target, lookup.target) == (("priority",), ("lookup",))
    assert prio.rect[1] == lookup.rect[1] and prio.rect[2] > lookup.rect[2] > 300
    for off in (replace(state, lookup_enabled=False), replace(state, catalogue=Catalogue())):
        boxes = layout.buttons(off, (800, 480))
        assert boxes[-1].target == ("priority",) and boxes[-1].rect[2] > 700


def test_drawing_is_a_function_of_the_state() -> None:
    state = screens(FIVE)["done"]
    a, b = pygame.Surface((800, 480)), pygame.Surface((800, 480))
    render.draw(a, state)
    render.draw(b, state)
    assert pygame.image.tobytes(a, "RGB") == pygame.image.tobytes(b, "RGB")
    render.draw(b, replace(state, shown=replace(SHOWN, code="A016")))
    assert pygame.image.tobytes(a, "RGB") != pygame.image.tobytes(b, "RGB")
