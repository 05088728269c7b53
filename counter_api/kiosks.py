"""Which running kiosk speaks for each configured kiosk name (in memory, pure).

A config copied to a second machine makes two kiosks report under one name,
each overwriting the other's printer state: clerks then see a working kiosk as
broken, and a reprint sent to the name prints twice. Each kiosk process sends
a random ``instance`` id with its status and repeats it at least every
``HEARTBEAT_SECONDS``; the roster lets one instance speak for a name:

- the first instance heard keeps the name while it keeps reporting (it is
  *live* for ``LIVE_SECONDS`` after its last report);
- another instance from another address is refused while the first is live
  (``kiosk_name_in_use``), and the name shows the conflict for as long as the
  second keeps trying;
- another instance from the same address is the same machine restarted (a
  crash, a service restart): it takes over at once, and the instance it
  replaced is never let back;
- once the first has been silent for ``LIVE_SECONDS`` (switched off, a power
  cut), any new instance takes the name.

Nothing here is stored: after a server restart the first kiosk to report
takes its name again, within one heartbeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sothutu.client import KIOSK_HEARTBEAT_SECONDS as HEARTBEAT_SECONDS

#: How long after its last report an instance still holds its name: three heartbeats.
LIVE_SECONDS = 3 * HEARTBEAT_SECONDS
#: Instances replaced by a restart that are remembered (and refused) per name.
RETIRED_KEPT = 16


@dataclass
class Conflict:
    """A second kiosk refused under a name: where it runs, when it first and last tried."""

    address: str
    instance: str
    since: float
    at: float
    logged: float = 0.0  # when the server last logged it


@dataclass
class Holder:
    """The instance that speaks for a name, and what it last said."""

    instance: str
    address: str
    seen: float
    #: tickets it issued but could not print: [{"id", "code", "service"}]
    unprinted: list[dict[str, Any]] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    conflict: Conflict | None = None


@dataclass(frozen=True)
class Verdict:
    """What ``Roster.admit`` decided: accepted or not, and why (for the log)."""

    accepted: bool
    #: "first", "same", "restarted" (same address), "replaced" (the old one went
    #: silent), "refused", or "anonymous" (no instance id: an admin, an old kiosk)
    why: str
    holder: Holder | None = None
    #: the instance that held the name before (restarted, replaced)
    previous: Holder | None = None


class Roster:
    """The kiosk processes the server heard from, by kiosk name. Not thread-safe:
    the service calls it inside its write transaction, one request at a time."""

    def __init__(self) -> None:
        self._by_name: dict[str, Holder] = {}

    def admit(self, name: str, instance: str | None, address: str, now: float) -> Verdict:
        """May ``instance`` (from ``address``) speak for ``name`` at ``now``?"""
        if not instance:
            return Verdict(True, "anonymous", self._by_name.get(name))
        held = self._by_name.get(name)
        if held is None:
            held = self._by_name[name] = Holder(instance, address, now)
            return Verdict(True, "first", held)
        if held.instance == instance:
            held.seen = now
            held.address = address
            return Verdict(True, "same", held)
        if instance in held.retired:
            return self._refuse(held, instance, address, now)
        if now - held.seen > LIVE_SECONDS or address == held.address:
            why = "restarted" if address == held.address else "replaced"
            previous = held
            retired = [*held.retired, held.instance][-RETIRED_KEPT:]
            held = self._by_name[name] = Holder(instance, address, now, retired=retired)
            return Verdict(True, why, held, previous)
        return self._refuse(held, instance, address, now)

    def _refuse(self, held: Holder, instance: str, address: str, now: float) -> Verdict:
        c = held.conflict
        if c is None or c.instance != instance or now - c.at > LIVE_SECONDS:
            held.conflict = Conflict(address, instance, now, now)
        else:
            c.at = now
            c.address = address
        return Verdict(False, "refused", held)

    def holder(self, name: str) -> Holder | None:
        return self._by_name.get(name)

    def conflict(self, name: str, now: float) -> Conflict | None:
        """The second kiosk refused under ``name`` while it still tries (else None)."""
        held = self._by_name.get(name)
        c = held.conflict if held else None
        if c is None or now - c.at > LIVE_SECONDS:
            return None
        return c
