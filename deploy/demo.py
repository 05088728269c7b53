#!/usr/bin/env python3
"""`make demo`: the server, the kiosk and the display on one machine.

Starts the queue server on the given config, waits until it answers, then
starts the kiosk and the display (in windows when there is a screen, else
headless with a preview printer), prints the addresses, and stops everything
on Ctrl-C. Any part that exits is reported; the rest keep running.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sothutu.config import load_or_exit  # noqa: E402


def has_screen() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def parts(config_path: str, screen: bool) -> list[tuple[str, list[str]]]:
    """The device processes to start after the server: (name, argv)."""
    py = sys.executable
    out: list[tuple[str, list[str]]] = []
    if (ROOT / "kiosk" / "__main__.py").exists():
        argv = [py, "-m", "kiosk", "--config", config_path, "--windowed"]
        if not screen:
            argv = [py, "-m", "kiosk", "--config", config_path, "--headless"]
        out.append(("kiosk", argv))
    if (ROOT / "display" / "__main__.py").exists() and screen:
        out.append(("display", [py, "-m", "display", "--config", config_path, "--windowed"]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "config.example.toml"))
    args = parser.parse_args()
    config = load_or_exit(args.config, "demo")
    url = config.server.client_url()
    py = sys.executable
    procs: list[tuple[str, subprocess.Popen]] = []
    server = subprocess.Popen([py, "-m", "counter_api", "--config", args.config], cwd=ROOT)
    procs.append(("server", server))
    if not wait_healthy(url, server):
        print(f"demo: the server did not start on {url}; see the lines above", file=sys.stderr)
        server.terminate()
        return 1
    screen = has_screen()
    pack_tool = ROOT / "deploy" / "voicepack.py"
    if pack_tool.exists():  # the displays' default voice (espeak-ng), once; /display uses it too
        subprocess.run([py, str(pack_tool), "--config", args.config], cwd=ROOT, check=False)
    for name, argv in parts(args.config, screen):
        procs.append((name, subprocess.Popen(argv, cwd=ROOT)))

    kiosk_key = config.kiosks[0].key if config.kiosks else "KIOSK-KEY"
    print(
        f"""
Sothutu demo is running.
  Server / API      {url}/api/v1/state
  Clerk console     {url}/console        (counter 1, PIN 1111)
  Display (browser) {url}/display
  Admin / reports   {url}/admin          (password {config.server.admin_password})
  Rating tablet     {url}/rate/1         (counter 1, PIN 1111)
  Procedures        {url}/thu-tuc
  Tickets printed   {config.printer.connection}
Issue a ticket:  curl -X POST -H 'Authorization: Bearer {kiosk_key}' \\
                   -H 'Content-Type: application/json' \\
                   -d '{{"service":"{config.services[0].id}"}}' {url}/api/v1/tickets
Press Ctrl-C to stop.
""",
        flush=True,
    )

    def on_term(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    reported: set[str] = set()
    try:
        while True:
            for name, proc in procs:
                if proc.poll() is not None and name not in reported:
                    reported.add(name)
                    print(f"demo: {name} exited with status {proc.returncode}", file=sys.stderr)
            if server.poll() is not None:
                break
            time.sleep(0.5)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
