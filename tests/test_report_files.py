"""Reports as people read them: numbers written the Vietnamese way, the period a
person types, the CSV bytes of both dialects, the .xlsx read back with openpyxl, the
monthly summary's figures; through the API and the command line on the scripted day
of tests/test_reports.py."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sothutu.reports import files, numbers, period, sheets
from sothutu.reports.compute import RatingRow, Setup, TicketRow, compute
from sothutu.reports.summary import summary
from sothutu.reports.table import COUNT, MINUTES, SHARE, TEXT, Table
from tests.support import ROOT, csv_block, csv_rows
from tests.test_reports import day, report  # noqa: F401  (the scripted day's fixture)

# --- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "screen", "excel_vn", "plain"),
    [
        (1234, 0, "1.234", "1234", "1234"),
        (1234567, 0, "1.234.567", "1234567", "1234567"),
        (2.1, 1, "2,1", "2,1", "2.1"),
        (17.833, 1, "17,8", "17,8", "17.8"),
        (1020.5, 1, "1.020,5", "1020,5", "1020.5"),
        (3.6667, 2, "3,67", "3,67", "3.67"),
        (-1234.5, 1, "-1.234,5", "-1234,5", "-1234.5"),
        (0, 0, "0", "0", "0"),
        (None, 1, "", "", ""),
    ],
)
def test_numbers_in_each_style(value, digits, screen, excel_vn, plain) -> None:
    assert numbers.number(value, digits) == screen
    assert numbers.number(value, digits, numbers.EXCEL_VN) == excel_vn
    assert numbers.number(value, digits, numbers.PLAIN) == plain


def test_shares_and_short_figures() -> None:
    assert numbers.percent(1.0) == "100,0"
    assert numbers.percent(0.1667) == "16,7"
    assert numbers.percent_sign(0.021) == "2,1\u202f%"
    assert numbers.percent_sign(None) == "—"
    assert numbers.short(12.0) == "12" and numbers.short(2.5) == "2,5"
    assert numbers.short(1500) == "1.500" and numbers.short(None) == "—"
    assert numbers.vn_date("2026-11-04") == "04/11/2026"


# --- the period a person types ---------------------------------------------------------

TODAY = date(2026, 11, 29)  # a Sunday


@pytest.mark.parametrize(
    "text", ["24/11/2026", "24-11-2026", "24.11.2026", " 24 / 11 / 2026 ", "2026-11-24"]
)
def test_a_day_typed_in_any_usual_way(text: str) -> None:
    assert period.parse_day(text) == date(2026, 11, 24)
    assert period.parse_day("1/2/2026") == date(2026, 2, 1)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("31/02/2026", "không có trên lịch"),
        ("24/13/2026", "không có trên lịch"),
        ("11/24/2026x", "không đúng dạng"),
        ("hôm qua", "không đúng dạng"),
        ("24/11/26", "không đúng dạng"),
        ("24/11/1999", "năm phải từ 2000 đến 2999"),
        ("x" * 500, "không đúng dạng"),
    ],
)
def test_a_bad_day_is_a_vietnamese_message_naming_it(text: str, words: str) -> None:
    with pytest.raises(period.PeriodError) as err:
        period.read_period("", text, "", TODAY)
    message = str(err.value)
    assert words in message and message.startswith("Từ ngày “")
    assert len(message) < 120  # a long paste is cut, not echoed whole


def test_a_reversed_period_is_swapped_and_said() -> None:
    p = period.read_period("", "30/11/2026", "01/11/2026", TODAY)
    assert (p.first, p.last, p.swapped) == (date(2026, 11, 1), date(2026, 11, 30), True)
    assert "đổi chỗ" in p.notice and "từ ngày 01/11/2026 đến ngày 30/11/2026" in p.notice
    p = period.read_period("", "01/11/2026", "", TODAY)
    assert (p.first, p.last, p.notice) == (date(2026, 11, 1), date(2026, 11, 1), "")
    assert period.read_period("", "", "", TODAY).first == TODAY
    assert period.read_period("2026-11-24", "", "", TODAY).single
    assert period.read_period("", "01/01/2025", "01/01/2026", TODAY).last.year == 2026  # 366 days
    with pytest.raises(period.PeriodError, match=r"tối đa 366 ngày.*là 367 ngày"):
        period.read_period("", "01/01/2025", "02/01/2026", TODAY)


def test_shortcuts_from_a_sunday_late_in_a_quarter() -> None:
    got = {s.label: (s.first, s.last) for s in period.shortcuts(TODAY)}
    assert got == {
        "Hôm nay": (TODAY, TODAY),
        "Tuần này": (date(2026, 11, 23), TODAY),  # from Monday
        "Tháng này": (date(2026, 11, 1), TODAY),
        "Tháng trước": (date(2026, 10, 1), date(2026, 10, 31)),
        "Quý này": (date(2026, 10, 1), TODAY),
    }
    january = {s.key: (s.first, s.last) for s in period.shortcuts(date(2027, 1, 1))}
    assert january["last-month"] == (date(2026, 12, 1), date(2026, 12, 31))
    assert january["week"] == (date(2026, 12, 28), date(2027, 1, 1))


def test_months_to_print() -> None:
    assert period.parse_month("", TODAY) == date(2026, 10, 1)  # last month by default
    assert period.parse_month("2/2028", TODAY) == date(2028, 2, 1)
    assert period.month_bounds(date(2028, 2, 1)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert period.parse_month("2026-11", TODAY) == date(2026, 11, 1)
    for bad in ("13/2026", "2026-00", "tháng 11", "11/1999"):
        with pytest.raises(period.PeriodError):
            period.parse_month(bad, TODAY)


# --- files -----------------------------------------------------------------------------

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FORMULA = '=HYPERLINK("http://x.example/","bấm")'


def tricky_report() -> dict:
    """A centre and a field named like formulas, one ticket waited 1 234,5 minutes."""

    def ts(hh: int, mm: float) -> float:
        return datetime(2026, 11, 24, hh, 0, tzinfo=VN).timestamp() + mm * 60

    called, done = ts(7, 1234.5), ts(7, 1240)
    tickets = [
        TicketRow(1, "2026-11-24", "f", "f", "A001", "done", 1, ts(7, 0), called, called, done),
        TicketRow(2, "2026-11-24", "g", "g", "B001", "waiting", None, ts(8, 0), None, None, None),
    ]
    ratings = [RatingRow(1, "2026-11-24", "f", 1, 4, ts(7, 1241))]
    setup = Setup(FORMULA, VN, [("f", "+Hộ tịch"), ("g", "-Khác")], [(1, "@Quầy 1")], 15.0)
    return compute(tickets, [], ratings, setup, date(2026, 11, 24), date(2026, 11, 25))


def test_csv_dialects_write_the_same_figures_their_own_way() -> None:
    rep = tricky_report()
    vn = files.to_csv(rep, "excel-vn")
    plain = files.to_csv(rep, "plain")
    assert vn.split(b"\r\n")[1] == "Từ ngày;24/11/2026".encode()
    v, p = csv_rows(vn, ";"), csv_rows(plain, ",")
    assert v[0] == p[0] == ["Báo cáo số thứ tự", "'" + FORMULA]  # text, never a formula
    assert v[1] == ["Từ ngày", "24/11/2026"] and v[3] == ["Ngưỡng chờ (phút)", "15"]
    vf, pf = csv_block(v, "Theo lĩnh vực"), csv_block(p, "Theo lĩnh vực")
    assert set(vf) == {"'+Hộ tịch", "'-Khác", "Tổng cộng"}
    assert vf["'+Hộ tịch"]["Chờ trung bình (phút)"] == "1234,5"  # no thousands mark
    assert pf["'+Hộ tịch"]["Chờ trung bình (phút)"] == "1234.5"
    assert vf["Tổng cộng"]["90% công dân chờ không quá (phút)"] == "1234,5"
    assert vf["Tổng cộng"]["Tỷ lệ hài lòng (%)"] == "100,0"
    assert pf["Tổng cộng"]["Điểm hài lòng (1–5)"] == "4.00"
    assert vf["Tổng cộng"]["Tỷ lệ chờ quá 15 phút (%)"] == "100,0"
    assert list(csv_block(v, "Theo quầy")) == ["'@Quầy 1"]
    assert csv_block(v, "Theo ngày")["24/11/2026"]["Số phiếu"] == "2"
    assert "Chờ P90 (phút)" not in vn.decode("utf-8-sig")


def test_xlsx_reads_back_typed_with_number_formats() -> None:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(files.to_xlsx(tricky_report())))
    assert wb.sheetnames == ["Theo lĩnh vực", "Theo quầy", "Theo giờ", "Theo ngày"]
    ws = wb["Theo lĩnh vực"]
    assert ws["A1"].value == "Báo cáo số thứ tự" and ws["A1"].font.b
    assert ws["B1"].value == FORMULA and ws["B1"].data_type == "s"  # text, not a formula
    assert ws["B2"].value == datetime(2026, 11, 24) and ws["B2"].number_format == "dd/mm/yyyy"
    heads = [c.value for c in ws[6]]
    assert heads[:3] == ["Lĩnh vực", "Số phiếu", "Đã gọi"] and ws["A6"].font.b
    assert ws.freeze_panes == "B7"
    rows = {r[0].value: dict(zip(heads, r, strict=True)) for r in ws.iter_rows(min_row=7)}
    assert rows["+Hộ tịch"]["Lĩnh vực"].data_type == "s"
    issued = rows["Tổng cộng"]["Số phiếu"]
    assert (issued.value, issued.number_format) == (2, "#,##0") and issued.font.b
    wait = rows["+Hộ tịch"]["Chờ trung bình (phút)"]
    assert (wait.value, wait.number_format) == (1234.5, "0.0")
    share = rows["Tổng cộng"]["Tỷ lệ hài lòng (%)"]
    assert (share.value, share.number_format) == (1.0, "0.0%")
    assert rows["Tổng cộng"]["Điểm hài lòng (1–5)"].number_format == "0.00"
    assert rows["-Khác"]["Chờ trung bình (phút)"].value is None  # nothing to average
    days = wb["Theo ngày"]
    first = next(r for r in days.iter_rows(min_row=7))
    assert first[0].value == datetime(2026, 11, 24) and first[0].number_format == "dd/mm/yyyy"


def test_sheet_names_excel_accepts() -> None:
    taken: set[str] = set()
    assert sheets.sheet_name("Theo quầy/ngày [1]: *?", taken) == "Theo quầy-ngày -1-- --"
    long = "Mức độ hài lòng theo quầy và theo lĩnh vực"
    a, b = sheets.sheet_name(long, taken), sheets.sheet_name(long, taken)
    assert len(a) == len(b) == 31 and a != b and b.endswith(" (2)")


def test_a_table_writes_numbers_per_column_kind() -> None:
    t = Table("T", ["a", "n", "m", "s"], [TEXT, COUNT, MINUTES, SHARE], [["x", 1500, 7, 0.5]])
    assert t.text() == [["x", "1.500", "7,0", "50,0"]]
    assert t.text(numbers.PLAIN) == [["x", "1500", "7.0", "50.0"]]


# --- the monthly summary ---------------------------------------------------------------


def test_monthly_summary_figures(day) -> None:  # noqa: F811
    rep = report(day, "from=2026-11-01&to=2026-11-30")
    s = summary(rep, authority="UBND XÃ THỬ NGHIỆM", head_title="Trưởng bộ phận", made=TODAY)
    figures = {f.key: f for f in s.figures}
    assert (s.month, s.days, s.made) == ("11/2026", 1, "ngày 29 tháng 11 năm 2026")
    assert s.period == "từ ngày 01/11/2026 đến ngày 30/11/2026"
    assert figures["issued"].value == "7" and figures["served"].note == "57,1\u202f% số phiếu"
    assert figures["wait_mean"].value == "17,8" and figures["wait_mean"].unit == "phút"
    assert figures["wait_p90"].label == "90% công dân chờ không quá"
    assert figures["wait_p90"].value == "35"
    assert figures["satisfied"].value == "66,7\u202f%"  # 5 and 4 of 5, 4, 2
    assert figures["satisfied"].note == "3 đánh giá, điểm trung bình 3,67/5"
    assert s.fields.text()[-1][:4] == ["Tổng cộng", "7", "4", "1"]
    assert s.fields.headings[5] == "90% công dân chờ không quá (phút)"
    assert [r[0] for r in s.counters.rows] == ["Quầy 1", "Quầy 2", "Quầy 3", "Quầy 4"]
    assert s.ratings.rows[0][1:3] == ["1 (33,3\u202f%)", "1 (33,3\u202f%)"]


# --- the API and the command line --------------------------------------------------------


def test_api_dialects_and_xlsx(day) -> None:  # noqa: F811
    from openpyxl import load_workbook

    url = "/api/v1/reports/daily?date=2026-11-24&format="
    default = day.c.get(url + "csv", headers=day.admin())
    assert default.data == day.c.get(url + "csv&dialect=plain", headers=day.admin()).data
    assert csv_rows(default.data, ",")[3] == ["Ngưỡng chờ (phút)", "15"]
    vn = day.c.get(url + "csv&dialect=excel-vn", headers=day.admin())
    assert vn.headers["Content-Type"] == "text/csv; charset=utf-8"
    fields = csv_block(csv_rows(vn.data, ";"), "Theo lĩnh vực")
    assert fields["Tổng cộng"]["Chờ trung bình (phút)"] == "17,8"
    bad = day.c.get(url + "csv&dialect=semicolon", headers=day.admin())
    assert bad.status_code == 400 and "dialect" in bad.get_json()["error"]["message"]
    x = day.c.get(url + "xlsx", headers=day.admin())
    assert x.status_code == 200 and x.headers["Content-Type"] == sheets.XLSX_TYPE
    assert 'filename="bao-cao-2026-11-24.xlsx"' in x.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(x.data))
    assert wb.sheetnames == ["Theo lĩnh vực", "Theo quầy", "Theo giờ"]
    assert day.c.get(url + "xlsx").status_code == 401


def test_cli_dialect_and_xlsx(day, config_path: Path, tmp_path: Path) -> None:  # noqa: F811
    from openpyxl import load_workbook

    day.c.application.extensions["sothutu"].service.store.close()
    cmd = [sys.executable, "-m", "counter_api", "report", "--config", str(config_path)]
    cmd += ["--date", "2026-11-24"]
    r = subprocess.run([*cmd, "--csv", "--dialect", "excel-vn"], capture_output=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert csv_block(csv_rows(r.stdout, ";"), "Theo lĩnh vực")["Tổng cộng"]["Số phiếu"] == "7"
    out = tmp_path / "r.xlsx"
    r = subprocess.run([*cmd, "--xlsx", "-o", str(out)], capture_output=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert load_workbook(out)["Theo quầy"]["A6"].value == "Quầy"
    r = subprocess.run([*cmd, "--csv", "--xlsx"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "not allowed with" in r.stderr
    data = json.loads(subprocess.run(cmd, capture_output=True, cwd=ROOT).stdout)
    assert data["total"]["ratings"]["satisfied"] == 0.6667
