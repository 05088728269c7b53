"""A procedure of the catalogue and the documents a citizen brings for it.

Plain frozen data with a JSON form: the server stores it, the API sends it,
and the kiosk turns the API's JSON back into a ``Procedure`` with
``Procedure.from_json`` to draw or print it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: A code on the national public-service portal looks like ``1.001193``; provinces
#: sometimes add suffixes (``1.001193.000.00.00.H12``). It is used in URLs.
CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")

MAX_NAME = 300
MAX_TEXT = 4000
MAX_COUNT = 20


_TEXTS = {"type": "array", "items": {"type": "string"}}
#: ``Procedure.to_json`` as a JSON Schema: the centre's API adds the field's name and
#: the checklist to it; a centre's push carries its catalogue so to the hub.
JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "service": {"type": "string"},
        "documents": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "originals": {"type": "integer"},
                    "copies": {"type": "integer"},
                    "form": {"type": ["string", "null"]},
                },
            },
        },
        "steps": _TEXTS,
        "processing_time": {"type": "string"},
        "fees": {"type": "string"},
        "applicants": {"type": "string"},
        "legal_basis": _TEXTS,
        "url": {"type": ["string", "null"]},
        "keywords": _TEXTS,
    },
}


@dataclass(frozen=True, slots=True)
class Document:
    """One paper to bring: how many originals (bản chính) and copies (bản sao),
    and the name of the form (mẫu) when there is one to fill in."""

    name: str
    originals: int = 1
    copies: int = 0
    form: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "originals": self.originals,
            "copies": self.copies,
            "form": self.form or None,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Document:
        return cls(
            name=d["name"],
            originals=int(d.get("originals", 1)),
            copies=int(d.get("copies", 0)),
            form=d.get("form") or "",
        )


@dataclass(frozen=True, slots=True)
class Procedure:
    """A procedure (thủ tục hành chính) and the field (``service`` id) it is queued under."""

    code: str
    name: str
    service: str
    documents: tuple[Document, ...] = ()
    steps: tuple[str, ...] = ()
    processing_time: str = ""
    fees: str = ""
    applicants: str = ""
    legal_basis: tuple[str, ...] = ()
    url: str = ""
    keywords: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "service": self.service,
            "documents": [d.to_json() for d in self.documents],
            "steps": list(self.steps),
            "processing_time": self.processing_time,
            "fees": self.fees,
            "applicants": self.applicants,
            "legal_basis": list(self.legal_basis),
            "url": self.url or None,
            "keywords": list(self.keywords),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Procedure:
        """The inverse of ``to_json``; extra keys (``service_name`` from the API) are ignored."""
        return cls(
            code=d["code"],
            name=d["name"],
            service=d["service"],
            documents=tuple(Document.from_json(x) for x in d.get("documents") or ()),
            steps=tuple(d.get("steps") or ()),
            processing_time=d.get("processing_time") or "",
            fees=d.get("fees") or "",
            applicants=d.get("applicants") or "",
            legal_basis=tuple(d.get("legal_basis") or ()),
            url=d.get("url") or "",
            keywords=tuple(d.get("keywords") or ()),
        )
