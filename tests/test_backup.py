"""Backups: online copies under write load are consistent, retention, the nightly rule,
the lock against a second backup, and restore into a new server giving the same report."""

from __future__ import annotations

import fcntl
import shlex
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from counter_api.backup import (
    LOCK_NAME,
    PATTERN,
    BackupError,
    Nightly,
    backups,
    check_integrity,
    due,
    make_backup,
)
from sothutu.client import ClientError, Unreachable
from sothutu.config import load_config
from tests.conftest import VN
from tests.support import (
    ADMIN_KEY,
    KIOSK_KEY,
    ROOT,
    ServerProcess,
    counter_key,
    free_port,
    write_config,
)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "counter_api", *args], capture_output=True, text=True, cwd=ROOT
    )


def seeded_config(tmp_path: Path, extra: str = "", **kw):
    """A config whose database holds a few tickets (made through the real service)."""
    from counter_api.service import QueueService
    from counter_api.store import Store
    from sothutu.clock import ManualClock

    config = load_config(write_config(tmp_path, extra=extra, **kw))
    svc = QueueService(
        config, Store(config.database_path), ManualClock(datetime(2026, 11, 24, 8, tzinfo=VN))
    )
    for _ in range(3):
        svc.issue("ho-tich")
    svc.next(1)
    svc.store.close()
    return config


def consistent(path: Path) -> dict:
    """Check a database copy the way a restore would need it; returns a few counts."""
    check_integrity(path)
    db = sqlite3.connect(path)
    try:
        tickets = db.execute("SELECT id FROM tickets ORDER BY id").fetchall()
        issued = db.execute(
            "SELECT ticket_id FROM ticket_log WHERE action = 'issued' ORDER BY ticket_id"
        ).fetchall()
        assert tickets == issued, "a ticket without its log line (or the reverse)"
        n_events = db.execute("SELECT COUNT(*) FROM events WHERE type = 'ticket.issued'").fetchone()
        assert n_events[0] == len(tickets), "a ticket without its event"
        for service, count, low, high in db.execute(
            "SELECT original_service, COUNT(*), MIN(number), MAX(number) FROM tickets "
            "GROUP BY business_date, original_service"
        ):
            assert (low, high) == (1, count), f"numbers of {service} are not 1..{count}"
        bad = db.execute(
            "SELECT c.number FROM counters c JOIN tickets t ON t.id = c.current_ticket "
            "WHERE t.status != 'called'"
        ).fetchall()
        assert not bad, f"counters whose current ticket is not called: {bad}"
        called = db.execute("SELECT COUNT(*) FROM tickets WHERE status = 'called'").fetchone()[0]
        current = db.execute(
            "SELECT COUNT(*) FROM counters WHERE current_ticket IS NOT NULL"
        ).fetchone()[0]
        assert called == current
        return {"tickets": len(tickets)}
    finally:
        db.close()


def test_backup_command_keeps_the_newest_and_checks_them(tmp_path: Path) -> None:
    config = seeded_config(tmp_path, extra="\n[backup]\nkeep = 2\ndir = 'saved'\n")
    made = []
    for _ in range(3):
        r = cli("backup", "--config", str(config.path))
        assert r.returncode == 0, r.stderr
        made.append(Path(r.stdout.strip()))
    left = backups(tmp_path / "saved")
    assert left == made[1:]  # the oldest went
    for p in left:
        assert consistent(p)["tickets"] == 3
        with sqlite3.connect(p) as db:  # a standalone file: no -wal beside it needed
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not list((tmp_path / "saved").glob("*.part"))
    # --nightly: a backup of today exists, so nothing is done.
    r = cli("backup", "--config", str(config.path), "--nightly")
    assert r.returncode == 0 and "not due" in r.stdout
    assert backups(tmp_path / "saved") == left


def test_backup_errors_are_one_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, database="missing/queue.db")
    r = cli("backup", "--config", str(path))
    assert r.returncode == 1 and "no database" in r.stderr and "Traceback" not in r.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(BackupError):
        check_integrity(junk)


