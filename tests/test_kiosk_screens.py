"""Every kiosk screen at every supported size: nothing overflows, the text a citizen
reads is never small and buttons of a group share one size, buttons hit-test where
they are drawn, and the start screen says "closed" or "printer broken" before the
tap. Screenshots go to tests/artifacts/kiosk/."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk import layout, render, typeset, words
from kiosk import state as st
from kiosk.geometry import hit
from kiosk.paint import Painter
from kiosk.state import Screen
from tests.kiosk_screens_support import FIVE, NINE, SHOWN, SIZES, every_screen, start_screens
from tests.support import ARTIFACTS

SHOT_SIZES = {(800, 480), (1024, 600)}  # the 7" screens: the ones to look at


@pytest.fixture(scope="module", autouse=True)
def fonts():
    pygame.font.init()  # left running: the renderer caches its fonts across modules


def paint(state: st.KioskState, size: tuple[int, int]) -> Painter:
    return render.paint(pygame.Surface(size), state)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fields", [FIVE, NINE], ids=["5-fields", "9-fields"])
def test_every_screen_fits(size: tuple[int, int], fields: tuple[st.Field, ...]) -> None:
    problems = []
    for name, state in start_screens(fields).items():
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
    state = start_screens(fields)["start"]
    problems = render.draw(pygame.Surface((800, 480)), state)
    assert problems and problems[0].where == "button field/x"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_text_is_small_anywhere(size: tuple[int, int]) -> None:
    """One smallest size for every text a citizen reads, on every screen and in every
    state: 18 px at 800×480 (the same millimetres at the other sizes)."""
    least = typeset.min_size(size[1])
    assert least == round(18 * size[1] / 480 + 0.49)
    small = []
    for name, state in every_screen().items():
        p = paint(state, size)
        assert p.texts, name
        small += [(name, t.where, t.text[:40], t.size) for t in p.texts if t.size < least]
    assert small == []


@pytest.mark.parametrize("size", [(800, 480), (1024, 600)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fields", [FIVE, NINE], ids=["5-fields", "9-fields"])
def test_buttons_of_a_group_share_one_size(
    size: tuple[int, int], fields: tuple[st.Field, ...]
) -> None:
    """ "Lao động – Thương binh – Xã hội" is as large as "Hộ tịch" (it wraps instead);
    "Hướng dẫn / Khác" is not broken at its slash; the bottom row's labels match."""
    for name in ("start", "priority"):
        texts = paint(start_screens(fields)[name], size).texts
        labels = {
            t.text: t
            for t in texts
            if t.where.startswith("button field/") and not t.where.endswith("detail")
        }
        assert set(labels) == {f.name for f in fields}
        assert len({t.size for t in labels.values()}) == 1, {
            t.text: t.size for t in labels.values()
        }
        assert labels["Hướng dẫn / Khác"].lines == ("Hướng dẫn / Khác",)
        long = labels["Lao động – Thương binh – Xã hội"]
        assert all(not line.startswith("–") for line in long.lines)
        assert long.size >= typeset.body_size(size[1]) - 2
        details = {
            t.size for t in texts if t.where.startswith("button field/") and "detail" in t.where
        }
        assert len(details) <= 1 and all(d <= long.size for d in details)
    bottom = [
        t
        for t in paint(start_screens(fields)["start"], size).texts
        if t.where in ("button priority", "button lookup")
    ]
    assert [t.text for t in bottom] == [words.PRIORITY, words.LOOKUP_BUTTON]
    assert bottom[0].size == bottom[1].size


