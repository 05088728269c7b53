"""A throwaway PostgreSQL cluster in a temp dir, for tests, benchmarks and ``make demo-hub``.

Runs Debian's ``initdb`` and ``postgres`` (package ``postgresql``) on a free
loopback port, as ``nobody`` when started by root (PostgreSQL refuses to run
as root). Durability is switched off (``fsync=off``): it holds nothing worth
keeping (``durable=True`` keeps PostgreSQL's defaults, for benchmarks). Never used
by a real hub.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class ClusterError(RuntimeError):
    pass


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL's bin dir, or None when there is none."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class DevCluster:
    """``start()`` → a running server; ``url(db)``; ``stop()`` removes everything."""

    def __init__(
        self, host: str = "127.0.0.1", port: int | None = None, *, durable: bool = False
    ) -> None:
        self.durable = durable
        bindir = find_bindir()
        if bindir is None:
            raise ClusterError("PostgreSQL is not installed (Debian package postgresql)")
        self.bindir = bindir
        self.host = host
        self.port = port or _free_port(host)
        self.dir = Path(tempfile.mkdtemp(prefix="sothutu-pg-"))
        self.data = self.dir / "data"
        self.proc: subprocess.Popen | None = None
        self._as: dict = {}
        if os.geteuid() == 0:  # drop to nobody: postgres refuses root
            import pwd

            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self._as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        self.log = self.dir / "postgres.log"

    def _env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.dir),
            "LC_ALL": "C.UTF-8",
            "LANG": "C.UTF-8",
        }

    def start(self, timeout: float = 60.0) -> DevCluster:
        out = subprocess.run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
                "--no-instructions",
            ],
            cwd=self.dir,
            env=self._env(),
            capture_output=True,
            text=True,
            **self._as,
        )
        if out.returncode != 0:
            raise ClusterError(f"initdb failed: {out.stderr.strip() or out.stdout.strip()}")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [
                    str(self.bindir / "postgres"),
                    "-D",
                    str(self.data),
                    "-h",
                    self.host,
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.dir),
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=300",
                    "-c",
                    "shared_buffers=256MB",
                    "-c",
                    "log_min_messages=warning",
                ],
                cwd=self.dir,
                env=self._env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._as,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ClusterError(
                    f"postgres exited: {self.log.read_text(errors='replace')[-800:]}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), 0.5),
            ):
                if self._ready():
                    return self
            time.sleep(0.1)
        self.stop()
        raise ClusterError("postgres did not start in time")

    def _durability(self) -> list[str]:
        """Tests need no durability; benchmarks keep PostgreSQL's defaults (fsync on)."""
        if self.durable:
            return []
        return ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]

    def _ready(self) -> bool:
        r = subprocess.run(
            [str(self.bindir / "pg_isready"), "-h", self.host, "-p", str(self.port), "-q"],
            env=self._env(),
            capture_output=True,
        )
        return r.returncode == 0

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{dbname}"

    def sql(self, statement: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def create_database(self, name: str, template: str | None = None) -> str:
        tpl = f" TEMPLATE {template}" if template else ""
        self.sql(f"CREATE DATABASE {name}{tpl}")
        return self.url(name)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> DevCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
