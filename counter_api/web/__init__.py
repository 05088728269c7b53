"""The Flask app factory: the API, the event stream, and the pages of later issues."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, Response, send_from_directory

from counter_api.service import QueueService
from counter_api.store import Store
from sothutu.clock import Clock
from sothutu.config import Config
from sothutu.fonts import FONT_DIR

log = logging.getLogger("counter_api")

STATIC = Path(__file__).resolve().parent.parent / "static"


def create_app(
    config: Config, *, service: QueueService | None = None, clock: Clock | None = None
) -> Flask:
    """Build the app on a config; tests pass a clock, the server passes its service."""
    from counter_api.procedures.catalogue import Catalogue, sync_configured_file
    from counter_api.uplink import api as uplink_api
    from counter_api.web import (
        admin,
        api,
        auth,
        console,
        display_page,
        errors,
        procedures,
        rating,
        report_api,
        status,
        stream,
        thu_tuc,
    )
    from counter_api.web.signed import CookieJar, Throttle

    del report_api, uplink_api  # their routes are on the api blueprint

    if service is None:
        service = QueueService(config, Store(config.database_path), clock)
    app = Flask("counter_api", static_folder=str(STATIC), static_url_path="/static")
    app.config["SECRET_KEY"] = config.server.secret_key
    app.config["MAX_CONTENT_LENGTH"] = None  # bodies.check_size answers 413 in JSON
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["sothutu"] = service
    app.extensions["sothutu_keys"] = auth.KeyRing(config)
    app.extensions["sothutu_streams"] = stream.StreamSlots(config.server.max_streams)
    app.extensions["sothutu_phone_streams"] = stream.StreamSlots(config.server.phone_streams)
    app.extensions["sothutu_login_throttle"] = Throttle(limit=5, window=60.0)
    key = config.server.secret_key
    app.extensions["sothutu_admin_cookies"] = CookieJar(key, "admin", admin.SESSION_HOURS * 3600)
    app.extensions["sothutu_rating_cookies"] = CookieJar(key, "rating", rating.TABLET_DAYS * 86400)
    app.register_blueprint(api.bp)
    console.init_app(app, config)
    problem = sync_configured_file(service.store, config)
    if problem:
        log.error("%s; the previous catalogue stays", problem)
    app.extensions[procedures.EXTENSION] = Catalogue(service.store, config)
    app.extensions[procedures.EXTENSION].view()  # build the search index before requests
    app.register_blueprint(procedures.bp)
    app.register_blueprint(thu_tuc.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(rating.bp)
    app.register_blueprint(status.bp)
    display_page.init_app(app, config)
    errors.register(app)

    @app.get("/static/fonts/<name>")
    def _font(name: str) -> Response:
        """The shared DejaVu fonts (``sothutu/fonts``), at the URL the pages' CSS names."""
        return send_from_directory(FONT_DIR, name, max_age=86400)

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if resp.mimetype == "application/json":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    return app
