"""OpenAPI 3.1 documents from plain declarations, for the centre's server and the hub.

A view declares once, next to its code, what it takes: its body's fields (``Field``),
its path, query and header parameters (``Param``), its answer (``Answer``). Each app
reads its URL map and its views' records into ``Operation`` s (plain data: the
rule's text, the method, who may call, the security, the error codes by status) and
``document`` turns them into paths, operations, parameters, request bodies and
responses. Response schemas are written by hand next to the code that makes each
answer; a schema with a ``title`` becomes a component of that name.

No web framework here: the Flask-facing part (reading ``app.url_map`` and the views'
records, serving the document) stays in each app (``counter_api.web.openapi``,
``hub.web.openapi``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The tag of every route outside the API's prefix (pages, files).
PAGES = "pages"
#: The header of a refusal that says when to ask again.
RETRY_AFTER = {
    "description": "seconds to wait before asking again",
    "schema": {"type": "integer", "minimum": 1},
}


@dataclass(frozen=True)
class Param:
    """One parameter of the query string (or a header, or the path).

    ``type`` is ``str`` (NFC, trimmed), ``int`` (ASCII digits; ``minimum`` and
    ``maximum`` bound it), ``bool`` (true/false, 1/0, yes/no) or ``list``
    (comma-separated words of ``choices``). An empty value counts as absent, except for
    an ``int`` (400). ``lenient``: an unreadable value counts as none instead of a 400
    (its limits are then not in the document). ``format`` and ``example`` only
    document (the view checks formats, e.g. dates). The centre's server reads them
    with ``counter_api.web.params.parse_params``.
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


@dataclass(frozen=True)
class Field:
    """One field of a JSON body: its JSON type, whether it is required, its limits.

    Text is NFC-normalized and trimmed, then limited to ``max_length`` characters,
    and may hold no control character or text-direction override
    (``sothutu.safetext``); ``choices`` are the only values allowed;
    ``minimum``/``maximum`` bound an integer. ``format``, ``example`` and
    ``description`` only document.
    """

    type: type
    required: bool = False
    max_length: int = 200
    description: str = ""
    choices: tuple[Any, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    example: Any = None
    #: a ``list`` field: the JSON type of its items (``int`` or ``str``) and how many at most
    items: type | None = None
    max_items: int = 20
    format: str | None = None


@dataclass(frozen=True)
class Answer:
    """A view's successful answer: status, media type and JSON Schema (``title`` names it)."""

    schema: Mapping[str, Any] | None = None
    status: int = 200
    description: str = "OK"
    media: str = "application/json"
    #: further media types the view may answer with, and their schemas
    also: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: further success statuses with the same content, and what each means
    statuses: Mapping[int, str] = field(default_factory=dict)
    #: the answer's headers worth knowing (Location, Content-Disposition): name → Header Object
    headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One method of one route as the document shows it, in plain data."""

    #: the URL rule as the app's router writes it: ``/api/v1/counters/<n>/next``
    rule: str
    method: str
    tag: str
    #: the view's docstring: the summary, a blank line, what else the document says
    doc: str
    operation_id: str | None = None
    #: a sentence on who may call, put before the docstring's text
    who: str = ""
    #: Security Requirement Objects (any one of them will do); empty: public
    security: Sequence[Mapping[str, Sequence[str]]] = ()
    path: Mapping[str, Param] = field(default_factory=dict)
    #: query and header parameters (``Param.header``)
    query: Mapping[str, Param] = field(default_factory=dict)
    #: a JSON body of declared fields ...
    body: Mapping[str, Field] | None = None
    #: ... or one described by a JSON Schema written by hand (nested objects, arrays)
    body_schema: Mapping[str, Any] | None = None
    #: an HTML form's fields
    form: Mapping[str, Param] = field(default_factory=dict)
    answer: Answer = field(default_factory=Answer)
    #: every error status it may answer, with its error codes
    errors: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    #: statuses among ``errors`` whose answers say how long to wait (``Retry-After``)
    retry_after: tuple[int, ...] = ()


@dataclass(frozen=True)
class Spec:
    """What a whole document says besides its operations."""

    title: str
    version: str
    description: str
    #: every tag of the API's operations and what it holds, in the document's order
    tags: Sequence[tuple[str, str]]
    security_schemes: Mapping[str, Any]
    #: the body of every error answer
    error_schema: Mapping[str, Any]
    #: what each error status means, after the codes an operation names
    error_text: Mapping[int, str]
    #: what the routes outside the API's prefix are; "" when there are none
    pages: str = ""
    api_prefix: str = "/api/v1"


def error_schema(**details: Mapping[str, Any]) -> dict[str, Any]:
    """The body of an app's error answers: ``{"error": {"code", "message", …}}``, with
    the further keys (``details``) its errors may carry."""
    return {
        "title": "Error",
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    **details,
                },
            }
        },
    }


def rule_methods(rules: Iterable[Any]) -> list[tuple[Any, str]]:
    """Each (rule, method) of a URL map, in the document's order (by path, endpoint and
    method); HEAD and OPTIONS, which the framework answers itself, left out. A rule is
    read by its ``rule``, ``endpoint`` and ``methods`` (a Werkzeug ``Rule``)."""
    return [
        (rule, method)
        for rule in sorted(rules, key=lambda r: (r.rule, r.endpoint))
        for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"})
    ]


def document(spec: Spec, operations: Iterable[Operation]) -> dict[str, Any]:
    """The OpenAPI document of ``operations``: API paths relative to the server URL
    ``…{api_prefix}``, every other route with the server's root as its own server."""
    schemas: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    api_paths: set[str] = set()
    page_paths: set[str] = set()
    for op in operations:
        is_api = op.rule.startswith(spec.api_prefix + "/")
        path = _path(op.rule, spec.api_prefix)
        (api_paths if is_api else page_paths).add(path)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, spec, schemas)
    if api_paths & page_paths:
        raise ValueError(f"pages and API paths share keys: {sorted(api_paths & page_paths)}")
    for path in page_paths:
        paths[path]["servers"] = [{"url": "/", "description": "the server's root"}]
    _hoist(spec.error_schema, schemas)
    used = {op["tags"][0] for item in paths.values() for k, op in item.items() if k != "servers"}
    tags = [{"name": name, "description": text} for name, text in spec.tags if name in used]
    if spec.pages:
        tags.append({"name": PAGES, "description": spec.pages})
    return {
        "openapi": "3.1.0",
        "info": {"title": spec.title, "version": spec.version, "description": spec.description},
        "tags": tags,
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": spec.security_schemes,
        },
    }


