"""Satisfaction ratings: the five levels and who may rate what, as pure rules.

A rating belongs to one ticket and the counter that finished it. Only the
counter's most recently finished (done) ticket can be rated, within a short
window after it was finished, and only once: so a phone on the centre's
Wi-Fi cannot rate other citizens' services or flood the figures, whatever
credentials it steals from a rating tablet.
"""

from __future__ import annotations

from datetime import datetime

from counter_api.core.model import Conflict, QueueError, Status, Ticket
from sothutu.ratings import LEVELS

__all__ = ["LEVELS", "check_rating", "check_score"]


def check_score(score: int) -> None:
    if score not in LEVELS:
        raise QueueError("invalid_request", "field 'score' must be an integer from 1 to 5")


def check_rating(
    last_done: Ticket | None,
    *,
    counter: int,
    asked_ticket: int | None,
    now: datetime,
    window_seconds: float,
    already_rated: bool,
) -> Ticket:
    """The ticket a rating at ``counter`` is for, or a ``Conflict`` saying why not.

    ``last_done`` is the counter's most recently finished ticket of the day.
    """
    if last_done is None or last_done.status is not Status.DONE or last_done.finished_at is None:
        raise Conflict("nothing_to_rate", f"counter {counter} has finished no ticket to rate")
    if last_done.counter != counter:
        raise Conflict("nothing_to_rate", f"counter {counter} has finished no ticket to rate")
    if asked_ticket is not None and asked_ticket != last_done.id:
        raise Conflict("not_ratable", "only the counter's last finished ticket can be rated")
    if (now - last_done.finished_at).total_seconds() > window_seconds:
        raise Conflict("rating_closed", f"{last_done.code} was finished too long ago to rate")
    if already_rated:
        raise Conflict("already_rated", f"{last_done.code} has been rated already")
    return last_done
