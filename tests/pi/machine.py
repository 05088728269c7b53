"""The emulated Pi: an overlay over the cached root, a chroot to install into, and a
container booted with ``systemd-nspawn`` (systemd as PID 1, its own network).

Every wait has a timeout. Mounts are undone in reverse order, and a run folder is
only deleted once nothing is mounted below it (a bound /dev must never be emptied).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CLEAN_ENV = ["env", "-i", f"PATH={PATH}", "HOME=/root", "LANG=C.UTF-8", "TERM=dumb"]
REPO = Path(__file__).resolve().parents[2]


class MachineError(RuntimeError):
    """Something the emulated Pi did not do in time, or did wrong."""


def mounts_below(path: Path) -> list[str]:
    """Mount points at or below ``path`` (from /proc/self/mounts), deepest first."""
    prefix = str(path.resolve())
    found = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        point = line.split()[1].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            found.append(point)
    return sorted(found, key=len, reverse=True)


def unmount_all(path: Path) -> None:
    for point in mounts_below(path):
        if subprocess.run(["umount", point], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", point], capture_output=True)
    left = mounts_below(path)
    if left:
        raise MachineError(f"still mounted: {', '.join(left)}")


def remove_tree(path: Path) -> None:
    """``rm -rf path``, refusing while anything is mounted below it."""
    if not path.exists():
        return
    unmount_all(path)
    subprocess.run(["rm", "-rf", "--one-file-system", str(path)], check=True)


@contextlib.contextmanager
def overlay(lower: Path, run_dir: Path) -> Iterator[Path]:
    """A writable copy of ``lower`` at ``run_dir/root`` (overlayfs: instant, and the
    cached root stays as it was)."""
    upper, work, merged = run_dir / "upper", run_dir / "work", run_dir / "root"
    for d in (upper, work, merged):
        d.mkdir(parents=True, exist_ok=True)
    opts = f"lowerdir={lower},upperdir={upper},workdir={work}"
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", opts, str(merged)], check=True)
    try:
        yield merged
    finally:
        unmount_all(merged)


class Chroot:
    """The root with /proc, /sys, /dev and /dev/pts mounted, to run commands in it as
    an installer on an image being prepared would: no systemd, no udevd."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __enter__(self) -> Chroot:
        r = self.root
        try:
            subprocess.run(["mount", "-t", "proc", "proc", str(r / "proc")], check=True)
            subprocess.run(["mount", "-t", "sysfs", "sysfs", str(r / "sys")], check=True)
            subprocess.run(["mount", "--bind", "/dev", str(r / "dev")], check=True)
            subprocess.run(["mount", "--bind", "/dev/pts", str(r / "dev/pts")], check=True)
        except subprocess.CalledProcessError:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for sub in ("dev/pts", "dev", "sys", "proc"):
            point = self.root / sub
            if str(point) in mounts_below(point):
                subprocess.run(["umount", "-l", str(point)], check=False)

    def run(
        self,
        script: str,
        *,
        log: Path | None = None,
        timeout: float = 600,
        env: Sequence[str] = (),
    ) -> subprocess.CompletedProcess:
        """``bash -c script`` in the chroot with a clean environment; its output
        goes to ``log`` (appended, each line with the seconds since the start) or
        is returned."""
        cmd = ["chroot", str(self.root), *CLEAN_ENV, *env, "bash", "-c", script]
        return _run_logged(cmd, log, timeout)


def _run_logged(cmd: list[str], log: Path | None, timeout: float) -> subprocess.CompletedProcess:
    """Run ``cmd`` (its own process group, killed whole on timeout); output to ``log``
    line by line with the seconds since the start, or captured."""
    began = time.monotonic()
    lines: list[str] = []
    out = log.open("a", encoding="utf-8") if log is not None else None
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        start_new_session=True,
    )

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if out is not None:
                out.write(f"[{time.monotonic() - began:7.1f}] {line}")
                out.flush()

    reader = threading.Thread(target=pump, daemon=True)
    try:
        if out is not None:
            out.write(f"$ {' '.join(cmd)}\n")
        reader.start()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise MachineError(f"timed out after {timeout:.0f} s: {' '.join(cmd)}") from None
        finally:
            reader.join(10)
    finally:
        if out is not None:
            out.close()
    return subprocess.CompletedProcess(cmd, proc.returncode, "".join(lines), "")


