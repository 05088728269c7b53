"""The check's hands on the LAN: run inside the container's network namespace
(``nsenter --net``) with the host's Python, it speaks to the server on the
container's loopback through the project's own API client, and answers in JSON.

python -m tests.pi.probe wait --timeout 90
python -m tests.pi.probe issue --key K --count 300 --clients 4 --log FILE
python -m tests.pi.probe load --key K --clients 4 --log FILE     # until the server dies
python -m tests.pi.probe call --key K --counter 1
python -m tests.pi.probe verify --log FILE --extra 20
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
import time
from pathlib import Path

from sothutu.client import ApiClient, ClientError, Unreachable

URL = "http://127.0.0.1:8080"
SERVICES = ("ho-tich", "chung-thuc", "dat-dai", "lao-dong-xa-hoi", "huong-dan")


def wait(args: argparse.Namespace) -> dict:
    """Seconds until /api/v1/health answers 200."""
    client = ApiClient(args.url, timeout=2.0)
    began = time.monotonic()
    last = ""
    while time.monotonic() - began < args.timeout:
        try:
            health = client.health()
            return {"seconds": time.monotonic() - began, "health": health}
        except (Unreachable, ClientError) as exc:
            last = str(exc)
        time.sleep(0.25)
    raise SystemExit(f"no answer from {args.url} within {args.timeout} s: {last}")


class Issuer:
    """Clients issuing tickets at once; every 201 is written to the log before the
    client's next request, so the log holds every ticket the server answered."""

    def __init__(self, url: str, key: str, log: Path, clients: int) -> None:
        self.url, self.key, self.clients = url, key, clients
        self.out = log.open("a", encoding="utf-8")
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.counter = itertools.count()
        self.dead = threading.Event()

    def one(self, client: ApiClient, service: str) -> bool:
        began = time.monotonic()
        try:
            ticket = client.issue(service)
        except (Unreachable, ClientError, OSError) as exc:
            with self.lock:
                self.errors.append(f"{type(exc).__name__}: {exc}")
            return False
        took = time.monotonic() - began
        row = {k: ticket[k] for k in ("id", "code", "service", "business_date")}
        with self.lock:
            self.latencies.append(took)
            self.out.write(json.dumps(row) + "\n")
            self.out.flush()  # the check's host outlives the Pi's power cut: no fsync
        return True

    def worker(self, count: int | None, stop_after_failing: float) -> None:
        client = ApiClient(self.url, self.key, timeout=5.0)
        failing_since = None
        while not self.dead.is_set():
            n = next(self.counter)
            if count is not None and n >= count:
                return
            if self.one(client, SERVICES[n % len(SERVICES)]):
                failing_since = None
                continue
            failing_since = failing_since or time.monotonic()
            if time.monotonic() - failing_since > stop_after_failing:
                self.dead.set()
            time.sleep(0.05)

    def run(self, count: int | None, stop_after_failing: float) -> dict:
        began = time.monotonic()
        threads = [
            threading.Thread(target=self.worker, args=(count, stop_after_failing))
            for _ in range(self.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.monotonic() - began
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0.0

        return {
            "issued": len(lat),
            "seconds": seconds,
            "rate": len(lat) / seconds if seconds else 0.0,
            "p50_ms": pct(0.5),
            "p99_ms": pct(0.99),
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
        }


def issue(args: argparse.Namespace) -> dict:
    result = Issuer(args.url, args.key, Path(args.log), args.clients).run(args.count, 10.0)
    if result["errors"]:
        raise SystemExit(f"errors while issuing: {result}")
    return result


def load(args: argparse.Namespace) -> dict:
    """Issue until the server stops answering (the power cut) for a few seconds."""
    return Issuer(args.url, args.key, Path(args.log), args.clients).run(None, args.give_up)


def call(args: argparse.Namespace) -> dict:
    client = ApiClient(args.url, args.key, timeout=10.0)
    return client.counter(args.counter, "next")


def verify(args: argparse.Namespace) -> dict:
    """Every logged ticket is there as it was answered; after ``extra`` new tickets no
    code of a service and day appears twice, and numbering went on from the highest."""
    client = ApiClient(args.url, timeout=10.0)
    logged = [json.loads(x) for x in Path(args.log).read_text().splitlines() if x.strip()]
    missing, changed = [], []
    for row in logged:
        try:
            got = client.ticket(row["id"])
        except ClientError as exc:
            missing.append({**row, "error": str(exc)})
            continue
        if (got["code"], got["service"]) != (row["code"], row["service"]):
            changed.append({"logged": row, "now": {k: got[k] for k in ("code", "service")}})
    issuer = Issuer(args.url, args.key, Path(args.log), 1)
    fresh = issuer.run(args.extra, 10.0)
    top = max([r["id"] for r in logged] + [0]) + args.extra + 5
    seen: dict[tuple[str, str, str], int] = {}
    twice, tickets = [], 0
    for tid in range(1, top + 1):
        try:
            t = client.ticket(tid)
        except ClientError:
            continue
        tickets += 1
        key = (t["business_date"], t["service"], t["code"])
        if key in seen:
            twice.append({"code": t["code"], "ids": [seen[key], tid]})
        seen[key] = tid
    return {
        "logged": len(logged),
        "missing": missing,
        "changed": changed,
        "fresh_issued": fresh["issued"],
        "fresh_errors": fresh["first_errors"],
        "tickets": tickets,
        "codes_twice": twice,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.pi.probe")
    parser.add_argument("--url", default=URL)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("wait")
    p.add_argument("--timeout", type=float, default=90)
    for name in ("issue", "load"):
        p = sub.add_parser(name)
        p.add_argument("--key", required=True)
        p.add_argument("--log", required=True)
        p.add_argument("--clients", type=int, default=4)
        p.add_argument("--count", type=int, default=300)
        p.add_argument("--give-up", type=float, default=5.0)
    p = sub.add_parser("call")
    p.add_argument("--key", required=True)
    p.add_argument("--counter", type=int, default=1)
    p = sub.add_parser("verify")
    p.add_argument("--key", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--extra", type=int, default=20)
    args = parser.parse_args(argv)
    action = {"wait": wait, "issue": issue, "load": load, "call": call, "verify": verify}
    print(json.dumps(action[args.command](args), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
