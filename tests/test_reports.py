"""Reports for a scripted day, every figure worked out by hand below.

The day (2026-11-24, clock injected; counters 1 [ho-tich, chung-thuc],
2 [chung-thuc, ho-tich], 3 [dat-dai]):

    08:00 A001 issued      08:02 A002 issued      08:05 B001 issued      08:06 C001 issued
    08:10 c1 next → A001 (waited 10)              08:12 c1 recall A001
    08:20 c1 done A001 (served 10)                08:20 c2 next → A002 (waited 18)
    08:21 A001 rated 5 at c1
    08:25 c2 transfers A002 to chung-thuc         08:26 c3 next → C001 (waited 20)
    08:30 c3 no-show C001                         08:31 c1 next → A002 (2nd call)
    08:40 c1 next: A002 done (served 9), B001 called (waited 35)
    08:45 c1 hold B001     09:00 A003 issued      09:05 c1 pause       09:15 c1 resume
    09:20 c2 next → A003 (waited 20)              09:50 c2 done A003 (served 30)
    09:50:30 A003 rated 2 at c2                   09:52 c1 calls B001 by code
    10:00 c1 done B001 (served 8)                 10:00:30 B001 rated 4 at c1
    10:05 B002 issued (never called)              10:06 C002 issued
    10:10 c3 next → C002 (waited 4), left called  midnight: B002 and C002 expire
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from sothutu.reports.compute import LogRow, counter_time, percentile
from tests.conftest import VN
from tests.support import ARTIFACTS, ROOT, counter_key


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 11, 24, hh, mm, ss, tzinfo=VN)


def rate(api, n: int, score: int):
    return api.c.post(
        f"/api/v1/counters/{n}/rating",
        json={"score": score},
        headers={"Authorization": f"Bearer {counter_key(n)}"},
    )


def ok(r, status: int = 200):
    assert r.status_code == status, r.get_json()
    return r.get_json()


@pytest.fixture
def day(api, clock):
    """Play the day above; returns the test client API."""

    def step(hh: int, mm: int, ss: int = 0) -> None:
        clock.set(at(hh, mm, ss))

    step(8, 0)
    ok(api.issue("ho-tich"), 201)
    step(8, 2)
    ok(api.issue("ho-tich"), 201)
    step(8, 5)
    ok(api.issue("chung-thuc"), 201)
    step(8, 6)
    ok(api.issue("dat-dai"), 201)
    step(8, 10)
    assert ok(api.act(1, "next"))["ticket"]["code"] == "A001"
    step(8, 12)
    ok(api.act(1, "recall"))
    step(8, 20)
    ok(api.act(1, "done"))
    assert ok(api.act(2, "next"))["ticket"]["code"] == "A002"
    step(8, 21)
    ok(rate(api, 1, 5))
    step(8, 25)
    ok(api.act(2, "transfer", {"service": "chung-thuc"}))
    step(8, 26)
    assert ok(api.act(3, "next"))["ticket"]["code"] == "C001"
    step(8, 30)
    ok(api.act(3, "no-show"))
    step(8, 31)
    assert ok(api.act(1, "next"))["ticket"]["code"] == "A002"
    step(8, 40)
    r = ok(api.act(1, "next"))
    assert (r["finished"]["code"], r["ticket"]["code"]) == ("A002", "B001")
    step(8, 45)
    ok(api.act(1, "hold"))
    step(9, 0)
    ok(api.issue("ho-tich"), 201)
    step(9, 5)
    ok(api.act(1, "pause", {"reason": "Nghỉ"}))
    step(9, 15)
    ok(api.act(1, "resume"))
    step(9, 20)
    assert ok(api.act(2, "next"))["ticket"]["code"] == "A003"
    step(9, 50)
    ok(api.act(2, "done"))
    step(9, 50, 30)
    ok(rate(api, 2, 2))
    step(9, 52)
    ok(api.act(1, "call", {"code": "B001"}))
    step(10, 0)
    ok(api.act(1, "done"))
    step(10, 0, 30)
    ok(rate(api, 1, 4))
    step(10, 5)
    ok(api.issue("chung-thuc"), 201)
    step(10, 6)
    ok(api.issue("dat-dai"), 201)
    step(10, 10)
    assert ok(api.act(3, "next"))["ticket"]["code"] == "C002"
    clock.set(datetime(2026, 11, 25, 0, 0, 5, tzinfo=VN))
    assert api.state()["business_date"] == "2026-11-25"  # the rollover expires B002, C002
    return api


def report(api, query: str = "date=2026-11-24") -> dict:
    return ok(api.c.get(f"/api/v1/reports/daily?{query}", headers=api.admin()))


def figures(
    issued, called, served, no_show, expired, rate_, waits, services, over, ratings
) -> dict:
    """The expected figures, in the report's shape, from hand-made numbers."""
    w_count, w_mean, w_median, w_p90, w_max = waits
    s_count, s_mean, s_median = services
    o_count, o_share = over
    g_count, g_mean, g_levels = ratings
    return {
        "issued": issued,
        "called": called,
        "served": served,
        "no_show": no_show,
        "expired": expired,
        "no_show_rate": rate_,
        "waiting": {
            "count": w_count,
            "mean": w_mean,
            "median": w_median,
            "p90": w_p90,
            "max": w_max,
        },
        "service": {"count": s_count, "mean": s_mean, "median": s_median},
        "over_service_level": {"count": o_count, "share": o_share},
        "ratings": {
            "count": g_count,
            "mean": g_mean,
            "levels": {str(k): g_levels.get(k, 0) for k in (5, 4, 3, 2, 1)},
            # satisfied: ratings of 4 or 5 over all ratings (docs/reports.md)
            "satisfied": (
                round((g_levels.get(5, 0) + g_levels.get(4, 0)) / g_count, 4) if g_count else None
            ),
        },
    }


