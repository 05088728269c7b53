"""A TV that vanishes (unplugged, out of the Wi-Fi): run inside a network namespace of
its own (``unshare -n``) so that a blackhole route for the TV's address drops every
packet the server sends it, as a pulled cable would, without touching the host.

``python -m tests.vanish DIR`` starts a real server on a config in DIR whose only
stream slot without a key is taken by the TV (127.0.0.5), vanishes the TV, then asks
for a stream from 127.0.0.6 until one is granted: the TV's slot came back. It prints
one JSON line: seconds from the vanishing to the granted stream (null: never, within
``--wait``). Not a test module: tests/test_one_device.py runs it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.support import ServerProcess, free_port, write_config

TV = "127.0.0.5"
OTHER = "127.0.0.6"


def stream_status(port: int, source: str) -> tuple[int, http.client.HTTPConnection]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(source, 0))
    conn.request("GET", "/api/v1/events")
    resp = conn.getresponse()
    return resp.status, conn


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path)
    ap.add_argument("--wait", type=float, default=60.0)
    ap.add_argument("--dead", type=float, default=4.0, help="[server] dead_client_seconds")
    args = ap.parse_args()
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    port = free_port()
    cfg = write_config(
        args.dir,
        port=port,
        server_extra=(
            f"max_streams = 2\nreserved_streams = 1\ndead_client_seconds = {args.dead}\n"
        ),
    )
    srv = ServerProcess(cfg, port).start()
    try:
        tv = socket.socket()
        tv.bind((TV, 0))
        tv.connect(("127.0.0.1", port))
        tv.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: tv\r\n\r\n")
        tv.settimeout(5)
        assert b"200 OK" in tv.recv(4096)
        status, conn = stream_status(port, OTHER)
        conn.close()
        assert status == 503, f"the TV should hold the only slot, got {status}"
        subprocess.run(
            ["ip", "route", "add", "blackhole", f"{TV}/32", "table", "local"], check=True
        )
        vanished = time.monotonic()
        freed = None
        while time.monotonic() - vanished < args.wait:
            status, conn = stream_status(port, OTHER)
            conn.close()
            if status == 200:
                freed = time.monotonic() - vanished
                break
            time.sleep(0.25)
        print(json.dumps({"freed_after": freed}))
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
