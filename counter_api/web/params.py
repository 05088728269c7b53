"""Query parameters (and headers) a view takes: declared once, checked, documented.

A ``Param`` says what a parameter is; ``parse_params`` reads the declared ones
from the request (400 ``invalid_request`` naming the parameter when one is bad)
and the OpenAPI document shows the same declaration.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import request

from counter_api.web.errors import ApiError

FALSE_WORDS = ("", "0", "false", "no")
TRUE_WORDS = ("1", "true", "yes")


@dataclass(frozen=True)
class Param:
    """One parameter of the query string (or a header, or the path).

    ``type`` is ``str`` (NFC, trimmed), ``int`` (ASCII digits), ``bool`` (true/false,
    1/0, yes/no) or ``list`` (comma-separated words of ``choices``). An empty value
    counts as absent, except for an ``int`` (400). ``lenient``: an unreadable value
    counts as none (``None``) instead of a 400. ``format`` and ``example`` only
    document (the view checks formats, e.g. dates).
    """

    type: type = str
    description: str = ""
    required: bool = False
    default: Any = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None
    format: str | None = None
    header: bool = False
    lenient: bool = False
    example: Any = None


def parse_params(params: Mapping[str, Param]) -> dict[str, Any]:
    """The declared parameters present in the request (or their defaults), checked."""
    out: dict[str, Any] = {}
    for name, p in params.items():
        raw = request.headers.get(name) if p.header else request.args.get(name)
        if raw is None or (raw == "" and (p.type is not int or p.lenient)):
            if p.required:
                raise ApiError(400, "invalid_request", f"missing parameter {name!r}")
            if p.default is not None:
                out[name] = p.default
            continue
        try:
            out[name] = parse_value(name, p, raw)
        except ApiError:
            if not p.lenient:
                raise
            out[name] = None
    return out


def parse_value(name: str, p: Param, raw: str) -> Any:
    """One parameter's value from its text; ``ApiError`` 400 when it is not one."""
    if p.type is int:
        text = raw.strip()
        value = int(text) if text.isascii() and text.isdigit() else None
        if value is None or not _in_range(value, p):
            raise ApiError(400, "invalid_request", f"parameter {name!r} must be {_range(p)}")
        return value
    if p.type is bool:
        word = raw.strip().lower()
        if word in FALSE_WORDS or word in TRUE_WORDS:
            return word in TRUE_WORDS
        raise ApiError(400, "invalid_request", f"parameter {name!r} must be true or false")
    if p.type is list:
        words = [w.strip() for w in raw.split(",") if w.strip()]
        choices = p.choices or ()
        if not words or any(w not in choices for w in words):
            raise ApiError(
                400,
                "invalid_request",
                f"parameter {name!r} takes a comma-separated list of {', '.join(choices)}",
            )
        return tuple(words)
    text = unicodedata.normalize("NFC", raw).strip()
    if p.max_length is not None and len(text) > p.max_length:
        raise ApiError(
            400, "invalid_request", f"parameter {name!r} is over {p.max_length} characters"
        )
    if p.choices is not None and text not in p.choices:
        raise ApiError(
            400, "invalid_request", f"parameter {name!r} must be one of {', '.join(p.choices)}"
        )
    return text


def _in_range(value: int, p: Param) -> bool:
    return (p.minimum is None or value >= p.minimum) and (p.maximum is None or value <= p.maximum)


def _range(p: Param) -> str:
    if p.minimum is not None and p.maximum is not None:
        return f"a whole number from {p.minimum} to {p.maximum}"
    if p.minimum is not None:
        return f"a whole number of at least {p.minimum}"
    if p.maximum is not None:
        return f"a whole number of at most {p.maximum}"
    return "a whole number"
