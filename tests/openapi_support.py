"""What the tests of the two OpenAPI documents (the centre's, tests/test_openapi.py, and
the hub's, tests/test_hub_openapi.py) share: a rule as the document's path, the values
at and past each limit a schema states, and the keys of an answer its schema does not
name. Not a test module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

#: A letter that is one character in NFC but two bytes and more in UTF-8.
LETTER = "ệ"


def openapi_path(rule: str) -> tuple[str, bool]:
    """A Flask rule as the document's path key, and whether it is an API path."""
    path = re.sub(r"<(?:[^<>:]+:)?([^<>:]+)>", r"{\1}", rule)
    if path.startswith("/api/v1/"):
        return path.removeprefix("/api/v1"), True
    return path, False


def limit_cases(schema: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """(what, a value at the limit, a value past it) for each limit a schema states."""
    if "enum" in schema:
        for good in schema["enum"]:
            yield f"enum {good!r}", good, "no-such-value"
    if "maxLength" in schema:
        n = schema["maxLength"]
        yield f"maxLength {n}", LETTER * n, LETTER * (n + 1)
    if "maximum" in schema:
        m = schema["maximum"]
        yield f"maximum {m}", m, m + 1
    if "minimum" in schema:
        m = schema["minimum"]
        yield f"minimum {m}", m, m - 1


def example(schema: dict[str, Any]) -> Any:
    if "examples" in schema:
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    return None


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a ``$ref`` (or a lone ``allOf``) stands for."""
    while "$ref" in schema or len(schema.get("allOf", ())) == 1:
        if "allOf" in schema:
            schema = schema["allOf"][0]
            continue
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def undocumented(doc: dict[str, Any], value: Any, schema: dict[str, Any], at: str) -> list[str]:
    """Keys of an answer that its schema does not name (the schema is written by hand)."""
    schema = resolve(doc, schema)
    if "oneOf" in schema:
        branches = [resolve(doc, s) for s in schema["oneOf"]]
        fitting = [s for s in branches if (value is None) == (s.get("type") == "null")]
        return undocumented(doc, value, fitting[0], at)
    out: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key not in schema["properties"]:
                out.append(f"{at}.{key}")
            else:
                out += undocumented(doc, item, schema["properties"][key], f"{at}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for item in value[:3]:
            out += undocumented(doc, item, schema["items"], f"{at}[]")
    return out
