"""The app's parts: everything a request may use besides Flask itself, in one typed object.

The factory (``counter_api.web.create_app``) builds one ``Parts`` per app and keeps
it under one key of ``app.extensions``; views reach it through ``parts()``, tests
through ``parts_of(app)``. Nothing else is stored on the app, so what a test
exercises is what production runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from counter_api.procedures.catalogue import Catalogue
from counter_api.service import QueueService
from counter_api.web.auth import KeyRing, SessionLookup
from counter_api.web.sessions import FormTokens, Sessions
from counter_api.web.slots import StreamSlots
from counter_api.web.throttle import LoginThrottle
from counter_api.web.voice_clips import ClipSource

#: The key of ``app.extensions`` that holds the parts.
KEY = "sothutu"


@dataclass
class Parts:
    """One app's queue service, keys, limits, cookies and caches."""

    service: QueueService
    keys: KeyRing
    catalogue: Catalogue
    voice_clips: ClipSource
    #: wrong PINs and passwords per address and target, for every login of the app
    login_throttle: LoginThrottle
    #: the console's, admin page's and rating tablets' sessions (in the database)
    sessions: Sessions
    #: single-use tokens of the login forms
    login_forms: FormTokens
    #: event streams of displays, consoles and tablets (``[server] max_streams``)
    streams: StreamSlots
    #: the citizens' ticket pages' streams (``[server] phone_streams``)
    phone_streams: StreamSlots
    #: finds a clerk's console session (set by the factory to the console's lookup)
    console_session: SessionLookup | None = None
    #: the generated OpenAPI document, built on its first request
    openapi: dict[str, Any] | None = None


def parts_of(app: Flask) -> Parts:
    """The parts of ``app``."""
    return app.extensions[KEY]


def parts() -> Parts:
    """The parts of the app handling this request."""
    return current_app.extensions[KEY]
