"""The catalogue file: Excel-style CSV in and out, every bad row named, all or nothing;
the database import, the configured file synced at start, and the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from counter_api.procedures.catalogue import (
    Catalogue,
    import_file,
    load_procedures,
    sync_configured_file,
)
from counter_api.procedures.csvio import (
    COLUMNS,
    CatalogueError,
    format_document,
    parse_document,
    read_catalogue,
    write_catalogue,
)
from counter_api.store import Store
from sothutu.config import load_config
from sothutu.procedures.model import Document
from tests.procedures_fixtures import SAMPLE, SERVICES, procedures_config
from tests.support import ROOT, write_config

HEAD = '\ufeffMã thủ tục,Tên thủ tục,Lĩnh vực,Giấy tờ cần nộp,"Phí, lệ phí"\r\n'


def csv(*rows: str, head: str = HEAD) -> bytes:
    return (head + "".join(r + "\r\n" for r in rows)).encode("utf-8")


def problems(data: bytes) -> list[str]:
    with pytest.raises(CatalogueError) as err:
        read_catalogue(data, SERVICES, "test.csv")
    return [str(p) for p in err.value.problems]


# --- the format --------------------------------------------------------------------------


def test_the_sample_round_trips_byte_for_byte() -> None:
    data = SAMPLE.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the marks
    procedures = read_catalogue(data, SERVICES)
    assert len(procedures) == 22
    assert write_catalogue(procedures) == data
    longest = max(procedures, key=lambda p: len(p.name))
    assert 190 <= len(longest.name) <= 200  # the kiosk must wrap it
    assert {p.service for p in procedures} == set(SERVICES)


def test_an_excel_file_in_another_shape_imports_and_round_trips() -> None:
    # semicolons (Excel with Vietnamese regional settings), headings without marks and
    # in another order, bullets, a field given by its name, a trailing empty column,
    # blank rows, decomposed (NFD) marks, LF inside cells and CRLF between rows
    text = (
        "ten thu tuc;MA THU TUC;Lĩnh vực;Giay to can nop;Từ khóa tìm kiếm;\r\n"
        'Đăng ký khai sinh;1.001193;Hộ tịch;"- Tờ khai | bản chính: 1 | mẫu: TK-1\n'
        '- Giấy chứng sinh\n\n2) CCCD | bản sao: 2";giấy khai sinh, em bé;\r\n'
        ";;;;;\r\n"
        "Chứng thực chữ ký;2.000884;chung thuc;;;\r\n"
    )
    data = "\ufeff".encode() + text.replace("Đăng", "Đăng").encode()
    procs = read_catalogue(data, SERVICES)
    assert [p.code for p in procs] == ["1.001193", "2.000884"]
    p = procs[0]
    assert p.name == "Đăng ký khai sinh" and p.service == "ho-tich"
    assert p.documents == (
        Document("Tờ khai", 1, 0, "TK-1"),
        Document("Giấy chứng sinh", 1, 0, ""),
        Document("CCCD", 0, 2, ""),
    )
    assert p.keywords == ("giấy khai sinh", "em bé")
    assert procs[1].service == "chung-thuc"
    assert read_catalogue(write_catalogue(procs), SERVICES) == procs


@pytest.mark.parametrize(
    ("line", "doc"),
    [
        ("Tờ khai", Document("Tờ khai", 1, 0, "")),
        ("Tờ khai | bản chính: 2", Document("Tờ khai", 2, 0, "")),
        ("Tờ khai | bản sao: 1", Document("Tờ khai", 0, 1, "")),
        ("Tờ khai|ban chinh:1|ban sao:1|mau:TK", Document("Tờ khai", 1, 1, "TK")),
        ("Tờ khai | Mẫu đơn: Mẫu 01 | BẢN CHÍNH: 1", Document("Tờ khai", 1, 0, "Mẫu 01")),
    ],
)
def test_document_lines(line: str, doc: Document) -> None:
    assert parse_document(line) == doc
    assert parse_document(format_document(doc)) == doc


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("Tờ khai | bản chính: hai", "whole number"),
        ("Tờ khai | bản sao: -1", "whole number"),
        ("Tờ khai | bản chính: 1.5", "whole number"),
        ("Tờ khai | bản chính: 99", "0 to 20"),
        ("Tờ khai | bản chính: 0 | bản sao: 0", "at least one"),
        ("Tờ khai | 2 bản", "is not 'bản chính: N'"),
        ("Tờ khai | bản chính: 1 | bản chính: 2", "given twice"),
        ("Tờ khai | mẫu:", "needs the form's name"),
        (" | bản chính: 1", "no name"),
    ],
)
def test_bad_document_lines(line: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_document(line)


def test_every_bad_row_is_named_with_its_column() -> None:
    found = problems(
        csv(
            "1.000001,Đăng ký khai sinh,ho-tich,Tờ khai,",
            "1.000002,,ho-tich,,",  # missing name
            "1.000003,Thủ tục X,tu-phap,,",  # unknown field
            '1.000004,Thủ tục Y,ho-tich,"Tờ khai\nCCCD | bản chính: hai",',  # bad count
            "1.000001,Trùng mã,ho-tich,,",  # duplicate code
            "1 000 005,Mã có dấu cách,ho-tich,,",  # bad code
            ",Không có mã,ho-tich,,",  # missing code
        )
    )
    assert found == [
        "row 3, column 'Tên thủ tục': missing: every procedure needs a name",
        "row 4, column 'Lĩnh vực': unknown field 'tu-phap' (configured: ho-tich (Hộ tịch), "
        "chung-thuc (Chứng thực), dat-dai (Đất đai), lao-dong-xa-hoi (Lao động – Thương binh "
        "– Xã hội), huong-dan (Hướng dẫn / Khác)); add it to the config's [[services]] or use "
        "one of these",
        "row 5, column 'Giấy tờ cần nộp': line 2 ('CCCD | bản chính: hai'): 'bản chính' must "
        "be a whole number from 0 to 20, got 'hai'",
        "row 6, column 'Mã thủ tục': '1.000001' is already used on row 2",
        "row 7, column 'Mã thủ tục': '1 000 005' is not a code like 1.001193 (letters, digits, "
        "'.', '-', '_')",
        "row 8, column 'Mã thủ tục': missing: every procedure needs its code, e.g. 1.001193",
    ]


def test_row_numbers_count_rows_not_lines() -> None:
    # a cell over three lines must not shift the row number of what follows
    found = problems(csv('1.1,A,ho-tich,"X\nY\nZ",', "1.2,B,nowhere,,"))
    assert found == [found[0]] and found[0].startswith("row 3, column 'Lĩnh vực'")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (csv('1.1,"Tên chưa đóng ngoặc kép,ho-tich,,', "1.2,B,ho-tich,,"), "never closed"),
        (csv('1.1,"A"B,ho-tich,,'), "broken CSV on line 2"),
        (csv("1.1,A,ho-tich,,,,lạc cột"), "row 2: text in column 7, which has no heading"),
        (HEAD.replace("Mã thủ tục", "Mã số").encode(), "unknown column 'Mã số'"),
        ("Tên thủ tục,Lĩnh vực\r\nA,ho-tich\r\n".encode(), "missing column 'Mã thủ tục'"),
        ("Mã thủ tục,Mã thủ tục,Tên thủ tục,Lĩnh vực\r\n".encode(), "appears twice"),
        (b"", "empty"),
        (HEAD.encode(), "no procedures"),
        (csv("1.1,A,ho-tich,,").replace(b"ho-tich", b"ho-tich,,,\x00"), "NUL"),
        (  # what Excel's plain "CSV" writes on a Vietnamese Windows: Windows-1258
            b"Ma thu tuc,Ten thu tuc,Linh vuc\r\n1.1,Kh\xe1c,ho-tich\r\n",
            "not UTF-8 \\(byte 0xE1 on line 2\\)",
        ),
        (HEAD.encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (csv("1.1,A,ho-tich,,").replace(b",,\r\n", b",,,,,,,,,,,,\r\n"), None),  # empty extras
        ("Mã thủ tục,Tên thủ tục,Lĩnh vực,Đường dẫn\r\n1.1,A,ho-tich,ftp://x\r\n".encode(), "http"),
    ],
)
def test_broken_files_are_refused_clearly(data: bytes, says: str | None) -> None:
    if says is None:
        assert len(read_catalogue(data, SERVICES)) == 1
        return
    with pytest.raises(CatalogueError, match=says) as err:
        read_catalogue(data, SERVICES, "thu-tuc.csv")
    assert str(err.value).startswith("thu-tuc.csv: ") and "nothing imported" in str(err.value)


def test_many_problems_are_all_counted_and_the_first_ones_shown() -> None:
    rows = [f"1.{i},Tên {i},khong-co,," for i in range(40)]
    with pytest.raises(CatalogueError) as err:
        read_catalogue(csv(*rows), SERVICES)
    assert len(err.value.problems) == 40
    text = str(err.value)
    assert text.startswith("40 problems") and "row 2, column 'Lĩnh vực'" in text
    assert "… and 15 more" in text


def test_the_columns_are_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Procedures", 1)[1].split("\n## ", 1)[0]
    for col in COLUMNS:
        assert f"`{col.heading}`" in section, col.heading
    assert "bản chính: N" in section and "bản sao: N" in section and "mẫu:" in section


# --- the database ---------------------------------------------------------------------------


def make_config(tmp_path: Path, catalogue: str = ""):
    return procedures_config(tmp_path, catalogue)


def test_import_is_all_or_nothing(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    store = Store(config.database_path)
    good = tmp_path / "good.csv"
    good.write_bytes(SAMPLE.read_bytes())
    import_file(store, config, good)
    catalogue = Catalogue(store, config)
    before = catalogue.view()
    assert len(before.procedures) == 22 and before.version == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv("9.1,Mới,ho-tich,,", "9.2,,ho-tich,,"))  # one good row, one bad
    with pytest.raises(CatalogueError, match="row 3"):
        import_file(store, config, bad)
    after = catalogue.view()
    assert after is before  # same version: nothing was written
    with store.read() as db:
        assert [p.code for p in load_procedures(db)] == [p.code for p in before.procedures]
    store.close()


def test_a_field_removed_from_the_config_hides_its_procedures(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    store = Store(config.database_path)
    path = tmp_path / "c.csv"
    path.write_bytes(SAMPLE.read_bytes())
    import_file(store, config, path)
    three = load_config(write_config(tmp_path))  # ho-tich, chung-thuc, dat-dai only
    view = Catalogue(store, three).view()
    assert {p.service for p in view.procedures} == {"ho-tich", "chung-thuc", "dat-dai"}
    assert view.get("1.004222") is None
    assert "1.004222" not in [h.procedure.code for h in view.search("ho khau")]
    store.close()


def test_the_configured_file_is_imported_when_new_or_changed(tmp_path: Path) -> None:
    path = tmp_path / "thu-tuc.csv"
    path.write_bytes(SAMPLE.read_bytes())
    config = make_config(tmp_path, "thu-tuc.csv")  # relative to the config file
    store = Store(config.database_path)
    catalogue = Catalogue(store, config)
    assert sync_configured_file(store, config) is None
    assert catalogue.view().version == 1 and catalogue.view().source == "thu-tuc.csv"
    assert not catalogue.view().sample
    assert sync_configured_file(store, config) is None
    assert catalogue.view().version == 1  # unchanged file: not imported again
    # staff import another file by hand: it stays until the configured file changes
    other = tmp_path / "other.csv"
    other.write_bytes(csv("9.9,Một thủ tục khác,ho-tich,,"))
    import_file(store, config, other)
    assert sync_configured_file(store, config) is None
    assert [p.code for p in catalogue.view().procedures] == ["9.9"]
    # the configured file changes: imported at the next start
    path.write_bytes(SAMPLE.read_bytes().replace("Đăng ký khai tử".encode(), "Khai tử".encode()))
    assert sync_configured_file(store, config) is None
    view = catalogue.view()
    assert view.version == 3 and view.get("1.000656").name == "Khai tử"
    # a broken configured file: an error naming the key, the catalogue untouched
    path.write_bytes(csv("9.1,,ho-tich,,"))
    problem = sync_configured_file(store, config)
    assert problem.startswith("procedures.catalogue: ") and "row 2" in problem
    assert catalogue.view() is view
    path.unlink()
    assert "cannot read" in sync_configured_file(store, config)
    store.close()


# --- the command line ------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "counter_api", "procedures", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_cli_import_export_and_a_refused_file(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    cfg = str(config.path)
    sample = tmp_path / "sample.csv"
    sample.write_bytes(SAMPLE.read_bytes())
    r = _cli("import", str(sample), "--config", cfg)
    assert r.returncode == 0, r.stderr
    assert "imported 22 procedures (ho-tich 10, chung-thuc 4" in r.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv("9.1,Mới,ho-tich,,", "9.2,Mới nữa,tu-phap,,"))
    r = _cli("--config", cfg, "import", str(bad))  # --config before the action works too
    assert r.returncode == 1 and r.stdout == ""
    assert "1 problem, nothing imported" in r.stderr
    assert "row 3, column 'Lĩnh vực': unknown field 'tu-phap'" in r.stderr
    out = tmp_path / "export.csv"
    r = _cli("export", str(out), "--config", cfg)
    assert r.returncode == 0 and "exported 22 procedures" in r.stdout
    assert out.read_bytes() == SAMPLE.read_bytes()  # the bad import changed nothing
    r = _cli("import", str(bad), "--check", "--config", cfg)
    assert r.returncode == 1 and "tu-phap" in r.stderr
    r = _cli("import", "--config", cfg)
    assert r.returncode == 1 and "needs a FILE.csv" in r.stderr


def test_a_schema_1_database_upgrades_and_issues_tickets_for_procedures(tmp_path: Path) -> None:
    import shutil
    from datetime import datetime

    from counter_api.service import QueueService
    from sothutu.clock import ManualClock
    from tests.conftest import VN

    path = tmp_path / "queue-v1.db"
    shutil.copy(ROOT / "tests" / "data" / "queue-v1.db", path)
    config = load_config(write_config(tmp_path, database=path.name))
    clock = ManualClock(datetime(2026, 11, 24, 9, 0, tzinfo=VN))
    svc = QueueService(config, Store(path), clock)
    assert "procedure" not in svc.ticket(1)  # tickets from before keep their shape
    t = svc.issue("ho-tich", procedure=("1.001193", "Đăng ký khai sinh"))
    assert t["code"] == "A004" and t["procedure"] == {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
    }
    assert svc.ticket(t["id"])["procedure"]["code"] == "1.001193"
    with svc.store.read() as db:
        assert load_procedures(db) == []
    svc.store.close()
