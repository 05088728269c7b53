"""Province hub benchmarks: real hub processes, a local PostgreSQL (fsync on), real HTTP.

- ingest: 500 simulated centres pushing at once (2 batches of 1,000 rows each);
- the delay from a call at a real centre server to the hub's overview;
- the overview (page and JSON) with 3,321 centres and a month of rollups for all;
- a province's month report (the largest province, ~170 centres) and the country's;
- memory of a hub process.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import random
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import psycopg

from hub import schema
from hub.devcluster import DevCluster
from tests.hub_support import HUB_ADMIN_KEY, HubProcess, hub_section, write_hub_config
from tests.perf.server import pct
from tests.support import KIOSK_KEY, ServerProcess, counter_key, free_port, write_config

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CENTRES = 3321
PUSHING = 500
BATCHES = 2
PROVINCES = 34
BIG_PROVINCE = 170
PUSH_SECONDS = 2.0
TARGETS = {"ingest_rows_s": 20000, "overview_p99_ms": 200, "report_s": 2.0}
SERVICES = ["ho-tich", "chung-thuc", "dat-dai", "tu-phap", "khac"]


def token(i: int) -> str:
    return f"bench-token-{i:05d}-0123456789abcdef"


def centre_id(i: int) -> str:
    return f"c{i:05d}"


def province_of(i: int) -> str:
    if i < BIG_PROVINCE:
        return "Tỉnh 01"
    return f"Tỉnh {2 + (i - BIG_PROVINCE) * (PROVINCES - 1) // (CENTRES - BIG_PROVINCE):02d}"


def register(url: str) -> None:
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO centres (id, name, district, token_hash, setup, booking_key) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (
                    centre_id(i),
                    f"Trung tâm PVHCC xã Số {i:04d}",
                    province_of(i),
                    hashlib.sha256(token(i).encode()).hexdigest(),
                    json.dumps({"services": [{"id": s, "name": s} for s in SERVICES]}),
                    f"key-{i}",
                )
                for i in range(CENTRES)
            ],
        )
        cur.execute("INSERT INTO booking_feed (centre_id) SELECT id FROM centres")


def day_rows(day: date, count: int, rnd: random.Random) -> list[dict]:
    """About ``count`` rows of a centre's day: each ticket issued, called, done; some rated."""
    rows: list[dict] = []
    start = datetime(day.year, day.month, day.day, 7, 30, tzinfo=VN).timestamp()
    t = 0
    while len(rows) < count:
        t += 1
        service = rnd.choice(SERVICES)
        issued = start + t * 20
        called = issued + rnd.uniform(60, 1800)
        done = called + rnd.uniform(120, 900)
        ticket = {
            "id": t,
            "date": day.isoformat(),
            "code": f"A{t:03d}",
            "service": service,
            "priority": rnd.random() < 0.08,
            "procedure": None,
        }
        for action, at, extra in (
            ("issued", issued, {}),
            ("called", called, {"counter": 1 + t % 4, "calls": 1}),
            ("done", done, {"counter": 1 + t % 4}),
        ):
            rows.append(
                {
                    "action": action,
                    "at": datetime.fromtimestamp(at, VN).isoformat(),
                    "business_date": day.isoformat(),
                    "ticket": ticket,
                    **extra,
                }
            )
        if rnd.random() < 0.3:
            rows.append(
                {
                    "action": "rated",
                    "at": datetime.fromtimestamp(done + 30, VN).isoformat(),
                    "business_date": day.isoformat(),
                    "ticket": ticket,
                    "counter": 1 + t % 4,
                    "score": rnd.choice([5, 5, 4, 4, 3, 2, 1]),
                }
            )
    for i, r in enumerate(rows[:count], start=1):
        r["seq"] = i
    return rows[:count]


def bodies(i: int, today: date) -> list[bytes]:
    rnd = random.Random(i)
    rows = day_rows(today, 1000 * BATCHES, rnd)
    out = []
    for b in range(BATCHES):
        chunk = rows[b * 1000 : (b + 1) * 1000]
        body = {
            "centre": centre_id(i),
            "after": b * 1000,
            "rows": chunk,
            "health": {
                "waiting": {s: rnd.randint(0, 20) for s in SERVICES},
                "kiosks": [{"name": "kiosk-1", "printer": "ok"}],
            },
            "setup": {},
            "version": "bench",
            "sent_at": datetime.now(VN).isoformat(),
        }
        out.append(gzip.compress(json.dumps(body).encode()))
    return out


