"""``/thu-tuc``: the procedure look-up for citizens' phones (public, read-only).

Plain server-rendered HTML that works without JavaScript: the search is a GET
form, a field's list is ``/thu-tuc?service=ID`` (the ticket status page links
there), a procedure is ``/thu-tuc/CODE``. No CDN; one small stylesheet.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from flask import Blueprint, Response, make_response, render_template, request

from counter_api.web.endpoint import page
from counter_api.web.endpoint import service as _svc
from counter_api.web.procedures import MAX_QUERY, PROCEDURE_CODE, catalogue, service_name
from sothutu.procedures.checklist import HEADING, NOTE, Block, checklist

bp = Blueprint("thu_tuc", __name__)

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
MAX_RESULTS = 60


def _page(template: str, status: int = 200, **context: object) -> Response:
    config = _svc().config
    view = catalogue().view()
    updated = ""
    if view.imported_at:
        updated = (
            datetime.fromisoformat(view.imported_at)
            .astimezone(config.centre.tz)
            .strftime("%d/%m/%Y")
        )
    html = render_template(
        template,
        centre=config.centre.name,
        sample=view.sample,
        updated=updated,
        count=len(view.procedures),
        **context,
    )
    resp = make_response(html, status)
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/thu-tuc", strict_slashes=False)
@page()
def index() -> Response:
    """Search the procedures (`?q=`) or list a field's (`?service=ID`), without JavaScript."""
    config = _svc().config
    q = unicodedata.normalize("NFC", request.args.get("q", "")).strip()[:MAX_QUERY]
    service = request.args.get("service") or None
    svc = config.service(service) if service else None
    view = catalogue().view()
    hits = view.search(q, svc.id if svc else None) if (q or svc) else []
    fields = [
        {"id": s.id, "name": s.name, "count": view.counts.get(s.id, 0)} for s in config.services
    ]
    return _page(
        "thu_tuc/index.html",
        404 if service and svc is None else 200,
        q=q,
        service=svc,
        unknown_service=service if service and svc is None else None,
        hits=hits[:MAX_RESULTS],
        total=len(hits),
        fields=fields,
        service_name=lambda sid: service_name(config, sid),
    )


@bp.get("/thu-tuc/<code>")
@page(path={"code": PROCEDURE_CODE})
def detail(code: str) -> Response:
    """One procedure: its documents, steps, time and fees, as the printed checklist."""
    config = _svc().config
    p = catalogue().view().get(code)
    if p is None:
        return _page("thu_tuc/missing.html", 404, code=code)
    name = service_name(config, p.service)
    head, sections, notes = _sections(checklist(p, name))
    return _page(
        "thu_tuc/detail.html",
        procedure=p,
        field_name=name,
        head=head,
        sections=sections,
        notes=notes,
    )


def _sections(
    blocks: list[Block],
) -> tuple[list[Block], list[tuple[str, list[Block]]], list[Block]]:
    """Checklist blocks as (title and meta, [(heading, blocks)], notes) for the page."""
    head: list[Block] = []
    sections: list[tuple[str, list[Block]]] = []
    notes: list[Block] = []
    for b in blocks:
        if b.kind == HEADING:
            sections.append((b.text, []))
        elif b.kind == NOTE:
            notes.append(b)
        elif sections:
            sections[-1][1].append(b)
        else:
            head.append(b)
    return head, sections, notes
