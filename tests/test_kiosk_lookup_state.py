"""The procedure look-up's pure rules on the kiosk: typing, debounce, stale answers,
one tap one action, scrolling, printing a checklist, timeouts and a lost server."""

from __future__ import annotations

from dataclasses import replace

from kiosk import lookup as lk
from kiosk import state as st
from kiosk.lookup import Catalogue, Hit
from kiosk.state import Screen

FIELDS = (st.Field("ho-tich", "Hộ tịch", "A"), st.Field("dat-dai", "Đất đai", "C"))
KS = Hit("1.001193", "Đăng ký khai sinh", "ho-tich", "Hộ tịch")
KT = Hit("1.000656", "Đăng ký khai tử", "ho-tich", "Hộ tịch")
PROCEDURE = {"code": KS.code, "name": KS.name, "service": "ho-tich", "service_name": "Hộ tịch"}
GUARD = 0.4


def ready(now: float = 0.0) -> st.KioskState:
    s = st.initial(FIELDS, st.Timing(tap_guard=GUARD), now=now)
    s, fx = st.update(s, st.ServerStatus(True), now)
    assert fx == (st.FetchCatalogue(),)  # the start screen learns whether to offer the look-up
    return s


class Walk:
    """A citizen's taps and the server's answers, half a second apart by default."""

    def __init__(self, s: st.KioskState | None = None, now: float = 1.0) -> None:
        self.s = s or ready()
        self.now = now
        self.effects: list[st.Effect] = []

    def send(self, msg: st.Message, after: float = 0.5) -> tuple[st.Effect, ...]:
        self.now += after
        self.s, fx = st.update(self.s, msg, self.now)
        self.effects += fx
        return fx

    def tap(self, *target: str, after: float = 0.5) -> tuple[st.Effect, ...]:
        return self.send(st.Tap(tuple(target) or None), after)

    def type(self, text: str) -> None:
        for ch in text:
            self.tap("key", "space" if ch == " " else ch)

    def tick(self, after: float) -> tuple[st.Effect, ...]:
        return self.send(st.Tick(), after)


def searching(w: Walk) -> Walk:
    w.tap("lookup")
    assert w.s.screen is Screen.LOOKUP and w.effects[-1] == st.FetchCatalogue()
    w.tap("search")
    assert w.s.screen is Screen.SEARCH
    return w


def test_the_start_screen_offers_the_lookup_unless_the_catalogue_is_empty() -> None:
    s = ready()
    assert s.lookup_available
    empty = replace(s, catalogue=Catalogue((("ho-tich", 0),), 0, False))
    assert not empty.lookup_available
    s2, fx = st.update(empty, st.Tap(("lookup",)), 5.0)
    assert s2.screen is Screen.START and fx == ()
    off = replace(s, lookup_enabled=False)
    assert not off.lookup_available
    # a headless kiosk (or lookup = false) does not ask for the catalogue either
    quiet = st.initial(FIELDS, st.Timing(), lookup=False)
    assert st.update(quiet, st.ServerStatus(True), 0.0)[1] == ()


def test_typing_is_debounced_and_only_the_newest_search_goes_out() -> None:
    w = searching(Walk())
    for ch in "khai":
        w.tap("key", ch, after=0.1 + GUARD)  # quick taps, each past the tap guard
    assert w.s.lookup.query == "khai" and not any(isinstance(e, st.Search) for e in w.effects)
    assert w.s.lookup.searching
    due = st.next_deadline(w.s)
    assert due is not None and abs(due - (w.now + 0.3)) < 1e-9
    assert w.tick(0.1) == ()  # still typing, as far as we know
    (search,) = w.tick(0.25)
    assert search == st.Search(w.s.lookup.seq, "khai", "")
    # the answer fills the strip; "Xem kết quả" then opens the list
    w.send(st.Found(search.seq, (KS, KT), 2, "khai", ""))
    assert w.s.lookup.hits == (KS, KT) and not w.s.lookup.searching
    w.tap("key", "results")
    assert w.s.screen is Screen.RESULTS


