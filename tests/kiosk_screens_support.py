"""Every screen and state of the touchscreen kiosk, as states to draw and measure:
the start screen and its "closed" and printer states, priority, issuing, the
ticket, the faults, and every look-up screen with the sample's longest name.

Not a test module.
"""

from __future__ import annotations

from dataclasses import replace

from kiosk import state as st
from kiosk.lookup import FAULT, PRINTED, PRINTING, Lookup
from kiosk.opening import Opening
from kiosk.state import Screen
from tests.kiosk_lookup_support import BIRTH, by_code, catalogue, hit, longest, procedure_json
from tests.kiosk_lookup_support import sample as sample_procedures
from tests.perf.procedures import SERVICES

SIZES = [(800, 480), (1024, 600), (1280, 800), (1920, 1080)]

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
SHOWN_FIRST = st.Shown(8, "B001", "Chứng thực", False, 0, 0)

LUNCH = Opening(False, "07:00–11:30, 13:00–17:00", "13:00 hôm nay", 5400.0)
WEEKEND = Opening(False, "", "07:00 thứ Hai, ngày 30/11", 1e5)
HOLIDAY = Opening(False, "", "07:00 thứ Năm, ngày 26/11", 1e5, closed_day=True)
OPEN = Opening(True, "07:00–11:30, 13:00–17:00", "", 3600.0)


def start_screens(fields: tuple[st.Field, ...]) -> dict[str, st.KioskState]:
    """The start, priority, ticket and message screens, in every state."""
    base = replace(
        st.initial(fields, st.Timing(), hours_text="07:00–11:30, 13:00–17:00"),
        server_up=True,
        opening=OPEN,
        catalogue=catalogue(),
    )
    broken = replace(base, printer="paper_out")
    stop = replace(broken, printer_fault="stop")
    return {
        "start": replace(base, screen=Screen.START),
        "start-no-priority": replace(base, screen=Screen.START, priority_enabled=False),
        "start-no-lookup": replace(base, screen=Screen.START, lookup_enabled=False),
        "start-closed": replace(base, screen=Screen.START, opening=LUNCH),
        "start-closed-weekend": replace(base, screen=Screen.START, opening=WEEKEND),
        "start-closed-day": replace(base, screen=Screen.START, opening=HOLIDAY),
        "start-closed-no-lookup": replace(
            base, screen=Screen.START, opening=LUNCH, lookup_enabled=False
        ),
        "start-closed-unknown-hours": replace(base, screen=Screen.START, opening=Opening(False)),
        "start-printer-warning": replace(broken, screen=Screen.START),
        "start-printer-stopped": replace(stop, screen=Screen.START),
        "priority": replace(base, screen=Screen.PRIORITY),
        "priority-printer-warning": replace(broken, screen=Screen.PRIORITY),
        "issuing": replace(base, screen=Screen.ISSUING),
        "issuing-code": replace(base, screen=Screen.ISSUING, shown=SHOWN),
        "done": replace(base, screen=Screen.DONE, shown=SHOWN),
        "done-wide": replace(base, screen=Screen.DONE, shown=SHOWN_WIDE),
        "done-first-in-line": replace(base, screen=Screen.DONE, shown=SHOWN_FIRST),
        "done-procedure": replace(
            base, screen=Screen.DONE, shown=replace(SHOWN, procedure=longest().name)
        ),
        "printer-fault": replace(base, screen=Screen.PRINTER_FAULT, shown=SHOWN),
        "printer-fault-wide": replace(base, screen=Screen.PRINTER_FAULT, shown=SHOWN_WIDE),
        "printer-fault-procedure": replace(
            base, screen=Screen.PRINTER_FAULT, shown=replace(SHOWN, procedure=longest().name)
        ),
        "limit": replace(base, screen=Screen.LIMIT, refused_service=fields[-1].name),
        "offline": replace(base, screen=Screen.OFFLINE, server_up=False),
        "offline-uncertain": replace(base, screen=Screen.OFFLINE, uncertain=True),
        "error": replace(base, screen=Screen.ERROR),
        **booking_screens(base),
    }


def booking_screens(base: st.KioskState) -> dict[str, st.KioskState]:
    """A centre that takes bookings: its start screen, typing a code, checking it,
    the booked and the late ticket, and every refusal."""
    booked = replace(base, booking_enabled=True)
    plain = replace(SHOWN, priority=False)
    refused = {
        code: replace(
            booked,
            screen=Screen.BOOKING_REFUSED,
            code="K7M3PX",
            refusal=st.BookingRefused(
                code, "2026-11-24T09:00:00+07:00", "2026-11-24T08:45:00+07:00"
            ),
        )
        for code in (
            "too_early",
            "booking_used",
            "booking_cancelled",
            "wrong_centre",
            "booking_forged",
            "unknown_booking",
        )
    }
    return {
        "start-booking": replace(booked, screen=Screen.START),
        "start-booking-closed": replace(booked, screen=Screen.START, opening=LUNCH),
        "booking-empty": replace(booked, screen=Screen.BOOKING),
        "booking-typed": replace(booked, screen=Screen.BOOKING, code="K7M"),
        "booking-ready": replace(booked, screen=Screen.BOOKING, code="K7M3PX"),
        "issuing-booking": replace(booked, screen=Screen.ISSUING, checking=True),
        "done-booked": replace(booked, screen=Screen.DONE, shown=replace(plain, booked="08:30")),
        "done-late": replace(booked, screen=Screen.DONE, shown=replace(plain, late="08:00")),
        "refused-too-early-tomorrow": replace(
            refused["too_early"],
            refusal=st.BookingRefused(
                "too_early", "2026-11-25T09:00:00+07:00", "2026-11-25T08:45:00+07:00"
            ),
        ),
        **{f"refused-{code.replace('_', '-')}": s for code, s in refused.items()},
    }


LOOKUP_FIELDS = tuple(
    st.Field(sid, name, chr(65 + i), i * 4) for i, (sid, name) in enumerate(SERVICES.items())
)


def lookup_screens(keyboard: str = "abc") -> dict[str, st.KioskState]:
    """Every look-up screen with the sample catalogue and its longest name."""
    long = longest()
    hits = (hit(long), *(hit(p) for p in sample_procedures() if p is not long))
    base = replace(
        st.initial(LOOKUP_FIELDS, st.Timing(), keyboard=keyboard),
        server_up=True,
        catalogue=catalogue(),
        opening=OPEN,
    )
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
        "lookup-nine-fields": replace(base, screen=Screen.LOOKUP, fields=NINE, catalogue=None),
        "search-empty": replace(base, screen=Screen.SEARCH),
        "search-typing": replace(base, screen=Screen.SEARCH, lookup=Lookup(query="lam giay kh")),
        "search-found": replace(base, screen=Screen.SEARCH, lookup=found),
        "search-found-long": replace(
            base, screen=Screen.SEARCH, lookup=replace(found, hits=hits[:1], total=1)
        ),
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
        "detail-closed": replace(base, screen=Screen.DETAIL, lookup=birth, opening=LUNCH),
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


def every_screen(keyboard: str = "abc") -> dict[str, st.KioskState]:
    """Every screen and state, with five and nine fields."""
    out = {f"5-fields-{k}": v for k, v in start_screens(FIVE).items()}
    out |= {f"9-fields-{k}": v for k, v in start_screens(NINE).items()}
    out |= {f"lookup-{k}": v for k, v in lookup_screens(keyboard).items()}
    return out
