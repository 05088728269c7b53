"""Display benchmark: idle CPU (notice still and scrolling), frame draw time, memory.

``run()`` returns markdown lines for docs/performance.md (``make bench``);
``python -m tests.perf.display`` prints them. The display runs as a real
``python -m display`` process (SDL dummy video, 1920x1080, voice off) following
a real server, and its CPU time is read from /proc over ``seconds``.
"""

from __future__ import annotations

import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from tests.support import ROOT, ServerProcess, free_port, write_config

LONG_NOTICE = (
    "Thời gian làm việc: Sáng 7h30–11h30, Chiều 13h30–17h00, từ thứ Hai đến thứ Sáu. "
    "Vui lòng giữ trật tự, chú ý màn hình và loa gọi số; số thứ tự chỉ có giá trị trong ngày."
)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_idle(
    scrolling: bool, seconds: float = 10.0, warmup: float = 2.0
) -> tuple[float, float]:
    """(CPU % of one core, RSS MiB) of an idle display, its notice scrolling or still."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        speed = 90.0 if scrolling else 0.0
        cfg = write_config(
            Path(tmp),
            port=port,
            centre_extra=f'notice = "{LONG_NOTICE}"',
            extra=f'[voice]\nannounce = "off"\n[display]\nscroll_speed = {speed}\n',
        )
        server = ServerProcess(cfg, port).start()
        log = Path(tmp) / "display.log"
        env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
        cmd = [sys.executable, "-m", "display", "--config", str(cfg), "--windowed"]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*cmd, "--size", "1920x1080"], cwd=ROOT, env=env, stdout=out, stderr=out
            )
        try:
            deadline = time.monotonic() + 20
            while "event stream connected" not in log.read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"display did not start:\n{log.read_text()}")
                time.sleep(0.05)
            time.sleep(warmup)
            c0, t0 = _cpu_seconds(proc.pid), time.monotonic()
            time.sleep(seconds)
            c1, t1 = _cpu_seconds(proc.pid), time.monotonic()
            rss = _rss_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(10)
            server.stop()
    return 100 * (c1 - c0) / (t1 - t0), rss


def measure_draw(size: tuple[int, int] = (1920, 1080), frames: int = 40) -> dict[str, float]:
    """Milliseconds to draw a whole frame (first, mean, p95) and a notice strip."""
    import tests.display_support as ds  # the SDL dummy drivers, before pygame loads

    pygame = importlib.import_module("pygame")
    from display import state as st
    from display.render import Renderer

    t0 = ds.NOW - timedelta(minutes=5)
    s = st.connection(st.initial("x", LONG_NOTICE, now=t0), True, t0)
    s, _ = st.apply(s, "snapshot", ds.snapshot(counters=16, now=t0), 40, t0)
    s, _ = st.apply(s, "ticket.called", ds.called(77, "A016", 3, ds.NOW), 41, ds.NOW)
    surface = pygame.Surface(size)
    renderer = Renderer()
    views = [st.view(s, ds.NOW + timedelta(seconds=0.5 * k), ds.VN) for k in range(2)]
    start = time.perf_counter()
    renderer.draw(surface, views[0])
    first = (time.perf_counter() - start) * 1000
    times = []
    for k in range(frames):
        start = time.perf_counter()
        renderer.draw(surface, views[k % 2], float(k))  # blink on / off
        times.append((time.perf_counter() - start) * 1000)
    strip = []
    for k in range(frames):
        start = time.perf_counter()
        renderer.draw_notice(surface, views[0], float(k * 3))
        strip.append((time.perf_counter() - start) * 1000)
    return {
        "first": first,
        "mean": statistics.mean(times),
        "p95": sorted(times)[int(0.95 * len(times)) - 1],
        "notice": statistics.mean(strip),
    }


def run() -> list[str]:
    still, rss = measure_idle(scrolling=False)
    moving, rss2 = measure_idle(scrolling=True)
    draw = measure_draw()
    return [
        "## Display (`python -m display`, 1920×1080, SDL dummy video, 16 counters)",
        "",
        "| measure | value | budget |",
        "|---|---|---|",
        f"| idle CPU, notice still (10 s) | {still:.2f}% of a core | ≤ 2% |",
        f"| idle CPU, notice scrolling (10 s) | {moving:.2f}% of a core | ≤ 10% |",
        f"| whole frame, first (cold caches) | {draw['first']:.1f} ms | |",
        f"| whole frame, mean / p95 | {draw['mean']:.1f} / {draw['p95']:.1f} ms | |",
        f"| notice strip repaint, mean | {draw['notice']:.2f} ms | |",
        f"| RSS after start | {max(rss, rss2):.0f} MiB | |",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