def test_a_corrupt_copy_is_detected(tmp_path: Path) -> None:
    config = seeded_config(tmp_path)
    path = make_backup(config)
    assert path is not None
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for n in range(1, len(data) // page):  # scribble over every b-tree page header but the first
        data[n * page : n * page + 12] = b"\x0d\xff\xff\xff\xff" + b"\x00" * 7
    path.write_bytes(bytes(data))
    with pytest.raises(BackupError, match=r"integrity|not a usable"):
        check_integrity(path)


def test_nightly_rule() -> None:
    def t(day: int, hh: int, mm: int = 0) -> datetime:
        return datetime(2026, 11, day, hh, mm, tzinfo=VN)

    assert due(t(24, 9), "22:00", None)  # never backed up: now
    assert not due(t(24, 21, 59), "22:00", t(24, 8))
    assert due(t(24, 22), "22:00", t(24, 8))  # a morning backup does not count for tonight
    assert not due(t(24, 23), "22:00", t(24, 22, 0))  # done tonight
    assert not due(t(25, 9), "22:00", t(24, 22))  # next morning, 11 h old
    assert due(t(26, 8), "22:00", t(24, 22))  # the Pi was off at 22:00: over a day old
    assert not due(t(26, 8), "", t(20, 22))  # nightly backups off


def test_nightly_backup_runs_once_and_skips_when_another_holds_the_lock(tmp_path: Path) -> None:
    config = seeded_config(tmp_path, extra="\n[backup]\ntime = '22:00'\n")
    nightly = Nightly(config)
    evening = datetime(2026, 11, 24, 22, 0, 30, tzinfo=VN)
    assert nightly.tick(evening)
    nightly.join(10)
    assert nightly.last is not None and nightly.last.name == "sothutu-2026-11-24-220030.db"
    assert not nightly.tick(evening + timedelta(minutes=5))
    folder = config.backup_dir
    # A systemd timer's backup holds the lock: the nightly one steps aside, no error.
    with open(folder / LOCK_NAME, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        assert make_backup(config, now=evening + timedelta(days=1), nightly=True) is None
    assert len(backups(folder)) == 1


def _load(url: str, stop: threading.Event, errors: list[str]) -> None:
    """Issue and serve tickets as fast as one client can, until told to stop."""
    from sothutu.client import ApiClient

    kiosk = ApiClient(url, KIOSK_KEY)
    counters = [ApiClient(url, counter_key(n)) for n in (1, 2)]
    i = 0
    while not stop.is_set():
        try:
            kiosk.request("POST", "/api/v1/tickets", {"service": ("ho-tich", "chung-thuc")[i % 2]})
            counters[i % 2].request("POST", f"/api/v1/counters/{1 + i % 2}/next")
        except (ClientError, Unreachable) as exc:
            errors.append(str(exc))
        i += 1


def test_backup_under_write_load_and_restore_into_a_new_server(tmp_path: Path) -> None:
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir()
    b_dir.mkdir()
    port_a, port_b = free_port(), free_port()
    a = ServerProcess(write_config(a_dir, port=port_a), port_a).start()
    config_a = load_config(a.config)
    try:
        stop = threading.Event()
        errors: list[str] = []
        workers = [threading.Thread(target=_load, args=(a.url, stop, errors)) for _ in range(3)]
        for w in workers:
            w.start()
        copies = []
        try:
            time.sleep(0.3)
            for _ in range(5):
                copies.append(make_backup(config_a))
                time.sleep(0.15)
        finally:
            stop.set()
            for w in workers:
                w.join(10)
        assert not errors, errors[:3]
        sizes = [consistent(p)["tickets"] for p in copies if p is not None]
        assert len(sizes) == 5 and sizes == sorted(sizes) and sizes[-1] > sizes[0] > 0
        # The restore procedure of the README: a backup taken while the server runs ...
        r = cli("backup", "--config", str(a.config))
        assert r.returncode == 0, r.stderr
        final = Path(r.stdout.strip())
        admin = a.client(ADMIN_KEY)
        report_a = admin.request("GET", "/api/v1/reports/daily")
        state_a = admin.request("GET", "/api/v1/state")
        # restore refuses while a server answers for that config
        r = cli("restore", "--config", str(a.config), str(final))
        assert r.returncode == 1 and "stop it first" in r.stderr
    finally:
        a.stop()
    # ... restored into a new server (another machine: another config and database).
    config_b = write_config(b_dir, port=port_b, database="data/restored.db")
    r = cli("restore", "--config", str(config_b), str(final))
    assert r.returncode == 0, r.stderr
    b = ServerProcess(config_b, port_b).start()
    try:
        admin = b.client(ADMIN_KEY)
        assert admin.request("GET", "/api/v1/reports/daily") == report_a
        state_b = admin.request("GET", "/api/v1/state")
        for key in ("business_date", "counters", "services", "recent_calls", "last_event_id"):
            assert state_b[key] == state_a[key], key
        # and it goes on numbering where the old one stopped
        before = {s["id"]: s for s in report_a["services"]}["ho-tich"]["issued"]
        t = b.client(KIOSK_KEY).request("POST", "/api/v1/tickets", {"service": "ho-tich"})
        assert t["number"] == before + 1
    finally:
        b.stop()
    # The backup is older than the ticket b issued since: refused, unless --force; then
    # the old database is kept aside, and numbering still goes on after that ticket.
    r = cli("restore", "--config", str(config_b), str(final))
    assert r.returncode == 1 and "older than today's last ticket" in r.stderr, r.stderr
    assert f"A{t['number']:03d}" in r.stderr and "--force" in r.stderr
    r = cli("restore", "--config", str(config_b), str(final), "--force")
    assert r.returncode == 0 and "kept as" in r.stdout, r.stderr
    assert "--force: the backup is older" in r.stderr
    assert list((b_dir / "data").glob("restored.db.before-restore-*"))
    b = ServerProcess(config_b, port_b).start()
    try:
        again = b.client(KIOSK_KEY).request("POST", "/api/v1/tickets", {"service": "ho-tich"})
        assert again["number"] == t["number"] + 1 and again["id"] > t["id"]
    finally:
        b.stop()


def test_the_servers_housekeeping_makes_the_nightly_backup(tmp_path: Path) -> None:
    """The wiring in counter_api.server: housekeeping ticks the nightly backup."""
    from counter_api.server import housekeeping
    from counter_api.service import QueueService
    from counter_api.store import Store
    from sothutu.clock import ManualClock

    config = seeded_config(tmp_path)
    clock = ManualClock(datetime(2026, 11, 24, 23, 59, 59, 500000, tzinfo=VN))
    svc = QueueService(config, Store(config.database_path), clock)
    nightly = Nightly(config)
    stop = threading.Event()
    keeper = threading.Thread(target=housekeeping, args=(svc, stop, nightly), daemon=True)
    keeper.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not backups(config.backup_dir):
            time.sleep(0.05)
        nightly.join(10)
        assert [p.name for p in backups(config.backup_dir)] == ["sothutu-2026-11-24-235959.db"]
    finally:
        stop.set()
        keeper.join(35)
        svc.store.close()


def readme_inspection() -> list[str]:
    """The command lines of the README's "Looking inside a backup"."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Looking inside a backup\n", 1)[1].split("\n#", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_the_readmes_sqlite_utils_commands_read_a_real_backup(tmp_path: Path) -> None:
    """What the README tells a technician to type works on a backup and only reads it."""
    config = seeded_config(tmp_path)
    backup = make_backup(config)
    assert backup is not None
    cp, *commands = readme_inspection()
    source, target = shlex.split(cp)[1:]
    assert shlex.split(cp)[0] == "cp" and PATTERN.fullmatch(Path(source).name), cp
    copy = tmp_path / "copy.db"
    shutil.copy(backup, copy)
    before = copy.read_bytes()
    tool = Path(sys.executable).parent / "sqlite-utils"
    out = []
    for line in commands:
        args = shlex.split(line)
        assert args[0] == "/opt/sothutu/venv/bin/sqlite-utils", line
        args = [str(tool), *(str(copy) if a == target else a for a in args[1:])]
        assert str(copy) in args, line
        r = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, (line, r.stderr)
        out.append(r.stdout)
    assert [c.split()[1] for c in commands] == ["tables", "schema", "rows", "query", "query"]
    tables, schema, rows, per_day, log = out
    assert any(line.split()[:2] == ["tickets", "3"] for line in tables.splitlines()), tables
    assert "CREATE TABLE tickets (" in schema and "procedure_code" in schema, schema
    assert "A001" in rows and "called" in rows and "A003" in rows, rows
    assert "2026-11-24" in per_day and "ho-tich" in per_day, per_day
    assert log.splitlines()[0] == "at,action,code,counter", log
    assert ",issued,A001," in log and ",called,A001,1" in log, log
    assert copy.read_bytes() == before  # the documented commands only read
