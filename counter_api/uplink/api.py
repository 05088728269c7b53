"""GET /api/v1/hub (admin): the link to the province hub, as the admin page shows it."""

from __future__ import annotations

from typing import Any

from counter_api.uplink import outbox
from counter_api.web.endpoint import ADMIN, Answer, Call, api_blueprint, endpoint, service

bp = api_blueprint("uplink", __name__)

_TEXT_OR_NULL = {"type": ["string", "null"]}
LINK_SCHEMA: dict[str, Any] = {
    "title": "HubLink",
    "type": "object",
    "properties": {
        "configured": {"type": "boolean", "description": "[hub] url is set"},
        "url": _TEXT_OR_NULL,
        "centre_id": _TEXT_OR_NULL,
        "push_seconds": {"type": "number"},
        "acked": {"type": "integer", "description": "the last row the hub acknowledged"},
        "newest": {"type": "integer", "description": "the newest row numbered for the hub"},
        "pending": {"type": "integer", "description": "rows the hub has not acknowledged"},
        "last_ok_at": _TEXT_OR_NULL,
        "last_try_at": _TEXT_OR_NULL,
        "last_error": {**_TEXT_OR_NULL, "description": "null after a successful push"},
        "last_error_at": _TEXT_OR_NULL,
    },
}


def link_status() -> dict[str, Any]:
    svc = service()
    hub = svc.config.hub
    out: dict[str, Any] = {
        "configured": hub.enabled,
        "url": hub.url or None,
        "centre_id": hub.centre_id or None,
        "push_seconds": hub.push_seconds,
    }
    out.update(outbox.status(svc.store, svc.tz))
    return out


@bp.get("/hub")
@endpoint(ADMIN, answer=Answer(LINK_SCHEMA))
def hub_link(_call: Call) -> dict[str, Any]:
    """The link to the province hub: rows waiting to be pushed, the last row the hub
    acknowledged, the last success and the last error. Rows go to the hub's
    POST /api/v1/ingest every [hub] push_seconds when [hub] url is set (docs/hub.md)."""
    return link_status()
