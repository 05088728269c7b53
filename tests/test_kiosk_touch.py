"""Touch targets in millimetres: every button, key and row of every screen and
state is at least 15 mm wide and tall on the panel usual at each tested size
(the official 7" Raspberry Pi display at 800×480, a 7" panel at 1024×600, 10.1"
at 1280×800, 15.6" at 1920×1080), and the physical size comes from the config."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk import layout, lookup_layout
from kiosk.panel import (
    MIN_TARGET_MM,
    Panel,
    default_mm,
    keyboard_for,
    panel_for,
    small_targets,
    too_small,
)
from kiosk.state import Screen
from tests.kiosk_screens_support import NINE, SIZES, every_screen, start_screens


@pytest.fixture(scope="module", autouse=True)
def fonts():
    pygame.font.init()


def targets(state, size):
    """The boxes a finger taps; a result row scrolled half out of the list counts at
    its whole size (the finger drags it in)."""
    boxes = layout.buttons(state, size)
    if state.screen is Screen.RESULTS:
        whole = dict(lookup_layout.result_rows(state, size))
        boxes = [
            replace(b, rect=next(r for h, r in whole.items() if h.code == b.target[1]))
            if b.target[0] == "result"
            else b
            for b in boxes
        ]
    return boxes


def measured(keyboard: str, size: tuple[int, int], panel: Panel) -> list[str]:
    out = []
    for name, state in every_screen(keyboard).items():
        for b, w, h in small_targets(targets(state, size), panel):
            out.append(f"{name}: {'/'.join(b.target)} {b.label!r} {w:.1f} x {h:.1f} mm")
    return out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_target_is_15_mm_on_the_usual_panel(size: tuple[int, int]) -> None:
    panel = panel_for(size)
    assert measured("abc", size, panel) == []
    boxes = [b for state in every_screen().values() for b in targets(state, size)]
    assert len(boxes) > 300  # every screen was measured, keys and rows included


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_qwerty_where_its_keys_are_15_mm(size: tuple[int, int]) -> None:
    panel = panel_for(size)
    assert keyboard_for("qwerty", panel) == "qwerty"
    assert measured("qwerty", size, panel) == []


@pytest.mark.parametrize("size", [(800, 480), (1024, 600)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_7_inch_panel_gets_the_abc_keyboard_even_when_qwerty_is_asked(size) -> None:
    """Ten keys a row cannot be 15 mm on a 154 mm wide screen: the kiosk uses abc."""
    panel = panel_for(size)
    assert keyboard_for("qwerty", panel) == "abc"
    assert measured("qwerty", size, panel)  # what qwerty would have been: too small
    assert keyboard_for("abc", panel) == "abc"


def test_the_check_can_fail_on_a_smaller_panel() -> None:
    """A 5" panel at 800×480 makes the same pixels 30 % smaller: reported, in the log's
    words too."""
    panel = panel_for((800, 480), inches=5)
    assert measured("abc", (800, 480), panel)
    state = start_screens(NINE)["start"]
    lines = too_small(state, panel)
    assert lines and all("mm" in line for line in lines)
    assert too_small(state, panel_for((800, 480))) == []


def test_panel_sizes_from_the_config_and_the_defaults() -> None:
    assert default_mm((800, 480))[0] == (154.08, 85.92)
    assert default_mm((480, 800))[0] == (85.92, 154.08)  # a portrait kiosk
    assert default_mm((1024, 600))[0] == (154.21, 85.92)
    (w, h), source = default_mm((1366, 768))  # not listed: 10.1" class, square pixels
    assert "guessed" in source and w / h == pytest.approx(1366 / 768)
    assert (w**2 + h**2) ** 0.5 == pytest.approx(10.1 * 25.4)
    assert panel_for((800, 480), [154.0, 86.0]).mm == (154.0, 86.0)
    assert panel_for((480, 800), [154.0, 86.0]).mm == (86.0, 154.0)
    ten = panel_for((1280, 800), inches=10.1)
    assert ten.mm[0] == pytest.approx(217.5, abs=0.1)
    px = panel_for((800, 480)).min_px()
    assert px == (78, 84)  # 15 mm of the official display, in its pixels
    assert panel_for((800, 480)).size_mm((0, 0, 78, 84))[0] >= MIN_TARGET_MM
