#!/usr/bin/env python3
"""`make demo-hub`: a throwaway PostgreSQL, the province hub and three centres with a
simulated day, for a look in the browser.

Everything lives in a temp folder and goes away on Ctrl-C. The three centres run
the real queue server (counter_api) with a [hub] section and push to the hub
every few seconds; yesterday and this morning are simulated into their databases
first, so the overview, the centre pages and the reports have figures. A fourth
centre is registered but never connects (how an offline box looks). Citizens can
book numbers ahead at the three (/dat-lich) and check them in at their servers.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub import accounts, schema  # noqa: E402
from hub.db import Database  # noqa: E402
from hub.devcluster import ClusterError, DevCluster  # noqa: E402

CENTRES = [
    ("cu-lao-dung", "Trung tâm PVHCC xã Cù Lao Dung", "Cù Lao Dung", 160),
    ("an-thanh", "Trung tâm PVHCC xã An Thạnh", "Cù Lao Dung", 90),
    ("phuong-1", "Trung tâm PVHCC phường Sóc Trăng", "Thành phố Sóc Trăng", 420),
]
PASSWORD = "demo-tinh-2026"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def centre_config(
    folder: Path, port: int, hub_url: str, centre: str, name: str, token: str, booking_key: str
) -> Path:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    head, _, _ = text.partition("\n[hub]\n")
    head = head.replace("port = 8080", f"port = {port}", 1)
    # each centre under its own name (its pages, tickets and reports say it)
    full = name.replace("PVHCC", "Phục vụ hành chính công")
    head = head.replace(
        'name = "Trung tâm Phục vụ hành chính công xã Cù Lao Dung"', f'name = "{full}"', 1
    )
    # opening hours: the booking pages cut them into slots (none without hours)
    head = head.replace("\nhours = []\n", '\nhours = ["07:00-11:30", "13:00-17:00"]\n', 1)
    head = head.replace('database = "var/queue.db"', f'database = "{folder / "queue.db"}"')
    head = head.replace('connection = "preview:var/tickets"', f'connection = "preview:{folder}"')
    head = head.replace(
        '"deploy/procedures.sample.csv"', f'"{ROOT / "deploy/procedures.sample.csv"}"'
    )
    path = folder / "config.toml"
    path.write_text(
        head + f'\n[hub]\nurl = "{hub_url}"\ncentre_id = "{centre}"\ntoken = "{token}"\n'
        f'booking_key = "{booking_key}"\npush_seconds = 5\n',
        encoding="utf-8",
    )
    return path


def wait_ok(url: str, proc: subprocess.Popen, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8090, help="the hub's port (default 8090)")
    args = parser.parse_args()
    from tests.simday import simulate_day

    work = Path(tempfile.mkdtemp(prefix="sothutu-demo-hub-"))
    procs: list[tuple[str, subprocess.Popen]] = []
    try:
        cluster = DevCluster().start()
    except ClusterError as exc:
        print(f"demo-hub: {exc}", file=sys.stderr)
        return 1
    try:
        url = cluster.create_database("sothutu_hub")
        db = Database(url, 2)
        with db.connection() as conn:
            schema.migrate(conn)
        keys = {
            cid: accounts.add_centre(db, cid, name, district) for cid, name, district, _ in CENTRES
        }
        accounts.add_centre(db, "dai-ngai", "Trung tâm PVHCC xã Đại Ngãi", "Long Phú")
        accounts.add_user(db, "tinh", "province", PASSWORD)
        accounts.add_user(db, "culaodung", "centre:cu-lao-dung", PASSWORD)
        hub_url = f"http://127.0.0.1:{args.port}"
        config = work / "hub.toml"
        config.write_text(
            (ROOT / "hub.example.toml")
            .read_text(encoding="utf-8")
            .replace('url = "postgresql:///sothutu_hub"', f'url = "{url}"')
            .replace("port = 8090", f"port = {args.port}")
            .replace(
                'secret_key = "change-me-to-a-long-random-secret"',
                'secret_key = "throwaway-hub-secret-of-make-demo-hub"',
            )
            .replace(
                'admin_key = "change-me-to-another-long-random-key"',
                'admin_key = "hub-admin-key-of-the-demo-only"',
            )
            .replace("secure_cookies = true", "secure_cookies = false"),
            encoding="utf-8",
        )
        from hub.bookings import update_settings
        from hub.config import load_config

        for cid, name, _district, _ in CENTRES:  # citizens may book at the three
            address = f"Trụ sở UBND, {name.split(' ', 3)[-1]}"
            update_settings(db, load_config(config), cid, {"enabled": True, "address": address})
        db.close()
        py = sys.executable
        hub = subprocess.Popen([py, "-m", "hub", "--config", str(config)], cwd=ROOT)
        procs.append(("hub", hub))
        if not wait_ok(hub_url + "/api/v1/health", hub):
            print("demo-hub: the hub did not start; see the lines above", file=sys.stderr)
            return 1
        now = datetime.now().astimezone()
        lines = []
        for i, (cid, name, _district, tickets) in enumerate(CENTRES):
            folder = work / cid
            folder.mkdir()
            port = free_port()
            path = centre_config(folder, port, hub_url, cid, name, *keys[cid])
            print(f"demo-hub: simulating a day at {name} …", flush=True)
            simulate_day(path, now.date() - timedelta(days=1), tickets=tickets, seed=i + 1)
            hour = min(max(now.hour + now.minute / 60, 7.5), 23.9)
            simulate_day(
                path,
                now.date(),
                tickets=int(tickets * (hour - 7) / 10) + 5,
                seed=i + 11,
                until_hour=hour,
            )
            proc = subprocess.Popen([py, "-m", "counter_api", "--config", str(path)], cwd=ROOT)
            procs.append((cid, proc))
            lines.append(f"  {name:<38} http://127.0.0.1:{port}/admin")
        print(
            f"""
Sothutu province hub demo is running.
  Hub (province)   {hub_url}/          user tinh, password {PASSWORD}
  Hub (a centre)   {hub_url}/          user culaodung, password {PASSWORD}
  Province report  {hub_url}/reports   (Excel, printable monthly summary)
  Booking ahead    {hub_url}/dat-lich  (citizens' pages: phone size in the browser)
  Centres (they push every 5 s; admin password in config.example.toml):
"""
            + "\n".join(lines)
            + "\nPress Ctrl-C to stop (everything is deleted).\n",
            flush=True,
        )

        def on_term(_signum: int, _frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, on_term)
        while hub.poll() is None:
            time.sleep(0.5)
        print("demo-hub: the hub exited", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        for _, proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc in procs:
            try:
                proc.wait(timeout=8)
            except subprocess.TimeoutExpired:
                proc.kill()
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
