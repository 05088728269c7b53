"""The SQLite store: pragmas, migrations from older databases, one writer path."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from counter_api.service import QueueService
from counter_api.store import Store, StoreError
from counter_api.store.migrations import MIGRATIONS, migrate, schema_version
from sothutu.clock import ManualClock
from sothutu.config import load_config
from tests.conftest import VN
from tests.support import ROOT, free_port, write_config

V1 = ROOT / "tests" / "data" / "queue-v1.db"  # made by Sothutu 0.1.0 (schema 1), never edit


def test_pragmas(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db")
    with store.read() as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()


def test_fresh_database_gets_the_newest_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db")
    with store.read() as db:
        assert schema_version(db) == len(MIGRATIONS)
        assert {"tickets", "counters", "events", "ticket_log", "kiosks", "meta"} <= set(
            db.table_names()
        )
    store.close()


def test_a_database_of_an_older_version_opens_and_upgrades(tmp_path: Path) -> None:
    path = tmp_path / "queue-v1.db"
    shutil.copy(V1, path)
    config = load_config(write_config(tmp_path, database=path.name))
    clock = ManualClock(datetime(2026, 11, 24, 9, 0, tzinfo=VN))
    svc = QueueService(config, Store(path), clock)
    with svc.store.read() as db:
        assert schema_version(db) == len(MIGRATIONS)
    st = svc.state()
    assert st["counters"][1]["status"] == "paused"
    assert st["kiosks"][0]["printer"] == "paper_low"
    assert svc.ticket(1)["code"] == "A001" and svc.ticket(1)["status"] == "done"
    assert svc.issue("ho-tich")["code"] == "A004"  # numbering continues
    assert svc.events_after(9)[0].id == 10
    svc.store.close()


def schema_of(path: Path) -> dict:
    """What a database's schema means (columns, keys, indexes, triggers, table
    options), whatever the spelling of the SQL that made it."""
    import sqlite_utils

    db = sqlite_utils.Database(sqlite3.connect(path), execute_plugins=False)
    try:
        tables = {
            name: (
                db[name].columns,
                db[name].foreign_keys,
                sorted((i.name, tuple(i.columns), i.unique) for i in db[name].indexes),
                [word in db[name].schema.upper() for word in ("AUTOINCREMENT", "ROWID", "CHECK")],
            )
            for name in db.table_names()
        }
        triggers = {t.name: " ".join(t.sql.split()) for t in db.triggers}
        return {"tables": tables, "triggers": triggers}
    finally:
        db.close()


def test_a_fresh_database_and_an_upgraded_old_one_have_the_same_schema(tmp_path: Path) -> None:
    """Migrations may be rewritten (e.g. with sqlite-utils) only when what they make stays."""
    old = tmp_path / "old.db"
    shutil.copy(V1, old)
    Store(old).close()
    Store(tmp_path / "fresh.db").close()
    fresh = schema_of(tmp_path / "fresh.db")
    assert fresh == schema_of(old)
    assert fresh["tables"]["events"][3][0]  # AUTOINCREMENT: event ids are never reused


def test_each_migration_step_upgrades_from_the_one_before(tmp_path: Path) -> None:
    import sqlite_utils

    for done in range(len(MIGRATIONS)):
        path = tmp_path / f"q{done}.db"
        db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
        for i, step in enumerate(MIGRATIONS[:done], start=1):
            step(db)
            db.execute(f"PRAGMA user_version = {i}")
        assert migrate(db) == len(MIGRATIONS)
        assert migrate(db) == len(MIGRATIONS)  # idempotent
        db.conn.close()


def test_a_newer_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as c:
        c.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(StoreError, match="newer than this Sothutu knows"):
        Store(path)
    cfg = write_config(tmp_path, database=path.name)
    r = subprocess.run(
        [sys.executable, "-m", "counter_api", "--config", str(cfg), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert r.returncode == 1 and "newer than this Sothutu knows" in r.stderr
    assert "Traceback" not in r.stderr


def test_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        Store(path)


def test_a_failed_write_rolls_back_everything(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db")
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
        raise RuntimeError("boom")
    with store.read() as db:
        assert db.execute("SELECT COUNT(*) FROM meta WHERE key = 'a'").fetchone()[0] == 0
    ran = []
    with store.write() as tx:
        tx.after_commit(lambda: ran.append(1))
        tx.execute("INSERT INTO meta (key, value) VALUES ('c', 'd')")
    assert ran == [1]
    store.close()


def test_sqlite_utils_writes_join_the_open_transaction(tmp_path: Path) -> None:
    """insert_all and upsert (sqlite-utils) inside Store.write() commit or roll back
    with it: they must never commit the transaction half-way."""
    from counter_api.store import repo

    store = Store(tmp_path / "q.db")
    at = datetime(2026, 11, 24, 8, tzinfo=VN)
    with pytest.raises(RuntimeError), store.write() as tx:
        repo.set_meta(tx.db, "a", "b")
        repo.ensure_counters(tx.db, [98, 99])
        repo.save_kiosk(tx.db, "k1", "ok", "", at)
        assert tx.db.conn.in_transaction
        raise RuntimeError("boom")
    with store.read() as db:
        assert repo.get_meta(db, "a") is None
        assert set(repo.all_counters(db)) == set()
        assert repo.kiosk_rows(db) == {}
    with store.write() as tx:
        repo.ensure_counters(tx.db, [98, 99])
        repo.ensure_counters(tx.db, [99])  # already there: kept as it is
        repo.save_kiosk(tx.db, "k1", "ok", "", at)
        repo.save_kiosk(tx.db, "k1", "paper_low", "Sắp hết giấy", at)
        repo.set_meta(tx.db, "a", "b")
        repo.set_meta(tx.db, "a", "c")
    with store.read() as db:
        assert repo.get_meta(db, "a") == "c"
        assert set(repo.all_counters(db)) == {98, 99}
        assert repo.kiosk_rows(db) == {"k1": ("paper_low", "Sắp hết giấy", at)}
    store.close()


def test_sql_calling_order_agrees_with_the_core(tmp_path: Path) -> None:
    """The store renders core.order.CALLING_ORDER to SQL; both must pick alike."""
    import random

    from counter_api.core.order import pick_next, waiting_ahead
    from counter_api.store import repo
    from sothutu import booking as codes
    from tests.hub_support import hub_section

    key = "booking-key-0123456789abcdef0123"
    hub = hub_section("http://127.0.0.1:9", "x", "tok-0123456789abcdef", booking_key=key)
    config = load_config(write_config(tmp_path, extra=hub))
    clock = ManualClock(datetime(2026, 11, 24, 8, 0, tzinfo=VN))
    svc = QueueService(config, Store(tmp_path / "q.db"), clock)
    rng = random.Random(7)
    for _ in range(120):
        service = rng.choice(["ho-tich", "chung-thuc"])
        if rng.random() < 0.25:  # booked ahead: slots around now, some checked in late
            now = clock.now().astimezone(VN)
            start = now.hour * 60 + now.minute + rng.choice([-30, -10, 0, 10, 15])
            code = "".join(rng.choice(codes.ALPHABET) for _ in range(6))
            signed = codes.Signed("x", code, service, now.date(), start, start + 30)
            svc.check_in(codes.qr_text(key, signed))
        else:
            svc.issue(service, priority=rng.random() < 0.3)
        clock.advance(rng.choice([0, 0, 1, 30]))  # many equal issue times: ties by id
    for _ in range(25):
        svc.next(rng.choice([1, 2]))
        svc.hold(1) if rng.random() < 0.2 and svc.state()["counters"][0]["current"] else None
    with svc.store.read() as db:
        day = svc.today()
        waiting = repo.waiting_tickets(db, day, ["ho-tich", "chung-thuc"])
        for services in (["ho-tich"], ["chung-thuc"], ["ho-tich", "chung-thuc"]):
            assert repo.first_waiting(db, day, services) == [pick_next(waiting, services)]
        for t in waiting:  # front and back of the queue: both ways of counting
            assert repo.count_ahead(db, t) == waiting_ahead(t, waiting)
        assert any(t.booked for t in waiting) and any(t.booking and not t.booked for t in waiting)
    svc.store.close()


def test_queue_counts_follow_every_change(tmp_path: Path) -> None:
    """The triggers keep queue_counts equal to counting the tickets, through issue,
    call, transfer, hold, call by code, no-show and the rollover."""
    import random

    from counter_api.store import repo

    config = load_config(write_config(tmp_path))
    clock = ManualClock(datetime(2026, 11, 24, 8, 0, tzinfo=VN))
    svc = QueueService(config, Store(tmp_path / "q.db"), clock)
    rng = random.Random(11)

    def check() -> None:
        with svc.store.read() as db:
            counted = db.execute(
                "SELECT business_date, service, priority, COUNT(*) FROM tickets "
                "WHERE status = 'waiting' GROUP BY 1, 2, 3"
            ).fetchall()
            kept = db.execute(
                "SELECT business_date, service, priority, waiting FROM queue_counts "
                "WHERE waiting != 0"
            ).fetchall()
            assert sorted(counted) == sorted(kept)
            day = svc.today().isoformat()
            per_service: dict[str, int] = {}
            for d, s, _, n in counted:
                if d == day:
                    per_service[s] = per_service.get(s, 0) + n
            got = {s: n for s, n in repo.waiting_counts(db, svc.today()).items() if n}
            assert got == per_service

    for step in range(300):
        action = rng.choice(["issue"] * 4 + ["next", "transfer", "hold", "call", "no-show"])
        n = rng.choice([1, 2])
        try:
            if action == "issue":
                svc.issue(rng.choice(["ho-tich", "chung-thuc"]), priority=rng.random() < 0.2)
            elif action == "next":
                svc.next(n)
            elif action == "transfer":
                svc.transfer(n, rng.choice(["ho-tich", "chung-thuc"]))
            elif action == "hold":
                svc.hold(n)
            elif action == "no-show":
                svc.no_show(n)
            else:
                svc.call(n, f"A{rng.randint(1, 40):03d}")
        except Exception as exc:  # 404/409 answers are part of the walk
            assert getattr(exc, "status", None) in (404, 409), exc
        clock.advance(rng.choice([1, 30, 120]))
        if step == 150:
            clock.advance(days=1)  # the rollover expires the waiting ones
        check()
    svc.store.close()
