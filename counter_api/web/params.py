"""Query parameters (and headers, form fields) a view takes: declared once, checked,
documented.

A ``Param`` (``sothutu.openapi``, shared with the hub's document) says what a
parameter is; ``parse_params`` reads the declared ones from the request (400
``invalid_request`` naming the parameter when one is bad) and the OpenAPI document
shows the same declaration.

``whole_number`` is the one parser of every number a request carries (query,
header, form field, JSON body field, path id): it looks at the text's length
before converting it, so no number can be long enough to raise in Python (ints
over 4,300 digits do) or to overflow SQLite, and it bounds the value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from flask import request

from counter_api.web.errors import ApiError
from sothutu.openapi import Param

#: The largest magnitude any number of a request may have (15 digits: ids, counters),
#: whatever its declaration says; also within SQLite's and JavaScript's exact integers.
MAX_WHOLE = 10**15 - 1

FALSE_WORDS = ("", "0", "false", "no")
TRUE_WORDS = ("1", "true", "yes")


def parse_params(params: Mapping[str, Param], *, form: bool = False) -> dict[str, Any]:
    """The declared parameters present in the request (or their defaults), checked:
    the query's (or headers'), or with ``form`` the form's fields."""
    out: dict[str, Any] = {}
    for name, p in params.items():
        if form:
            raw = request.form.get(name)
        else:
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
        return whole_number(name, raw, p.minimum, p.maximum)
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


def whole_number(
    name: str,
    value: str | int,
    minimum: int | None = None,
    maximum: int | None = None,
    *,
    what: str = "parameter",
) -> int:
    """``value`` (text of ASCII digits with an optional ``-``, or a JSON integer) as
    an int within ``minimum``…``maximum`` and ±``MAX_WHOLE``; else ``ApiError`` 400
    naming ``what`` and ``name``. Text is measured before it is converted: a number
    of any length answers 400, never a Python error."""
    low = -MAX_WHOLE if minimum is None else max(minimum, -MAX_WHOLE)
    high = MAX_WHOLE if maximum is None else min(maximum, MAX_WHOLE)
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        digits = text.removeprefix("-")
        longest = max(len(str(abs(low))), len(str(abs(high))))
        if digits.isascii() and digits.isdigit() and len(digits) <= longest:
            number = int(text)
    if number is None or not low <= number <= high:
        raise ApiError(400, "invalid_request", f"{what} {name!r} must be {_range(low, high)}")
    return number


def _range(low: int, high: int) -> str:
    return f"a whole number from {low} to {high}"