NONE_WAIT = (0, None, None, None, None)
NONE_SERVICE = (0, None, None)
NO_RATINGS = (0, None, {})


def pick(row: dict) -> dict:
    return {
        k: row[k]
        for k in figures(0, 0, 0, 0, 0, None, NONE_WAIT, NONE_SERVICE, (0, None), NO_RATINGS)
    }


def test_scripted_day_total_and_fields(day) -> None:
    rep = report(day)
    assert (rep["from"], rep["to"], rep["service_level_minutes"]) == (
        "2026-11-24",
        "2026-11-24",
        15,
    )
    # Waits 10, 18, 35, 20, 20, 4: mean 107/6, median (18+20)/2, p90 = 6th of 6 (nearest rank).
    # Served 10, 9, 30, 8 minutes. Served waits 10, 18, 35, 20: three over 15.
    assert pick(rep["total"]) == figures(
        7, 6, 4, 1, 2, 0.1667, (6, 17.83, 19, 35, 35), (4, 14.25, 9.5), (3, 0.75),
        (3, 3.67, {5: 1, 4: 1, 2: 1}),
    )  # fmt: skip
    by = {s["id"]: pick(s) for s in rep["services"]}
    # Hộ tịch: issued A001 A002 A003 (waits 10 18 20); A002 ended in Chứng thực.
    assert by["ho-tich"] == figures(
        3, 2, 2, 0, 0, 0.0, (3, 16, 18, 20, 20), (2, 20, 20), (2, 0.6667), (2, 3.5, {5: 1, 2: 1})
    )
    # Chứng thực: issued B001 B002 (wait 35); ended A002 B001 (served 9, 8), B002 expired.
    assert by["chung-thuc"] == figures(
        2, 2, 2, 0, 1, 0.0, (1, 35, 35, 35, 35), (2, 8.5, 8.5), (1, 1.0), (1, 4, {4: 1})
    )
    # Đất đai: C001 absent (wait 20), C002 called then expired (wait 4).
    assert by["dat-dai"] == figures(
        2, 2, 0, 1, 1, 0.5, (2, 12, 12, 20, 20), NONE_SERVICE, (0, None), NO_RATINGS
    )
    assert [s["name"] for s in rep["services"]] == ["Hộ tịch", "Chứng thực", "Đất đai"]


