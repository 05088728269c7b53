"""CSV cells a spreadsheet would run as formulas: the report's CSV (from a real server)
and ``procedures export`` (the real command) neutralise them with a leading ``'``,
leave numbers alone, and the import reads its own export back unchanged."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from counter_api.procedures.csvio import read_catalogue, write_catalogue
from sothutu.procedures.model import Document, Procedure
from sothutu.spreadsheet import read_cell, safe_cell
from tests.support import (
    ADMIN_KEY,
    KIOSK_KEY,
    ROOT,
    ServerProcess,
    counter_key,
    counter_pin,
    free_port,
    write_config,
)
from tests.visitor import Visitor

HYPERLINK = '=HYPERLINK("http://evil.example/","Bấm vào đây")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+84 912 345 678", "'+84 912 345 678"),
        ("-x", "'-x"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("'=1+1", "''=1+1"),  # read back: '=1+1
        ("''@x", "'''@x"),
        # numbers and ordinary text stay as they are
        ("-1.5", "-1.5"),
        ("-1,5", "-1,5"),
        ("1.234,5", "1.234,5"),
        ("+3", "+3"),
        ("-0", "-0"),
        ("12,5%", "12,5%"),
        ("-1e5", "-1e5"),
        ("Hộ tịch", "Hộ tịch"),
        ("'quoted", "'quoted"),
        ("", ""),
        (-1.5, -1.5),
        (7, 7),
    ],
)
def test_safe_cell_and_read_cell(cell, written) -> None:
    assert safe_cell(cell) == written
    if isinstance(cell, str):
        assert read_cell(written) == cell


def _config(tmp: Path, port: int = 8080) -> Path:
    services = f"""
[[services]]
id = "ho-tich"
name = {_toml(HYPERLINK)}
prefix = "A"
"""
    counters = f"""
[[counters]]
number = 1
name = "@SUM(1+1)"
services = ["ho-tich"]
key = "{counter_key(1)}"
pin = "{counter_pin(1)}"
"""
    return write_config(tmp, port=port, services=services, counters=counters)


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _dangerous(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS) and read_cell("'" + cell) == cell


def test_report_csv_from_a_real_server_runs_no_formula(tmp_path: Path) -> None:
    port = free_port()
    srv = ServerProcess(_config(tmp_path, port), port).start()
    try:
        kiosk, c1 = srv.client(KIOSK_KEY), srv.client(counter_key(1))
        for _ in range(2):
            kiosk.request("POST", "/api/v1/tickets", {"service": "ho-tich"})
            c1.request("POST", "/api/v1/counters/1/next")
            c1.request("POST", "/api/v1/counters/1/done")
        reply = Visitor(port).get(
            "/api/v1/reports/daily?format=csv", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        assert reply.status == 200
        data = reply.body
    finally:
        srv.stop()
    rows = _cells(data)
    assert not [c for row in rows for c in row if _dangerous(c)]
    firsts = [row[0] for row in rows if row]
    assert "'" + HYPERLINK in firsts and "'@SUM(1+1)" in firsts
    by_field = next(i for i, row in enumerate(rows) if row == ["Theo lĩnh vực"])
    heading, field_row = rows[by_field + 1], rows[by_field + 2]
    issued = heading.index("Số phiếu")
    assert field_row[issued] == "2"  # numbers as they were


def test_procedures_export_neutralises_formulas_and_imports_back_unchanged(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path)
    catalogue = [
        Procedure(code="1.1", name=HYPERLINK, service="ho-tich", fees="-1,5"),
        Procedure(
            code="1.2",
            name="+84 gọi tổng đài",
            service="ho-tich",
            documents=(Document("=1+1", 1, 0, form="@mẫu"),),
            processing_time="-3",
            fees="=2*3",
            keywords=("-a", "b"),
        ),
        Procedure(code="1.3", name="@Đăng ký", service="ho-tich", applicants="'=tên"),
    ]
    source = tmp_path / "in.csv"
    source.write_bytes(write_catalogue(catalogue))

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "counter_api", "procedures", *args, "--config", str(config)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("import", str(source))
    out = tmp_path / "out.csv"
    cli("export", str(out))
    data = out.read_bytes()
    cells = [c for row in _cells(data) for c in row]
    assert not [c for c in cells if _dangerous(c)]
    for expected in (
        "'" + HYPERLINK,
        "'+84 gọi tổng đài",
        "'@Đăng ký",
        "'=2*3",
        "''=tên",
        "-1,5",  # numbers are left alone
        "-3",
    ):
        assert expected in cells, expected
    assert next(c for c in cells if c.startswith("'=1+1 |"))  # the documents cell
    assert read_catalogue(data, {"ho-tich": HYPERLINK}) == catalogue
    cli("import", str(out))
    again = tmp_path / "again.csv"
    cli("export", str(again))
    assert again.read_bytes() == data


def test_the_hubs_csv_and_xlsx_run_no_formula() -> None:
    """The province report names centres and fields from the hub's own tables."""
    pytest.importorskip("openpyxl", reason="the hub's extra (pip install '.[hub]')")
    from openpyxl import load_workbook

    from hub.exports import to_csv, to_xlsx

    figures = {
        "issued": 3,
        "served": 2,
        "no_show": 1,
        "wait_avg_s": 90.0,
        "wait_p90_s": 120.0,
        "service_level": 0.5,
        "ratings": {"count": 1, "mean": 4.0, "satisfied": 1.0},
        "booking": {
            "booked": 1,
            "late": 0,
            "walk_in": 2,
            "bookings": 1,
            "no_show": 0,
            "arrival_avg_s": -300.0,
        },
    }
    report = {
        "from": "2026-11-24",
        "to": "2026-11-24",
        "service_level_minutes": 15,
        "rows": [{"centre": "c1", "service_name": HYPERLINK, **figures}],
        "centres": [{"centre": "c1", "centre_name": "@SUM(1+1)", "district": "-x", **figures}],
        "total": figures,
    }
    cells = [c for row in _cells(to_csv(report, "+84 Tỉnh")) for c in row]
    assert not [c for c in cells if _dangerous(c)]
    assert {"'" + HYPERLINK, "'@SUM(1+1)", "'-x", "'+84 Tỉnh", "3", "1.5"} <= set(cells)
    book = load_workbook(io.BytesIO(to_xlsx(report, "+84 Tỉnh")))
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    values = {c.value for line in book.worksheets[0].iter_rows() for c in line}
    assert HYPERLINK in values and "@SUM(1+1)" in values and 3 in values
