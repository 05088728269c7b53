"""The pure queue core: numbering, the business day, calling order, transitions.

Nothing here imports Flask, SQLite or pygame; the store loads data, calls
these functions and saves what they return. Every rule lives here once.
"""

from counter_api.core.model import (
    Conflict,
    CoreEvent,
    CounterState,
    CounterStatus,
    NotFound,
    QueueError,
    Status,
    Ticket,
)

__all__ = [
    "Conflict",
    "CoreEvent",
    "CounterState",
    "CounterStatus",
    "NotFound",
    "QueueError",
    "Status",
    "Ticket",
]