def test_scripted_day_counters(day) -> None:
    rep = report(day)
    c = {x["number"]: x for x in rep["counters"]}
    # Counter 1 called A001, A002, B001 and B001 again; recall 1; done 3; hold 1.
    # First calls by counter 1: A001 (10), B001 (35). Served 10, 9, 8; served waits 10 18 35.
    assert pick(c[1]) == figures(
        None, 4, 3, 0, 0, 0.0, (2, 22.5, 22.5, 35, 35), (3, 9, 9), (2, 0.6667),
        (2, 4.5, {5: 1, 4: 1}),
    )  # fmt: skip
    # 08:10-10:00 = 110 min; serving 10 + 9 + 5 + 8 = 32; paused 10; idle 110 - 42 = 68.
    assert (c[1]["recalls"], c[1]["held"], c[1]["transferred"]) == (1, 1, 0)
    assert (c[1]["open_minutes"], c[1]["serving_minutes"], c[1]["idle_minutes"]) == (100, 32, 68)
    assert pick(c[2]) == figures(
        None, 2, 1, 0, 0, 0.0, (2, 19, 19, 20, 20), (1, 30, 30), (1, 1.0), (1, 2, {2: 1})
    )
    # 08:20-09:50 = 90; serving 5 (until the transfer) + 30.
    assert (c[2]["transferred"], c[2]["open_minutes"], c[2]["serving_minutes"]) == (1, 90, 35)
    assert c[2]["idle_minutes"] == 55
    assert pick(c[3]) == figures(
        None, 2, 0, 1, 1, 0.5, (2, 12, 12, 20, 20), NONE_SERVICE, (0, None), NO_RATINGS
    )
    # 08:26-10:10 = 104; serving 08:26-08:30; C002 still current at its last action.
    assert (c[3]["open_minutes"], c[3]["serving_minutes"], c[3]["idle_minutes"]) == (104, 4, 100)
    assert c[4]["called"] == 0 and c[4]["open_minutes"] == 0
    assert c[1]["name"] == "Quầy 1"


def test_scripted_day_hours_and_days(day) -> None:
    rep = report(day)
    h = {x["hour"]: x for x in rep["hours"]}
    assert sorted(h) == [8, 9, 10]
    # 8h: issued 4 (waits 10 18 35 20); first calls A001 A002 C001 B001;
    # A001 and A002 done; C001 absent.
    assert pick(h[8]) == figures(
        4, 4, 2, 1, 0, 0.25, (4, 20.75, 19, 35, 35), (2, 9.5, 9.5), (2, 0.6667), (1, 5, {5: 1})
    )
    assert pick(h[9]) == figures(
        1, 1, 1, 0, 0, 0.0, (1, 20, 20, 20, 20), (1, 30, 30), (1, 1.0), (1, 2, {2: 1})
    )
    # 10h: B002 and C002 issued (both expire); C002 called; B001 finished.
    assert pick(h[10]) == figures(
        2, 1, 1, 0, 2, 0.0, (1, 4, 4, 4, 4), (1, 8, 8), (0, None), (1, 4, {4: 1})
    )
    assert [d["date"] for d in rep["days"]] == ["2026-11-24"]
    assert pick(rep["days"][0]) == pick(rep["total"])


def test_a_period_adds_the_days(day, clock) -> None:
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=VN))
    ok(day.issue("ho-tich"), 201)
    clock.set(datetime(2026, 11, 25, 9, 30, tzinfo=VN))
    ok(day.act(1, "next"))
    rep = report(day, "from=2026-11-24&to=2026-11-25")
    assert [d["date"] for d in rep["days"]] == ["2026-11-24", "2026-11-25"]
    assert rep["total"]["issued"] == 8 and rep["total"]["called"] == 7
    assert rep["days"][1]["waiting"]["mean"] == 30
    assert rep["total"]["waiting"]["max"] == 35
    # The new day's report does not see yesterday's expiries logged at midnight.
    today = report(day, "date=2026-11-25")
    assert today["total"]["issued"] == 1 and today["total"]["expired"] == 0
    assert {c["number"]: c["open_minutes"] for c in today["counters"]}[3] == 0


def test_report_access_and_bad_periods(day) -> None:
    c = day.c
    assert c.get("/api/v1/reports/daily").status_code == 401
    h = {"Authorization": f"Bearer {counter_key(1)}"}
    assert c.get("/api/v1/reports/daily", headers=h).status_code == 403
    for q in ("date=24/11/2026", "from=2026-11-25&to=2026-11-24", "date=2026-11-24&from=2026-11-24",
              "from=2025-01-01&to=2026-11-24", "date=2026-11-24&format=xml"):  # fmt: skip
        r = c.get(f"/api/v1/reports/daily?{q}", headers=day.admin())
        assert r.status_code == 400, q
        assert r.get_json()["error"]["code"] == "invalid_request"
    empty = report(day, "date=2026-01-01")
    assert empty["total"]["issued"] == 0 and empty["total"]["waiting"]["mean"] is None
    assert empty["hours"] == []