@pytest.mark.parametrize("size", [(800, 480), (1024, 600)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_long_procedure_name_keeps_its_size_on_the_ticket_screen(size) -> None:
    """It wraps at the size of the lines around it (never the 11 px it once shrank to),
    and the code stays the largest thing on the screen."""
    for name in ("done-procedure", "printer-fault-procedure"):
        texts = paint(start_screens(FIVE)[name], size).texts
        (proc,) = [t for t in texts if t.text.startswith(words.TICKET_PROCEDURE.format(name=""))]
        field = next(t for t in texts if t.text.startswith("Lĩnh vực:"))
        code = next(t for t in texts if t.where == "code")
        assert proc.size == field.size >= typeset.min_size(size[1])
        assert len(proc.lines) >= 2  # wrapped, whole
        assert code.size > 3 * proc.size


def test_the_first_in_line_reads_soon_never_zero_minutes() -> None:
    texts = [t.text for t in paint(start_screens(FIVE)["done-first-in-line"], (800, 480)).texts]
    assert words.TICKET_SOON in texts and not any("phút" in t for t in texts)
    texts = [t.text for t in paint(start_screens(FIVE)["done"], (800, 480)).texts]
    assert "Thời gian chờ dự kiến: khoảng 12 phút" in texts


def said(state: st.KioskState, size: tuple[int, int] = (800, 480)) -> list[str]:
    return [t.text for t in paint(state, size).texts]


def test_the_start_screen_says_closed_and_when_it_opens() -> None:
    screens = start_screens(FIVE)
    lunch = said(screens["start-closed"])
    message = [
        t.text
        for t in paint(screens["start-closed"], (800, 480)).texts
        if t.where == "start stopped"
    ]
    assert message == [
        words.CLOSED,
        "Thời gian làm việc hôm nay: 07:00–11:30, 13:00–17:00",
        "Vui lòng quay lại lấy số từ 13:00 hôm nay.",
    ]
    assert words.LOOKUP_BUTTON in lunch and not any(f.name in lunch for f in FIVE)
    holiday = [
        t.text
        for t in paint(screens["start-closed-day"], (800, 480)).texts
        if t.where == "start stopped"
    ]
    assert holiday == [
        "Hôm nay trung tâm nghỉ.",
        "Hôm nay không lấy số.",
        "Vui lòng quay lại lấy số từ 07:00 thứ Năm, ngày 26/11.",
    ]
    assert [b.target for b in layout.buttons(screens["start-closed-day"], (800, 480))] == [
        ("lookup",)
    ]
    weekend = said(screens["start-closed-weekend"])
    assert "Hôm nay không làm việc." in weekend
    assert "Vui lòng quay lại lấy số từ 07:00 thứ Hai, ngày 30/11." in weekend
    # hours not known yet (a refused ticket said closed): the config's hours
    unknown = said(screens["start-closed-unknown-hours"])
    assert "Thời gian làm việc: 07:00–11:30, 13:00–17:00" in unknown
    boxes = layout.buttons(screens["start-closed"], (800, 480))
    assert [b.target for b in boxes] == [("lookup",)]
    assert layout.buttons(screens["start-closed-no-lookup"], (800, 480)) == []


def test_the_start_screen_says_the_printer_is_broken_before_the_tap() -> None:
    screens = start_screens(FIVE)
    warned = paint(screens["start-printer-warning"], (800, 480))
    (sub,) = [t for t in warned.texts if t.where == "subtitle"]
    assert sub.text == "Máy in đang gặp sự cố. Số sẽ hiện trên màn hình, vui lòng ghi nhớ"
    assert warned.surface.get_at((5, 5))[:3] == (183, 28, 28)  # a red header
    assert {f.name for f in FIVE} <= set(said(screens["start-printer-warning"]))
    assert words.PRINTER_WARNING in said(screens["priority-printer-warning"])
    stopped = said(screens["start-printer-stopped"])
    assert words.PRINTER_STOPPED in stopped and "Vui lòng đến Quầy hướng dẫn" in stopped
    assert not any(f.name in stopped for f in FIVE)
    boxes = layout.buttons(screens["start-printer-stopped"], (800, 480))
    assert [b.target for b in boxes] == [("lookup",)]


def test_the_server_down_screen_sends_to_the_guidance_counter() -> None:
    screens = start_screens(FIVE)
    assert said(screens["offline"])[1:] == [words.OFFLINE, "Vui lòng hỏi Quầy hướng dẫn"]
    assert words.SEE_GUIDANCE in said(screens["offline-uncertain"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_buttons_hit_where_drawn(size: tuple[int, int]) -> None:
    for name in ("start", "priority", "start-printer-warning", "start-closed"):
        state = start_screens(NINE)[name]
        boxes = layout.buttons(state, size)
        expected = {"start": 11, "priority": 10, "start-printer-warning": 11, "start-closed": 1}
        assert len(boxes) == expected[name]
        for b in boxes:
            x, y, w, h = b.rect
            assert x >= 0 and y >= 0 and x + w <= size[0] and y + h <= size[1], b
            assert hit(boxes, (x + w / 2, y + h / 2)) == b.target
            assert hit(boxes, (x + 2, y + 2)) == b.target
        rects = [pygame.Rect(b.rect) for b in boxes]
        for i, r in enumerate(rects):
            assert r.collidelist(rects[:i] + rects[i + 1 :]) == -1  # no overlaps
    # margins and headers hit nothing
    assert hit(layout.buttons(start_screens(NINE)["start"], size), (1, 1)) is None
    assert layout.buttons(start_screens(NINE)["done"], size) == []


def test_start_screen_offers_the_lookup_beside_priority() -> None:
    """The procedure look-up shares the bottom row with priority, unless it is off
    or the server said its catalogue is empty; then priority has the whole row."""
    from kiosk.lookup import Catalogue

    state = start_screens(FIVE)["start"]
    *_, prio, lookup = layout.buttons(state, (800, 480))
    assert (prio.target, lookup.target) == (("priority",), ("lookup",))
    assert prio.rect[1] == lookup.rect[1] and prio.rect[2] > lookup.rect[2] > 300
    for off in (replace(state, lookup_enabled=False), replace(state, catalogue=Catalogue())):
        boxes = layout.buttons(off, (800, 480))
        assert boxes[-1].target == ("priority",) and boxes[-1].rect[2] > 700


def test_drawing_is_a_function_of_the_state() -> None:
    state = start_screens(FIVE)["done"]
    a, b = pygame.Surface((800, 480)), pygame.Surface((800, 480))
    render.draw(a, state)
    render.draw(b, state)
    assert pygame.image.tobytes(a, "RGB") == pygame.image.tobytes(b, "RGB")
    render.draw(b, replace(state, shown=replace(SHOWN, code="A016")))
    assert pygame.image.tobytes(a, "RGB") != pygame.image.tobytes(b, "RGB")
    assert start_screens(FIVE)["done"].screen is Screen.DONE
