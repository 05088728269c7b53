"""The hub's pure parts and its config and command line (no server needed for most)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from hub import fold
from hub.config import SECTIONS, ConfigError, load_config, settings_of
from hub.ingest import IngestError, parse
from sothutu.reports.compute import compute
from tests.hub_support import fresh_database, hub_cli, write_hub_config
from tests.support import ROOT

D = date(2026, 11, 24)
T0 = 1_795_000_000.0


def row(seq: int, action: str, t: float, ticket: int | None = 1, **kw) -> fold.Row:
    return fold.Row(
        seq=seq, day=D, business_date=D, at=T0 + t, action=action, ticket_id=ticket, **kw
    )


def test_folding_rows_rebuilds_the_ticket_as_the_centre_has_it() -> None:
    rows = [
        row(1, "issued", 0, code="A001", service="ho-tich", priority=True),
        row(2, "called", 60, counter=1, calls=1, service="ho-tich"),
        row(3, "held", 120, counter=1, service="ho-tich"),
        row(4, "called", 300, counter=2, calls=2, service="ho-tich"),
        row(5, "transferred", 320, counter=2, service="dat-dai"),
        row(6, "called", 400, counter=3, calls=3, service="dat-dai"),
        row(7, "recalled", 410, counter=3, calls=4, service="dat-dai"),
        row(8, "done", 600, counter=3, service="dat-dai"),
    ]
    t = None
    for r in rows:
        t = fold.apply(t, r)
    assert t is not None
    assert (t.original_service, t.service, t.status, t.counter, t.calls) == (
        "ho-tich",
        "dat-dai",
        "done",
        3,
        4,
    )
    assert (t.first_called_at, t.called_at, t.finished_at) == (T0 + 60, T0 + 400, T0 + 600)


def test_rollups_equal_the_report_of_the_same_rows() -> None:
    rows = [
        row(1, "issued", 0, ticket=1, service="a"),
        row(2, "issued", 10, ticket=2, service="a"),
        row(3, "issued", 20, ticket=3, service="b"),
        row(4, "called", 100, ticket=1, counter=1, calls=1, service="a"),
        row(5, "no_show", 150, ticket=1, counter=1, service="a"),
        row(6, "called", 200, ticket=2, counter=1, calls=1, service="a"),
        row(7, "transferred", 230, ticket=2, counter=1, service="b"),
        row(8, "called", 260, ticket=1, counter=2, calls=2, service="a"),  # back after no-show
        row(9, "done", 300, ticket=1, counter=2, service="a"),
        row(10, "rated", 310, ticket=1, counter=2, service="a", score=4),
        row(11, "called", 320, ticket=3, counter=2, calls=1, service="b"),
        row(12, "expired", 99_999, ticket=2, service="b"),
        row(13, "issued", 400, ticket=4, service="a", booking="K7M3PX", slot_start=T0 + 600),
        row(
            14,
            "issued",
            500,
            ticket=5,
            service="b",
            booking="HXW4NA",
            slot_start=T0 - 1800,
            booking_late=True,
        ),
    ]
    # applied in two batches, as two pushes would
    states, deltas1 = fold.rollup({}, rows[:6])
    _changed, deltas2 = fold.rollup(states, rows[6:])
    totals: dict[str, dict[str, int]] = {}
    waits: dict[str, list[float]] = {}
    for deltas in (deltas1, deltas2):
        for (_day, service), d in deltas.items():
            acc = totals.setdefault(service, dict.fromkeys(fold.COUNTS, 0))
            for k, v in d.counts.items():
                acc[k] += v
            waits.setdefault(service, []).extend(d.waits)
    tickets, log, ratings = fold.report_rows(rows, D, D)
    from zoneinfo import ZoneInfo

    from sothutu.reports.compute import Setup

    rep = compute(
        tickets,
        log,
        ratings,
        Setup(
            "x", ZoneInfo("Asia/Ho_Chi_Minh"), [("a", "A"), ("b", "B")], [(1, "1"), (2, "2")], 15.0
        ),
        D,
        D,
    )
    for s in rep["services"]:
        for k in fold.COUNTS:
            assert totals[s["id"]][k] == (s[k] if k in s else s["booking"][k]), (s["id"], k)
        assert len(waits.get(s["id"], [])) == s["waiting"]["count"]
    assert rep["total"]["ratings"]["count"] == 1 and rep["total"]["no_show"] == 0
    booking = rep["total"]["booking"]
    assert (booking["booked"], booking["late"], booking["walk_in"]) == (1, 1, 3)
    arrivals = sum(d.arrival_s for deltas in (deltas1, deltas2) for d in deltas.values())
    assert (
        booking["arrival"]["mean"] == round(arrivals / 2 / 60, 2) == round((-200 + 2300) / 120, 2)
    )


def test_parse_rejects_rows_out_of_order_and_names_the_field() -> None:
    base = {"centre": "x", "after": 5, "rows": [{"seq": 5}]}
    with pytest.raises(IngestError, match=r"rows\[0\].seq"):
        parse(base)
    ok = parse({"centre": "x", "rows": [{"seq": 3, "action": "missing"}]})
    assert ok.gaps == [3] and ok.rows == []


def test_every_hub_key_is_in_the_example_with_a_comment() -> None:
    text = (ROOT / "hub.example.toml").read_text(encoding="utf-8")
    section, previous, found = None, "", {}
    for line in text.splitlines():
        s = line.strip()
        if m := re.fullmatch(r"\[(\w+)\]", s):
            section = m[1]
        elif section and (m := re.match(r"(\w+) *=", s)):
            found[(section, m[1])] = previous.startswith("#")
        if s:
            previous = s
    for name, (cls, _) in SECTIONS.items():
        for f in settings_of(cls):
            assert found.get((name, f.name)), f"{name}.{f.name} missing or uncommented"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('url = "postgresql', 'url = "mysql'), "database.url"),
        (lambda t: t.replace("port = ", "port = 99999 #"), "server.port"),
        (lambda t: t.replace("[database]", "[databse]"), "databse: unknown section"),
        (lambda t: t.replace('admin_key = "hub-admin', 'admin_key = "demo'), "server.admin_key"),
    ],
)
def test_a_bad_hub_config_names_the_key(tmp_path: Path, edit, message: str) -> None:
    path = write_hub_config(tmp_path, "postgresql:///x", 8090)
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path)
    out = subprocess.run(
        [sys.executable, "-m", "hub", "--config", str(path), "init-db"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


def test_the_example_loads() -> None:
    assert load_config(ROOT / "hub.example.toml").hub.name


def test_the_hub_imports_no_centre_program() -> None:
    code = (
        "import sys, hub.cli, hub.web, hub.server, hub.ingest, hub.queries, hub.exports; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('counter_api', 'kiosk', 'display', 'keypads', 'pygame')]; assert not bad, bad"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr


def test_cli_init_db_centres_and_users(pg_cluster, tmp_path: Path) -> None:
    url = pg_cluster.create_database("hub_cli_empty")
    config = write_hub_config(tmp_path, url)
    out = hub_cli(config, "centre", "list")
    assert out.returncode == 1 and "init-db" in out.stderr
    first = hub_cli(config, "init-db")
    again = hub_cli(config, "init-db")
    assert first.returncode == again.returncode == 0, first.stderr
    assert "version 2 (was 0)" in first.stdout and again.stdout.strip() == "schema at version 2"
    out = hub_cli(config, "centre", "add", "cu-lao-dung", "--name", "Xã Cù Lao Dung")
    lines = out.stdout.strip().splitlines()
    token = lines[-1].removeprefix('token = "').removesuffix('"')
    assert out.returncode == 0 and len(token) >= 40 and lines[-1] == f'token = "{token}"'
    key = lines[-2].removeprefix('booking_key = "').removesuffix('"')
    assert len(key) >= 40 and key != token and lines[1] == 'centre_id = "cu-lao-dung"'
    again_key = hub_cli(config, "centre", "key", "cu-lao-dung").stdout.strip().splitlines()[-1]
    assert again_key == f'booking_key = "{key}"'
    import psycopg

    with psycopg.connect(url) as conn:
        stored = conn.execute("SELECT token_hash FROM centres").fetchone()[0]
    assert token not in stored and len(stored) == 64
    assert hub_cli(config, "centre", "add", "cu-lao-dung", "--name", "x").returncode == 1
    assert hub_cli(config, "centre", "add", "Bad Id", "--name", "x").returncode == 1
    out = hub_cli(
        config, "user", "add", "head", "--role", "centre:nowhere", stdin="long-enough-pw\n"
    )
    assert out.returncode == 1 and "nowhere" in out.stderr
    out = hub_cli(config, "user", "add", "head", "--role", "centre:cu-lao-dung", stdin="short\n")
    assert out.returncode == 1 and "10 characters" in out.stderr
    out = hub_cli(
        config, "user", "add", "head", "--role", "centre:cu-lao-dung", stdin="long-enough-pw\n"
    )
    assert out.returncode == 0, out.stderr
    with psycopg.connect(url) as conn:
        pw = conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert pw.startswith("scrypt$") and "long-enough-pw" not in pw
    out = hub_cli(config, "user", "passwd", "head", stdin="another-long-pw\n")
    assert out.returncode == 0
    assert fresh_database(pg_cluster)
