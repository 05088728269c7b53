"""The arm64 Debian root: QEMU user-mode emulation, the Debian mirror, the cache.

The root is a minimal Debian 12 for arm64 made by ``mmdebstrap`` from the Debian
mirror this machine's apt uses, trusting this machine's own CA certificates too
(its HTTPS may go through them: a test-only step, not install.sh's). It is built
once and kept in a cache folder outside the clone (``cache_dir()``), keyed by the
release, the architecture, the package list and those certificates; every check
works on an overlay above it, so the cached root itself never changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

RELEASE = "bookworm"  # Raspberry Pi OS 12 is Debian 12
ARCH = "arm64"
QEMU = "qemu-aarch64"
QEMU_BINFMT = "/usr/libexec/qemu-binfmt/aarch64-binfmt-P"
# What Raspberry Pi OS Lite has and install.sh does not install itself: python3 to run
# it, systemd as init, udev (its rules), dbus. install.sh installs the rest.
PACKAGES = ("python3", "ca-certificates", "systemd", "systemd-sysv", "dbus", "udev")
STAMP = ".sothutu-root-complete"  # written last: the root is whole
MAX_AGE_DAYS = 30  # an older root is made anew, with the release's updates
HOST_TOOLS = {
    "mmdebstrap": "mmdebstrap",
    "systemd-nspawn": "systemd-container",
    "update-binfmts": "binfmt-support",
    "arch-test": "arch-test",
    "nsenter": "util-linux",
}

Log = Callable[[str], None]


class RootError(RuntimeError):
    """The root cannot be made here; the message says what is missing."""


def cache_dir() -> Path:
    """``$SOTHUTU_PI_CACHE``, else ``$XDG_CACHE_HOME/sothutu-pi-check``, else
    ``/var/cache/sothutu-pi-check``: outside the clone, so a clean clone reuses it."""
    if os.environ.get("SOTHUTU_PI_CACHE"):
        return Path(os.environ["SOTHUTU_PI_CACHE"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "sothutu-pi-check"
    return Path("/var/cache/sothutu-pi-check")


def check_host() -> None:
    """Root, the host tools and QEMU for arm64, or a RootError naming what is missing."""
    if os.geteuid() != 0:
        raise RootError("run it as root: it builds a root, chroots into it and boots it")
    missing = sorted({pkg for tool, pkg in HOST_TOOLS.items() if shutil.which(tool) is None})
    if not Path(QEMU_BINFMT).exists():
        missing.append("qemu-user-static")
    if missing:
        raise RootError(f"missing Debian packages: apt-get install {' '.join(missing)}")


def lock() -> IO[str]:
    """Hold the cache folder's lock (one check at a time: they share the run folder);
    RootError when another check holds it."""
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    fh = (cache / "lock").open("w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise RootError(f"another pi-check is running (it holds {cache / 'lock'})") from None
    return fh


def enable_binfmt(log: Log) -> None:
    """Let the kernel run arm64 programs through qemu-aarch64 (also inside a chroot or
    a container: the interpreter is opened once, flag F)."""
    proc = Path("/proc/sys/fs/binfmt_misc")
    if not (proc / "status").exists():
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(proc)], check=True)
    entry = proc / QEMU
    if not entry.exists() or "enabled" not in entry.read_text():
        subprocess.run(["update-binfmts", "--enable", QEMU], check=True)
    text = entry.read_text() if entry.exists() else ""
    if "enabled" not in text:
        raise RootError(f"binfmt_misc has no enabled {QEMU} entry: {text.strip() or 'none'}")
    flags = re.search(r"^flags: *(\S*)", text, re.M)
    if not flags or "F" not in flags[1]:
        raise RootError(f"{QEMU} is registered without the F flag: it fails in a chroot")
    log(f"binfmt: {QEMU} enabled ({text.splitlines()[1].strip()})")


def debian_sources(release: str = RELEASE, etc: Path = Path("/etc/apt")) -> list[str]:
    """One-line apt sources for ``release``, its updates and security, from the Debian
    mirror this machine's apt uses (sources.list and sources.list.d, both formats)."""
    entries: list[tuple[str, str, str]] = []  # (uri, suite, signed-by)
    files = [etc / "sources.list", *sorted((etc / "sources.list.d").glob("*"))]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.name.endswith(".sources"):
            entries += _deb822(text)
        elif path.name.endswith(".list"):
            entries += _one_line(text)
    main = security = None
    for uri, suite, signed in entries:
        base = suite.split("-")[0]
        if not re.fullmatch(r"[a-z]+", base) or base == "nodistro":
            continue
        if suite.endswith("-security") or "security" in uri:
            security = security or (uri, signed)
        elif suite in (base, f"{base}-updates"):
            main = main or (uri, signed)
    if main is None:
        raise RootError("no Debian mirror in /etc/apt/sources.list{,.d}: cannot build the root")
    security = security or ("http://security.debian.org/debian-security", main[1])

    def line(uri: str, signed: str, suite: str) -> str:
        opts = f"[signed-by={signed}] " if signed else ""
        return f"deb {opts}{uri} {suite} main"

    return [
        line(main[0], main[1], release),
        line(main[0], main[1], f"{release}-updates"),
        line(security[0], security[1], f"{release}-security"),
    ]


def _deb822(text: str) -> list[tuple[str, str, str]]:
    out = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for raw in stanza.splitlines():
            if raw.startswith("#") or not raw.strip():
                continue
            if raw[0] in " \t" and key:
                fields[key] += " " + raw.strip()
                continue
            key, _, value = raw.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        signed = fields.get("signed-by", "")
        if signed and not signed.startswith("/"):
            signed = ""  # an inline key: leave it to the default keyring
        for uri in fields.get("uris", "").split():
            for suite in fields.get("suites", "").split():
                out.append((uri.rstrip("/"), suite, signed))
    return out


