"""The sample catalogue as the kiosk receives it from the API, for the look-up tests.

Not a test module.
"""

from __future__ import annotations

import functools
from typing import Any

from counter_api.procedures.csvio import read_catalogue
from kiosk.lookup import Catalogue, Hit
from sothutu.procedures.checklist import checklist
from sothutu.procedures.model import Procedure
from tests.perf.procedures import SAMPLE, SERVICES

BIRTH = "1.001193"  # Đăng ký khai sinh


@functools.cache
def sample() -> tuple[Procedure, ...]:
    return tuple(read_catalogue(SAMPLE.read_bytes(), SERVICES))


def procedure_json(p: Procedure) -> dict[str, Any]:
    """What GET /api/v1/procedures/CODE answers (see counter_api.web.procedures)."""
    name = SERVICES[p.service]
    blocks = [{"kind": b.kind, "text": b.text, "detail": b.detail} for b in checklist(p, name)]
    return {**p.to_json(), "service_name": name, "checklist": blocks}


def longest() -> Procedure:
    """The sample procedure with the longest name (about 195 characters)."""
    return max(sample(), key=lambda p: len(p.name))


def by_code(code: str) -> Procedure:
    return next(p for p in sample() if p.code == code)


def hit(p: Procedure) -> Hit:
    return Hit(p.code, p.name, p.service, SERVICES[p.service])


def catalogue(sample_mark: bool = True) -> Catalogue:
    counts = tuple((s, sum(p.service == s for p in sample())) for s in SERVICES)
    return Catalogue(counts, len(sample()), sample_mark)