def post(port: int, path: str, data: bytes, key: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(
            "POST",
            path,
            body=data,
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
            },
        )
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def ingest(ports: list[int], today: date) -> dict[str, float]:
    payloads = {i: bodies(i, today) for i in range(PUSHING)}
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    go = threading.Event()

    def centre(i: int) -> None:
        go.wait()
        for data in payloads[i]:
            t0 = time.perf_counter()
            status, body = post(ports[i % len(ports)], "/api/v1/ingest", data, token(i))
            with lock:
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    failures.append(f"{status} {body[:100]!r}")

    threads = [threading.Thread(target=centre, args=(i,)) for i in range(PUSHING)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if failures:
        raise RuntimeError(f"{len(failures)} pushes failed, e.g. {failures[0]}")
    rows = PUSHING * BATCHES * 1000
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows_s": rows / elapsed,
        "p50_ms": pct(latencies, 50) * 1000,
        "p99_ms": pct(latencies, 99) * 1000,
    }


def fill_month(url: str, today: date) -> int:
    """A month of rollups for every centre (what the overview and reports read)."""
    first = today - timedelta(days=30)
    with psycopg.connect(url) as conn:
        conn.execute(
            """
            INSERT INTO daily (centre_id, day, service, issued, called, served, no_show,
                               expired, waits, served_waits, ratings)
            SELECT c.id, d::date, s, n, n, n - n / 20, n / 20, 0,
                   ARRAY(SELECT (random() * 1800)::float8 FROM generate_series(1, n)
                         WHERE c.id IS NOT NULL),
                   ARRAY(SELECT (random() * 1800)::float8 FROM generate_series(1, n - n / 20)
                         WHERE c.id IS NOT NULL),
                   ARRAY[n / 50, n / 40, n / 20, n / 8, n / 6]
            FROM centres c,
                 generate_series(%s::date, %s::date, interval '1 day') d,
                 unnest(%s::text[]) s,
                 -- per row: 10 to 60 tickets a field a day (about 175 a centre)
                 LATERAL (SELECT (10 + random() * 50 + 0 * length(c.id || s))::int AS n) k
            ON CONFLICT DO NOTHING
            """,
            (first, today - timedelta(days=1), SERVICES),
        )
        conn.execute(
            """
            INSERT INTO centre_day (centre_id, day, issued, served, waits, wait_avg_s, wait_p90_s)
            SELECT centre_id, day, sum(issued), sum(served), sum(cardinality(waits)),
                   avg(issued) * 10, avg(issued) * 25 FROM daily GROUP BY centre_id, day
            ON CONFLICT DO NOTHING
            """
        )
        conn.execute(
            "UPDATE centres SET last_seen = now(), health = "
            '\'{"waiting": {"ho-tich": 3}, "kiosks": [{"name": "k", '
            '"printer": "ok"}]}\' WHERE last_seen IS NULL'
        )
        waits = conn.execute("SELECT sum(cardinality(waits)) FROM daily").fetchone()[0]
    with psycopg.connect(url, autocommit=True) as conn:
        # A month-old rollup has long been vacuumed and analysed by autovacuum.
        conn.execute("VACUUM ANALYZE")
    return waits


def timed_get(
    port: int, path: str, headers: dict[str, str], n: int, timeout: float = 60
) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200, (path, resp.status)
        out.append(time.perf_counter() - t0)
    conn.close()
    return out


