"""Bookings ride on the link to the hub: what the centre adds to each push, and what it
keeps from each answer.

To each push it adds ``bookings_after`` (the last booking change it holds, in
``meta`` ``hub_bookings_seq``) and, in the setup, what the hub's booking pages need:
the days of the week it works, its closed days, its check-in window and the digest
of its procedure catalogue; the catalogue itself goes along only while the hub's
digest (in its last answer) differs. From each answer it keeps ``bookings`` (new
ones and cancellations) and the new cursor, in one transaction, and asks for the
next push at once while the hub says ``bookings_more`` (or when bookings it just
received were already no-shows: the hub hears of them at once).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from counter_api.core.day import business_date
from counter_api.procedures.catalogue import VERSION, load_procedures
from counter_api.service import CURSOR, QueueService
from counter_api.store import repo

log = logging.getLogger(__name__)

__all__ = ["CURSOR", "BookingLink"]


class BookingLink:
    """The booking side of one centre's link to the hub."""

    def __init__(self, svc: QueueService) -> None:
        self.svc = svc
        self.hub_digest: str | None = None  # the catalogue the hub said it holds
        self._version: str | None = None
        self._catalogue: list[dict[str, Any]] = []
        self._digest = ""

    def catalogue(self) -> tuple[list[dict[str, Any]], str]:
        """The procedure catalogue as the hub takes it, and its digest (rebuilt only after
        an import changed the catalogue's version)."""
        with self.svc.store.read() as db:
            version = repo.get_meta(db, VERSION) or "0"
            if version != self._version:
                self._catalogue = [p.to_json() for p in load_procedures(db)]
                data = json.dumps(self._catalogue, ensure_ascii=False, sort_keys=True)
                self._digest = hashlib.sha256(data.encode()).hexdigest()
                self._version = version
        return self._catalogue, self._digest

    def contribute(self) -> dict[str, Any]:
        c = self.svc.config
        # the clock's day, read only: the link's thread never rolls the day over
        today = business_date(self.svc.clock.now(), self.svc.tz).isoformat()
        with self.svc.store.read() as db:
            cursor = int(repo.get_meta(db, CURSOR) or 0)
        items, digest = self.catalogue()
        out: dict[str, Any] = {
            "bookings_after": cursor,
            "setup": {
                "days": list(c.centre.days),
                # no bookings on a day the centre is closed either; past days are of no
                # use to the hub (and its limit on the list would be reached one year)
                "closed_days": sorted(
                    d for d in {*c.booking.closed_days, *c.centre.closed_days} if d >= today
                ),
                "booking": {
                    "early_minutes": c.booking.early_minutes,
                    "late_minutes": c.booking.late_minutes,
                },
                "catalogue_digest": digest,
            },
        }
        if self.hub_digest != digest:
            out["catalogue"] = items
        return out

    def handle(self, answer: dict[str, Any]) -> bool:
        digest = answer.get("catalogue_digest")
        if isinstance(digest, str):
            self.hub_digest = digest
        items = answer.get("bookings")
        cursor = answer.get("bookings_seq")
        if not isinstance(items, list) or not isinstance(cursor, int) or cursor < 0:
            return False
        taken = self.svc.sync_bookings(items, cursor)
        late = 0
        if taken:
            log.info("%d bookings or cancellations from the hub (cursor %d)", taken, cursor)
            # one received after its slot (the link was down) is a no-show now, not at the
            # housekeeping's next round; the next push tells the hub
            late = self.svc.mark_booking_no_shows()
        return answer.get("bookings_more") is True or late > 0