def _one_line(text: str) -> list[tuple[str, str, str]]:
    out = []
    for raw in text.splitlines():
        words = raw.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        signed = ""
        if words and words[0].startswith("["):
            opts = []
            while words:
                opts.append(words.pop(0))
                if opts[-1].endswith("]"):
                    break
            m = re.search(r"signed-by=(\S+?)\]?$", " ".join(opts).rstrip("]"))
            signed = m[1] if m else ""
        if len(words) >= 2:
            out.append((words[0].rstrip("/"), words[1], signed))
    return out


def apt_proxy() -> list[str]:
    """This machine's apt proxy settings, as apt.conf lines (none: an empty list)."""
    done = subprocess.run(["apt-config", "dump"], capture_output=True, text=True)
    return [
        line
        for line in done.stdout.splitlines()
        if re.match(r'Acquire::(http|https)::Proxy(::\S+)? "[^"]+";', line)
    ]


def host_pip_config() -> dict[str, str]:
    """The settings of this machine's pip that reach an index over the network
    (index-url, extra-index-url, trusted-host, proxy, timeout, retries, cert); local
    folders and file:// indexes are left out: the root cannot see them."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    )
    wanted = {"index-url", "extra-index-url", "trusted-host", "proxy", "timeout", "retries"}
    found: dict[str, str] = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition("=")
        name = key.rsplit(".", 1)[-1]
        value = value.strip().strip("'\"")
        if name == "default-timeout":
            name = "timeout"
        if name not in wanted | {"cert"} or not value:
            continue
        if name in ("index-url", "extra-index-url"):
            urls = [u for u in value.split() if u.startswith(("http://", "https://"))]
            if not urls:
                continue
            value = " ".join(urls)
        found.setdefault(name, value)  # `pip config list` shows the winning one first
    return found


SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
CA_DIR = "/usr/local/share/ca-certificates/sothutu-pi-check"


def extra_certificates() -> dict[str, bytes]:
    """This machine's own CA certificates, as files for the root's CA_DIR: those of
    /usr/local/share/ca-certificates, and the bundle its pip uses when that is not the
    system's (HTTPS may go through the machine's own authority)."""
    found = {}
    for n, cert in enumerate(sorted(Path("/usr/local/share/ca-certificates").rglob("*.crt"))):
        found[f"host-{n}-{cert.name}"] = cert.read_bytes()
    bundle = host_pip_config().get("cert", "")
    if bundle and bundle != SYSTEM_BUNDLE and Path(bundle).is_file():
        found["pip-cert-bundle.crt"] = Path(bundle).read_bytes()
    return found


def root_key(certs: dict[str, bytes]) -> str:
    """The cache's name for a root: release, architecture, packages, extra CAs."""
    digest = hashlib.sha256(" ".join(PACKAGES).encode())
    for name, data in sorted(certs.items()):
        digest.update(name.encode() + b"\0" + data)
    return f"{RELEASE}-{ARCH}-{digest.hexdigest()[:10]}"


def last_build_seconds(root: Path) -> float | None:
    """How long the cached ``root`` took to build (from its stamp), if known."""
    try:
        return float(json.loads((root / STAMP).read_text())["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cached_root(log: Log, *, rebuild: bool = False) -> tuple[Path, float | None]:
    """The cached root (built now when missing, stale or ``rebuild``), and the seconds
    its build took (None when it was reused)."""
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    certs = extra_certificates()
    root = cache / root_key(certs)
    done = root / STAMP
    if done.exists() and not rebuild:
        age = (time.time() - done.stat().st_mtime) / 86400
        if age <= MAX_AGE_DAYS:
            log(f"root: reusing {root} (built {age:.1f} days ago)")
            return root, None
        log(f"root: {root} is {age:.0f} days old; building it anew")
    sources = debian_sources()
    tmp = cache / f"{root.name}.building"
    shutil.rmtree(tmp, ignore_errors=True)
    for old in cache.glob(f"{RELEASE}-{ARCH}-*"):
        if old.is_dir() and old != root:
            log(f"root: removing the old root {old}")
            shutil.rmtree(old, ignore_errors=True)
    log(f"root: building {RELEASE} {ARCH} with mmdebstrap from {sources[0].split()[-3]}")
    began = time.monotonic()
    # The machine's CAs go in before ca-certificates is installed: its own run of
    # update-ca-certificates takes them (one emulated rehash, at build time only).
    staged = cache / "ca-certificates"
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir()
    for name, data in certs.items():
        (staged / name).write_bytes(data)
    cmd = [
        "nice",
        "-n",
        "10",
        "mmdebstrap",
        f"--arch={ARCH}",
        "--variant=minbase",
        f"--include={','.join(PACKAGES)}",
        '--aptopt=Acquire::Retries "3"',
        f'--essential-hook=mkdir -p "$1{CA_DIR}"',
        f"--essential-hook=sync-in {staged} {CA_DIR}",
        *[f"--aptopt={line}" for line in apt_proxy()],
        RELEASE,
        str(tmp),
        *sources,
    ]
    with (cache / "mmdebstrap.log").open("wb") as out:
        result = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = (cache / "mmdebstrap.log").read_text(errors="replace").splitlines()[-15:]
        raise RootError("mmdebstrap failed:\n" + "\n".join(tail))
    seconds = time.monotonic() - began
    stamp = {"seconds": round(seconds, 1), "built": time.strftime("%Y-%m-%d"), "command": cmd}
    (tmp / done.name).write_text(json.dumps(stamp) + "\n")
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    shutil.rmtree(staged, ignore_errors=True)
    log(f"root: built in {seconds:.0f} s, with {len(certs)} CA certificates of this machine")
    return root, seconds
