"""The browser display's server side: the pages, the voice endpoints, heartbeat events.

Flask's test client on a real app and a temp database; the browser tests
(test_display_browser.py) drive the same pages in Chromium.
"""

from __future__ import annotations

import io
import json
import re
import wave
from array import array
from pathlib import Path

import pytest

from counter_api.web import create_app
from counter_api.web.stream import event_stream
from sothutu.config import load_config
from sothutu.voice import announce
from sothutu.voice.chime import chime_wav
from sothutu.voice.pack import KEEP_MS, trim
from tests.support import KIOSK_KEY, write_config


def tone(seconds: float, rate: int = 16000, channels: int = 1, silence: float = 0.2) -> bytes:
    """A WAV: ``silence`` s of quiet, a square-ish tone, quiet again."""
    quiet = [0] * int(silence * rate) * channels
    loud = [9000 if (i // 20) % 2 else -9000 for i in range(int(seconds * rate) * channels)]
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(array("h", quiet + loud + quiet).tobytes())
    return buf.getvalue()


def frames(data: bytes) -> tuple[int, int, bytes]:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getnchannels(), w.getframerate(), w.readframes(w.getnframes())


@pytest.fixture
def make_app(tmp_path: Path, clock):
    apps = []

    def make(extra: str = "", **kwargs):
        config = load_config(write_config(tmp_path, extra=extra, **kwargs))
        app = create_app(config, clock=clock)
        app.testing = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["sothutu"].service.bus.close()
        app.extensions["sothutu"].service.store.close()


def boot(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="boot">(.*?)</script>', html, re.S)
    assert m, "the page carries its boot JSON"
    return json.loads(m[1])


def test_wall_page_is_public_with_the_state_words_and_a_strict_policy(client, api) -> None:
    api.issue("ho-tich")
    api.act(1, "next")
    r = client.get("/display")
    assert r.status_code == 200 and r.mimetype == "text/html"
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["Cache-Control"] == "no-store"
    html = r.get_data(as_text=True)
    for words in ("MỜI CÔNG DÂN CÓ SỐ", "ĐANG PHỤC VỤ", "SỐ VỪA GỌI", "Số người đang chờ"):
        assert words in html
    assert "Bật âm thanh" in html and "/static/display/display.js" in html
    assert "<script>" not in html  # no inline script: the CSP would block it
    data = boot(html)
    assert data["mode"] == "wall" and data["voice"]["on"] is True
    assert data["state"]["counters"][0]["current"]["code"] == "A001"
    assert data["text"]["LOST"] == "Mất kết nối máy chủ"
    assert data["text"]["LAST_UPDATE"] == "Cập nhật lần cuối"
    assert data["heartbeat"] == 1  # the test config pings every second
    assert data["rules"]["live_after"] == 2.0 and data["rules"]["recent_kept"] == 10
    assert [c["name"] for c in data["counters"]] == ["Quầy 1", "Quầy 2", "Quầy 3", "Quầy 4"]
    for static in ("/static/display/display.css", "/static/display/display.js"):
        r = client.get(static)
        r.close()
        assert r.status_code == 200, static


def test_counter_page_and_its_voice_switch(client) -> None:
    data = boot(client.get("/display?counter=3").get_data(as_text=True))
    assert data["mode"] == "counter" and data["counter"] == 3 and data["voice"]["on"] is True
    data = boot(client.get("/display?counter=3&voice=0").get_data(as_text=True))
    assert data["voice"]["on"] is False
    r = client.get("/display?counter=99")
    assert r.status_code == 404 and "Quầy không tồn tại." in r.get_data(as_text=True)
    for bad in ("abc", "-1", "", "3.0", "１", "9" * 5000):
        r = client.get(f"/display?counter={bad}")
        assert r.status_code == 400, bad
        assert "counter phải là số quầy" in r.get_data(as_text=True)


def test_voice_off_in_the_config_means_no_voice_on_any_page(make_app) -> None:
    app = make_app(extra='[voice]\nannounce = "off"\n')
    data = boot(app.test_client().get("/display").get_data(as_text=True))
    assert data["voice"]["on"] is False
    ann = app.test_client().get("/api/v1/voice/announcement?code=A015&counter=2").get_json()
    assert ann["clips"] == [] and ann["text"] == ""


def test_announcement_is_display_announce_with_the_config(make_app) -> None:
    app = make_app(extra='[voice]\ndialect = "south"\nrepeat = 2\n')
    c = app.test_client()
    r = c.get("/api/v1/voice/announcement?code=B105&counter=14&recall=true")
    assert r.status_code == 200
    expected = announce.announcement("B105", 14, recall=True, dialect="south", repeat=2)
    assert r.get_json() == expected.to_json()
    assert "lẻ năm" in r.get_json()["sentence"]
    app = make_app(extra='[voice]\nannounce = "chime"\n')
    ann = app.test_client().get("/api/v1/voice/announcement?code=A1&counter=1").get_json()
    assert ann["clips"] == ["chime"]


@pytest.mark.parametrize(
    "query",
    [
        "code=A015",
        "code=A015&counter=x",
        "code=A015&counter=-2",
        "code=hello&counter=2",
        "code=&counter=2",
        "code=A015&counter=2&recall=maybe",
        "counter=2",
    ],
)
def test_announcement_refuses_bad_calls(client, query: str) -> None:
    r = client.get(f"/api/v1/voice/announcement?{query}")
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "invalid_request"


def test_clips_come_from_the_pack_trimmed_and_a_replaced_clip_is_used_at_once(
    make_app, tmp_path: Path
) -> None:
    pack = tmp_path / "voice"
    pack.mkdir()
    (pack / "so-5.wav").write_bytes(tone(0.3))
    (pack / "custom-hai.wav").write_bytes(tone(0.2, rate=44100, channels=2))
    manifest = {"clips": {"so-2": {"file": "custom-hai.wav"}, "so-3": {"file": "../config.toml"}}}
    (pack / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    app = make_app(extra='[voice]\npack = "voice"\nespeak = false\n')
    c = app.test_client()

    r = c.get("/api/v1/voice/clip?name=so-5")
    assert r.status_code == 200 and r.mimetype == "audio/wav"
    channels, rate, pcm = frames(r.data)
    _, _, raw = frames((pack / "so-5.wav").read_bytes())
    assert (channels, rate) == (1, 16000)
    assert pcm == trim(raw, 1, rate * KEEP_MS // 1000)  # the pygame display's trimming
    assert len(pcm) < len(raw) - 2 * 2 * int(0.15 * rate)  # the quiet ends are gone
    etag = r.headers["ETag"]
    assert c.get("/api/v1/voice/clip?name=so-5", headers={"If-None-Match": etag}).status_code == 304

    # The manifest may name another file; a stereo 44.1 kHz recording is served as it is.
    channels, rate, _ = frames(c.get("/api/v1/voice/clip?name=so-2").data)
    assert (channels, rate) == (2, 44100)
    # ...but never a file outside the pack.
    assert c.get("/api/v1/voice/clip?name=so-3").status_code == 404

    # A centre records its own "năm": the next request gets it.
    (pack / "so-5.wav").write_bytes(tone(0.5, rate=22050))
    r2 = c.get("/api/v1/voice/clip?name=so-5", headers={"If-None-Match": etag})
    assert r2.status_code == 200 and frames(r2.data)[1] == 22050

    # No chime in the pack: the synthesized one. A missing word: 404 (espeak off).
    assert c.get("/api/v1/voice/clip?name=chime").data == chime_wav()
    missing = c.get("/api/v1/voice/clip?name=den-quay")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    for bad in ("nope", "../config", "chime.wav", "CHIME", ""):
        assert c.get(f"/api/v1/voice/clip?name={bad}").status_code == 404, bad


def test_no_pack_at_all_still_chimes(make_app) -> None:
    app = make_app(extra='[voice]\npack = "no-such-folder"\nespeak = false\n')
    c = app.test_client()
    assert c.get("/api/v1/voice/clip?name=chime").status_code == 200
    assert c.get("/api/v1/voice/clip?name=moi-cong-dan").status_code == 404


def test_heartbeat_events_replace_pings_only_when_asked(app) -> None:
    svc = app.extensions["sothutu"].service
    plain = event_stream(svc, None, 0.01)
    assert next(plain) == b"retry: 2000\n\n"
    assert next(plain).startswith(b"id: 0\nevent: snapshot\n")
    assert next(plain) == b": ping\n\n"
    beating = event_stream(svc, None, 0.01, heartbeat=True)
    next(beating), next(beating)
    beat = next(beating).decode()
    assert beat.startswith("event: heartbeat\ndata: ") and "\nid:" not in beat
    data = json.loads(beat.split("data: ", 1)[1])
    assert data == {"time": "2026-11-24T08:00:00+07:00"}


@pytest.mark.parametrize("value", ["0", "61", "x", "1.5", "", "-1"])
def test_a_bad_heartbeat_is_refused(client, value: str) -> None:
    r = client.get(f"/api/v1/events?heartbeat={value}")
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "invalid_request"


def test_heartbeat_is_documented(client) -> None:
    from tests.support import ROOT

    doc = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"] for p in doc["paths"]["/events"]["get"]["parameters"]}
    assert "heartbeat" in params
    assert "/voice/announcement" in doc["paths"] and "/voice/clip" in doc["paths"]
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert "heartbeat" in text and "/api/v1/voice/announcement" in text


def test_keys_are_not_needed_and_do_not_matter(client, api) -> None:
    """Public like /state: a kiosk key or garbage changes nothing."""
    for headers in ({}, {"Authorization": f"Bearer {KIOSK_KEY}"}, {"Authorization": "x"}):
        assert client.get("/display", headers=headers).status_code == 200
        r = client.get("/api/v1/voice/announcement?code=A1&counter=1", headers=headers)
        assert r.status_code == 200
