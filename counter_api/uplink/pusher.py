"""The thread that pushes new rows and a health snapshot to the hub, over an outbound link.

Every ``push_seconds`` (at once again while a backlog remains) it sends up to
1,000 rows after the acknowledged cursor, gzip-compressed, with the bearer
token. The hub answers ``{"ack": N, ...}``: the highest row it holds, which
becomes the cursor (a hub restored from an older backup gets the rest again).
Nothing here runs inside a queue transaction, so a dead, slow or lying hub
never holds up a ticket; failures are logged, kept for the admin page and
tried again with a growing pause.

Other features ride on the same link without touching this loop: a function in
``Pusher.contributors`` adds keys to each push (its ``setup`` key adds to the
setup), and one in ``Pusher.handlers`` receives each 200 answer after the rows'
cursor is saved, and may ask for the next push at once by returning true. The
answer is a JSON object whose unknown keys are ignored. Bookings ride this way
(``counter_api.uplink.bookings``).
"""

from __future__ import annotations

import gzip
import json
import logging
import shutil
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol

from counter_api import __version__
from counter_api.backup import backup_time, backups
from counter_api.present import iso
from counter_api.service import QueueService
from counter_api.uplink import outbox

log = logging.getLogger(__name__)

#: Longest pause between tries while the hub fails, in multiples of push_seconds.
MAX_BACKOFF = 10


class PushError(Exception):
    """One push failed; the message says why (shown on the admin page)."""


