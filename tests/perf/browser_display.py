"""Browser display benchmark: call → code on screen, and the page's idle load.

``run()`` returns markdown lines for docs/performance.md (``make bench``);
``python -m tests.perf.browser_display`` prints them. A real server process and
Debian's Chromium (headless, through Playwright): /display pages (one, then three,
each in its own browser context as on its own TV) follow the event stream while calls
are made through the API; each page notes (Date.now(), same machine clock) when its big
code changes. The pages, the browser and the server share this machine's cores; a TV
has its own. The idle load is the main thread's
busy time read from the DevTools Performance domain over ten seconds, with the
notice scrolling.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from tests.browser import chromium
from tests.support import KIOSK_KEY, ServerProcess, counter_key, free_port, write_config

CALLS = 30
NOTICE = (
    "Thời gian làm việc: Sáng 7h30–11h30, Chiều 13h30–17h00, từ thứ Hai đến thứ Sáu. "
    "Vui lòng giữ trật tự, chú ý màn hình và loa gọi số; số thứ tự chỉ có giá trị trong ngày."
)
# When the big code changes: {code: Date.now()}.
WATCH = """
window.__seen = {};
document.addEventListener('DOMContentLoaded', function () {
  var el = document.getElementById('code');
  new MutationObserver(function () {
    var t = el.textContent;
    if (!(t in window.__seen)) window.__seen[t] = Date.now();
  }).observe(el, {childList: true, characterData: true, subtree: true});
});
"""


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def _latencies(browser, url: str, srv: ServerProcess, pages: int) -> tuple[list[float], int]:
    """Make CALLS calls; (call → code shown on each page in ms, calls a page never showed)."""
    # One context per page, as one TV per browser: a browser keeps at most six
    # connections per server, and each page holds one open for its events.
    contexts = [browser.new_context(viewport={"width": 1366, "height": 768}) for _ in range(pages)]
    shown = []
    for c in contexts:
        c.add_init_script(WATCH)
        page = c.new_page()
        page.goto(url)
        page.wait_for_selector('body[data-link="live"]')
        shown.append(page)
    kiosk = srv.client(KIOSK_KEY)
    for _ in range(CALLS):
        kiosk.issue("ho-tich")
    posted: dict[str, float] = {}
    for i in range(CALLS):
        n = 1 + i % 2
        t = time.time() * 1000
        code = srv.client(counter_key(n)).counter(n, "next")["ticket"]["code"]
        posted[code] = t
        time.sleep(0.3)
    time.sleep(1.0)
    latencies, missing = [], 0
    for page in shown:
        seen = page.evaluate("window.__seen")
        for code, t in posted.items():
            if code in seen:
                latencies.append(seen[code] - t)
            else:
                missing += 1
    for c in contexts:
        c.close()
    return latencies, missing


def _row(pages: int, latencies: list[float], missing: int) -> str:
    return (
        f"| call → code on screen, {pages} page{'s' if pages > 1 else ''} × {CALLS} calls, "
        f"p50 / p95 / max (never shown) | {statistics.median(latencies):.0f} / "
        f"{_pct(latencies, 95):.0f} / {max(latencies):.0f} ms ({missing}) | < 1000 ms (0) |"
    )


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        config = write_config(
            Path(tmp),
            port=port,
            centre_extra=f'notice = "{NOTICE}"',
            extra='[voice]\nannounce = "off"\n',
        )
        srv = ServerProcess(config, port).start()
        try:
            with chromium("the browser display benchmark") as browser:
                one = _latencies(browser, srv.url + "/display", srv, 1)
                three = _latencies(browser, srv.url + "/display", srv, 3)

                ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
                page = ctx.new_page()
                page.goto(srv.url + "/display")
                page.wait_for_selector('body[data-link="live"]')
                cdp = ctx.new_cdp_session(page)
                cdp.send("Performance.enable")

                def task_seconds() -> float:
                    metrics = cdp.send("Performance.getMetrics")["metrics"]
                    return next(m["value"] for m in metrics if m["name"] == "TaskDuration")

                time.sleep(1.0)
                t0, busy0 = time.monotonic(), task_seconds()
                time.sleep(10.0)
                busy = (task_seconds() - busy0) / (time.monotonic() - t0) * 100
                scrolls = page.evaluate(
                    "!document.getElementById('track').classList.contains('still')"
                )
                heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
                ctx.close()
        finally:
            srv.stop()
    return [
        "## Browser display (`/display` in Debian's Chromium, headless, software rendering)",
        "",
        "| measure | value | budget |",
        "|---|---|---|",
        _row(1, *one),
        _row(3, *three),
        f"| main thread busy, idle 10 s at 1920×1080"
        f"{', notice scrolling' if scrolls else ''} | {busy:.2f}% | |",
        f"| JS heap | {heap / 1024 / 1024:.1f} MiB | |",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
