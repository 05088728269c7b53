"""Secrets and sessions on a real server process: what a cookie holds, how long it
lives, how logout, PIN and password changes end it across restarts, the login
throttle per address and target, single-use login forms and one wait message.

Devices are played by loopback source addresses (127.0.0.9 a phone on the Wi-Fi,
127.0.0.5 a clerk's PC); 127.0.0.1 is the server's own Pi, exempt from nothing here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer

from sothutu.config import load_config
from tests.support import (
    SECRET_KEY,
    ServerProcess,
    config_text,
    counter_pin,
    free_port,
)
from tests.visitor import Visitor

PASSWORD = "test-admin-password-0123"
PHONE = "127.0.0.9"
PC = "127.0.0.5"
WAIT = re.compile(r"Đã nhập sai quá nhiều lần\. Vui lòng chờ (\d+) giây rồi thử lại\.")


def write(directory: Path, port: int, *, pins: dict[int, str] | None = None, **server: str) -> Path:
    """The test config with an admin password; ``pins`` replace counters' PINs and
    ``server`` keys replace [server] values (admin_password, secret_key)."""
    text = config_text(port=port, server_extra=f'admin_password = "{PASSWORD}"')
    for n, pin in (pins or {}).items():
        text = text.replace(f'pin = "{counter_pin(n)}"', f'pin = "{pin}"')
    for key, value in server.items():
        text = re.sub(rf'^{key} = ".*"$', f'{key} = "{value}"', text, flags=re.M)
    path = directory / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of its own, for a test that rewrites its config and restarts it."""
    port = free_port()
    proc = ServerProcess(write(tmp_path, port), port).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Iterator[ServerProcess]:
    """One server for the tests that only log in: each plays its own addresses, so
    their wrong PINs count against nobody else's."""
    port = free_port()
    proc = ServerProcess(write(tmp_path_factory.mktemp("sessions"), port), port).start()
    yield proc
    proc.stop()


def payload(cookie: str) -> str:
    """What a signed cookie (itsdangerous, as Flask's session) carries, readable by
    anyone without the key; "" for a cookie that is no such payload."""
    try:
        _ok, data = URLSafeTimedSerializer("any").loads_unsafe(cookie)
    except Exception:
        return ""
    return json.dumps(data) if data is not None else ""


def derived(secret: str) -> list[str]:
    """Marks of a PIN or password a cookie could carry that are checked offline."""
    out = []
    for text in (secret, "sothutu:" + secret):
        digest = hashlib.sha256(text.encode()).hexdigest()
        out += [digest[:16], digest[:24], digest]
    return [secret, *out]


def test_cookies_carry_nothing_derived_from_a_pin_or_password(shared: ServerProcess) -> None:
    srv = shared
    tablet, admin, clerk = Visitor(srv.port, PHONE), Visitor(srv.port, PC), Visitor(srv.port, PC)
    assert tablet.tablet_login(2, counter_pin(2)).status == 303
    assert admin.admin_login(PASSWORD).status == 303
    assert clerk.console_login(1, counter_pin(1)).status == 303
    jars = [
        (tablet, "sothutu_rate_2", counter_pin(2)),
        (admin, "sothutu_admin", PASSWORD),
        (clerk, "sothutu_console", counter_pin(1)),
    ]
    for who, name, secret in jars:
        value = who.cookie(name)
        assert value, name
        seen = value + payload(value)
        for mark in derived(secret):
            assert mark not in seen, (name, "carries a mark of its PIN or password")
    # the console's signed cookie holds a session token and nothing else
    assert set(json.loads(payload(clerk.cookie("sothutu_console")))) == {"sid"}
    # the same PIN typed on a second tablet gives an unrelated random token
    other = Visitor(srv.port, PHONE)
    assert other.tablet_login(2, counter_pin(2)).status == 303
    one, two = tablet.cookie("sothutu_rate_2"), other.cookie("sothutu_rate_2")
    assert one != two and len(one) >= 40 and len(two) >= 40

    # lifetimes: admin hours, the console the browser's session, a tablet long
    set_admin = Visitor(srv.port, PC).admin_login(PASSWORD).set_cookies()[0]
    assert "Max-Age=43200" in set_admin and "HttpOnly" in set_admin
    set_console = Visitor(srv.port, PC).console_login(1, counter_pin(1)).set_cookies()[0]
    assert "Max-Age" not in set_console and "Expires" not in set_console
    set_tablet = Visitor(srv.port, PHONE).tablet_login(2, counter_pin(2)).set_cookies()[0]
    assert "Max-Age=34560000" in set_tablet and "Path=/rate/2" in set_tablet