def test_a_late_answer_to_an_older_query_is_dropped() -> None:
    w = searching(Walk())
    w.type("kh")
    (first,) = w.tick(1.0)
    w.type("ai")
    (second,) = w.tick(1.0)
    assert second.seq > first.seq
    w.send(st.Found(second.seq, (KS,), 1, "khai", ""), after=0.01)
    w.send(st.Found(first.seq, (KT, KS), 2, "kh", ""), after=0.01)  # the slow older one
    assert w.s.lookup.hits == (KS,)
    # clearing the box drops what is on its way too
    w.tap("key", "clear")
    w.send(st.Found(second.seq, (KS,), 1, "khai", ""), after=0.01)
    assert w.s.lookup.hits == () and w.s.lookup.query == "" and not w.s.lookup.searching


def test_keyboard_keys_edit_the_query() -> None:
    assert lk.typed("", "space") == ""  # no leading space
    assert lk.typed("khai", "space") == "khai "
    assert lk.typed("khai ", "space") == "khai "  # no double space
    assert lk.typed("khai", "backspace") == "kha"
    assert lk.typed("", "backspace") == ""
    assert lk.typed("khai", "clear") == ""
    assert lk.typed("khai", "đ") == "khai"  # not a key of ours
    assert len(lk.typed("a" * lk.MAX_QUERY, "b")) == lk.MAX_QUERY
    edits = {"space", "backspace", "clear"}
    qwerty = [k for row in lk.KEYBOARDS["qwerty"] for k, _ in row if k]
    assert sorted(qwerty) == sorted([*"abcdefghijklmnopqrstuvwxyz", *edits])
    assert all(abs(sum(u for _, u in row) - 10) < 1e-9 for row in lk.KEYBOARDS["qwerty"])
    # the school alphabet in its order: a b c d e g h i k l m n o p q r s t u v x y
    abc = [k for row in lk.KEYBOARDS["abc"] for k, _ in row if k]
    letters = [k for k in abc if len(k) == 1]
    assert "".join(letters) == "abcdeghiklmnopqrstuvxy" and set(abc) - set(letters) == edits
    assert all(abs(sum(u for _, u in row) - 9) < 1e-9 for row in lk.KEYBOARDS["abc"])


def test_one_tap_is_one_key_and_taps_during_the_guard_are_dropped() -> None:
    w = searching(Walk())
    w.tap("key", "k")
    w.tap("key", "k", after=0.05)  # the mouse event SDL made from the same finger
    assert w.s.lookup.query == "k"
    w.tap("key", "h", after=GUARD)
    assert w.s.lookup.query == "kh"


def test_open_a_result_issue_for_the_procedure_and_come_back_to_start() -> None:
    w = searching(Walk())
    w.type("khai sinh")
    (search,) = w.tick(1.0)
    w.send(st.Found(search.seq, (KS,), 1, "khai sinh", ""))
    w.tap("result", "nope")  # not a result on screen: nothing
    assert w.s.screen is Screen.SEARCH
    (fetch,) = w.tap("result", KS.code)
    assert fetch == st.FetchProcedure(KS.code) and w.s.screen is Screen.DETAIL
    assert w.tap("issue") == ()  # not loaded yet: the button does nothing
    w.send(st.Loaded("other", PROCEDURE))  # not the one shown
    assert w.s.lookup.procedure is None
    w.send(st.Loaded(KS.code, PROCEDURE))
    (issue,) = w.tap("issue")
    assert issue == st.IssueTicket("ho-tich", False, KS.code)
    assert w.s.screen is Screen.ISSUING and w.s.pending == ("ho-tich", False)
    assert w.tap("issue") == ()  # taps while issuing do nothing
    ticket = {"id": 9, "code": "A007", "service_name": "Hộ tịch", "procedure": dict(KS.__dict__)}
    w.send(st.Issued(ticket))
    w.send(st.Printed(9, "ok"))
    assert w.s.screen is Screen.DONE and w.s.shown.procedure == KS.name
    w.tick(10.0)
    assert w.s.screen is Screen.START and w.s.lookup == lk.Lookup()


