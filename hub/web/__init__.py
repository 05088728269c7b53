"""The hub's Flask app: the JSON API (ingest, centres, reports) and the province's pages."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response
from jinja2 import ChoiceLoader, FileSystemLoader

from hub.config import HubConfig
from hub.db import Database
from sothutu.clock import Clock, SystemClock
from sothutu.reports import TEMPLATES as REPORT_TEMPLATES
from sothutu.reports import numbers

HERE = Path(__file__).resolve().parent.parent


def create_app(config: HubConfig, db: Database, clock: Clock | None = None) -> Flask:
    """Build the app on a config and an open database; tests may pass a clock."""
    from hub.web import api, booking_api, booking_pages, common, openapi, pages

    app = Flask(
        "hub",
        static_folder=str(HERE / "static"),
        static_url_path="/static",
        template_folder=str(HERE / "templates"),
    )
    # The report pieces shared with the centres (report/…: tables, the printed month).
    app.jinja_loader = ChoiceLoader(  # type: ignore[method-assign]
        [app.jinja_loader, FileSystemLoader(str(REPORT_TEMPLATES))]
    )
    app.add_template_filter(numbers.short, "vn_short")
    app.config["MAX_CONTENT_LENGTH"] = None  # the ingest checks sizes itself (413 in JSON)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["hub"] = common.Hub(config, db, clock or SystemClock())
    app.register_blueprint(api.bp)
    app.register_blueprint(booking_api.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(booking_pages.bp)
    app.register_blueprint(pages.bp)
    common.register_errors(app)

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if resp.mimetype == "application/json":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    return app