def _console_api(who: Visitor, csrf: str) -> int:
    return who.get("/api/v1/counters/1/tickets", headers={"X-CSRF-Token": csrf}).status


def _backups(srv: ServerProcess) -> list[Path]:
    folder = srv.config.parent / "backups"
    return sorted(folder.glob("sothutu-*.db")) if folder.exists() else []


def test_logout_and_changed_secrets_end_sessions_for_good(srv: ServerProcess) -> None:
    clerk, head, tablet = Visitor(srv.port, PC), Visitor(srv.port, PC), Visitor(srv.port, PHONE)
    assert clerk.console_login(1, counter_pin(1)).status == 303
    csrf = clerk.console_csrf()
    assert _console_api(clerk, csrf) == 200
    assert head.admin_login(PASSWORD).status == 303
    admin_csrf = head.admin_csrf()
    assert head.get("/admin/report.csv").body.startswith(b"\xef\xbb\xbf")
    assert tablet.tablet_login(2, counter_pin(2)).status == 303
    assert "Rất hài lòng" in tablet.get("/rate/2").text
    stolen_console, stolen_admin = clerk.copy(PHONE), head.copy(PHONE)
    late = Visitor(srv.port, PC)
    late_form = {"csrf_token": late.console_form(), "counter": "4", "pin": counter_pin(4)}

    r = clerk.post("/console/logout", form={"csrf_token": csrf})
    assert r.status == 303 and r.headers["Location"] == "/console?bye=1"
    assert head.post("/admin/logout", form={"csrf": admin_csrf}).status == 303

    def ended() -> None:
        assert _console_api(stolen_console, csrf) == 401
        assert "Đăng nhập quầy" in stolen_console.get("/console").text
        assert 'name="password"' in stolen_admin.get("/admin").text
        csv = stolen_admin.get("/admin/report.csv")
        assert not csv.body.startswith(b"\xef\xbb\xbf") and 'name="password"' in csv.text
        before = _backups(srv)
        assert stolen_admin.post("/admin/backup", form={"csrf": admin_csrf}).status == 401
        assert _backups(srv) == before

    ended()
    srv.restart()
    ended()  # logged out stays logged out after a restart
    r = late.post("/console/login", form=late_form)  # a form handed out before the restart
    assert r.status == 403 and "Phiên đăng nhập đã hết hạn" in r.text
    assert "Rất hài lòng" in tablet.get("/rate/2").text  # the tablet was not logged out

    # sessions opened with a PIN or password that then changes end at the restart
    assert clerk.console_login(3, counter_pin(3)).status == 303
    csrf3 = clerk.console_csrf()
    assert clerk.get("/api/v1/counters/3/tickets", headers={"X-CSRF-Token": csrf3}).status == 200
    assert head.admin_login(PASSWORD).status == 303
    kept = Visitor(srv.port, PHONE)
    assert kept.tablet_login(1, counter_pin(1)).status == 303
    write(srv.config.parent, srv.port, pins={2: "80615", 3: "80625"}, admin_password="x" * 20)
    srv.restart()
    assert "Mã PIN của quầy" in tablet.get("/rate/2").text
    assert clerk.get("/api/v1/counters/3/tickets", headers={"X-CSRF-Token": csrf3}).status == 401
    assert 'name="password"' in head.get("/admin").text
    assert "Rất hài lòng" in kept.get("/rate/1").text  # counter 1's PIN did not change

    # a new secret key ends every session
    assert head.admin_login("x" * 20).status == 303
    write(
        srv.config.parent,
        srv.port,
        pins={2: "80615", 3: "80625"},
        admin_password="x" * 20,
        secret_key="another-secret-key-0123456789abcdef",
    )
    srv.restart()
    assert "Rất hài lòng" not in kept.get("/rate/1").text
    assert 'name="password"' in head.get("/admin").text


