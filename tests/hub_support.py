"""Helpers for the hub's tests: one throwaway PostgreSQL per test session, a fresh
database per module (copied from a migrated template), real hub processes.

Not a test module. ``pg_cluster`` is registered in tests/conftest.py.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT, free_port

HUB_ADMIN_KEY = "hub-admin-key-0123456789abcdef"
HUB_SECRET = "hub-secret-key-0123456789abcdef"
TEMPLATE = "hub_template"
_names = itertools.count(1)


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("SOTHUTU_REQUIRE_DEBIAN") == "1":
        pytest.fail(reason + "; SOTHUTU_REQUIRE_DEBIAN=1 forbids skipping")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """A PostgreSQL server for the whole session, with a migrated template database."""
    from hub.devcluster import ClusterError, DevCluster, find_bindir

    if find_bindir() is None:
        _skip_or_fail("needs PostgreSQL (Debian package postgresql) for the hub's tests")
    try:
        cluster = DevCluster().start()
    except ClusterError as exc:
        _skip_or_fail(f"cannot start a throwaway PostgreSQL: {exc}")
    import psycopg

    from hub import schema

    url = cluster.create_database(TEMPLATE)
    with psycopg.connect(url) as conn:
        schema.migrate(conn)
    yield cluster
    cluster.stop()


def fresh_database(cluster: Any) -> str:
    """A new database with the hub's schema; returns its URL."""
    return cluster.create_database(f"hub_test_{os.getpid()}_{next(_names)}", TEMPLATE)


def hub_config_text(url: str, port: int, extra: str = "") -> str:
    return f"""
[server]
host = "127.0.0.1"
port = {port}
secret_key = "{HUB_SECRET}"
admin_key = "{HUB_ADMIN_KEY}"
threads = 16

[database]
url = "{url}"
pool_size = 6

[hub]
name = "Sở Nội vụ tỉnh Thử Nghiệm"
timezone = "Asia/Ho_Chi_Minh"
online_seconds = 120
{extra}
"""


def write_hub_config(directory: Path, url: str, port: int | None = None, extra: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "hub.toml"
    path.write_text(hub_config_text(url, port or free_port(), extra), encoding="utf-8")
    return path


def hub_cli(config: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hub", "--config", str(config), *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def add_centre(config: Path, centre_id: str, name: str, district: str = "") -> str:
    """Register a centre through the CLI; returns its token (``token = "…"``, the last line
    of the output; ``centre_keys`` has its booking key too)."""
    return centre_keys(config, centre_id, name, district)["token"]


def centre_keys(config: Path, centre_id: str, name: str, district: str = "") -> dict[str, str]:
    """Register a centre through the CLI; returns the [hub] lines it printed as a dict
    (centre_id, booking_key, token)."""
    out = hub_cli(config, "centre", "add", centre_id, "--name", name, "--district", district)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[-1].startswith("token = ")
    return {k: v.strip('"') for k, _, v in (line.partition(" = ") for line in lines[1:])}


def request(
    url: str,
    method: str = "GET",
    body: Any = None,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
    timeout: float = 10.0,
) -> tuple[int, Any, dict[str, str]]:
    """(status, decoded JSON or bytes, headers) of one HTTP request."""
    hdrs = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw, rh = resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        status, raw, rh = exc.code, exc.read(), dict(exc.headers)
    if rh.get("Content-Type", "").startswith("application/json"):
        return status, json.loads(raw), rh
    return status, raw, rh


@dataclass
class HubProcess:
    """A real ``python -m hub`` on loopback."""

    config: Path
    port: int
    proc: subprocess.Popen | None = None
    log: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> HubProcess:
        self.log = self.config.parent / f"hub-{self.port}-{time.monotonic_ns()}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hub",
                    "--config",
                    str(self.config),
                    "--port",
                    str(self.port),
                ],
                cwd=ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited:\n{self.output()}")
            try:
                status, _, _ = request(self.url + "/api/v1/health", timeout=1.0)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"hub did not start:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def get(self, path: str, key: str = HUB_ADMIN_KEY) -> tuple[int, Any, dict[str, str]]:
        return request(self.url + path, headers={"Authorization": f"Bearer {key}"})

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 10) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def hub_section(
    url: str, centre_id: str, token: str, push_seconds: float = 0.3, booking_key: str = ""
) -> str:
    """The [hub] section of a centre's config."""
    key = f'booking_key = "{booking_key}"' if booking_key else ""
    return f"""
[hub]
url = "{url}"
centre_id = "{centre_id}"
token = "{token}"
{key}
push_seconds = {push_seconds}
timeout_seconds = 5
"""


def wait_until(predicate: Any, timeout: float = 20.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s (last: {last!r})")
