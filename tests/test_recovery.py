"""A damaged database at start: kept aside, said, recovered, and numbering goes on.

One history is made once (today's tickets through the real service, a backup in
the middle of the day, more tickets after it); each test copies it, damages the
database file the way disks do (zero length, pages overwritten in the middle, a
truncated file, a scribbled header) and starts a real server on it. The server
must say so (log, /api/v1/health, the admin page, the console's banner), keep
the damaged file, bring back what is readable, and never issue a code of today
twice.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from counter_api.backup import backups, make_backup
from sothutu.config import load_config
from tests.conftest import VN
from tests.console_support import log_in
from tests.support import (
    ADMIN_KEY,
    KIOSK_KEY,
    ServerProcess,
    counter_key,
    free_port,
    write_config,
)

ADMIN_PASSWORD = "correct horse battery staple"


@dataclass
class History:
    folder: Path
    before: list[dict]  # today's tickets in the backup
    after: list[dict]  # today's tickets made after the backup (only in queue.db)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    """Today's tickets through the real service (the system clock: the server's day),
    a backup after the first ones, and more after it; the server stopped cleanly."""
    from counter_api.service import QueueService
    from counter_api.store import Store

    folder = tmp_path_factory.mktemp("history")
    config = load_config(write_config(folder, server_extra=f'admin_password = "{ADMIN_PASSWORD}"'))
    svc = QueueService(config, Store(config.database_path))
    try:
        before = [svc.issue(("ho-tich", "chung-thuc")[i % 2], kiosk="kiosk-1") for i in range(40)]
        for _ in range(5):
            svc.next(1)
        make_backup(config, now=datetime.now(VN))
        after = [svc.issue(("ho-tich", "chung-thuc")[i % 2], kiosk="kiosk-1") for i in range(30)]
        svc.next(2)
        # a busy day's log: enough pages that damage in the middle spares the end
        for i in range(300):
            svc.kiosk_status("kiosk-1", "paper_low" if i % 2 else "ok", f"lần {i}")
    finally:
        svc.store.close()
    return History(folder, before, after)


@pytest.fixture
def centre(history: History, tmp_path: Path) -> Iterator[Path]:
    """A copy of the history's folder, with a config on a free port."""
    folder = tmp_path / "centre"
    shutil.copytree(history.folder, folder)
    yield folder


def start(folder: Path) -> ServerProcess:
    port = free_port()
    config = write_config(folder, port=port, server_extra=f'admin_password = "{ADMIN_PASSWORD}"')
    return ServerProcess(config, port).start()


def highest(tickets: list[dict], service: str) -> int:
    return max(t["number"] for t in tickets if t["service"] == service)


def page_size(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[16:18], "big")


def damage_zero(db: Path) -> None:
    db.write_bytes(b"")