def test_wrong_pins_are_not_forgiven_by_another_targets_success(shared: ServerProcess) -> None:
    """Wrong PINs for counter 2 interleaved with counter 1's right PIN: counter 2 is
    tried 5 times, then refused even with its right PIN; counter 1 stays usable."""
    srv, attacker = shared, "127.0.0.31"
    phone = Visitor(srv.port, attacker)
    answers = []
    for i in range(30):
        answers.append(phone.console_login(2, f"9{i:04d}").status)
        assert Visitor(srv.port, attacker).console_login(1, counter_pin(1)).status == 303
    assert answers.count(401) == 5 and answers.count(429) == 25
    r = phone.console_login(2, counter_pin(2))
    assert r.status == 429 and WAIT.search(r.text)
    r = phone.tablet_login(2, counter_pin(2))  # the same PIN on a tablet: the same target
    assert r.status == 429 and WAIT.search(r.text)
    assert Visitor(srv.port, "127.0.0.32").console_login(2, counter_pin(2)).status == 303


def test_an_address_is_capped_across_targets_loopback_included(shared: ServerProcess) -> None:
    """After 20 wrong PINs and passwords from one address within a minute, even a
    right PIN is refused until the wait ends; the server's own 127.0.0.1 too."""
    srv = shared
    for address in ("127.0.0.41", "127.0.0.1"):
        who = Visitor(srv.port, address)
        for n in (1, 2, 3, 4):
            for i in range(4):  # 4 per counter: no counter is locked by itself
                assert who.console_login(n, f"9{i}{n}71").status == 401
        for _ in range(4):
            assert who.admin_login("not-the-password").status == 401
        r = who.console_login(1, counter_pin(1))
        assert r.status == 429, address
        seconds = int(WAIT.search(r.text).group(1))
        assert 50 <= seconds <= 60
        assert who.admin_login(PASSWORD).status == 429
        assert who.tablet_login(4, counter_pin(4)).status == 429
    assert Visitor(srv.port, "127.0.0.42").admin_login(PASSWORD).status == 303


def test_every_login_page_says_the_same_whole_seconds(shared: ServerProcess) -> None:
    phone = Visitor(shared.port, "127.0.0.51")
    for _ in range(5):
        phone.console_login(1, "97531")
        phone.admin_login("wrong-password")
    pages = [
        phone.console_login(1, counter_pin(1)),
        phone.tablet_login(1, counter_pin(1)),
        phone.admin_login(PASSWORD),
    ]
    for page in pages:
        assert page.status == 429
        found = WAIT.search(page.text)
        assert found and 1 <= int(found.group(1)) <= 60, page.text[-600:]
        assert not re.search(r"\d\.\d+ giây", page.text)


def test_the_login_forms_token_is_single_use(shared: ServerProcess) -> None:
    clerk = Visitor(shared.port, "127.0.0.61")
    token = clerk.console_form()
    before = clerk.copy()  # the browser's cookies as the form was filled in
    form = {"csrf_token": token, "counter": "1", "pin": counter_pin(1)}
    assert clerk.post("/console/login", form=form).status == 303
    again = before.post("/console/login", form=form)
    assert again.status == 403 and "Phiên đăng nhập đã hết hạn" in again.text
    assert before.cookie("sothutu_console") is not None
    assert "Gọi số tiếp theo" not in before.get("/console").text


