"""Admin and rating-tablet logins with the Flask test client: cookies, throttling,
CSRF and foreign origins, sessions tied to the password or PIN; the config's rules
for the admin password."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sothutu.config import ConfigError, load_config
from tests.support import KIOSK_KEY, counter_key, counter_pin, write_config

PASSWORD = "test-admin-password-0123"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, server_extra=f'admin_password = "{PASSWORD}"')


def login(client, password: str = PASSWORD, **kw):
    return client.post("/admin/login", data={"password": password}, **kw)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_login_sets_a_strict_httponly_cookie_for_admin_pages_only(client) -> None:
    r = client.get("/admin")
    assert r.status_code == 200 and 'name="password"' in r.text
    assert "Theo lĩnh vực" not in client.get("/admin/report").text
    assert b"\xef\xbb\xbf" not in client.get("/admin/report.csv").data
    r = login(client)
    assert r.status_code == 303 and r.headers["Location"] == "/admin"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie
    r = client.get("/admin")
    assert "Hàng chờ" in r.text and r.headers["Cache-Control"] == "no-store"
    assert client.get("/admin/report").status_code == 200
    assert client.get("/admin/report.csv").data.startswith(b"\xef\xbb\xbf")
    assert client.get("/admin/figures").status_code == 200


def test_wrong_passwords_are_throttled_per_address(client, clock) -> None:
    """The app's one login throttle, on the app's clock (as the console's PINs)."""
    for _ in range(5):
        r = login(client, "not-the-password")
        assert r.status_code == 401 and "Mật khẩu không đúng." in r.text
    r = login(client)  # even the right one waits now
    assert r.status_code == 429 and "Vui lòng chờ 60 giây" in r.text
    other = login(client, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 303  # another address is not locked out
    clock.advance(61)
    assert login(client).status_code == 303


def test_the_admin_page_says_when_someone_guesses_a_pin_from_many_addresses(
    app, client, clock
) -> None:
    from tests.test_console_auth import login as console_login

    assert login(client).status_code == 303
    assert "Có người đang thử" not in client.get("/admin").text
    for i in range(20):
        phone = app.test_client()
        phone.environ_base["REMOTE_ADDR"] = f"192.168.1.{100 + i}"
        assert console_login(phone, 2, "000000").status_code == 401
        clock.advance(10)
    page = client.get("/admin").text
    assert "Có người đang thử mã PIN của Quầy 2" in page
    assert "20 lần nhập sai trong 10 phút" in page and "(từ 08:03, lần gần nhất 08:03)" in page
    clock.advance(3600)
    assert "Có người đang thử" not in client.get("/admin").text  # an hour later


def test_rating_and_console_pins_of_a_counter_share_one_count(client, clock) -> None:
    """The app's one throttle: a counter's PIN is one target, typed on a tablet or the
    console; the admin password and other counters are other targets."""
    from tests.test_console_auth import login as console_login

    for _ in range(5):
        assert client.post("/rate/1/login", data={"pin": "9999"}).status_code == 401
    assert client.post("/rate/1/login", data={"pin": counter_pin(1)}).status_code == 429
    r = console_login(client, 1)
    assert r.status_code == 429 and "Vui lòng chờ 60 giây" in r.text
    assert client.post("/rate/2/login", data={"pin": counter_pin(2)}).status_code == 303
    assert login(client).status_code == 303
    clock.advance(61)
    assert console_login(client, 1).status_code == 303


def test_forms_need_the_csrf_token_and_same_origin(client) -> None:
    login(client)
    token = csrf_of(client.get("/admin").text)
    assert client.post("/admin/logout").status_code == 403
    assert client.post("/admin/logout", data={"csrf": "x" * 32}).status_code == 403
    evil = {"Origin": "http://evil.example"}
    assert client.post("/admin/logout", data={"csrf": token}, headers=evil).status_code == 403
    assert login(client, headers=evil).status_code == 403
    assert client.post("/admin/backup", data={}).status_code == 403
    r = client.post("/admin/logout", data={"csrf": token})
    assert r.status_code == 303 and "sothutu_admin=;" in r.headers["Set-Cookie"]
    assert 'name="password"' in client.get("/admin").text


def test_a_session_ends_when_the_password_changes_or_the_cookie_is_forged(
    client, tmp_path: Path
) -> None:
    from counter_api.web import create_app

    login(client)
    cookie = client.get_cookie("sothutu_admin", path="/admin")
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    config = load_config(
        write_config(other_dir, server_extra='admin_password = "another-password-4567"')
    )
    app2 = create_app(config)
    c2 = app2.test_client()
    c2.set_cookie("sothutu_admin", cookie.value, path="/admin")
    assert 'name="password"' in c2.get("/admin").text
    client.set_cookie("sothutu_admin", cookie.value[:-3] + "abc", path="/admin")
    assert 'name="password"' in client.get("/admin").text
    app2.extensions["sothutu"].service.store.close()


def test_admin_page_is_off_without_a_password(tmp_path: Path) -> None:
    from counter_api.web import create_app

    app = create_app(load_config(write_config(tmp_path)))
    c = app.test_client()
    assert "chưa được bật" in c.get("/admin").text
    assert c.post("/admin/login", data={"password": ""}).status_code == 403
    app.extensions["sothutu"].service.store.close()


def test_admin_backup_button(client, config) -> None:
    login(client)
    token = csrf_of(client.get("/admin").text)
    r = client.post("/admin/backup", data={"csrf": token})
    assert r.status_code == 303 and r.headers["Location"].endswith("msg=backup-ok")
    assert len(list(config.backup_dir.glob("sothutu-*.db"))) == 1


def test_rating_tablet_login_and_submit(client, api) -> None:
    r = client.get("/rate/1")
    assert 'name="pin"' in r.text
    assert client.post("/rate/1/submit", json={"ticket": 1, "score": 5}).status_code == 401
    assert client.post("/rate/1/login", data={"pin": counter_pin(2)}).status_code == 401
    r = client.post("/rate/1/login", data={"pin": counter_pin(1)})
    assert r.status_code == 303
    cookie = r.headers["Set-Cookie"]
    assert "Path=/rate/1" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/rate/1").text
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    assert "Rất không hài lòng" in page
    api.issue()
    api.act(1, "next")
    t = api.act(1, "done").get_json()["ticket"]
    body = {"ticket": t["id"], "score": 5}
    assert client.post("/rate/1/submit", json=body).status_code == 403  # no CSRF header
    h = {"X-CSRF-Token": token}
    evil = {**h, "Origin": "http://evil.example"}
    assert client.post("/rate/1/submit", json=body, headers=evil).status_code == 403
    r = client.post("/rate/1/submit", data="ticket=1&score=5", headers=h)
    assert r.status_code == 415  # a form post (what a foreign page can send) is not JSON
    # The tablet's cookie is not a counter login: it cannot call or finish anything.
    assert client.post("/api/v1/counters/1/next").status_code == 401
    r = client.post("/rate/1/submit", json=body, headers=h)
    assert r.status_code == 200 and r.get_json()["rating"]["score"] == 5
    r = client.post("/rate/1/submit", json=body, headers=h)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "already_rated"
    # The cookie of counter 1 is nothing at counter 2.
    assert 'name="pin"' in client.get("/rate/2").text
    svc = client.application.extensions["sothutu"].service
    with svc.store.read() as db:
        assert db.execute("SELECT source FROM ratings").fetchall() == [("tablet",)]


def test_unknown_counter_pages(client) -> None:
    assert client.get("/rate/9").status_code == 404
    assert client.get("/rate/abc").status_code == 404


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("short-one", "too weak"),
        ("demo-admin-password-long", "too weak"),
        ("test-admin-key-0123456789", "same value as server.admin_key"),
    ],
)
def test_weak_admin_password_is_refused_in_production(
    tmp_path: Path, password: str, error: str
) -> None:
    path = write_config(tmp_path, server_extra=f'admin_password = "{password}"')
    with pytest.raises(ConfigError, match=error) as exc:
        load_config(path)
    assert "admin_password" in str(exc.value) or "admin_key" in str(exc.value)