#: A variable of a URL rule: ``<n>``, ``<path:filename>``.
_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")


def _path(rule: str, prefix: str) -> str:
    """A rule as an OpenAPI path: ``/api/v1/counters/<n>/next`` → ``/counters/{n}/next``."""
    text = _VARIABLE.sub(r"{\1}", rule)
    return text.removeprefix(prefix) if text.startswith(prefix + "/") else text


def _operation(op: Operation, spec: Spec, schemas: dict[str, Any]) -> dict[str, Any]:
    summary, _, rest = op.doc.partition("\n\n")
    out: dict[str, Any] = {"tags": [op.tag], "summary": " ".join(summary.split())}
    if op.operation_id is not None:
        out["operationId"] = op.operation_id
    description = " ".join(p for p in (op.who, _unwrap(rest)) if p)
    if description:
        out["description"] = description
    parameters = [_path_parameter(name, op.path.get(name)) for name in _VARIABLE.findall(op.rule)]
    parameters += [_parameter(name, p) for name, p in op.query.items()]
    if parameters:
        out["parameters"] = parameters
    out["security"] = [{name: list(scopes) for name, scopes in s.items()} for s in op.security]
    if op.body is not None:
        out["requestBody"] = _request_body(op.body)
    elif op.body_schema is not None:
        schema = _hoist(op.body_schema, schemas)
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    elif op.form:
        out["requestBody"] = _form_body(op.form)
    out["responses"] = _responses(op, spec, schemas)
    return out


def _unwrap(text: str) -> str:
    """A docstring's paragraphs as the document's text: lines joined, paragraphs kept."""
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


def _path_parameter(name: str, p: Param | None) -> dict[str, Any]:
    out = _parameter(name, p or Param(str), where="path")
    out["required"] = True
    return out


