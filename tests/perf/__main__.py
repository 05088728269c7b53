"""`make bench`: run every benchmark module and write docs/performance.md.

Each module in tests/perf/ with a ``run() -> list[str]`` contributes a section
(markdown lines). ``python -m tests.perf server kiosk`` runs only those.
"""

from __future__ import annotations

import importlib
import os
import platform
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "performance.md"
# "pi" is written by `make pi-check` (tests/pi), not by a module here: kept as it is.
ORDER = ["server", "kiosk", "display", "reports", "procedures", "browser_display", "hub", "pi"]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def main(argv: list[str]) -> int:
    names = argv or [n for n in ORDER if (Path(__file__).parent / f"{n}.py").exists()]
    sections: dict[str, list[str]] = {}
    for name in names:
        module = importlib.import_module(f"tests.perf.{name}")
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        sections[name] = [f"<!-- bench:{name} -->", *module.run()]
        print(f"bench: {name} done in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    head = [
        "# Performance",
        "",
        "Measured by `make bench` (`python -m tests.perf`), never by `make test`.",
        "Every figure comes from real processes on loopback on the machine below.",
        "A Raspberry Pi 4 is several times slower; the targets leave room for that.",
        "",
        f"- Date: {datetime.now().astimezone().isoformat(timespec='minutes')}",
        f"- Machine: {machine()}",
        f"- Commit: {commit or 'unknown'}",
        "",
    ]
    old = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
    kept = _kept_sections(old, set(sections))
    body = []
    for name in ORDER + sorted(set(sections) - set(ORDER)):
        if name in sections:
            body += sections[name] + [""]
        elif name in kept:
            body += kept[name] + [""]
    OUT.write_text("\n".join(head + body).rstrip() + "\n", encoding="utf-8")
    print(f"bench: wrote {OUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


def _kept_sections(text: str, replaced: set[str]) -> dict[str, list[str]]:
    """Sections of an earlier run that this run did not measure (marked by comments)."""
    kept: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("<!-- bench:") and line.endswith("-->"):
            current = line[len("<!-- bench:") : -3].strip()
            if current in replaced:
                current = None
            else:
                kept[current] = []
        if current:
            kept[current].append(line)
    return {k: v[:-1] if v and not v[-1] else v for k, v in kept.items()}


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
