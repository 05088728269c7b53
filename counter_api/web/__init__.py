"""The Flask app factory: the API, the event stream, the pages.

``create_app`` builds the app's parts once (``counter_api.web.parts.Parts``) and
registers one blueprint per module; every route's module owns its blueprint.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, Response, send_from_directory
from jinja2 import ChoiceLoader, FileSystemLoader

from counter_api.procedures.catalogue import Catalogue, sync_configured_file
from counter_api.service import QueueService
from counter_api.store import Store
from counter_api.uplink import api as uplink_api
from counter_api.web import (
    admin,
    api,
    booking_api,
    console,
    display_page,
    errors,
    home,
    openapi,
    procedures,
    rating,
    report_api,
    status,
    stream,
    thu_tuc,
    voice,
)
from counter_api.web.auth import KeyRing
from counter_api.web.endpoint import Answer, page
from counter_api.web.params import Param
from counter_api.web.parts import KEY, Parts
from counter_api.web.sessions import FormTokens, Sessions
from counter_api.web.slots import StreamSlots
from counter_api.web.throttle import LoginThrottle
from counter_api.web.voice_clips import ClipSource
from sothutu.clock import Clock
from sothutu.config import Config
from sothutu.fonts import FONT_DIR
from sothutu.reports import STATIC as REPORT_STATIC
from sothutu.reports import TEMPLATES as REPORT_TEMPLATES
from sothutu.reports import numbers

log = logging.getLogger("counter_api")

STATIC = Path(__file__).resolve().parent.parent / "static"

#: Every blueprint of the app, each from its own module.
BLUEPRINTS = (
    api.bp,
    booking_api.bp,
    stream.bp,
    procedures.bp,
    report_api.bp,
    uplink_api.bp,
    rating.api_bp,
    voice.bp,
    openapi.bp,
    console.bp,
    display_page.bp,
    thu_tuc.bp,
    admin.bp,
    rating.bp,
    status.bp,
    home.bp,
)


def create_app(
    config: Config, *, service: QueueService | None = None, clock: Clock | None = None
) -> Flask:
    """Build the app on a config; tests pass a clock, the server passes its service."""
    if service is None:
        service = QueueService(config, Store(config.database_path), clock)
    app = Flask("counter_api", static_folder=str(STATIC), static_url_path="/static")
    # The report pieces shared with the province hub (report/…: tables, the printed month).
    app.jinja_loader = ChoiceLoader(  # type: ignore[method-assign]
        [app.jinja_loader, FileSystemLoader(str(REPORT_TEMPLATES))]
    )
    app.add_template_filter(numbers.short, "vn_short")
    app.add_template_filter(numbers.number, "vn_number")
    app.config["SECRET_KEY"] = config.server.secret_key
    app.config["MAX_CONTENT_LENGTH"] = None  # bodies.check_size answers 413 in JSON
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    problem = sync_configured_file(service.store, config)
    if problem:
        log.error("%s; the previous catalogue stays", problem)
    svc = service
    sessions = Sessions(service)
    sessions.tidy()
    parts = Parts(
        service=service,
        keys=KeyRing(config),
        catalogue=Catalogue(service.store, config),
        voice_clips=ClipSource(config),
        login_throttle=LoginThrottle(lambda: svc.clock.now().timestamp()),
        sessions=sessions,
        login_forms=FormTokens(lambda: svc.clock.now().timestamp()),
        streams=StreamSlots(
            config.server.max_streams,
            per_address=config.server.streams_per_address,
            reserved=config.server.reserved_streams,
        ),
        phone_streams=StreamSlots(
            config.server.phone_streams, per_address=config.server.phone_streams_per_address
        ),
        console_session=console.session_principal,
        console_viewer=lambda: console.current() is not None,
    )
    parts.catalogue.view()  # build the search index before requests
    app.extensions[KEY] = parts

    console.configure(app)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    errors.register(app)

    @app.get("/static/fonts/<name>")
    @page(
        path={"name": Param(str, "a font file of sothutu/fonts")},
        answer=Answer({"type": "string", "format": "binary"}, media="font/ttf"),
    )
    def _font(name: str) -> Response:
        """The shared DejaVu fonts (``sothutu/fonts``), at the URL the pages' CSS names."""
        return send_from_directory(FONT_DIR, name, max_age=86400)

    @app.get("/static/report/<name>")
    @page(
        path={"name": Param(str, "a stylesheet of sothutu/reports/static")},
        answer=Answer({"type": "string"}, media="text/css"),
    )
    def _report_static(name: str) -> Response:
        """The printed reports' stylesheet shared with the province hub
        (``sothutu/reports/static``)."""
        return send_from_directory(REPORT_STATIC, name)

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if resp.mimetype == "application/json":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    return app
