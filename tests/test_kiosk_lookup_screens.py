"""Every procedure look-up screen at every kiosk size, with the sample's longest name:
nothing overflows, keys are big and hit where drawn, the detail scrolls. Screenshots
go to tests/artifacts/kiosk/lookup-*.png."""

from __future__ import annotations

import os
import string
from dataclasses import replace

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk import geometry, layout, lookup_layout, lookup_render, render
from kiosk import state as st
from kiosk.lookup import Lookup
from kiosk.paint import AMBER
from kiosk.state import Screen
from tests.kiosk_lookup_support import catalogue, hit, longest, procedure_json
from tests.kiosk_lookup_support import sample as sample_procedures
from tests.kiosk_screens_support import SIZES, lookup_screens
from tests.support import ARTIFACTS

SHOT_SIZES = {(800, 480), (1024, 600)}  # the 7" screens: the ones to look at


def screens(keyboard: str = "abc") -> dict[str, st.KioskState]:
    return lookup_screens(keyboard)


@pytest.fixture(scope="module", autouse=True)
def fonts():
    pygame.font.init()


def test_the_longest_sample_name_is_long() -> None:
    assert len(longest().name) > 190


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_lookup_screen_fits(size: tuple[int, int]) -> None:
    problems = []
    for name, state in screens().items():
        surface = pygame.Surface(size)
        problems += [f"{name}: {o}" for o in render.draw(surface, state)]
        if size in SHOT_SIZES:
            out = ARTIFACTS / "kiosk" / f"lookup-{name}-{size[0]}x{size[1]}.png"
            out.parent.mkdir(parents=True, exist_ok=True)
            pygame.image.save(surface, str(out))
    assert problems == []


@pytest.mark.parametrize("size", [(800, 480), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_sample_procedure_fits_its_detail_and_row(size: tuple[int, int]) -> None:
    base = screens()["detail"]
    problems = []
    for p in sample_procedures():
        for scroll in (0, 10_000):
            lk = replace(base.lookup, code=p.code, procedure=procedure_json(p), scroll=scroll)
            problems += render.draw(pygame.Surface(size), replace(base, lookup=lk))
        lk = Lookup(service=p.service, hits=(hit(p),), answered=("", p.service))
        problems += render.draw(
            pygame.Surface(size), replace(base, screen=Screen.RESULTS, lookup=lk)
        )
    assert problems == []


def test_overflow_in_the_lookup_is_detected() -> None:
    """The checks above can fail: a word no line can hold is reported, not cut."""
    state = screens()["detail"]
    word = "X" * 120
    proc = {**state.lookup.procedure, "fees": f"Phí {word}"}
    problems = render.draw(
        pygame.Surface((800, 480)), replace(state, lookup=replace(state.lookup, procedure=proc))
    )
    assert [o.where for o in problems] == ["detail"] and word in problems[0].text
    listed = screens()["results"]
    hits = (replace(listed.lookup.hits[0], name="Đăng ký " + "X" * 120),)
    problems = render.draw(
        pygame.Surface((800, 480)), replace(listed, lookup=replace(listed.lookup, hits=hits))
    )
    assert problems and problems[0].where.startswith("result ")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_buttons_and_keys_hit_where_drawn(size: tuple[int, int]) -> None:
    """(Their size in millimetres: tests/test_kiosk_touch.py.)"""
    w, h = size
    for name, state in screens().items():
        boxes = layout.buttons(state, size)
        rects = []
        for b in boxes:
            x, y, bw, bh = b.rect
            if bh == 0:
                continue  # a result row scrolled out of the list
            assert x >= 0 and y >= 0 and x + bw <= w and y + bh <= h, (name, b)
            centre = (x + bw / 2, y + bh / 2)
            assert geometry.hit(boxes, centre) == (b.target if b.enabled else None), (name, b)
            rects.append(pygame.Rect(b.rect))
        for i, r in enumerate(rects):
            assert r.collidelist(rects[:i] + rects[i + 1 :]) == -1, name  # no overlaps


def test_the_keyboards_have_their_letters_space_backspace_clear_and_results() -> None:
    edits = ["space", "backspace", "clear", "results"]
    for keyboard, letters in (
        ("abc", "abcdeghiklmnopqrstuvxy"),
        ("qwerty", string.ascii_lowercase),
    ):
        state = screens(keyboard)["search-empty"]
        boxes = layout.buttons(state, (1280, 800))
        keys = [b.target[1] for b in boxes if b.target[0] == "key"]
        assert sorted(keys) == sorted([*letters, *edits]), keyboard
    # abc: in the order taught at school, nine a row, "Xem N kết quả" beside the query
    boxes = layout.buttons(screens("abc")["search-found"], (800, 480))
    rows: dict[int, list[str]] = {}
    for b in boxes:
        if b.target[0] == "key" and len(b.target[1]) == 1:
            rows.setdefault(b.rect[1], []).append(b.target[1])
    assert ["".join(r) for _, r in sorted(rows.items())] == ["abcdeghik", "lmnopqrst", "uvxy"]
    (results,) = [b for b in boxes if b.target == ("key", "results")]
    assert results.label == "Xem 4 kết quả" and results.enabled
    assert results.rect[1] < min(rows)  # above the keys, in the bar


def test_the_detail_scrolls_and_the_arrows_know_the_ends() -> None:
    size = (800, 480)
    state = screens()["detail"]
    limit = lookup_render.scroll_limit(state, size)
    assert limit > 0  # the long name and its documents do not fit one screen
    assert lookup_layout.page(state, size) < lookup_layout.detail_area(size)[0][3]
    top, end = pygame.Surface(size), pygame.Surface(size)
    render.draw(top, state)
    render.draw(end, replace(state, lookup=replace(state.lookup, scroll=limit)))
    assert pygame.image.tobytes(top, "RGB") != pygame.image.tobytes(end, "RGB")
    beyond = pygame.Surface(size)
    render.draw(beyond, replace(state, lookup=replace(state.lookup, scroll=limit + 500)))
    assert pygame.image.tobytes(beyond, "RGB") == pygame.image.tobytes(end, "RGB")  # clamped
    # the results list's range is its rows beyond the viewport; at its end the last shows
    listed = screens()["results"]
    scrolled = screens()["results-scrolled"]
    assert lookup_layout.result_rows(scrolled, size)[-1][0] == listed.lookup.hits[-1]
    assert lookup_layout.result_rows(listed, size)[0][0] == listed.lookup.hits[0]
    heights = lookup_layout.row_heights(listed, size)
    gaps = lookup_layout.row_gap(size) * (len(heights) - 1)
    main, _ = lookup_layout.results_area(size)
    assert lookup_render.scroll_limit(listed, size) == sum(heights) + gaps - main[3]
    # the long name's row is as tall as its words; the others as tall as a finger needs
    assert heights[0] > 2 * lookup_layout.min_row(size)
    assert min(heights) == lookup_layout.min_row(size) and len(set(heights)) > 2


def test_the_sample_catalogue_is_marked() -> None:
    def amber(state: st.KioskState) -> int:
        surface = pygame.Surface((800, 480))
        render.draw(surface, state)
        return sum(
            1
            for x in range(0, 800, 4)
            for y in range(0, 120, 4)
            if surface.get_at((x, y))[:3] == AMBER
        )

    for name in ("lookup", "search-found", "results", "detail"):
        state = screens()[name]
        assert amber(state) > 20, name
        assert amber(replace(state, catalogue=catalogue(sample_mark=False))) == 0, name
