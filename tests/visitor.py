"""A device on the centre's LAN for tests against a real server: its own loopback
source address (127.0.0.9 plays a phone) and its own cookies, kept as a browser
keeps them (per path, deleted when the server deletes them). Not a test module.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import re
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    def set_cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []


@dataclass
class Visitor:
    """HTTP/1.1 requests to ``port`` on 127.0.0.1 from ``source``, with a cookie jar."""

    port: int
    source: str = "127.0.0.1"
    #: (name, path) → value
    cookies: dict[tuple[str, str], str] = field(default_factory=dict)

    def copy(self, source: str | None = None) -> Visitor:
        """Another device holding the same cookies (a stolen or copied cookie jar)."""
        return Visitor(self.port, source or self.source, dict(self.cookies))

    def cookie(self, name: str) -> str | None:
        return next((v for (n, _p), v in self.cookies.items() if n == name), None)

    def _cookie_header(self, path: str) -> str:
        sent = [
            f"{n}={v}"
            for (n, p), v in self.cookies.items()
            if path == p or path.startswith(p.rstrip("/") + "/") or p == "/"
        ]
        return "; ".join(sent)

    def _keep(self, reply: Reply, path: str) -> None:
        for header in reply.set_cookies():
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                key = (name, morsel["path"] or path.rsplit("/", 1)[0] or "/")
                gone = morsel["max-age"] == "0" or "1970" in (morsel["expires"] or "")
                if gone or not morsel.value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
    ) -> Reply:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout, source_address=(self.source, 0)
        )
        sent = dict(headers or {})
        body: bytes | None = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif json is not None:
            body = jsonlib.dumps(json).encode()
            sent.setdefault("Content-Type", "application/json")
        cookie = self._cookie_header(urllib.parse.urlsplit(path).path)
        if cookie:
            sent["Cookie"] = cookie
        try:
            conn.request(method, path, body=body, headers=sent)
            resp = conn.getresponse()
            reply = Reply(resp.status, resp.headers, resp.read())
        finally:
            conn.close()
        self._keep(reply, urllib.parse.urlsplit(path).path)
        return reply

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Reply:
        return self.request("POST", path, **kw)

    # --- the project's logins, as a person fills them in ---------------------------

    def console_form(self) -> str:
        """Open the console's login page; the form's token."""
        page = self.get("/console")
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def console_login(self, counter: int | str, pin: str) -> Reply:
        token = self.console_form()
        return self.post(
            "/console/login", form={"csrf_token": token, "counter": str(counter), "pin": pin}
        )

    def console_csrf(self) -> str:
        """The logged-in console page's token for its API calls."""
        return re.search(r'"csrf": "([^"]+)"', self.get("/console").text).group(1)

    def admin_login(self, password: str) -> Reply:
        return self.post("/admin/login", form={"password": password})

    def admin_csrf(self) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.get("/admin").text).group(1)

    def tablet_login(self, counter: int, pin: str) -> Reply:
        return self.post(f"/rate/{counter}/login", form={"pin": pin})
