"""Text-direction overrides and isolates (U+202A–U+202E, U+2066–U+2069) are refused
like control characters: in the API's text fields (a kiosk's message) on a real
server, in the procedure catalogue (row and column named), and in the config's
texts people see (the key named; the server does not start; more keys in
test_config)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from counter_api.procedures.csvio import CatalogueError, read_catalogue
from sothutu.config import ConfigError, load_config
from sothutu.safetext import DIRECTION_MARKS, unsafe_char
from tests.support import KIOSK_KEY, ROOT, ServerProcess, config_text, counter_key, free_port
from tests.visitor import Visitor

MARKS = sorted(DIRECTION_MARKS)


def test_the_marks_are_the_overrides_and_isolates() -> None:
    assert [f"{ord(c):04X}" for c in MARKS] == [
        "202A", "202B", "202C", "202D", "202E", "2066", "2067", "2068", "2069",
    ]  # fmt: skip
    assert unsafe_char("Quầy 1 \u202egnál") == "U+202E, a text-direction override"
    assert unsafe_char("a\x07b") == "U+0007, a control character"
    assert unsafe_char("dòng 1\ndòng 2", lines=True) is None
    assert unsafe_char("Hộ tịch – Chứng thực (“bản sao”)") is None
    assert unsafe_char("\u200e\u200f") is None  # plain direction marks are harmless


def test_kiosk_messages_and_other_api_text_refuse_them(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "config.toml").write_text(config_text(port=port), encoding="utf-8")
    srv = ServerProcess(tmp_path / "config.toml", port).start()
    try:
        kiosk = Visitor(port, "127.0.0.7")
        key = {"Authorization": f"Bearer {KIOSK_KEY}"}
        for mark in MARKS:
            r = kiosk.post(
                "/api/v1/kiosks/status",
                json={"printer": "paper_out", "message": f"Hết giấy {mark}ộp"},
                headers=key,
            )
            assert r.status == 400, f"U+{ord(mark):04X}"
            message = r.json()["error"]["message"]
            assert "'message'" in message and f"U+{ord(mark):04X}" in message
        state = kiosk.get("/api/v1/state").json()
        assert state["kiosks"][0]["printer"] == "unknown"  # nothing of it was kept
        ok = kiosk.post(
            "/api/v1/kiosks/status", json={"printer": "ok", "message": "Bình thường"}, headers=key
        )
        assert ok.status == 200
        clerk = {"Authorization": f"Bearer {counter_key(1)}"}
        r = kiosk.post("/api/v1/counters/1/pause", json={"reason": "Họp\u2067"}, headers=clerk)
        assert r.status == 400 and "'reason'" in r.json()["error"]["message"]
    finally:
        srv.stop()


def test_the_catalogue_refuses_them_naming_row_and_column() -> None:
    head = 'Mã thủ tục,Tên thủ tục,Lĩnh vực,Giấy tờ cần nộp,"Phí, lệ phí"\r\n'
    rows = (
        "1.1,Đăng ký khai sinh,ho-tich,Tờ khai,\r\n"
        "1.2,Khai \u202etử,ho-tich,Tờ khai,\r\n"
        '1.3,Kết hôn,ho-tich,"Tờ khai\nGiấy \u2066xác nhận",\r\n'
        "1.4,Nhận con,ho-tich,Tờ khai,10\x07000\r\n"
    )
    with pytest.raises(CatalogueError) as caught:
        read_catalogue((head + rows).encode(), {"ho-tich": "Hộ tịch"})
    text = str(caught.value)
    assert "row 3, column 'Tên thủ tục': holds U+202E, a text-direction override" in text
    assert "row 4, column 'Giấy tờ cần nộp': holds U+2066" in text
    assert "row 5, column 'Phí, lệ phí': holds U+0007, a control character" in text
    assert len(caught.value.problems) == 3  # multi-line cells keep their lines


def test_the_configs_shown_texts_refuse_them_and_the_server_does_not_start(tmp_path: Path) -> None:
    text = config_text(centre_extra='notice = "Giờ làm việc\\u202B 7:00"').replace(
        'pin = "11148"', 'pin = "11148"\nname = "Quầy\\u202A 1"', 1
    )
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "counter_api", "--config", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "centre.notice: holds U+202B" in lines[0], done.stderr
    path.write_text(text.replace("\\u202B", ""), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"counters\[0\]\.name: holds U\+202A"):
        load_config(path)
