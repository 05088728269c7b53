"""The kiosk's worker threads end promptly on stop, whatever they were waiting on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from kiosk.controller import Kiosk
from sothutu.config import load_config
from tests.kiosk_support import kiosk_extra
from tests.support import free_port, write_config

NAMES = {"printer", "status", "health", "catalogue", "event-stream"}


def test_stop_wakes_every_worker_and_waits_for_it(tmp_path: Path) -> None:
    """No server answers (health and the stream retry, status waits for a report,
    the librarian and the printer wait for work): stop still ends all five at once."""
    cfg = write_config(tmp_path, port=free_port(), extra=kiosk_extra("preview:t"))
    posted: list[object] = []
    before = set(threading.enumerate())
    kiosk = Kiosk(load_config(cfg), posted.append).start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not posted:  # the printer's first status
        time.sleep(0.01)
    assert posted, "the printer worker never reported"
    workers = [kiosk.print_worker, kiosk.reporter, kiosk.monitor, kiosk.librarian]
    mine = [t for t in threading.enumerate() if t not in before and t.name in NAMES]
    assert {t.name for t in mine} == NAMES
    assert not any(w.stopping for w in workers)
    t0 = time.monotonic()
    kiosk.stop()
    assert time.monotonic() - t0 < 1.5
    assert all(w.stopping for w in [*workers, kiosk.feed.stream])
    assert not [t.name for t in mine if t.is_alive()]
