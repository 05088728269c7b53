"""Every procedure look-up screen at every kiosk size, with the sample's longest name:
nothing overflows, keys are big and hit where drawn, the detail scrolls. Screenshots
go to tests/artifacts/kiosk/lookup-*.png."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk import geometry, layout, lookup_layout, lookup_render, render
from kiosk import state as st
from kiosk.lookup import FAULT, PRINTED, PRINTING, Lookup
from kiosk.paint import AMBER
from kiosk.state import Screen
from tests.kiosk_lookup_support import BIRTH, by_code, catalogue, hit, longest, procedure_json
from tests.kiosk_lookup_support import sample as sample_procedures
from tests.perf.procedures import SERVICES
from tests.support import ARTIFACTS

SIZES = [(800, 480), (1024, 600), (1280, 800), (1920, 1080)]
SHOT_SIZES = {(800, 480), (1920, 1080)}
FIELDS = tuple(
    st.Field(sid, name, chr(65 + i), i * 4) for i, (sid, name) in enumerate(SERVICES.items())
)


def screens() -> dict[str, st.KioskState]:
    long = longest()
    hits = (hit(long), *(hit(p) for p in sample_procedures() if p is not long))
    base = replace(st.initial(FIELDS, st.Timing()), server_up=True, catalogue=catalogue())
    found = Lookup(query="dang ky dat", hits=hits[:4], total=4, answered=("dang ky dat", ""))
    listed = Lookup(service="dat-dai", hits=hits, total=len(hits), answered=("", "dat-dai"))
    detail = Lookup(code=long.code, procedure=procedure_json(long), came_from="results")
    birth = Lookup(code=BIRTH, procedure=procedure_json(by_code(BIRTH)), came_from="search")
    return {
        "start": replace(base, screen=Screen.START),
        "start-unknown-catalogue": replace(base, screen=Screen.START, catalogue=None),
        "lookup": replace(base, screen=Screen.LOOKUP),
        "lookup-loading": replace(base, screen=Screen.LOOKUP, catalogue=None),
        "lookup-empty": replace(base, screen=Screen.LOOKUP, catalogue=catalogue().__class__()),
        "search-empty": replace(base, screen=Screen.SEARCH),
        "search-typing": replace(base, screen=Screen.SEARCH, lookup=Lookup(query="lam giay kh")),
        "search-found": replace(base, screen=Screen.SEARCH, lookup=found),
        "search-not-found": replace(
            base,
            screen=Screen.SEARCH,
            lookup=Lookup(query="xyzxyz", answered=("xyzxyz", "")),
        ),
        "results": replace(base, screen=Screen.RESULTS, lookup=listed),
        "results-scrolled": replace(
            base, screen=Screen.RESULTS, lookup=replace(listed, list_scroll=10_000)
        ),
        "results-search": replace(base, screen=Screen.RESULTS, lookup=found),
        "detail-loading": replace(
            base, screen=Screen.DETAIL, lookup=replace(detail, procedure=None)
        ),
        "detail": replace(base, screen=Screen.DETAIL, lookup=detail),
        "detail-scrolled": replace(base, screen=Screen.DETAIL, lookup=replace(detail, scroll=400)),
        "detail-end": replace(base, screen=Screen.DETAIL, lookup=replace(detail, scroll=10_000)),
        "detail-birth": replace(base, screen=Screen.DETAIL, lookup=birth),
        "detail-printing": replace(
            base, screen=Screen.DETAIL, lookup=replace(birth, printing=PRINTING, scroll=200)
        ),
        "detail-printed": replace(
            base, screen=Screen.DETAIL, lookup=replace(birth, printing=PRINTED)
        ),
        "detail-print-fault": replace(
            base, screen=Screen.DETAIL, lookup=replace(birth, printing=FAULT)
        ),
        "done-procedure": replace(
            base,
            screen=Screen.DONE,
            shown=st.Shown(7, "C015", "Đất đai", False, 4, 12, long.name),
        ),
    }


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
    hits = (replace(listed.lookup.hits[0], name="Đăng ký " * 80),)
    problems = render.draw(
        pygame.Surface((800, 480)), replace(listed, lookup=replace(listed.lookup, hits=hits))
    )
    assert problems and problems[0].where.startswith("result ")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_buttons_and_keys_are_big_and_hit_where_drawn(size: tuple[int, int]) -> None:
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
            if b.target[0] == "key":
                assert bh >= 0.1 * h and bw >= 0.08 * w, (name, b)  # about 1 cm on a 7" screen
            elif b.target[0] != "result":
                assert bh >= 0.1 * h and bw >= 0.1 * w, (name, b)
            rects.append(pygame.Rect(b.rect))
        for i, r in enumerate(rects):
            assert r.collidelist(rects[:i] + rects[i + 1 :]) == -1, name  # no overlaps


def test_the_keyboard_has_every_letter_space_backspace_and_clear() -> None:
    state = screens()["search-empty"]
    targets = {b.target for b in layout.buttons(state, (800, 480))}
    for key in [*"abcdefghijklmnopqrstuvwxyz", "space", "backspace", "clear", "results"]:
        assert ("key", key) in targets


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
    rows = len(listed.lookup.hits)
    step = lookup_layout.row_height(size) + geometry.pad_of(size) // 2
    main, _ = lookup_layout.results_area(size)
    assert (
        lookup_render.scroll_limit(listed, size)
        == rows * step - step + lookup_layout.row_height(size) - main[3]
    )


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
