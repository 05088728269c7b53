"""GET /api/v1/hub (admin): the link to the province hub, as the admin page shows it."""

from __future__ import annotations

from typing import Any

from counter_api.uplink import outbox
from counter_api.web.api import ADMIN, bp, endpoint, service


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
@endpoint(ADMIN)
def hub_link(_p: Any, _b: Any) -> dict[str, Any]:
    return link_status()