def login(port: int, url: str) -> str:
    from hub import accounts
    from hub.db import Database

    db = Database(url, 1)
    try:
        accounts.add_user(db, "bench", "province", "bench-password-2026")
    finally:
        db.close()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/login",
        body=urlencode({"name": "bench", "password": "bench-password-2026"}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    resp = conn.getresponse()
    resp.read()
    return resp.getheader("Set-Cookie").split(";")[0]


def call_delay(tmp: Path, hub: HubProcess, url: str, samples: int = 25) -> list[float]:
    """A real centre server pushing every PUSH_SECONDS: from a clerk's "next" (which
    finishes a ticket) to the hub's overview counting it as served."""
    from hub import accounts
    from hub.db import Database

    db = Database(url, 1)
    try:
        tok, _key = accounts.add_centre(db, "real-centre", "Trung tâm thật", "Tỉnh 01")
    finally:
        db.close()
    port = free_port()
    (tmp / "centre").mkdir()
    server = ServerProcess(
        write_config(
            tmp / "centre", port=port, extra=hub_section(hub.url, "real-centre", tok, PUSH_SECONDS)
        ),
        port,
    ).start()
    delays = []
    try:
        kiosk, clerk = server.client(KIOSK_KEY), server.client(counter_key(1))
        for _ in range(samples + 1):
            kiosk.post("/api/v1/tickets", {"service": "ho-tich"})
        clerk.post("/api/v1/counters/1/next")
        rnd = random.Random(5)

        def served() -> int:
            conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=10)
            conn.request(
                "GET", "/api/v1/centres", headers={"Authorization": f"Bearer {HUB_ADMIN_KEY}"}
            )
            data = json.loads(conn.getresponse().read())
            conn.close()
            return next(c for c in data["centres"] if c["id"] == "real-centre")["served_today"]

        time.sleep(PUSH_SECONDS * 2)
        for _ in range(samples):
            time.sleep(rnd.uniform(0, PUSH_SECONDS))
            before = served()
            clerk.post("/api/v1/counters/1/next")
            t0 = time.perf_counter()
            while served() == before:
                time.sleep(0.02)
            delays.append(time.perf_counter() - t0)
    finally:
        server.stop()
    return delays


