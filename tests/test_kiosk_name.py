"""Two kiosks started with the same ``[kiosk] name`` (a copied config): the server
keeps the name for the first and refuses the second, says so in both logs and
on the admin page; a restart of the first is not locked out.

Real server process; headless kiosks with preview printers, each reaching the
server from its own loopback address, as two machines of the LAN would."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kiosk_support import Running, preview_files
from tests.support import (
    ARTIFACTS,
    KIOSK_KEY,
    ServerProcess,
    counter_key,
    free_port,
    wait_for,
    write_config,
)

FIRST, COPY = "127.0.0.5", "127.0.0.9"


PASSWORD = "test-admin-password-0123"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    port = free_port()
    config = write_config(tmp_path, port=port, server_extra=f'admin_password = "{PASSWORD}"')
    proc = ServerProcess(config, port).start()
    yield proc
    proc.stop()


def kiosk_1(server: ServerProcess) -> dict:
    return next(k for k in server.client().state()["kiosks"] if k["name"] == "kiosk-1")


@pytest.mark.debian
def test_a_copied_kiosk_name_is_refused_and_shown(
    server: ServerProcess, tmp_path: Path, mock_factory, caplog, pages
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk")
    first = Running(tmp_path / "first", server.port, mock_factory, FIRST)
    copy = None
    try:
        wait_for(lambda: kiosk_1(server)["seen"], what="the first kiosk's report")
        copy = Running(tmp_path / "copy", server.port, mock_factory, COPY)
        # the copy is refused: its log and the server's log say why and what to do
        wait_for(lambda: copy.reporter.refused.is_set(), what="the copy refused")
        assert "the server refuses this kiosk" in caplog.text
        assert f"in use by the kiosk at {FIRST}" in caplog.text
        server_log = wait_for(lambda: "second kiosk" in server.output() and server.output())
        assert f"refused a second kiosk at {COPY}" in server_log
        assert "give each kiosk its own [[kiosks]] entry" in server_log
        assert not first.reporter.refused.is_set()
        state = kiosk_1(server)
        assert state["conflict"]["address"] == COPY and state["printer"] == "ok"
        # the admin page says it, and what to do
        admin = pages.open(server.url + "/admin", viewport={"width": 1366, "height": 900})
        admin.fill("#password", PASSWORD)
        admin.click("button[type=submit]")
        note = admin.locator("[data-kiosk=kiosk-1] [data-conflict]")
        assert f"Có hai máy lấy số cùng tên kiosk-1: máy ở địa chỉ {COPY}" in note.inner_text()
        assert "[[kiosks]] riêng" in note.inner_text()
        assert admin.inner_text("[data-kiosk=kiosk-1] [data-printer]") == "Bình thường"
        admin.screenshot(path=str(ARTIFACTS / "admin-kiosk-name-in-use.png"), full_page=True)
        assert admin.js_errors == []

        # what clerks send to the name prints at the first kiosk only
        ticket = server.client(KIOSK_KEY).issue("ho-tich")
        server.client(counter_key(1)).post(f"/api/v1/tickets/{ticket['id']}/reprint")
        wait_for(lambda: preview_files(tmp_path / "first" / "tickets", ".png"), what="a print")
        wait_for(lambda: "left to the other kiosk" in caplog.text, what="the copy's skip")
        assert preview_files(tmp_path / "copy" / "tickets", ".png") == []

        # the first kiosk restarts (a new process on the same machine): not locked out
        first.close()
        first = Running(tmp_path / "again", server.port, mock_factory, FIRST)
        wait_for(lambda: first.reporter.sent is not None, what="the restart's report")
        wait_for(lambda: "restarted at 127.0.0.5" in server.output(), what="the server's note")
        assert not first.reporter.refused.is_set()
    finally:
        first.close()
        if copy is not None:
            copy.close()