class Pusher:
    """Pushes this centre's rows to the hub until stopped."""

    def __init__(self, svc: QueueService) -> None:
        self.svc = svc
        self.config = svc.config
        self.link = svc.config.hub
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ssl = self._ssl_context()
        #: Each returns extra keys for the push body (called before every push); a
        #: ``setup`` key among them is added to the setup.
        self.contributors: list[Callable[[], dict[str, Any]]] = []
        #: Each receives every successful answer of the hub, after the cursor moved;
        #: a true return asks for the next push at once (more is waiting at the hub).
        self.handlers: list[Callable[[dict[str, Any]], bool | None]] = []

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.link.url.startswith("https://"):
            return None
        cafile = str(self.config.resolve(self.link.ca_file)) if self.link.ca_file else None
        return ssl.create_default_context(cafile=cafile)  # verifies certificate and host name

    # --- the loop -------------------------------------------------------------------

    def start(self) -> Pusher:
        self._thread = threading.Thread(target=self._run, name="hub-uplink", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        failures = 0
        log.info("pushing to the hub %s as %s", self.link.url, self.link.centre_id)
        while not self._stop.is_set():
            try:
                more = self.push_once()
                failures = 0
            except PushError as exc:
                failures += 1
                more = False
                if failures == 1 or failures % 20 == 0:
                    log.warning("push to the hub failed (%d in a row): %s", failures, exc)
            except Exception:  # never let the link's thread die
                failures += 1
                more = False
                log.exception("push to the hub failed")
            pause = (
                0.0
                if more
                else self.link.push_seconds * min(MAX_BACKOFF, 2 ** max(0, failures - 1))
            )
            self._stop.wait(pause)

    # --- one push ---------------------------------------------------------------------

    def push_once(self) -> bool:
        """Send one batch and the health; True when more rows are waiting."""
        store = self.svc.store
        tz = self.config.centre.tz
        after = outbox.acked(store)
        rows = outbox.read_batch(store, after, tz)
        newest = outbox.newest_seq(store)
        body: dict[str, Any] = {
            "centre": self.link.centre_id,
            "version": __version__,
            "sent_at": iso(self.svc.clock.now(), tz),
            "after": after,
            "rows": rows,
            "health": self.health(pending=max(0, newest - after)),
            "setup": self.setup(),
        }
        for contribute in self.contributors:
            extra = dict(contribute())
            body["setup"] |= extra.pop("setup", {})
            body |= extra
        try:
            answer = self._post(body)
        except PushError as exc:
            outbox.record(store, self.svc.clock.now(), ack=None, error=str(exc))
            raise
        ack = answer.get("ack")
        if not isinstance(ack, int) or isinstance(ack, bool) or ack < 0:
            error = f"the hub answered without a valid 'ack': {str(answer)[:200]}"
            outbox.record(store, self.svc.clock.now(), ack=None, error=error)
            raise PushError(error)
        error = None
        if ack > newest:
            error = (
                f"the hub holds rows up to {ack} but this database only reaches {newest}: "
                "was it restored from an older backup? Ask the province to check the hub"
            )
            ack = newest
        outbox.record(store, self.svc.clock.now(), ack=ack, error=error)
        again = False
        for handle in self.handlers:
            again = bool(handle(answer)) or again
        if error:
            raise PushError(error)
        return again or (bool(rows) and ack < newest and ack > after)

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        data = gzip.compress(json.dumps(body, ensure_ascii=False).encode(), compresslevel=6)
        req = urllib.request.Request(
            self.link.url.rstrip("/") + "/api/v1/ingest",
            data=data,
            method="POST",
            headers={
                "Authorization": f"Bearer {self.link.token}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "User-Agent": f"sothutu/{__version__}",
            },
        )
        try:
            with urllib.request.urlopen(
                req, timeout=self.link.timeout_seconds, context=self._ssl
            ) as resp:
                raw = resp.read(1 << 20)
        except urllib.error.HTTPError as exc:
            raise PushError(f"the hub answered {exc.code}: {_message(exc)}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise PushError(f"cannot reach the hub at {self.link.url}: {reason}") from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise PushError("the hub's answer is not JSON") from None
        if not isinstance(answer, dict):
            raise PushError("the hub's answer is not a JSON object")
        return answer

    # --- what is sent besides rows ------------------------------------------------------

    def health(self, pending: int) -> dict[str, Any]:
        """A snapshot of the centre for the province's overview."""
        state = self.svc.state()
        counters = state["counters"]
        try:
            disk = shutil.disk_usage(self.config.database_path.parent)
            disk_free, disk_total = disk.free, disk.total
        except OSError:
            disk_free = disk_total = None
        found = backups(self.config.backup_dir) if self.config.backup_dir.is_dir() else []
        newest_backup = backup_time(found[-1], self.config.centre.tz) if found else None
        return {
            "business_date": state["business_date"],
            "time": iso(self.svc.clock.now(), self.config.centre.tz),
            "uptime_s": round(time.monotonic() - self.started),
            "waiting": {s["id"]: s["waiting"] for s in state["services"]},
            "counters": {
                "total": len(counters),
                "open": sum(1 for c in counters if c["status"] != "paused"),
                "serving": sum(1 for c in counters if c["status"] == "serving"),
                "paused": sum(1 for c in counters if c["status"] == "paused"),
            },
            "kiosks": [
                {k: kiosk.get(k) for k in ("name", "printer", "message", "at")}
                for kiosk in state.get("kiosks", [])
            ],
            "disk_free_bytes": disk_free,
            "disk_total_bytes": disk_total,
            "last_backup_at": iso(newest_backup, self.config.centre.tz) if newest_backup else None,
            "pending_rows": pending,
        }

    def setup(self) -> dict[str, Any]:
        """What the hub needs to name things and compute reports as the centre does."""
        c = self.config
        return {
            "name": c.centre.name,
            "timezone": c.centre.timezone,
            "services": [{"id": s.id, "name": s.name} for s in c.services],
            "counters": [{"number": k.number, "name": k.label} for k in c.counters],
            "service_level_minutes": c.reports.service_level_minutes,
            "hours": list(c.centre.hours),
            # the monthly summary's issuer line and signer, as the centre prints them
            "authority": c.centre.authority,
            "head_title": c.reports.head_title,
        }


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read(4096))
        return str(body["error"]["message"])
    except Exception:
        return exc.reason or "error"


class Rider(Protocol):
    """Something that rides on the link: adds keys to each push, reads each answer."""

    def contribute(self) -> dict[str, Any]: ...

    def handle(self, answer: dict[str, Any]) -> bool: ...


def start(svc: QueueService, *riders: Rider) -> Pusher | None:
    """Start the link when ``[hub] url`` is set, with ``riders`` on it; None otherwise."""
    if not svc.config.hub.enabled:
        return None
    pusher = Pusher(svc)
    for rider in riders:
        pusher.contributors.append(rider.contribute)
        pusher.handlers.append(rider.handle)
    return pusher.start()