def test_outside_hours_the_lookup_stays_but_takes_no_number() -> None:
    closed = {"open": False, "today": ["07:00-11:30"], "opens_at": None, "at": None}
    w = searching(Walk())
    w.send(st.Hours(closed))
    assert w.s.closed and w.s.screen is Screen.SEARCH  # reading stays possible
    w.type("khai sinh")
    (search,) = w.tick(1.0)
    w.send(st.Found(search.seq, (KS,), 1, "khai sinh", ""))
    w.tap("result", KS.code)
    w.send(st.Loaded(KS.code, PROCEDURE))
    assert w.tap("issue") == () and w.s.screen is Screen.DETAIL
    assert w.tap("print") == (st.PrintChecklist(PROCEDURE),)  # the list still prints
    w.send(st.Hours({**closed, "open": True}))
    assert w.tap("issue", after=1.0) == (st.IssueTicket("ho-tich", False, KS.code),)


def test_back_goes_one_screen_back_and_keeps_what_was_typed() -> None:
    w = searching(Walk())
    w.type("khai")
    (search,) = w.tick(1.0)
    w.send(st.Found(search.seq, (KS, KT), 2, "khai", ""))
    w.tap("key", "results")
    w.tap("result", KT.code)
    w.send(st.Loaded(KT.code, {**PROCEDURE, "code": KT.code}))
    w.tap("back")
    assert w.s.screen is Screen.RESULTS and w.s.lookup.hits == (KS, KT)
    w.tap("back")
    assert w.s.screen is Screen.SEARCH and w.s.lookup.query == "khai"
    w.tap("back")
    assert w.s.screen is Screen.LOOKUP and w.s.lookup.query == ""
    # browsing a field: its list at once, back to the fields
    (browse,) = w.tap("browse", "dat-dai")
    assert browse == st.Search(w.s.lookup.seq, "", "dat-dai") and w.s.screen is Screen.RESULTS
    w.tap("back")
    assert w.s.screen is Screen.LOOKUP
    assert w.tap("browse", "tu-phap") == () and w.s.screen is Screen.LOOKUP  # not a field
    w.tap("back")
    assert w.s.screen is Screen.START


def test_scrolling_is_clamped_and_the_buttons_follow_the_tap_rules() -> None:
    w = Walk()
    w.tap("lookup")
    (browse,) = w.tap("browse", "ho-tich")
    w.send(st.Found(browse.seq, (KS, KT) * 5, 10, "", "ho-tich"))
    w.send(st.Scroll(300, 500, tap=True))
    assert w.s.lookup.list_scroll == 300
    w.send(st.Scroll(300, 500, tap=True), after=0.1)  # too soon after the last tap
    assert w.s.lookup.list_scroll == 300
    w.send(st.Scroll(300, 500, tap=True))
    assert w.s.lookup.list_scroll == 500  # not past the end
    for _ in range(20):  # a finger dragging: no tap guard
        w.send(st.Scroll(-40, 500), after=0.01)
    assert w.s.lookup.list_scroll == 0
    w.tap("result", KT.code)
    w.send(st.Scroll(120, 800))
    assert w.s.lookup.scroll == 120 and w.s.lookup.list_scroll == 0  # the detail's own
    w.tap("back")
    assert w.s.screen is Screen.RESULTS and w.s.lookup.scroll == 0
    # scrolling means nothing on a screen that does not scroll
    w.tap("back")
    w.tap("search")
    before = w.s
    w.send(st.Scroll(100, 500))
    assert w.s == before


