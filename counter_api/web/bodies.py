"""Request bodies: size, content type, JSON object, field types and limits, clean text.

A view declares its fields once (``sothutu.openapi.Field``: text NFC-normalized and
trimmed, then limited; integers bounded by ``params.whole_number``, within
±``MAX_WHOLE`` in any case); ``parse_body`` enforces them and the OpenAPI document
shows the same declaration, limits included.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from flask import request

from counter_api.web.errors import ApiError
from counter_api.web.params import MAX_WHOLE, whole_number
from sothutu.openapi import Field
from sothutu.safetext import unsafe_char

MAX_BODY = 16 * 1024


#: The optional ``request_id`` of a write that may be sent again (see ``request_id``).
REQUEST_ID = Field(
    str,
    max_length=64,
    description="a unique string the client makes for this request (a UUID): sent "
    "again after a lost answer, within the business day, it gets the first answer "
    "back instead of doing the request twice",
    example="5b2f0c8e-6d1a-4c47-9d53-0f3e2a1b7c90",
)


def request_id(body: dict[str, Any]) -> str | None:
    """The body's ``request_id`` (declared with ``REQUEST_ID``), or None; 400 when empty."""
    value = body.get("request_id")
    if value is not None and not value:
        raise ApiError(400, "invalid_request", "field 'request_id' is empty")
    return value


def check_size() -> None:
    """413 for a body over 16 KiB, before anything else is looked at."""
    length = request.content_length
    if length is not None and length > MAX_BODY:
        raise ApiError(413, "too_large", f"the body is over {MAX_BODY} bytes")
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        data = request.get_data(cache=True)
        if len(data) > MAX_BODY:
            raise ApiError(413, "too_large", f"the body is over {MAX_BODY} bytes")


def _check_text(value: Any, where: str) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ApiError(
                400, "invalid_request", f"{where}: text holds a lone surrogate"
            ) from None
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_text(k, where)
            _check_text(v, f"{where}.{k}" if isinstance(k, str) else where)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_text(v, f"{where}[{i}]")


def parse_body(fields: dict[str, Field]) -> dict[str, Any]:
    """The body's known fields, checked; unknown fields are ignored.

    An empty body is allowed (with any content type) unless a field is required.
    """
    raw = request.get_data(cache=True)
    if not raw:
        missing = [name for name, f in fields.items() if f.required]
        if missing:
            raise ApiError(400, "invalid_request", f"missing field {missing[0]!r}")
        return {}
    if request.mimetype != "application/json":
        raise ApiError(
            415, "unsupported_media_type", "send the body as Content-Type: application/json"
        )
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ApiError(415, "unsupported_media_type", "the body must be UTF-8 JSON")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_request", "the body is not valid UTF-8") from None
    try:
        body = json.loads(text, parse_int=_json_int)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_request", f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "the body must be a JSON object")
    _check_text(body, "body")
    out: dict[str, Any] = {}
    for name, f in fields.items():
        if name not in body or (body[name] is None and not f.required):
            if f.required:
                raise ApiError(400, "invalid_request", f"missing field {name!r}")
            continue
        value = body[name]
        if not _is(value, f.type):
            raise ApiError(400, "invalid_request", f"field {name!r} must be {_type_name(f.type)}")
        if isinstance(value, list):
            _check_items(name, f, value)
        if isinstance(value, str):
            value = unicodedata.normalize("NFC", value).strip()
            if len(value) > f.max_length:
                raise ApiError(
                    400, "invalid_request", f"field {name!r} is over {f.max_length} characters"
                )
            bad = unsafe_char(value)
            if bad:
                raise ApiError(400, "invalid_request", f"field {name!r} holds {bad}")
        if f.type is int:
            value = whole_number(name, value, f.minimum, f.maximum, what="field")
        if f.choices is not None and value not in f.choices:
            choices = ", ".join(str(c) for c in f.choices)
            raise ApiError(400, "invalid_request", f"field {name!r} must be one of {choices}")
        out[name] = value
    return out


def _is(value: Any, tp: type) -> bool:
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


def _check_items(name: str, f: Field, value: list) -> None:
    """A list field: at most ``max_items`` items, each of type ``items`` (integers
    within ``minimum``/``maximum``, as an integer field's)."""
    if len(value) > f.max_items:
        raise ApiError(400, "invalid_request", f"field {name!r} has over {f.max_items} items")
    if f.items is not None and not all(_is(v, f.items) for v in value):
        raise ApiError(
            400, "invalid_request", f"field {name!r} must hold only {_type_name(f.items)}s"
        )
    for v in value:
        if f.items is int:
            whole_number(name, v, f.minimum, f.maximum, what="field")


def _type_name(tp: type) -> str:
    names = {str: "a string", bool: "true or false", int: "an integer", list: "an array"}
    return names.get(tp, tp.__name__)


def _json_int(text: str) -> int:
    """A JSON integer, refused before conversion when no field could take it."""
    if len(text.removeprefix("-")) > len(str(MAX_WHOLE)):
        raise ValueError(f"a number of {len(text)} digits")
    return int(text)


def path_id(text: str) -> int | None:
    """A path id as a positive integer (``whole_number``, written without leading
    zeros or signs), or None: the contract treats it as an unknown id."""
    if text != text.strip() or text.startswith(("0", "-", "+")):
        return None
    try:
        return whole_number("id", text, 1, MAX_WHOLE, what="path")
    except ApiError:
        return None
