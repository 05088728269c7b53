"""The calling order: priority first, then booked tickets in slot order, then the
earliest issued, then the lowest id."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from counter_api.core.model import Status, Ticket

#: The calling order as (ticket field, descending?) pairs, most significant first.
#: ``calling_key`` below and the store's SQL (which renders this) must agree; a
#: test checks that they do.
CALLING_ORDER: tuple[tuple[str, bool], ...] = (
    ("priority", True),
    ("booked", True),
    ("order_at", False),
    ("id", False),
)


def calling_key(ticket: Ticket) -> tuple[bool, bool, datetime, int]:
    """Sort key of the calling order (smaller is called first).

    Priority tickets first; then tickets booked ahead and checked in within their
    window, by their slot's start; then the others by issue time (``order_at``). A
    transferred ticket keeps its ``issued_at`` and booking, so it keeps its place.
    """
    return (not ticket.priority, not ticket.booked, ticket.order_at, ticket.id)


def pick_next(tickets: Iterable[Ticket], services: Collection[str]) -> Ticket | None:
    """The waiting ticket a counter serving ``services`` calls next, or None."""
    candidates = [t for t in tickets if t.status is Status.WAITING and t.service in services]
    return min(candidates, key=calling_key, default=None)


def waiting_ahead(ticket: Ticket, tickets: Iterable[Ticket]) -> int:
    """How many waiting tickets of the same service come before ``ticket``."""
    key = calling_key(ticket)
    return sum(
        1
        for t in tickets
        if t.status is Status.WAITING
        and t.service == ticket.service
        and t.id != ticket.id
        and calling_key(t) < key
    )