def test_printing_a_checklist_one_at_a_time_then_the_notice_goes() -> None:
    w = Walk()
    w.tap("lookup")
    (browse,) = w.tap("browse", "ho-tich")
    w.send(st.Found(browse.seq, (KS,), 1, "", "ho-tich"))
    w.tap("result", KS.code)
    w.send(st.Loaded(KS.code, PROCEDURE))
    (job,) = w.tap("print")
    assert job == st.PrintChecklist(PROCEDURE) and w.s.lookup.printing == lk.PRINTING
    assert w.tap("print") == ()  # one checklist at a time
    w.send(st.ChecklistPrinted(KS.code, "ok", remote=True))  # a clerk's, elsewhere
    assert w.s.lookup.printing == lk.PRINTING
    w.send(st.ChecklistPrinted(KS.code, "ok"))
    assert w.s.lookup.printing == lk.PRINTED and w.s.screen is Screen.DETAIL
    w.tick(w.s.timing.done + 0.1)
    assert w.s.lookup.printing == lk.IDLE
    assert w.tap("print") == (st.PrintChecklist(PROCEDURE),)
    w.send(st.ChecklistPrinted(KS.code, "paper_out"))
    assert w.s.lookup.printing == lk.FAULT and w.s.printer == "paper_out"
    # a print job that never answers ends as a fault, not a spinner forever
    w.tick(w.s.timing.done + 0.1)
    w.tap("print")
    w.tick(w.s.timing.issuing_limit + 0.1)
    assert w.s.lookup.printing == lk.FAULT


def test_the_lookup_times_out_to_start_but_not_while_in_use() -> None:
    w = Walk()
    w.tap("lookup")
    (browse,) = w.tap("browse", "ho-tich")
    w.send(st.Found(browse.seq, (KS,) * 8, 8, "", "ho-tich"))
    idle = w.s.timing.lookup_idle
    assert idle > w.s.timing.idle  # citizens read here
    for _ in range(5):  # reading and dragging keep it alive
        w.send(st.Scroll(10, 500), after=idle * 0.6)
        w.tick(0.0)
        assert w.s.screen is Screen.RESULTS
    w.tick(idle + 0.1)
    assert w.s.screen is Screen.START and w.s.lookup == lk.Lookup()


def test_server_loss_on_the_lookup_shows_the_offline_message() -> None:
    w = searching(Walk())
    w.send(st.ServerStatus(False))
    assert w.s.screen is Screen.OFFLINE
    assert w.tap("lookup") == () and w.s.screen is Screen.OFFLINE  # no taps while offline
    assert w.send(st.ServerStatus(True)) == (st.FetchCatalogue(),)
    assert w.s.screen is Screen.START
    # a request that found no server does the same; another error shows the error screen
    searching(w)
    w.send(st.LookupFailed("unreachable", "refused"))
    assert w.s.screen is Screen.OFFLINE and not w.s.server_up
    w.send(st.ServerStatus(True))
    searching(w)
    w.send(st.LookupFailed("error", "404 unknown_procedure"))
    assert w.s.screen is Screen.ERROR
    # failures that arrive after the citizen left change nothing
    w.tick(30.0)
    assert w.s.screen is Screen.START
    before = w.s
    w.send(st.LookupFailed("unreachable", "late"))
    assert w.s == before


def test_catalogue_answers_update_the_fields_counts_and_sample_mark() -> None:
    w = Walk()
    answer = {
        "services": [{"id": "ho-tich", "procedures": 10}, {"id": "dat-dai", "procedures": 0}],
        "catalogue": {"count": 10, "sample": True},
    }
    cat = Catalogue.of(answer)
    assert cat.count("ho-tich") == 10 and cat.count("dat-dai") == 0 and cat.sample
    w.send(st.CatalogueInfo(cat))
    assert w.s.catalogue == cat
    hit = Hit.of({"code": "1", "name": "Đăng ký khai sinh", "service": "ho-tich"})
    assert hit.name == "Đăng ký khai sinh" and hit.service_name == ""