class Container:
    """The root booted by ``systemd-nspawn``: systemd as PID 1, a private network
    (loopback only), no registration with a host systemd (there may be none)."""

    def __init__(self, root: Path, console_log: Path, name: str = "sothutu-pi") -> None:
        self.root = root
        self.console_log = console_log
        self.name = name
        self.proc: subprocess.Popen | None = None
        self.leader = 0
        self.started = 0.0

    def boot(self, timeout: float = 120) -> Container:
        """Start the container; returns once its PID 1 is known."""
        cmd = [
            "systemd-nspawn",
            "--quiet",
            f"--directory={self.root}",
            f"--machine={self.name}",
            "--boot",
            "--private-network",
            "--register=no",
            "--keep-unit",
            "--console=read-only",
        ]
        self.started = time.monotonic()
        with self.console_log.open("ab") as out:
            out.write(f"\n==== boot at {time.strftime('%H:%M:%S')} ====\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise MachineError(
                    f"systemd-nspawn exited with {self.proc.returncode}; see {self.console_log}"
                )
            self.leader = _container_init(self.proc.pid)
            if self.leader:
                return self
            time.sleep(0.2)
        raise MachineError(f"no container init under systemd-nspawn within {timeout:.0f} s")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def since_boot(self) -> float:
        return time.monotonic() - self.started

    def exec(
        self, args: Sequence[str], *, timeout: float = 120, log: Path | None = None
    ) -> subprocess.CompletedProcess:
        """A command inside the container (all its namespaces, a clean environment):
        what a technician typing it on the Pi would run."""
        cmd = ["nsenter", f"--target={self.leader}", "--mount", "--uts", "--ipc", "--net"]
        cmd += ["--pid", "--root", "--wd", *CLEAN_ENV, *args]
        return _run_logged(cmd, log, timeout)

    def host_command(self, args: Sequence[str]) -> list[str]:
        """A host command line that runs in the container's network namespace only:
        the host's Python, talking to the container's loopback."""
        return ["nsenter", f"--target={self.leader}", "--net", "--", *args]

    def probe(self, *args: str, timeout: float = 300) -> dict:
        """``tests/pi/probe.py ARGS`` in the container's network; its JSON answer."""
        import json

        cmd = self.host_command([sys.executable, "-m", "tests.pi.probe", *args])
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO)
        if done.returncode != 0:
            raise MachineError(f"probe {' '.join(args)} failed:\n{done.stderr.strip()[-2000:]}")
        return json.loads(done.stdout)

    def poweroff(self, timeout: float = 120) -> float:
        """``systemctl poweroff`` inside, then wait for the container to end (killed
        when it does not); returns the seconds it took."""
        began = time.monotonic()
        if self.running:
            with contextlib.suppress(subprocess.TimeoutExpired, MachineError):
                self.exec(["systemctl", "poweroff"], timeout=30)
        if not self._wait_exit(timeout):
            self.kill()
            raise MachineError(f"the container did not power off within {timeout:.0f} s")
        return time.monotonic() - began

    def kill(self) -> None:
        """Power cut: SIGKILL to the container's PID 1 takes every process in it down
        at once (the kernel kills a PID namespace with its init)."""
        if self.leader and self.running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.leader, signal.SIGKILL)
        if not self._wait_exit(30) and self.proc is not None:
            self.proc.kill()
            self._wait_exit(10)

    def _wait_exit(self, timeout: float) -> bool:
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True


def _container_init(nspawn_pid: int) -> int:
    """The child of systemd-nspawn in another PID namespace (the container's PID 1)."""
    own = os.readlink("/proc/self/ns/pid")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == nspawn_pid and os.readlink(entry / "ns/pid") != own:
                return int(entry.name)
        except (OSError, ValueError, IndexError):
            continue
    return 0