def _parameter(name: str, p: Param, where: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "in": where or ("header" if p.header else "query"),
        "required": p.required,
    }
    if p.description:
        out["description"] = p.description
    if p.type is list:
        out["schema"] = {"type": "array", "items": {"enum": list(p.choices or ())}}
        if p.default is not None:
            out["schema"]["default"] = list(p.default)
        out["style"], out["explode"] = "form", False
        return out
    schema: dict[str, Any] = {"type": JSON_TYPE[p.type]}
    # a lenient parameter's limits answer no 400: they are not in its schema
    limits = {"maxLength": p.max_length, "minimum": p.minimum, "maximum": p.maximum}
    for key, value in {"format": p.format, **({} if p.lenient else limits)}.items():
        if value is not None:
            schema[key] = value
    if p.default is not None:
        schema["default"] = p.default
    if p.choices is not None:
        schema["enum"] = list(p.choices)
    if p.example is not None:
        schema["examples"] = [p.example]
    out["schema"] = schema
    return out


#: A declaration's Python type as its JSON Schema type.
JSON_TYPE = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object"}


def _request_body(fields: Mapping[str, Field]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if fields:
        schema["properties"] = {name: _field(f) for name, f in fields.items()}
    required = [name for name, f in fields.items() if f.required]
    if required:
        schema["required"] = required
    body: dict[str, Any] = {"required": bool(required)}
    if not required:
        body["description"] = "optional: an empty body is allowed, with any content type"
    body["content"] = {"application/json": {"schema": schema}}
    return body


def _form_body(fields: Mapping[str, Param]) -> dict[str, Any]:
    """A page's HTML form, its fields' schemas as the query's."""
    properties = {}
    for name, p in fields.items():
        described = _parameter(name, p)
        properties[name] = described["schema"] | (
            {"description": p.description} if p.description else {}
        )
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = [name for name, p in fields.items() if p.required]
    if required:
        schema["required"] = required
    media = "application/x-www-form-urlencoded"
    return {"required": bool(required), "content": {media: {"schema": schema}}}


def _field(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"type": JSON_TYPE[f.type]}
    if f.type is list:
        out["maxItems"] = f.max_items
        if f.items is not None:
            out["items"] = {"type": JSON_TYPE[f.items]}
            if f.minimum is not None:
                out["items"]["minimum"] = f.minimum
        if f.description:
            out["description"] = f.description
        if f.example is not None:
            out["examples"] = [f.example]
        return out
    if f.choices is not None:
        out["enum"] = list(f.choices)
    elif f.type is str:
        out["maxLength"] = f.max_length
    if f.format is not None:
        out["format"] = f.format
    if f.minimum is not None:
        out["minimum"] = f.minimum
    if f.maximum is not None:
        out["maximum"] = f.maximum
    if f.description:
        out["description"] = f.description
    if f.example is not None:
        out["examples"] = [f.example]
    return out


def _responses(op: Operation, spec: Spec, schemas: dict[str, Any]) -> dict[str, Any]:
    answer = op.answer
    ok: dict[str, Any] = {"description": answer.description}
    media = {answer.media: answer.schema, **answer.also} if answer.media else {}
    if media:
        ok["content"] = {
            m: ({"schema": _hoist(s, schemas)} if s is not None else {}) for m, s in media.items()
        }
    if answer.headers:
        ok["headers"] = {name: dict(h) for name, h in answer.headers.items()}
    out: dict[str, Any] = {str(answer.status): ok}
    for status, meaning in answer.statuses.items():
        out[str(status)] = {**ok, "description": meaning}
    error = _hoist(spec.error_schema, schemas)
    for status in sorted(op.errors):
        text = ", ".join(f"`{c}`" for c in op.errors[status])
        meaning = spec.error_text[status]
        out[str(status)] = {
            "description": f"{text}: {meaning}" if text else meaning,
            "content": {"application/json": {"schema": error}},
        }
        if status in op.retry_after:
            out[str(status)]["headers"] = {"Retry-After": RETRY_AFTER}
    return out


def _hoist(schema: Any, schemas: dict[str, Any]) -> Any:
    """A schema with every titled part moved to the components (a ``$ref`` in its place)."""
    if isinstance(schema, Mapping):
        walked = {k: _hoist(v, schemas) for k, v in schema.items()}
        title = schema.get("title")
        if isinstance(title, str):
            if schemas.setdefault(title, walked) != walked:
                raise ValueError(f"two different schemas are titled {title!r}")
            return {"$ref": f"#/components/schemas/{title}"}
        return walked
    if isinstance(schema, list | tuple):
        return [_hoist(v, schemas) for v in schema]
    return schema
