"""Ticket codes: prefix + zero-padded number, restarting each business day."""

from __future__ import annotations

from counter_api.core.model import Conflict


def format_code(prefix: str, number: int, width: int) -> str:
    """``("A", 15, 3)`` → ``"A015"``; a number wider than ``width`` is not cut."""
    return f"{prefix}{number:0{width}d}"


def next_number(start: int, last_number: int | None) -> int:
    """The number after today's last one, or ``start`` for the day's first ticket."""
    return start if last_number is None else last_number + 1


def check_daily_limit(daily_limit: int, issued_today: int, service_id: str) -> None:
    """Raise 409 ``daily_limit_reached`` when the service has issued its day's share."""
    if daily_limit and issued_today >= daily_limit:
        raise Conflict(
            "daily_limit_reached",
            f"service {service_id!r} has issued its {daily_limit} tickets for today",
        )