def damage_middle(db: Path) -> None:
    data = bytearray(db.read_bytes())
    size = page_size(db)
    pages = len(data) // size
    for n in range(pages // 3, pages // 3 + 4):  # four pages in the middle
        data[n * size : (n + 1) * size] = bytes([0x5A]) * size
    db.write_bytes(bytes(data))


def damage_truncated(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) * 2 // 3 + 1234])  # mid-page, the last third gone


def damage_header(db: Path) -> None:
    data = bytearray(db.read_bytes())
    data[:16] = b"\x00GARBAGE-GARBAGE"[:16]
    db.write_bytes(bytes(data))


DAMAGE = {
    "zero-length": damage_zero,
    "middle-pages": damage_middle,
    "truncated": damage_truncated,
    "garbage-header": damage_header,
}


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_database_is_recovered_and_said(
    kind: str, centre: Path, history: History, request: pytest.FixtureRequest
) -> None:
    db = centre / "queue.db"
    assert not (centre / "queue.db-wal").exists()
    DAMAGE[kind](db)
    server = start(centre)
    try:
        out = server.output()
        assert "DATABASE DAMAGED" in out, out
        health = server.client().health()
        storage = health["storage"]
        assert storage["status"] == "recovered", storage
        assert "damaged" in storage["message"] and "backup sothutu-" in storage["message"]
        # the damaged file is kept, byte for byte as the disk left it
        kept = sorted(centre.glob("queue.db.damaged-*"))
        assert [p.name for p in kept if not p.name.endswith(("-wal", "-shm"))], kept
        # everything of the backup is back
        client = server.client()
        for t in history.before:
            assert client.ticket(t["id"])["code"] == t["code"]
        # the next ticket of each field is not a code issued today
        kiosk = server.client(KIOSK_KEY)
        issued = history.before + history.after
        a = kiosk.issue("ho-tich")
        b = kiosk.issue("chung-thuc")
        assert a["number"] > highest(issued, "ho-tich"), (a["code"], kind)
        assert b["number"] > highest(issued, "chung-thuc"), (b["code"], kind)
        assert a["id"] > max(t["id"] for t in issued)  # no ticket id used twice either
        back = []
        for t in history.after:
            try:
                back.append(client.ticket(t["id"])["code"] == t["code"])
            except Exception:
                back.append(False)
        if kind in ("garbage-header", "middle-pages"):
            assert sum(back) >= len(back) // 2, f"readable tickets not brought back: {back}"
        if kind == "garbage-header":
            assert all(back)
        if kind != "middle-pages":
            return  # the pages and the next start: once is enough
        pages = request.getfixturevalue("pages")
        # the clerks' console says it in its banner
        page = log_in(pages, server, 1)
        banner = page.locator("#storage-banner")
        banner.wait_for(state="visible", timeout=10000)
        assert "khôi phục" in banner.inner_text()
        # the admin page says it with the details, and can acknowledge it
        admin = pages.open(server.url + "/admin")
        admin.fill("input[name=password]", ADMIN_PASSWORD)
        admin.press("input[name=password]", "Enter")
        notice = admin.locator("#storage-recovery")
        notice.wait_for(state="visible", timeout=10000)
        text = notice.inner_text()
        assert "queue.db.damaged-" in text and "sothutu-" in text, text
        admin.click("#storage-recovery button")
        admin.wait_for_url("**/admin**")
        assert server.client().health()["storage"] == {"status": "ok"}
    finally:
        server.stop()
    # the next start finds a sound database and says nothing
    server = start(centre)
    try:
        assert "DATABASE DAMAGED" not in server.output()
        assert server.client().health()["storage"] == {"status": "ok"}
    finally:
        server.stop()


def test_a_new_install_and_a_sound_database_start_as_they_are(tmp_path: Path) -> None:
    # no file and no backup: a new install, not damage
    server = start(tmp_path)
    try:
        assert server.client().health()["storage"] == {"status": "ok"}
        first = server.client(KIOSK_KEY).issue("ho-tich")
        assert first["code"] == "A001"
        server.client(counter_key(1)).counter(1, "next")
    finally:
        server.stop()
    # an empty file and no backup: a new install too (nothing to lose)
    other = tmp_path / "other"
    other.mkdir()
    (other / "queue.db").write_bytes(b"")
    server = start(other)
    try:
        assert server.client().health()["storage"] == {"status": "ok"}
        assert "DATABASE DAMAGED" not in server.output()
    finally:
        server.stop()


def test_a_missing_database_with_backups_is_recovered(centre: Path, history: History) -> None:
    (centre / "queue.db").unlink()
    server = start(centre)
    try:
        assert server.client().health()["storage"]["status"] == "recovered"
        assert "missing" in server.client().health()["storage"]["message"]
        assert server.client(ADMIN_KEY).request("GET", "/api/v1/state")["business_date"]
    finally:
        server.stop()


def test_a_bad_backup_is_skipped_for_an_older_good_one(centre: Path, history: History) -> None:
    (newest,) = backups(centre / "backups")
    older = newest.with_name("sothutu-2000-01-01-000000.db")
    shutil.copy(newest, older)
    broken = newest.with_name("sothutu-2999-01-01-000000.db")
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
    damage_zero(centre / "queue.db")
    server = start(centre)
    try:
        assert "sothutu-2999-01-01-000000.db not used" in server.output()
        storage = server.client().health()["storage"]
        assert newest.name in storage["message"]
    finally:
        server.stop()


def test_the_recovered_file_is_a_sound_database(centre: Path) -> None:
    with sqlite3.connect(centre / "queue.db") as db:
        before = dict(db.execute("SELECT name, seq FROM sqlite_sequence"))
    damage_middle(centre / "queue.db")
    server = start(centre)
    server.stop()
    with sqlite3.connect(centre / "queue.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # ids go on past anything the damaged file may have handed out: ticket ids (the
        # QR codes), event ids (clients resume after theirs) and the hub's row numbers
        # (the province hub keeps rows by number and would drop a reused one)
        after = dict(db.execute("SELECT name, seq FROM sqlite_sequence"))
        for table in ("tickets", "events", "ticket_log", "uplink_outbox"):
            assert after[table] >= before[table] + 1000, table
        counts = dict(db.execute("SELECT service, SUM(waiting) FROM queue_counts GROUP BY 1"))
        real = dict(
            db.execute("SELECT service, COUNT(*) FROM tickets WHERE status = 'waiting' GROUP BY 1")
        )
        assert counts == real


def test_the_high_water_file_stays_ahead_of_what_is_issued(tmp_path: Path, clock) -> None:
    """Every number and ticket id issued is covered by the file before it is answered,
    written about once per block; a file that cannot be written stops nothing."""
    from counter_api.service import QueueService
    from counter_api.store import Store
    from counter_api.store.highwater import path_for, read

    config = load_config(write_config(tmp_path))
    svc = QueueService(config, Store(config.database_path), clock)
    try:
        marks_path = path_for(config.database_path)
        files = set()  # each write renames a new file into place: a new inode
        for _ in range(60):
            t = svc.issue("ho-tich")
            marks = read(marks_path)
            files.add(marks_path.stat().st_ino)
            assert marks.business_date == "2026-11-24"
            assert marks.numbers["ho-tich"] >= t["number"] and marks.ticket_id >= t["id"]
        assert 2 <= len(files) <= 8, len(files)
        # a folder that cannot be written: issuing goes on
        marks_path.unlink()
        svc.highwater.path = tmp_path / "missing" / "queue.db.highwater"
        for _ in range(30):
            svc.issue("chung-thuc")
        assert svc.issue("chung-thuc")["code"] == "B031"
    finally:
        svc.store.close()