def test_csv_opens_with_the_right_characters(day) -> None:
    r = day.c.get("/api/v1/reports/daily?date=2026-11-24&format=csv", headers=day.admin())
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="bao-cao-2026-11-24.csv"' in r.headers["Content-Disposition"]
    raw = r.data
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Báo cáo số thứ tự", "Trung tâm Phục vụ hành chính công xã Thử Nghiệm"]
    assert rows[1] == ["Từ ngày", "24/11/2026"]
    head = rows.index(["Theo lĩnh vực"]) + 1
    headings = rows[head]
    words = ["Lĩnh vực", "Số phiếu", "Đã phục vụ", "Vắng mặt", "Chờ trung bình (phút)"]
    words += ["Phục vụ trung bình (phút)", "Tỷ lệ chờ quá 15 phút (%)", "Rất không hài lòng"]
    for word in words:
        assert word in headings, word
    table = {row[0]: dict(zip(headings, row, strict=True)) for row in rows[head + 1 : head + 5]}
    assert table["Hộ tịch"]["Số phiếu"] == "3"
    assert table["Đất đai"]["Vắng mặt"] == "1"
    assert table["Tổng cộng"]["Chờ trung bình (phút)"] == "17.8"
    assert table["Tổng cộng"]["Tỷ lệ vắng mặt (%)"] == "16.7"
    assert table["Tổng cộng"]["Điểm hài lòng (1–5)"] == "3.67"
    counters = rows[rows.index(["Theo quầy"]) + 1]
    assert counters[0] == "Quầy" and "Thời gian rảnh (phút)" in counters
    assert ["Theo giờ"] in rows and ["Theo ngày"] not in rows
    hours = rows[rows.index(["Theo giờ"]) + 2]
    assert hours[0] == "08:00–09:00"
    # A period lists its days as dd/mm/yyyy.
    r = day.c.get(
        "/api/v1/reports/daily?from=2026-11-23&to=2026-11-24&format=csv", headers=day.admin()
    )
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[rows.index(["Theo ngày"]) + 2][0] == "24/11/2026"


def test_report_cli(day, config_path: Path, tmp_path: Path) -> None:
    day.c.application.extensions["sothutu"].service.store.close()  # the CLI opens the file itself
    cmd = [sys.executable, "-m", "counter_api", "report", "--config", str(config_path)]
    r = subprocess.run([*cmd, "--date", "2026-11-24"], capture_output=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["total"]["served"] == 4 and data["total"]["waiting"]["p90"] == 35
    out = tmp_path / "r.csv"
    r = subprocess.run([*cmd, "--date", "2026-11-24", "--csv", "-o", str(out)], cwd=ROOT)
    assert r.returncode == 0
    assert out.read_bytes().startswith("\ufeffBáo cáo số thứ tự".encode())
    r = subprocess.run([*cmd, "--date", "yesterday"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "date" in r.stderr and "Traceback" not in r.stderr


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 90) is None
    assert percentile([7], 90) == 7
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile(list(range(1, 12)), 90) == 10  # ceil(9.9) = 10th


def test_counter_time_pause_while_serving_is_serving() -> None:
    def row(minute: int, action: str, ticket: int | None = None) -> LogRow:
        return LogRow(minute * 60.0, "2026-11-24", action, ticket, 1)

    rows = [
        row(0, "called", 1),
        row(5, "paused"),  # paused with a ticket: still serving
        row(10, "done", 1),
        row(30, "resumed"),  # paused 5-30, serving until 10: 20 min paused idle-free
        row(40, "called", 2),
        row(50, "no_show", 2),
    ]
    open_s, serving_s = counter_time(rows)
    assert serving_s == 20 * 60
    assert open_s == 50 * 60 - 20 * 60  # span 50, minus paused-without-ticket 10-30
    assert counter_time([]) == (0.0, 0.0)
    assert counter_time([row(3, "expired", 9)]) == (0.0, 0.0)


def test_charts_of_the_scripted_day(day) -> None:
    from sothutu.reports import charts

    rep = report(day)
    hours = charts.tickets_per_hour(rep)
    assert hours.startswith("<svg") and "Số phiếu theo giờ" in hours
    for hour, issued, served in ((8, 4, 2), (9, 1, 1), (10, 2, 1)):
        assert f'data-hour="{hour}" data-kind="issued" data-value="{issued}"' in hours
        assert f'data-hour="{hour}" data-kind="served" data-value="{served}"' in hours
    waits = charts.waiting_per_field(rep)
    for sid, mean in (("ho-tich", 16), ("chung-thuc", 35), ("dat-dai", 12)):
        assert f'data-service="{sid}" data-value="{mean}' in waits
    assert "ngưỡng 15 phút" in waits
    (ARTIFACTS / "charts-scripted-day.html").parent.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "charts-scripted-day.html").write_text(
        f'<html><body style="font-family: DejaVu Sans; width: 800px">{hours}{waits}</body></html>',
        encoding="utf-8",
    )
