"""Restore must not make things worse, and a full disk at start says so.

``python -m counter_api restore`` refuses a damaged backup, one of a newer schema
or with tables missing, and (unless ``--force``) one with no tickets or older than
today's last ticket; it never writes beside the backup it checks. A server whose
disk is full at start says "disk full" (a small tmpfs mounted for the test, as
root; skipped with the reason otherwise).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from counter_api.backup import make_backup
from sothutu.config import Config, load_config
from tests.conftest import VN
from tests.support import ROOT, free_port, write_config


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "counter_api", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def issue(config: Config, n: int) -> list[dict]:
    """``n`` tickets of today through the real service (the system clock)."""
    from counter_api.service import QueueService
    from counter_api.store import Store

    svc = QueueService(config, Store(config.database_path))
    try:
        return [svc.issue("ho-tich") for _ in range(n)]
    finally:
        svc.store.close()


@pytest.fixture
def centre(tmp_path: Path) -> tuple[Config, Path]:
    """A database with today's tickets and a backup made after the first five."""
    config = load_config(write_config(tmp_path, port=free_port()))
    issue(config, 5)
    backup = make_backup(config, now=datetime.now(VN))
    assert backup is not None
    return config, backup


def restore(config: Config, backup: Path, *more: str) -> subprocess.CompletedProcess:
    return cli("restore", "--config", str(config.path), str(backup), *more)


def untouched(config: Config) -> int:
    """The current database is still there, whole: its ticket count."""
    with sqlite3.connect(config.database_path) as db:
        return db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]


def test_a_backup_older_than_todays_last_ticket_needs_force(centre) -> None:
    config, backup = centre
    issue(config, 3)  # A006-A008 exist only in the database
    r = restore(config, backup)
    assert r.returncode == 1, r.stdout
    assert "older than today's last ticket (A008 at" in r.stderr and "--force" in r.stderr
    assert untouched(config) == 8
    assert not list(config.database_path.parent.glob("*.before-restore-*"))
    with contextlib.closing(sqlite3.connect(backup)) as db:  # a login of the backup's time
        db.execute(
            "INSERT INTO sessions (token_hash, kind, csrf, binding, created) "
            "VALUES ('x', 'admin', 'c', 'b', 0)"
        )
        db.commit()
    r = restore(config, backup, "--force")
    assert r.returncode == 0, r.stderr
    assert "--force: the backup is older" in r.stderr
    assert untouched(config) == 5
    # the restored day goes on after A008: no code of the day twice, no ticket id twice
    (after,) = issue(config, 1)
    assert after["code"] == "A009" and after["id"] > 8
    with sqlite3.connect(config.database_path) as db:  # no login of the backup's time
        assert db.execute("SELECT COUNT(*) FROM sessions").fetchone() == (0,)


def test_a_backup_with_no_tickets_needs_force(tmp_path: Path, centre) -> None:
    config, _ = centre
    (tmp_path / "empty").mkdir()
    empty = load_config(write_config(tmp_path / "empty", port=free_port()))
    issue(empty, 0)
    blank = make_backup(empty)
    assert blank is not None
    r = restore(config, blank)
    assert r.returncode == 1 and "holds no tickets" in r.stderr, r.stderr
    assert untouched(config) == 5


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        ("PRAGMA user_version = 99", "schema version 99 is newer than this Sothutu"),
        ("DROP TABLE events", "tables missing from the backup: events"),
    ],
)
def test_a_backup_of_a_newer_schema_or_without_its_tables_is_refused(
    tmp_path: Path, centre, spoil: str, said: str
) -> None:
    config, backup = centre
    spoiled = tmp_path / "sothutu-2026-11-24-220000.db"
    shutil.copy(backup, spoiled)
    with contextlib.closing(sqlite3.connect(spoiled)) as db:
        db.execute(spoil)
        db.commit()
    for more in ((), ("--force",)):  # not even with --force
        r = restore(config, spoiled, *more)
        assert r.returncode == 1 and said in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
    assert untouched(config) == 5
    assert not list(config.database_path.parent.glob("queue.db.restoring*"))


def test_nothing_is_written_beside_a_checked_backup(tmp_path: Path, centre) -> None:
    """A copy of a live database (WAL mode, commits still in its -wal) used as a backup:
    restored whole, and no -wal or -shm appears or changes beside it."""
    config, _ = centre
    live_dir = tmp_path / "live"
    live_dir.mkdir()
    live = load_config(write_config(live_dir, port=free_port()))
    issue(live, 9)
    folder = tmp_path / "usb"
    folder.mkdir()
    holder = sqlite3.connect(live.database_path)  # keeps the WAL from being folded in
    try:
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO meta (key, value) VALUES ('note', 'in the wal')")
        holder.execute("COMMIT")
        shutil.copy(live.database_path, folder / "sothutu-2026-11-24-220000.db")
        shutil.copy(live_dir / "queue.db-wal", folder / "sothutu-2026-11-24-220000.db-wal")
    finally:
        holder.close()
    before = sorted(p.name for p in folder.iterdir())
    wal_bytes = (folder / "sothutu-2026-11-24-220000.db-wal").read_bytes()
    r = restore(config, folder / "sothutu-2026-11-24-220000.db")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in folder.iterdir()) == before  # no -shm made beside it
    assert (folder / "sothutu-2026-11-24-220000.db-wal").read_bytes() == wal_bytes
    with sqlite3.connect(config.database_path) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'note'").fetchone() == ("in the wal",)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not list(config.database_path.parent.glob("queue.db-wal"))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs mounted for the test (needs root and mount rights)."""
    where = tmp_path / "disk"
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a full disk is made with a tmpfs mount, which needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path) -> None:
    with contextlib.suppress(OSError), open(folder / "filler", "ab") as fh:
        while True:
            fh.write(b"\0" * 4096)
            fh.flush()


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_a_full_disk_at_start_says_disk_full(tmp_path: Path, small_disk: Path, existing) -> None:
    config = write_config(tmp_path, port=free_port(), database=str(small_disk / "queue.db"))
    if existing:
        issue(load_config(config), 3)
    fill(small_disk)
    r = subprocess.run(
        [sys.executable, "-m", "counter_api", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 1
    lines = [line for line in r.stderr.splitlines() if "ERROR" in line]
    assert len(lines) == 1 and "disk full" in lines[0], r.stderr
    assert "disk I/O error" not in r.stderr and "Traceback" not in r.stderr
    if existing:
        os.remove(small_disk / "filler")
        with sqlite3.connect(small_disk / "queue.db") as db:
            assert db.execute("SELECT COUNT(*) FROM tickets").fetchone() == (3,)
            assert db.execute("PRAGMA quick_check").fetchone() == ("ok",)
