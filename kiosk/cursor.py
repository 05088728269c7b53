"""The last event the kiosk saw, kept on disk across restarts.

The kiosk follows the event stream for reprints (``ticket.reprint``) and
checklists (``checklist.print``) that clerks send to it. With the id of the last
event it saw on disk, a kiosk that was off (power cut, restart) asks the server
for every event after it and prints what was asked meanwhile (``EventFeed``
skips requests of another business day).

The file is small JSON (``{"server", "last_event_id", "saved_at"}``) in
``[kiosk] state_dir``, written atomically (temporary file, fsync, rename). It is
written at most every ``interval`` seconds, and at once after an event that made
the kiosk print, so such an event is never printed twice after a restart. A file
of another server (the kiosk was moved) is ignored; a folder the kiosk cannot
write is logged once and the kiosk carries on without it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sothutu.files import write_json_atomically

log = logging.getLogger(__name__)


class EventCursor:
    """Loads and saves the id of the last event one kiosk saw from one server."""

    def __init__(
        self,
        folder: Path,
        kiosk: str,
        server: str,
        *,
        interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", kiosk) or "kiosk"
        self.path = folder / f"{safe}.events.json"
        self.server = server.rstrip("/")
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._saved: int | None = None
        self._pending: int | None = None
        self._saved_at = float("-inf")
        self._failed = False

    def load(self) -> int | None:
        """The last event id saved for this server, or None (no file, another server,
        or a file that is not ours)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("%s: not read (%s); starting from the server's state", self.path, exc)
            return None
        last = data.get("last_event_id") if isinstance(data, dict) else None
        if not isinstance(last, int) or isinstance(last, bool) or last < 0:
            log.warning("%s: no last_event_id; starting from the server's state", self.path)
            return None
        if data.get("server") != self.server:
            log.info("%s is of another server (%s); not used", self.path, data.get("server"))
            return None
        self._saved = last
        return last

    def note(self, event_id: int, *, now: bool = False) -> None:
        """The kiosk has dealt with ``event_id``; saved at once with ``now``, else
        when ``interval`` has passed since the last save."""
        with self._lock:
            if self._saved is not None and event_id <= self._saved and not now:
                return
            self._pending = event_id
            if now or self._clock() - self._saved_at >= self.interval:
                self._write()

    def flush(self) -> None:
        """Save what was noted and not saved yet (the kiosk is stopping)."""
        with self._lock:
            if self._pending is not None and self._pending != self._saved:
                self._write()

    def _write(self) -> None:
        event_id = self._pending
        if event_id is None:
            return
        data = {"server": self.server, "last_event_id": event_id, "saved_at": time.time()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomically(self.path, data)
        except OSError as exc:
            if not self._failed:
                log.error(
                    "cannot keep the last event id in %s (%s): reprints asked while the kiosk "
                    "is off will not be printed when it starts",
                    self.path,
                    exc.strerror or exc,
                )
            self._failed = True
            return
        if self._failed:
            log.info("the last event id is kept in %s again", self.path)
        self._failed = False
        self._saved = event_id
        self._saved_at = self._clock()