# --- the sessions' time limits, on the real app with a clock moved by the test ------


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write(tmp_path, 8080)


def test_admin_sessions_last_hours_and_tablets_until_the_pin_changes(
    app, client, clock, config_path: Path
) -> None:
    from counter_api.web import create_app

    assert client.post("/admin/login", data={"password": PASSWORD}).status_code == 303
    tablet = app.test_client()
    assert tablet.post("/rate/1/login", data={"pin": counter_pin(1)}).status_code == 303
    clock.advance(hours=11, minutes=59)
    assert "Hàng chờ" in client.get("/admin").text
    clock.advance(minutes=1)
    assert 'name="password"' in client.get("/admin").text  # 12 hours: log in again
    clock.advance(timedelta(days=90).total_seconds())  # a quarter later, days rolled over
    assert "Rất hài lòng" in tablet.get("/rate/1").text
    # the database keeps the session; a new app on it (a restart) finds it
    svc = app.extensions["sothutu"].service
    again = create_app(load_config(config_path), service=svc).test_client()
    again.set_cookie("sothutu_rate_1", tablet.get_cookie("sothutu_rate_1", path="/rate/1").value)
    assert "Rất hài lòng" in again.get("/rate/1").text


def test_the_database_keeps_no_token_a_backup_could_replay(app, client) -> None:
    """A session row holds the token's SHA-256, never the token itself."""
    assert client.post("/admin/login", data={"password": PASSWORD}).status_code == 303
    token = client.get_cookie("sothutu_admin", path="/admin").value
    store = app.extensions["sothutu"].service.store
    with store.read() as db:
        rows = [tuple(map(str, r)) for r in db.execute("SELECT * FROM sessions").fetchall()]
    assert rows and not any(token in cell for row in rows for cell in row)
    assert any(hashlib.sha256(token.encode()).hexdigest() in row for row in rows)
    binding = hmac.new(SECRET_KEY.encode(), f"admin\n\n{PASSWORD}".encode(), "sha256")
    assert any(binding.hexdigest() in row for row in rows)  # keyed: no offline check


def test_backups_keep_no_session_and_a_restore_brings_none_back(app, client, config_path) -> None:
    from counter_api.backup import make_backup, restore

    assert client.post("/admin/login", data={"password": PASSWORD}).status_code == 303
    token = client.get_cookie("sothutu_admin", path="/admin").value
    mark = hashlib.sha256(token.encode()).hexdigest().encode()
    config = load_config(config_path)
    backup = make_backup(config)
    assert backup is not None and mark not in backup.read_bytes()
    app.extensions["sothutu"].service.store.close()
    restore(config, backup, force=True)  # a backup with no tickets: restored only with force
    from counter_api.web import create_app

    restored = create_app(config)
    again = restored.test_client()
    again.set_cookie("sothutu_admin", token, path="/admin")
    assert 'name="password"' in again.get("/admin").text
    restored.extensions["sothutu"].service.store.close()


def test_form_tokens_are_accepted_once_even_when_many_are_remembered() -> None:
    from counter_api.web.sessions import FormTokens

    now = [1000.0]
    forms = FormTokens(lambda: now[0], lifetime=3600, remember=3)
    tokens = []
    for _ in range(6):
        now[0] += 1
        tokens.append(forms.issue())
    assert forms.use(tokens[0]) and not forms.use(tokens[0])
    assert not forms.use(tokens[1][:-1] + ("0" if tokens[1][-1] != "0" else "1"))  # forged
    for t in tokens[1:4]:
        assert forms.use(t)
    # only 3 are remembered: the oldest were forgotten, so their time is refused now
    assert not forms.use(tokens[0])
    assert forms.use(tokens[5]) and not forms.use(tokens[5])
    now[0] += 3600
    assert not forms.use(tokens[4])  # expired
    other = FormTokens(lambda: now[0])  # another process (a restart): another key
    assert not other.use(forms.issue())