def vm(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


GROWTH = [
    "",
    "### How it grows past one PostgreSQL",
    "",
    "The whole country is 3,321 centres; at up to 1,200 tickets a day and about five rows "
    "a ticket that is at most ~20 million rows a day, a few hundred rows a second on "
    "average and a few thousand at the morning peak: one PostgreSQL ingests it with room "
    "to spare (figure above). What grows is disk (raw rows, ~150 bytes each: about 1 TB a "
    "year for the whole country, 30–50 GB for a province) and the reports' reading. "
    "Without changing code:",
    "",
    "- **More hub processes**: they keep no state outside PostgreSQL; add "
    "`sothutu-hub@PORT` units and `server` lines in nginx's upstream, on this or more "
    "machines.",
    "- **Read replicas for pages**: a streaming replica (hot standby) serves every read. "
    "Run hub processes whose `[database] url` names the replica and let nginx send them "
    "every `GET` (overview, centre pages, reports, JSON reads; a session is only read "
    "there), while `POST /api/v1/ingest`, `POST /login` and `POST /logout` go to the "
    "processes on the primary. Replication lag is well under the 15 s refresh.",
    "- **Partitions per month** are plain tables: a year-old month is detached and "
    "archived (`ALTER TABLE rows DETACH PARTITION rows_2026_01`, `pg_dump`, drop) while "
    "the rollups that reports read stay.",
    "- **A database per province**: the deployment the guide describes is one hub per "
    "province (100–170 centres: the province's month report above takes about a second); "
    "a national view adds up the provinces' `GET /api/v1/report` answers, which carry "
    "counts, means with their counts and shares.",
    "- **One national database, sharded**: every table but `users` and `sessions` is "
    "keyed by centre first, so the Citus extension can distribute them by `centre_id` "
    "(`create_distributed_table`) with the same SQL.",
    "",
    "What would need code: the national month report over all 3,321 centres sorts every "
    "waiting time three times (per field, per centre, in all) to give exact "
    "90th percentiles; it takes the time shown above. Pre-sorted per-day histograms "
    "that locate the percentile's bucket first and sort only that bucket would make it "
    "a matter of seconds.",
]


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def run() -> list[str]:
    today = datetime.now(VN).date()
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp, DevCluster(durable=True) as cluster:
        tmpdir = Path(tmp)
        url = cluster.create_database("bench_hub")
        with psycopg.connect(url) as conn:
            schema.migrate(conn)
        register(url)
        ports = [free_port(), free_port()]
        hubs = [
            HubProcess(write_hub_config(tmpdir / f"hub{k}", url, p, ""), p).start()
            for k, p in enumerate(ports)
        ]
        try:
            ing = ingest(ports, today)
            raw_rows = ing["rows"]
            waits = fill_month(url, today)
            cookie = login(ports[0], url)
            page = timed_get(ports[0], "/", {"Cookie": cookie}, 60)
            api = timed_get(
                ports[0], "/api/v1/centres", {"Authorization": f"Bearer {HUB_ADMIN_KEY}"}, 60
            )
            month = f"from={today - timedelta(days=30)}&to={today}"
            province = timed_get(
                ports[0],
                f"/api/v1/report?{month}&district={quote('Tỉnh 01')}",
                {"Authorization": f"Bearer {HUB_ADMIN_KEY}"},
                5,
            )
            country = timed_get(
                ports[0],
                f"/api/v1/report?{month}",
                {"Authorization": f"Bearer {HUB_ADMIN_KEY}"},
                1,
                timeout=900,
            )
            xlsx = timed_get(
                ports[0],
                f"/api/v1/report.xlsx?{month}&district={quote('Tỉnh 01')}",
                {"Authorization": f"Bearer {HUB_ADMIN_KEY}"},
                3,
            )
            delays = call_delay(tmpdir, hubs[0], url)
            rss = [vm(h.proc.pid, "VmRSS") for h in hubs]  # type: ignore[union-attr]
            hwm = [vm(h.proc.pid, "VmHWM") for h in hubs]  # type: ignore[union-attr]
            with psycopg.connect(url) as conn:
                size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        finally:
            for h in hubs:
                h.stop()
    ok = lambda good: "✓" if good else "✗"  # noqa: E731
    return [
        "## Province hub",
        "",
        f"Two hub processes (16 threads, 6 pooled connections each) and PostgreSQL 15 with "
        f"its default durability (fsync on) on this machine; the load generator shares it. "
        f"{CENTRES:,} centres registered in {PROVINCES} provinces (the largest with "
        f"{BIG_PROVINCE}); a month of per-day rollups for all of them ({waits:,} waiting times); "
        f"{raw_rows:,} raw rows pushed by the ingest run. Database {size / 1e9:.1f} GB. "
        f"Load average before the run: {load_before} (other work on the machine slows "
        "every figure).",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| ingest: {PUSHING} centres pushing {BATCHES} × 1,000 rows at once | "
        f"{ing['rows_s']:,.0f} rows/s ({ing['seconds']:.1f} s; a push p50 "
        f"{ing['p50_ms']:.0f} ms, p99 {ing['p99_ms']:.0f} ms) | ≥ {TARGETS['ingest_rows_s']:,} "
        f"rows/s {ok(ing['rows_s'] >= TARGETS['ingest_rows_s'])} |",
        f"| a call at a centre → the hub's overview data (push every {PUSH_SECONDS:g} s, "
        f"{len(delays)} calls) | p50 {pct(delays, 50):.2f} s, p99 {pct(delays, 99):.2f} s "
        f"= {pct(delays, 99) / PUSH_SECONDS:.2f} × push_seconds | ≤ 2 × push_seconds "
        f"{ok(pct(delays, 99) <= 2 * PUSH_SECONDS)} |",
        f"| overview page `/` with {CENTRES:,} centres | p50 {pct(page, 50) * 1000:.0f} ms, "
        f"p99 {pct(page, 99) * 1000:.0f} ms | p99 ≤ {TARGETS['overview_p99_ms']} ms "
        f"{ok(pct(page, 99) * 1000 <= TARGETS['overview_p99_ms'])} |",
        f"| `GET /api/v1/centres` ({CENTRES:,} centres) | p50 {pct(api, 50) * 1000:.0f} ms, "
        f"p99 {pct(api, 99) * 1000:.0f} ms | p99 ≤ {TARGETS['overview_p99_ms']} ms "
        f"{ok(pct(api, 99) * 1000 <= TARGETS['overview_p99_ms'])} |",
        f"| a province's month report ({BIG_PROVINCE} centres, JSON) | "
        f"{max(province):.2f} s (worst of {len(province)}) | ≤ {TARGETS['report_s']:g} s "
        f"{ok(max(province) <= TARGETS['report_s'])} |",
        f"| the same as .xlsx | {max(xlsx):.2f} s | (information) |",
        f"| the whole country's month report ({CENTRES:,} centres) | {max(country):.2f} s | "
        "(information) |",
        f"| memory of a hub process after all this | RSS {max(rss):.0f} MiB, peak "
        f"{max(hwm):.0f} MiB | (information) |",
        "",
        "The overview and the reports read only the rollups (`centre_day`, `daily`), never "
        "raw rows, so their cost grows with centres × days, not with tickets. The delay to "
        "the overview page adds its refresh (every 15 s) to the figure above: with the "
        "default `push_seconds = 30` a call shows on an open overview within 30 + 15 s "
        "plus the push itself, under 2 × 30 s.",
        *GROWTH,
    ]


if __name__ == "__main__":
    print("\n".join(run()))
