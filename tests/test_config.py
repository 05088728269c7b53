"""The config file: every key documented; bad files stop the program with one line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sothutu.config import SECTIONS, ConfigError, load_config, settings_of
from tests.support import ROOT, config_text

EXAMPLE = ROOT / "config.example.toml"


def documented_keys(text: str) -> dict[tuple[str, str], bool]:
    """(section, key) → whether a comment is the line right above its first use."""
    found: dict[tuple[str, str], bool] = {}
    section = ""
    previous = ""
    for line in text.splitlines():
        stripped = line.strip()
        header = re.fullmatch(r"\[\[?([a-z_]+)\]?\]", stripped)
        if header:
            section = header.group(1)
        else:
            key = re.match(r"([a-z_]+)\s*=", stripped)
            if key and (section, key.group(1)) not in found:
                found[(section, key.group(1))] = previous.startswith("#")
        previous = stripped
    return found


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_every_key_is_in_the_example_with_a_comment(section: str) -> None:
    found = documented_keys(EXAMPLE.read_text(encoding="utf-8"))
    cls = SECTIONS[section][0]
    keys = [f.name for f in settings_of(cls)]
    missing = [k for k in keys if (section, k) not in found]
    uncommented = [k for k in keys if not found.get((section, k), True)]
    assert not missing, f"[{section}] keys missing from config.example.toml: {missing}"
    assert not uncommented, f"[{section}] keys without a comment right above: {uncommented}"


def test_every_key_has_help_text() -> None:
    for cls, _, _ in SECTIONS.values():
        for f in settings_of(cls):
            assert len(f.metadata["help"]) > 10, f"{cls.__name__}.{f.name}"


def test_the_example_loads() -> None:
    config = load_config(EXAMPLE)
    assert config.server.demo and config.services and config.counters
    assert config.voice.announce == "voice" and config.display.highlight_seconds == 10
    assert config.kiosk.name == "kiosk-1" and config.printer.connection.startswith("preview:")


def _bad(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


BASE = config_text()


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        (
            'services = ["dat-dai"]',
            'services = ["dat-da"]',
            "counters[2].services[0]: unknown service",
        ),
        ('id = "chung-thuc"', 'id = "ho-tich"', "services[1].id: duplicate id 'ho-tich'"),
        ("number = 3", "number = 2", "counters[2].number: duplicate counter number 2"),
        ('prefix = "B"', 'prefix = "b1"', "services[1].prefix:"),
        ('prefix = "B"', 'prefix = "ABC"', "services[1].prefix:"),
        ('timezone = "Asia/Ho_Chi_Minh"', 'timezone = "Asia/Hanoi_City"', "centre.timezone:"),
        ('name = "Trung tâm', 'nam = "Trung tâm', "centre.nam: unknown key"),
        ("port = 8080", 'port = "8080"', "server.port: must be an integer"),
        ("port = 8080", "port = 70000", "server.port: must be between"),
        ('prefix = "A"', "prefix = 1", "services[0].prefix: must be a string"),
        ('name = "Hộ tịch"', "name = true", "services[0].name: must be a string"),
        ('admin_key = "test', 'admin_kee = "test', "server.admin_kee: unknown key"),
        ("ping_seconds = 1.0", "ping_seconds = 20", "server.ping_seconds"),
        ('id = "dat-dai"', 'id = "Đất đai"', "services[2].id: must match"),
        ("daily_limit = 3", "daily_limit = -1", "services[2].daily_limit"),
        (
            'key = "test-kiosk2-key-0123456789"',
            'key = "test-kiosk-key-0123456789"',
            "kiosks[1].key: same value as kiosks[0].key",
        ),
        (
            'admin_key = "test-admin-key-0123456789"',
            'admin_key = "short"',
            "server.admin_key: too weak",
        ),
        (
            'admin_key = "test-admin-key-0123456789"',
            'admin_key = "demo-admin-key-0123456789"',
            "server.admin_key: too weak",
        ),
        ('pin = "11148"', 'pin = "1111"', "counters[0].pin: too easy"),
        ('pin = "11148"', 'pin = "1234"', "counters[0].pin: too easy"),
        ('pin = "11148"', 'pin = "12ab"', "counters[0].pin: must be 4 to 12 digits"),
        ("[centre]", '[centre]\nhours = ["17:00-07:00"]', "centre.hours:"),
        (
            "[centre]",
            '[centre]\nhours = ["07:00-11:30", "11:00-12:00"]',
            "centre.hours: windows overlap",
        ),
        (
            "[centre]",
            '[centre]\nclosed_days = ["2027-02-30"]',
            "centre.closed_days: '2027-02-30' is not a date",
        ),
        ("[centre]", '[centre]\nclosed_days = ["5/2/2027"]', "centre.closed_days: must be dates"),
        ("[centre]", "[centre]\nclosed_days = [20270205]", "centre.closed_days"),
        ('host = "127.0.0.1"', 'host = "0.0.0.0"\ndemo = true', "server.host: demo = true only"),
        ('name = "kiosk-1"', "name = 3", "kiosks[0].name: must be a string"),
        (
            'host = "127.0.0.1"',
            'host = "0.0.0.0"\ndemo = "yes"',
            "server.demo: must be true or false",
        ),
        ("[centre]", "[centr]\nx = 1\n[centre]", "centr: unknown section"),
        (
            "guidance = true",
            'guidance = true\nprint_kiosk = "kiosk-3"',
            "counters[3].print_kiosk: no [[kiosks]] named 'kiosk-3' (known: kiosk-1, kiosk-2)",
        ),
        # texts people see hold no control character or text-direction override
        (
            'name = "Trung tâm Phục vụ hành chính công xã Thử Nghiệm"',
            'name = "Trung tâm \\u202EmệihgN"',
            "centre.name: holds U+202E, a text-direction override",
        ),
        (
            'authority = "UBND XÃ THỬ NGHIỆM"',
            'authority = "UBND \\u2068XÃ"',
            "centre.authority: holds U+2068",
        ),
        ('name = "Hộ tịch"', 'name = "Hộ tịch\\u202D"', "services[0].name: holds U+202D"),
        ('name = "kiosk-2"', 'name = "kiosk\\u2069-2"', "kiosks[1].name: holds U+2069"),
        ('name = "kiosk-2"', 'name = "kiosk\\u0007-2"', "kiosks[1].name: holds U+0007, a control"),
    ],
)
def test_bad_configs_name_the_key(tmp_path: Path, old: str, new: str, expect: str) -> None:
    assert old in BASE, old
    assert expect in _bad(tmp_path, BASE.replace(old, new, 1))


def test_missing_pieces(tmp_path: Path) -> None:
    assert "server: missing required section" in _bad(
        tmp_path, re.sub(r"\[server\][^\[]*", "", BASE)
    )
    assert "server.admin_key: missing required key" in _bad(
        tmp_path, re.sub(r'admin_key = "[^"]*"\n', "", BASE)
    )
    assert "not valid TOML" in _bad(tmp_path, BASE + "\n[[services]\n")
    import tomllib

    from sothutu.config import parse_config

    data = tomllib.loads(BASE)
    data["services"] = "x"
    with pytest.raises(ConfigError, match="services: must be an array of tables"):
        parse_config(data, tmp_path / "c.toml")
    data["services"] = []
    with pytest.raises(ConfigError, match="at least one"):
        parse_config(data, tmp_path / "c.toml")
    path = tmp_path / "latin1.toml"
    path.write_bytes(BASE.encode("utf-8") + b"\n# \xff\xfe\n")
    with pytest.raises(ConfigError, match="not valid"):
        load_config(path)
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("program", ["counter_api"])
def test_cli_exits_2_with_one_line(tmp_path: Path, program: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BASE.replace('prefix = "B"', 'prefix = "bb"'), encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", program, "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "services[1].prefix" in lines[0] and str(path) in lines[0]
    assert "Traceback" not in r.stderr


def test_cli_refuses_a_lan_host_in_demo_mode(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "counter_api", "--config", str(EXAMPLE), "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert r.returncode == 2 and "demo" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_relative_database_is_relative_to_the_config(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "c.toml"
    path.parent.mkdir()
    path.write_text(config_text(database="data/q.db"), encoding="utf-8")
    assert load_config(path).database_path == path.parent.resolve() / "data" / "q.db"


def test_devices_import_no_web_framework() -> None:
    code = (
        "import sys, counter_api, sothutu.config, sothutu.client; "
        "assert 'flask' not in sys.modules and 'werkzeug' not in sys.modules, "
        "[m for m in sys.modules if m.startswith(('flask', 'werkzeug'))]"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
