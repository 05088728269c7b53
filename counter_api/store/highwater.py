"""The highest numbers and ticket id the server may have issued, kept beside the database.

A database file can be lost whole (zero bytes after a power cut, a dying SD card)
with every ticket since the last backup. So the server also keeps, in a small
JSON file beside it (``queue.db.highwater``), numbers that are never below what
it issued: the business day, each service's last number that day, and the last
ticket id. They are reserved ahead in blocks, so the file is written about once
per ``block`` tickets of a service, usually from a background thread before the
reservation runs out; a ticket waits for the file only when it would go past
what the file says (the day's first ticket of a service, or a burst). A
recovery (``counter_api.recovery``) numbers on after them: no code of the day
and no ticket id is issued twice even when every row since the backup is gone.

Writing is atomic (temporary file, fsync, rename). When the file cannot be
written (a full disk) the server logs it once and goes on issuing: the
database is what counts; this file only makes a recovery safer.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sothutu.files import write_json_atomically

log = logging.getLogger(__name__)


@dataclass
class Marks:
    """What the file says: no number of ``business_date`` above ``numbers[service]``
    and no ticket id above ``ticket_id`` was issued."""

    business_date: str | None = None
    numbers: dict[str, int] = field(default_factory=dict)
    ticket_id: int = 0


def path_for(database: Path) -> Path:
    return database.with_name(database.name + ".highwater")


def read(path: Path) -> Marks:
    """The marks in ``path``, or empty ones (no file, or not ours)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Marks()
    if not isinstance(data, dict):
        return Marks()
    numbers = data.get("numbers")
    ticket_id = data.get("ticket_id")
    day = data.get("business_date")
    return Marks(
        business_date=day if isinstance(day, str) else None,
        numbers={
            k: v
            for k, v in (numbers.items() if isinstance(numbers, dict) else ())
            if isinstance(k, str) and isinstance(v, int)
        },
        ticket_id=ticket_id if isinstance(ticket_id, int) else 0,
    )


class HighWater:
    """Keeps the file ahead of what the server issues (see the module doc)."""

    def __init__(self, path: Path, number_block: int = 50, id_block: int = 200) -> None:
        self.path = path
        self.number_block = number_block
        self.id_block = id_block
        self._lock = threading.Lock()  # the marks in memory
        self._write_lock = threading.Lock()  # one writer at a time, latest marks win
        self._wanted = read(path)  # what the file should say
        self._written = Marks(  # what it is known to say
            self._wanted.business_date, dict(self._wanted.numbers), self._wanted.ticket_id
        )
        self._refilling = False
        self._failed = False

    def cover(self, day: date, service: str, number: int, ticket_id: int) -> None:
        """A ticket ``number`` of ``service`` on ``day`` with id ``ticket_id`` is being
        issued: returns once the file covers it (at once, mostly)."""
        today = day.isoformat()
        with self._lock:
            wanted = self._wanted
            if wanted.business_date != today:
                wanted.business_date, wanted.numbers = today, {}
            same_day = self._written.business_date == today
            on_disk = self._written.numbers.get(service, 0) if same_day else 0
            urgent = number > on_disk or ticket_id > self._written.ticket_id
            low = (
                number > on_disk - self.number_block // 2
                or ticket_id > self._written.ticket_id - self.id_block // 2
            )
            if not (urgent or low):
                return
            wanted.numbers[service] = max(
                wanted.numbers.get(service, 0), number + self.number_block
            )
            wanted.ticket_id = max(wanted.ticket_id, ticket_id + self.id_block)
            if not urgent:
                if self._refilling:
                    return
                self._refilling = True
        if urgent:
            self._flush()
        else:
            threading.Thread(target=self._refill, name="highwater", daemon=True).start()

    def _refill(self) -> None:
        try:
            self._flush()
        finally:
            with self._lock:
                self._refilling = False

    def _flush(self) -> None:
        with self._write_lock:
            with self._lock:
                marks = Marks(
                    self._wanted.business_date, dict(self._wanted.numbers), self._wanted.ticket_id
                )
            if marks == self._written:
                return
            try:
                self._write(marks)
            except OSError as exc:
                if not self._failed:
                    log.error(
                        "cannot write %s (%s): a recovery from a lost database could reissue "
                        "today's newest codes",
                        self.path,
                        exc.strerror or exc,
                    )
                self._failed = True
                return
            if self._failed:
                log.info("%s is written again", self.path)
            self._failed = False
            with self._lock:
                self._written = marks

    def _write(self, marks: Marks) -> None:
        data = {
            "business_date": marks.business_date,
            "numbers": marks.numbers,
            "ticket_id": marks.ticket_id,
        }
        write_json_atomically(self.path, data)