def test_new_config_sections_name_their_keys(tmp_path: Path) -> None:
    for extra, key in [
        ("[ratings]\nkeypad_pins = ['GPIO5', 'GPIO6']", "ratings.keypad_pins"),
        (
            "[ratings]\nkeypad_pins = ['GPIO5', 'GPIO6', 'GPIO7', 'GPIO8', 'GPIO8']",
            "ratings.keypad_pins",
        ),
        (
            "[ratings]\nkeypad_pins = ['GPIO5', 'GPIO6', 'GPIO7', 'GPIO8', 'x']",
            "ratings.keypad_pins",
        ),
        ("[ratings]\nkeypad_pins = [5, 6, 7, 8, 9]", "ratings.keypad_pins"),
        ("[ratings]\nwindow_seconds = 5", "ratings.window_seconds"),
        ("[backup]\ntime = '25:00'", "backup.time"),
        ("[backup]\nkeep = 0", "backup.keep"),
        ("[reports]\nservice_level_minutes = 0", "reports.service_level_minutes"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(key)):
            load_config(write_config(tmp_path, extra="\n" + extra + "\n"))
    with pytest.raises(ConfigError, match=r"server\.phone_streams: .* leave 8 of the 80 threads"):
        load_config(write_config(tmp_path, server_extra="phone_streams = 20"))
    load_config(write_config(tmp_path, server_extra="phone_streams = 20\nthreads = 100"))
    config = load_config(write_config(tmp_path))
    assert config.backup_dir == config.database_path.parent / "backups"
    assert config.reports.service_level_minutes == 15 and config.ratings.window_seconds == 90


def test_status_page_and_its_stream_cap(tmp_path: Path, clock) -> None:
    from counter_api.web import create_app

    app = create_app(
        load_config(write_config(tmp_path, server_extra="phone_streams = 1")), clock=clock
    )
    c = app.test_client()
    h = {"Authorization": f"Bearer {KIOSK_KEY}"}
    t = c.post("/api/v1/tickets", json={"service": "ho-tich"}, headers=h).get_json()
    page = c.get(f"/t/{t['id']}")
    assert page.status_code == 200 and t["code"] in page.text and "Hộ tịch" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert 'href="/thu-tuc?service=ho-tich"' in page.text  # the field's procedures
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    first = c.get(f"/t/{t['id']}/events", buffered=False)
    assert first.status_code == 200
    assert c.get(f"/t/{t['id']}/events").status_code == 503  # phones have one slot here
    first.close()  # the phone left before reading anything: the slot comes back
    second = c.get(f"/t/{t['id']}/events", buffered=False)
    assert second.status_code == 200
    chunks = iter(second.response)
    assert next(chunks) == b"retry: 3000\n\n"
    assert b'"waiting_ahead":0' in next(chunks)
    second.close()
    assert c.get("/t/0/events").status_code == 404
    h1 = {"Authorization": f"Bearer {counter_key(1)}"}
    c.post("/api/v1/counters/1/next", headers=h1)
    c.post("/api/v1/counters/1/done", headers=h1)
    done = c.get(f"/t/{t['id']}/events")  # a finished ticket: one event, then the end
    assert done.data.count(b"event: ticket") == 1 and b'"status":"done"' in done.data
    app.extensions["sothutu"].service.bus.close()
    app.extensions["sothutu"].service.store.close()


def test_status_page_links_the_procedure_a_ticket_was_taken_for(tmp_path: Path, clock) -> None:
    import csv

    from counter_api.web import create_app
    from tests.support import ROOT

    with (ROOT / "deploy" / "procedures.sample.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    sample = tmp_path / "procedures.csv"
    with sample.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[0] == "1.001193"])
    app = create_app(
        load_config(write_config(tmp_path, extra=f"\n[procedures]\ncatalogue = '{sample}'\n")),
        clock=clock,
    )
    c = app.test_client()
    h = {"Authorization": f"Bearer {KIOSK_KEY}"}
    r = c.post("/api/v1/tickets", json={"procedure": "1.001193"}, headers=h)
    assert r.status_code == 201, r.get_json()
    page = c.get(f"/t/{r.get_json()['id']}").text
    assert 'href="/thu-tuc/1.001193"' in page and "Thủ tục: Đăng ký khai sinh" in page
    assert 'href="/thu-tuc?service=ho-tich"' in page
    app.extensions["sothutu"].service.bus.close()
    app.extensions["sothutu"].service.store.close()
