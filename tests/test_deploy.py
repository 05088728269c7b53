"""The Raspberry Pi installer: dry runs into a directory, its units, scripts and config.

Every run of deploy/install.sh here is a ``--dry-run --root DIR``: it writes the files it
would install under DIR and prints the commands it would run, so it needs no root, no
network and no Raspberry Pi. The units are checked with the real ``systemd-analyze``
against Debian's own units, the scripts with shellcheck, and the server is started the
way its unit starts it, with a notify socket standing in for systemd.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import pytest

from sothutu.config import load_config, weak_pin
from tests.support import ROOT, debian_tool, free_port, write_config

INSTALL = ROOT / "deploy" / "install.sh"
MKCONFIG = ROOT / "deploy" / "mkconfig.py"
UNITS = "etc/systemd/system"
COMMON = {
    "etc/sothutu/config.toml",
    "etc/sothutu/procedures.sample.csv",
    "etc/sothutu/environment",
    "opt/sothutu/roles",
    "opt/sothutu/deploy/install.sh",
    "opt/sothutu/deploy/README.md",
    "usr/local/bin/sothutu",
}
SERVER = {
    f"{UNITS}/sothutu-server.service",
    f"{UNITS}/sothutu-backup.service",
    f"{UNITS}/sothutu-backup.timer",
}
DESKTOP_USER = "kioskuser"
AUTOSTART = f"home/{DESKTOP_USER}/.config/labwc/autostart"
PRINTER_RULES = "etc/udev/rules.d/99-sothutu-printer.rules"  # the kiosk's, shipped in deploy/

# name: (first run's flags, a re-run's flags, the files expected besides COMMON)
SCENARIOS: dict[str, tuple[list[str], list[str], set[str]]] = {
    "server": (["--server"], [], SERVER),
    "one-pi-desktop": (
        [
            "--server",
            "--kiosk",
            "--display",
            "--keypad",
            "3",
            "--mode",
            "desktop",
            "--desktop-user",
            DESKTOP_USER,
            "--printer",
            "usb:0x0416:0x5011",
        ],
        ["--server", "--kiosk", "--display", "--keypad=3", "--mode=desktop"],
        SERVER
        | {
            f"{UNITS}/sothutu-keypad@.service",
            "etc/udev/rules.d/60-sothutu-printer.rules",
            PRINTER_RULES,
            "opt/sothutu/bin/sothutu-session",
            "opt/sothutu/deploy/voicepack.py",
            AUTOSTART,
        },
    ),
    "one-pi-lite": (
        [
            "--server",
            "--kiosk-headless",
            "--display",
            "--keypad",
            "1,2",
            "--rating-keypad",
            "2",
            "--mode",
            "lite",
        ],
        [],
        SERVER
        | {
            f"{UNITS}/sothutu-kiosk.service",
            f"{UNITS}/sothutu-display.service",
            f"{UNITS}/sothutu-keypad@.service",
            f"{UNITS}/sothutu-rating-keypad@.service",
            "opt/sothutu/deploy/voicepack.py",
            PRINTER_RULES,
        },
    ),
    "display-pi": (
        ["--display", "--server-url", "http://192.168.1.10:8080"],
        [],
        {f"{UNITS}/sothutu-display.service", "opt/sothutu/deploy/voicepack.py"},
    ),
    "kiosk-pi-lite": (
        [
            "--kiosk",
            "--printer",
            "network:192.168.1.50:9100",
            "--server-url",
            "http://10.42.0.1:8080",
        ],
        [],
        {f"{UNITS}/sothutu-kiosk.service", PRINTER_RULES},
    ),
}


def install(
    root: Path, *args: str, check: bool = True, booted: bool = True
) -> subprocess.CompletedProcess:
    """deploy/install.sh --dry-run --root ROOT ARGS; never touches the real system.

    ``booted=False`` is an install into an image (SYSTEMD_OFFLINE=1): no running systemd.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("SUDO_USER", "SYSTEMD_OFFLINE")}
    if not booted:
        env["SYSTEMD_OFFLINE"] = "1"
    result = subprocess.run(
        ["bash", str(INSTALL), "--dry-run", "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def commands(output: str) -> list[list[str]]:
    """The commands a dry run printed ("+ cmd args"), split like a shell would."""
    return [shlex.split(line[2:]) for line in output.splitlines() if line.startswith("+ ")]


def has_command(output: str, *words: str) -> bool:
    return any(cmd[: len(words)] == list(words) for cmd in commands(output))


def snapshot(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every file and folder under root: (mode, content or None for a folder)."""
    tree: dict[str, tuple[int, bytes | None]] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        mode = stat.S_IMODE(path.lstat().st_mode)
        tree[rel] = (mode, None if path.is_dir() else path.read_bytes())
    return tree


def files(tree: dict[str, tuple[int, bytes | None]]) -> set[str]:
    return {p for p, (_, data) in tree.items() if data is not None}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, tuple[Path, str, str, dict, dict]]:
    """Each scenario installed twice: (root, first output, second output, tree 1, tree 2)."""
    out = {}
    for name, (first, again, _) in SCENARIOS.items():
        root = tmp_path_factory.mktemp(name)
        one = install(root, *first)
        tree1 = snapshot(root)
        two = install(root, *again)
        out[name] = (root, one.stdout, two.stdout, tree1, snapshot(root))
    return out


# --- the tree -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_role_installs_exactly_its_files(installed, name):
    root, *_ = installed[name]
    assert files(snapshot(root)) == COMMON | SCENARIOS[name][2]


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_second_run_changes_nothing_and_keeps_the_config(installed, name):
    _, first, second, tree1, tree2 = installed[name]
    assert tree1 == tree2  # same files, modes and bytes: the config too (kept, not remade)
    assert "New keys and PINs" in first
    assert "New keys and PINs" not in second
    assert "keeping the config /etc/sothutu/config.toml" in second
    assert "wrote " not in second


def test_a_rerun_without_roles_reuses_the_last_ones(installed):
    _, _, second, _, _ = installed["one-pi-lite"]
    assert (
        "same roles as last time: server kiosk(headless) display keypad(1,2) rating-keypad(2)"
        in second
    )
    assert has_command(second, "systemctl", "enable", "sothutu-keypad@2.service")
    assert has_command(second, "systemctl", "enable", "sothutu-rating-keypad@2.service")


def test_modes_of_private_and_executable_files(installed):
    root, *_ = installed["one-pi-desktop"]
    mode = lambda rel: stat.S_IMODE((root / rel).stat().st_mode)  # noqa: E731
    assert mode("etc/sothutu/config.toml") == 0o640
    assert mode("etc/sothutu") == 0o750
    assert mode("var/lib/sothutu") == 0o750
    # the kiosk's state ([kiosk] state_dir): written by the desktop user's kiosk too
    assert mode("var/lib/sothutu/kiosk") == 0o2770
    assert str(load_config(root / "etc/sothutu/config.toml").kiosk_state_dir) == (
        "/var/lib/sothutu/kiosk"
    )
    assert mode("usr/local/bin/sothutu") == 0o755
    assert mode("opt/sothutu/bin/sothutu-session") == 0o755
    assert mode(f"{UNITS}/sothutu-server.service") == 0o644


def test_commands_of_a_one_pi_desktop_install(installed):
    _, out, *_ = installed["one-pi-desktop"]
    apt = next(c for c in commands(out) if "install" in c and "apt-get" in c)
    for package in ("python3-venv", "espeak-ng", "fonts-dejavu-core", "sqlite3", "libusb-1.0-0"):
        assert package in apt
    assert "libgbm1" not in apt  # the desktop's session draws: no KMS/DRM of our own
    useradd = next(c for c in commands(out) if c[0] == "useradd")
    assert useradd[-1] == "sothutu" and "--system" in useradd
    groups = [c for c in commands(out) if c[0] == "usermod"]
    assert groups[0][-2:] == ["gpio,lp,video,render,input,audio,dialout", "sothutu"]
    assert groups[1][-2:] == ["sothutu,gpio,lp,video,render,input,audio,dialout", DESKTOP_USER]
    assert has_command(out, "python3", "-m", "venv", "/opt/sothutu/venv")
    assert has_command(out, "/opt/sothutu/venv/bin/pip", "--disable-pip-version-check")
    pip = [c[3:] for c in commands(out) if c[0].endswith("/pip")]
    assert pip[0] == ["install", "--upgrade", "pip", "setuptools>=68", "wheel"]
    assert pip[1] == ["install", "--upgrade", str(ROOT)]
    assert pip[2] == ["install", "--no-deps", "--force-reinstall", str(ROOT)]
    assert pip[3] == ["install", "lgpio>=0.2.2"]
    assert pip[-1] == ["check"]
    assert has_command(out, "chown", "-R", "root:sothutu", "/etc/sothutu")
    assert has_command(out, "raspi-config", "nonint", "do_boot_behaviour", "B4")
    for unit in ("sothutu-server.service", "sothutu-backup.timer", "sothutu-keypad@3.service"):
        assert has_command(out, "systemctl", "enable", unit)
    assert not has_command(out, "systemctl", "enable", "sothutu-kiosk.service")


def test_lite_installs_from_wheels_and_runs_screens_as_units(installed):
    root, out, *_ = installed["one-pi-lite"]
    apt = next(c for c in commands(out) if "install" in c and "apt-get" in c)
    # pygame-ce's wheel has SDL's KMS/DRM driver; it loads these libraries at run time.
    assert {"libdrm2", "libgbm1", "libegl1", "libgles2", "libgl1-mesa-dri"} <= set(apt)
    # Nothing is compiled on the Pi: no compiler, no headers, no source build.
    for package in apt:
        assert not package.endswith("-dev") and package != "build-essential", package
    assert not any("--no-binary" in c for c in commands(out))
    display = (root / UNITS / "sothutu-display.service").read_text()
    assert "Environment=SDL_VIDEODRIVER=kmsdrm SDL_AUDIODRIVER=alsa" in display
    assert "Conflicts=getty@tty1.service" in display
    kiosk = (root / UNITS / "sothutu-kiosk.service").read_text()
    assert " -m kiosk --config /etc/sothutu/config.toml --headless\n" in kiosk
    assert "kmsdrm" not in kiosk
    assert "WorkingDirectory=/run/sothutu-kiosk" in kiosk  # lgpio's pipes need a writable cwd
    env = (root / "etc/sothutu/environment").read_text()
    assert "\nAUDIODEV=hdmi:CARD=vc4hdmi0,DEV=0\n" in env


def test_a_kiosk_on_lite_draws_through_kmsdrm(installed):
    root, *_ = installed["kiosk-pi-lite"]
    kiosk = (root / UNITS / "sothutu-kiosk.service").read_text()
    assert "SDL_VIDEODRIVER=kmsdrm" in kiosk and "--headless" not in kiosk
    assert not (root / "etc/udev/rules.d/60-sothutu-printer.rules").exists()  # network printer
    config = load_config(root / "etc/sothutu/config.toml")
    assert config.printer.connection == "network:192.168.1.50:9100"
    assert config.server.url == "http://10.42.0.1:8080"


def test_an_image_without_running_systemd_gets_units_enabled_and_nothing_started(tmp_path):
    """A card prepared on a PC, a chroot, a container: no systemd or udevd to talk to."""
    root = tmp_path / "image"
    roles = ["--server", "--kiosk-headless", "--display", "--keypad", "1", "--mode", "lite"]
    out = install(root, *roles, booted=False).stdout
    said = [line for line in out.splitlines() if "no running systemd" in line]
    assert said == [
        "install.sh: no running systemd here (an image or a chroot): services are enabled,"
        " not started; they and the udev rules start at the next boot"
    ]
    offline = ["env", "SYSTEMD_OFFLINE=1", "systemctl"]
    for unit in ("sothutu-server.service", "sothutu-backup.timer", "sothutu-kiosk.service"):
        assert has_command(out, *offline, "enable", unit)
    assert has_command(out, *offline, "enable", "sothutu-keypad@1.service")
    for cmd in commands(out):
        assert cmd[0] != "udevadm" and cmd[:1] != ["systemctl"], cmd
        assert "restart" not in cmd and "daemon-reload" not in cmd and "--now" not in cmd
    assert (root / PRINTER_RULES).exists()  # the rules are there for the first boot
    # A later run without the display: its unit is disabled (links only) and removed.
    out = install(root, "--server", "--kiosk-headless", "--mode", "lite", booted=False).stdout
    assert has_command(out, *offline, "disable", "sothutu-display.service")
    assert not (root / UNITS / "sothutu-display.service").exists()
    out = install(root, "--uninstall", booted=False).stdout
    assert has_command(out, *offline, "disable", "sothutu-server.service")
    assert all(c[0] != "udevadm" and "daemon-reload" not in c for c in commands(out))


def test_the_hub_is_not_installed_into_an_image(tmp_path):
    """The province hub needs its PostgreSQL running (a database and a role made at once)."""
    result = install(tmp_path / "image", "--hub", booted=False, check=False)
    assert result.returncode == 1
    assert "the hub needs its PostgreSQL running" in result.stderr
    assert not commands(result.stdout)  # stopped before doing anything


def test_a_booted_system_reloads_and_restarts(installed):
    _, out, *_ = installed["one-pi-lite"]
    assert "no running systemd" not in out
    assert has_command(out, "systemctl", "daemon-reload")
    assert has_command(out, "systemctl", "restart", "sothutu-server.service")
    assert has_command(out, "udevadm", "control", "--reload-rules")


VOICEPACK = ["runuser", "-u", "sothutu", "--", "/opt/sothutu/venv/bin/python"]
VOICEPACK += ["/opt/sothutu/deploy/voicepack.py", "--config", "/etc/sothutu/config.toml"]


def test_the_voice_pack_is_made_by_the_service_user_and_kept(installed, tmp_path):
    root, first, second, *_ = installed["display-pi"]
    assert VOICEPACK in commands(first)  # adds missing clips, keeps recorded ones
    assert VOICEPACK in commands(second)
    assert (root / "var/lib/sothutu/voice").is_dir()
    again = install(root, "--voice-pack")
    assert [*VOICEPACK, "--force"] in commands(again.stdout)
    # The installed copy runs outside the source folder (it imports the installed code).
    copy = root / "opt/sothutu/deploy/voicepack.py"
    result = subprocess.run([sys.executable, str(copy), "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--config" in result.stdout, result.stderr


def test_the_shipped_procedure_catalogue_is_copied_next_to_the_config(installed):
    root, out, second, *_ = installed["server"]
    config = load_config(root / "etc/sothutu/config.toml")
    catalogue = config.resolve(config.procedures.catalogue)
    assert catalogue == root / "etc/sothutu/procedures.sample.csv"
    assert catalogue.read_bytes() == (ROOT / "deploy/procedures.sample.csv").read_bytes()
    assert stat.S_IMODE(catalogue.stat().st_mode) == 0o640
    assert has_command(out, "chown", "-R", "root:sothutu", "/etc/sothutu")
    assert "Copied deploy/procedures.sample.csv" in out and "Copied" not in second


def test_a_backup_folder_elsewhere_is_writable_for_server_and_backup(tmp_path):
    root = tmp_path / "pi"
    (root / "etc/sothutu").mkdir(parents=True)
    text = write_config(tmp_path, database="/var/lib/sothutu/queue.db").read_text()
    text += '\n[backup]\ndir = "/media/sothutu-backup"\n'
    (root / "etc/sothutu/config.toml").write_text(text)
    install(root, "--server")
    for unit in ("sothutu-server.service", "sothutu-backup.service"):
        lines = (root / UNITS / unit).read_text().splitlines()
        assert "ReadWritePaths=/var/lib/sothutu -/media/sothutu-backup" in lines


def test_server_only_needs_no_screen_or_sound_packages(installed):
    _, out, *_ = installed["server"]
    apt = next(c for c in commands(out) if "install" in c and "apt-get" in c)
    assert "espeak-ng" not in apt and "libgbm1" not in apt
    assert not any("lgpio" in " ".join(c) for c in commands(out))
    assert not has_command(out, "raspi-config")


def test_usb_printer_udev_rule_reads_the_configs_vendor_and_product(installed):
    root, *_ = installed["one-pi-desktop"]
    shipped = (ROOT / "deploy/99-sothutu-printer.rules").read_bytes()
    assert (root / PRINTER_RULES).read_bytes() == shipped
    rule = (root / "etc/udev/rules.d/60-sothutu-printer.rules").read_text()
    line = [x for x in rule.splitlines() if x and not x.startswith("#")]
    assert line == [
        'SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{idVendor}=="0416", '
        'ATTR{idProduct}=="5011", MODE="0660", GROUP="lp"'
    ]


def test_desktop_autostart_respawns_both_screen_programs(installed):
    root, *_ = installed["one-pi-desktop"]
    lines = (root / AUTOSTART).read_text().splitlines()
    assert lines[1:3] == [
        "/opt/sothutu/bin/sothutu-session kiosk &",
        "/opt/sothutu/bin/sothutu-session display &",
    ]
    assert lines[0].startswith("# >>> sothutu") and lines[3] == "# <<< sothutu <<<"


# --- the generated config ----------------------------------------------------------------


def _strings(value, where=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{where}[{i}]")
    elif isinstance(value, str):
        yield where, value


def test_generated_config_is_a_valid_production_config(installed):
    root, out, *_ = installed["one-pi-desktop"]
    path = root / "etc/sothutu/config.toml"
    config = load_config(path)  # the server's own loader accepts it (no demo values)
    assert config.server.demo is False
    assert config.server.host == "0.0.0.0"
    assert config.database_path == Path("/var/lib/sothutu/queue.db")
    assert config.printer.connection == "usb:0x0416:0x5011"
    keys = [config.server.admin_key, config.server.secret_key]
    keys += [c.key for c in config.counters] + [k.key for k in config.kiosks]
    assert all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
    assert len(set(keys)) == len(keys)
    assert re.fullmatch(r"([a-z2-9]{4}-){3}[a-z2-9]{4}", config.server.admin_password)
    assert config.server.admin_password in out
    pins = [c.pin for c in config.counters]
    assert all(re.fullmatch(r"\d{6}", p) and not weak_pin(p) for p in pins)
    assert len(set(pins)) == len(pins)
    for where, value in _strings(tomllib.loads(path.read_text())):
        assert not re.match(r"(preview:|file:)?var/", value), where  # no path next to /etc
    # What the technician was shown once is what the file holds.
    assert config.server.admin_key in out
    for counter in config.counters:
        assert re.search(rf"PIN of {counter.label}\s+{counter.pin}\n", out)
    assert config.server.secret_key not in out


def test_two_installs_get_different_secrets(installed):
    a = load_config(installed["server"][0] / "etc/sothutu/config.toml")
    b = load_config(installed["one-pi-lite"][0] / "etc/sothutu/config.toml")
    assert a.server.admin_key != b.server.admin_key
    assert a.server.secret_key != b.server.secret_key
    assert [c.key for c in a.counters] != [c.key for c in b.counters]


def test_an_existing_config_is_kept_byte_for_byte(tmp_path):
    root = tmp_path / "pi"
    mine = write_config(Path(tempfile.mkdtemp(dir=tmp_path)), database="/var/lib/sothutu/q.db")
    (root / "etc/sothutu").mkdir(parents=True)
    target = root / "etc/sothutu/config.toml"
    shutil.copy(mine, target)
    result = install(root, "--server", "--printer", "usb:1:2")
    assert target.read_bytes() == mine.read_bytes()
    assert "keeping the config" in result.stdout
    assert "New keys" not in result.stdout
    assert "only shape a new config" in result.stderr  # --printer did not apply
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_config_the_new_code_rejects_stops_the_install_before_any_service(tmp_path):
    root = tmp_path / "pi"
    (root / "etc/sothutu").mkdir(parents=True)
    text = write_config(tmp_path).read_text().replace('prefix = "A"', 'prefix = "a1"')
    (root / "etc/sothutu/config.toml").write_text(text)
    result = install(root, "--server", check=False)
    assert result.returncode == 1
    assert "services[0].prefix" in result.stderr
    assert not has_command(result.stdout, "systemctl")
    assert not (root / UNITS / "sothutu-server.service").exists()


def test_config_from_another_pi_keeps_its_keys_and_sets_the_server_url(tmp_path):
    server_root = tmp_path / "server"
    install(server_root, "--server")
    server_config = server_root / "etc/sothutu/config.toml"
    root = tmp_path / "display"
    result = install(
        root,
        "--display",
        "--config-from",
        str(server_config),
        "--server-url",
        "http://10.0.0.5:8080",
    )
    assert "New keys" not in result.stdout
    mine, theirs = load_config(root / "etc/sothutu/config.toml"), load_config(server_config)
    assert mine.server.url == "http://10.0.0.5:8080"
    assert mine.server.admin_key == theirs.server.admin_key
    assert [k.key for k in mine.kiosks] == [k.key for k in theirs.kiosks]
    # Taking a config over again keeps the previous one beside it.
    install(root, "--config-from", str(server_config))
    assert (root / "etc/sothutu/config.toml.old").read_bytes() == (
        root / "etc/sothutu/config.toml"
    ).read_bytes().replace(b'url = ""', b'url = "http://10.0.0.5:8080"', 1)


def test_mkconfig_refuses_a_broken_source_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(write_config(tmp_path).read_text().replace("pin = ", "pin = 1 #"))
    out = tmp_path / "out.toml"
    result = subprocess.run(
        [sys.executable, str(MKCONFIG), "--from", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "counters[0].pin" in result.stderr
    assert not out.exists()


# --- wrong use -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        ([], 2, "choose at least one role"),
        (["--keypad", "x"], 2, "--keypad takes counter numbers"),
        (["--keypad", "0"], 2, "--keypad takes counter numbers"),
        (["--rating-keypad", "a"], 2, "--rating-keypad takes counter numbers"),
        (["--server", "--mode", "tv"], 2, "--mode is desktop or lite"),
        (["--server", "--bogus"], 2, "unknown option '--bogus'"),
        (["--server", "--printer"], 2, "--printer needs a value"),
        (
            ["--kiosk", "--display", "--mode", "lite"],
            1,
            "only one program can own the screens",
        ),
        (["--display", "--mode", "desktop"], 1, "--desktop-user NAME"),
        (["--server", "--config-from", "/nonexistent.toml"], 1, "cannot read /nonexistent"),
    ],
)
def test_wrong_use_says_what_is_wrong_and_changes_nothing(tmp_path, args, status, message):
    root = tmp_path / "pi"
    result = install(root, *args, check=False)
    assert result.returncode == status, result.stderr
    assert message in result.stderr
    assert not any(root.rglob("*.service"))
    assert not (root / "etc/sothutu/config.toml").exists()


def test_root_without_dry_run_is_refused_before_anything(tmp_path):
    result = subprocess.run(
        ["bash", str(INSTALL), "--root", str(tmp_path), "--server"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "--root only goes with --dry-run" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_names_every_option_and_the_guide_explains_each(tmp_path):
    result = subprocess.run(["bash", str(INSTALL), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    options = set(re.findall(r"^\s+(--[a-z-]+)", result.stdout, re.M))
    assert {"--server", "--kiosk", "--display", "--keypad", "--dry-run", "--uninstall"} <= options
    guide = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    missing = sorted(o for o in options if o not in guide)
    assert not missing, f"deploy/README.md does not explain {missing}"


# --- changing roles, uninstalling ---------------------------------------------------------


def test_dropping_a_role_disables_and_removes_its_units(tmp_path):
    root = tmp_path / "pi"
    install(root, "--server", "--kiosk-headless", "--keypad", "1,2", "--mode", "lite")
    assert (root / PRINTER_RULES).exists()
    result = install(root, "--server", "--keypad", "2")
    assert not (root / PRINTER_RULES).exists()
    assert has_command(result.stdout, "systemctl", "disable", "--now", "sothutu-kiosk.service")
    assert has_command(result.stdout, "systemctl", "disable", "--now", "sothutu-keypad@1.service")
    assert not has_command(result.stdout, "systemctl", "disable", "--now", "sothutu-server.service")
    assert not (root / UNITS / "sothutu-kiosk.service").exists()
    assert (root / UNITS / "sothutu-keypad@.service").exists()


def test_uninstall_keeps_config_data_and_the_users_own_autostart(tmp_path):
    root = tmp_path / "pi"
    first = SCENARIOS["one-pi-desktop"][0]
    install(root, *first)
    autostart = root / AUTOSTART
    autostart.write_text("/usr/bin/mine &\n" + autostart.read_text())
    install(root)  # our block is kept after the user's line, once
    assert autostart.read_text().count("sothutu-session kiosk") == 1
    assert autostart.read_text().startswith("/usr/bin/mine &\n")
    db = root / "var/lib/sothutu/queue.db"
    db.write_bytes(b"SQLite format 3\0")
    config = (root / "etc/sothutu/config.toml").read_bytes()

    result = install(root, "--uninstall")
    out = result.stdout
    for unit in ("sothutu-server.service", "sothutu-backup.timer", "sothutu-keypad@3.service"):
        assert has_command(out, "systemctl", "disable", "--now", unit)
    for path in (
        "/etc/systemd/system/sothutu-server.service",
        "/etc/udev/rules.d/60-sothutu-printer.rules",
        f"/{PRINTER_RULES}",
        "/usr/local/bin/sothutu",
        "/opt/sothutu",
    ):
        assert f"remove {path}\n" in out
        assert not (root / path.lstrip("/")).exists()
    assert not any((root / UNITS).iterdir())
    assert autostart.read_text() == "/usr/bin/mine &\n"
    assert db.read_bytes() == b"SQLite format 3\0"
    assert (root / "etc/sothutu/config.toml").read_bytes() == config
    assert not has_command(out, "userdel")

    purged = install(root, "--purge")
    assert has_command(purged.stdout, "userdel", "sothutu")
    assert not (root / "etc/sothutu").exists() and not db.exists()


# --- systemd and shellcheck -------------------------------------------------------------------


@pytest.fixture(scope="module")
def system_units(tmp_path_factory) -> Path:
    debian_tool("systemd-analyze", "checks the units")
    base = tmp_path_factory.mktemp("systemd-base")
    shutil.copytree("/usr/lib/systemd/system", base / "usr/lib/systemd/system", symlinks=True)
    return base


def verify_root(tree: Path, system_units: Path, scratch: Path) -> Path:
    """The dry run's tree, plus Debian's units and a stand-in for the venv's python."""
    root = scratch / "verify"
    shutil.copytree(tree, root, symlinks=True)
    shutil.copytree(system_units / "usr", root / "usr", symlinks=True, dirs_exist_ok=True)
    python = root / "opt/sothutu/venv/bin/python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    return root


@pytest.mark.debian
@pytest.mark.parametrize("name", SCENARIOS)
def test_systemd_analyze_verifies_every_unit(installed, system_units, tmp_path, name):
    root = verify_root(installed[name][0], system_units, tmp_path)
    units = sorted(p.name.replace("@.", "@3.") for p in (root / UNITS).glob("sothutu-*"))
    assert units
    result = subprocess.run(
        [
            debian_tool("systemd-analyze"),
            f"--root={root}",
            "verify",
            *(f"/{UNITS}/{u}" for u in units),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [line for line in result.stderr.splitlines() if "sothutu" in line]
    assert result.returncode == 0 and not problems, result.stderr


@pytest.mark.debian
def test_verify_would_catch_a_broken_unit(installed, system_units, tmp_path):
    root = verify_root(installed["server"][0], system_units, tmp_path)
    unit = root / UNITS / "sothutu-server.service"
    unit.write_text(unit.read_text().replace("venv/bin/python", "venv/bin/pyhton"))
    result = subprocess.run(
        [debian_tool("systemd-analyze"), f"--root={root}", "verify", f"/{UNITS}/{unit.name}"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "pyhton" in result.stderr


@pytest.mark.debian
@pytest.mark.parametrize("unit", ["sothutu-server.service", "sothutu-backup.service"])
def test_server_units_are_hardened(installed, system_units, tmp_path, unit):
    root = verify_root(installed["server"][0], system_units, tmp_path)
    result = subprocess.run(
        [
            debian_tool("systemd-analyze"),
            "security",
            "--offline=true",
            f"--root={root}",
            "--threshold=25",  # exposure 2.5 of 10 at most ("OK" is below 3)
            unit,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout[-600:]


def test_server_unit_runs_the_server_under_notify_and_watchdog(installed):
    root, *_ = installed["server"]
    text = (root / UNITS / "sothutu-server.service").read_text()
    service = dict(
        line.split("=", 1) for line in text.split("[Service]")[1].splitlines() if "=" in line
    )
    assert service["Type"] == "notify"
    assert service["Restart"] == "always"
    assert int(service["WatchdogSec"]) >= 30  # the server pings every WatchdogSec/2
    assert service["ReadWritePaths"] == "/var/lib/sothutu"
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    assert "network-online.target" in text.split("[Service]")[0]
    timer = (root / UNITS / "sothutu-backup.timer").read_text()
    assert "Persistent=true" in timer
    backup = (root / UNITS / "sothutu-backup.service").read_text()
    # Beside the server's own nightly backup: --nightly only acts when that one is due.
    assert " -m counter_api backup --config /etc/sothutu/config.toml --nightly\n" in backup


@pytest.mark.slow
def test_the_units_command_line_serves_and_feeds_the_watchdog(installed, tmp_path):
    """Start the server with its unit's ExecStart and a notify socket as systemd would."""
    root, *_ = installed["server"]
    text = (root / UNITS / "sothutu-server.service").read_text()
    exec_start = shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M)[1])
    assert exec_start[0] == "/opt/sothutu/venv/bin/python"
    port = free_port()
    config = write_config(tmp_path, port=port)
    argv = [sys.executable, *exec_start[1:]]
    argv[argv.index("/etc/sothutu/config.toml")] = str(config)

    sockdir = tempfile.mkdtemp(prefix="sd-", dir="/tmp")  # short: AF_UNIX paths < 108 bytes
    address = os.path.join(sockdir, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(0.2)
    env = {**os.environ, "NOTIFY_SOCKET": address, "WATCHDOG_USEC": "1000000"}
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    messages: list[str] = []
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and messages.count("WATCHDOG=1") < 3:
            try:
                messages.append(sock.recv(4096).decode())
            except TimeoutError:
                assert proc.poll() is None, proc.stderr.read().decode()
        assert messages[0] == "READY=1", messages
        assert messages.count("WATCHDOG=1") >= 3, messages
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        tail = []
        with pytest.raises(TimeoutError):
            while True:
                tail.append(sock.recv(4096).decode())
        assert "STOPPING=1" in tail
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        proc.stderr.close()
        sock.close()
        shutil.rmtree(sockdir, ignore_errors=True)


SKIP_DIRS = {".git", ".venv", "var", "artifacts", "node_modules", "__pycache__", ".ruff_cache"}
SHEBANG = re.compile(rb"#!\s*(/usr/bin/env\s+)?(/\S*/)?(ba|da)?sh(\s.*)?")


def shell_scripts(top: Path) -> list[Path]:
    """Every file of the project whose first line runs sh, bash or dash."""
    found = []
    for folder, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".pytest")]
        for name in names:
            path = Path(folder, name)
            with path.open("rb") as fh:
                first = fh.readline(200).rstrip(b"\r\n")
            if name.endswith(".sh") or SHEBANG.fullmatch(first):
                found.append(path)
    return sorted(found)


@pytest.mark.debian
def test_shellcheck_passes_on_every_shell_script(installed):
    shellcheck = debian_tool("shellcheck", "lints the install scripts")
    root, *_ = installed["one-pi-desktop"]
    scripts = shell_scripts(ROOT)
    generated = [root / "usr/local/bin/sothutu", root / "opt/sothutu/bin/sothutu-session"]
    assert INSTALL in scripts and ROOT / ".ci" / "run" in scripts
    result = subprocess.run(
        [shellcheck, "--severity=style", *map(str, scripts + generated)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


# --- what pip installs -----------------------------------------------------------------------


def test_a_non_editable_install_carries_every_data_file(tmp_path):
    """install.sh pip-installs a copy of the project: fonts, templates and static files
    (anything in a package that is not Python) must be in it, not only in the checkout."""
    packages = [
        d for d in ("sothutu", "counter_api", "kiosk", "display", "keypads") if (ROOT / d).is_dir()
    ]
    junk = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    for d in packages:
        shutil.copytree(ROOT / d, tmp_path / d, ignore=junk)
    build = ["build_py", "--build-lib", str(tmp_path / "out")]
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", "from setuptools import setup; setup()", *build],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    def data(top: Path) -> set[str]:
        return {
            p.relative_to(top).as_posix()
            for d in packages
            for p in (top / d).rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
        }

    wanted = data(tmp_path)
    assert "sothutu/fonts/DejaVuSans.ttf" in wanted
    assert data(tmp_path / "out") == wanted


# --- the scripts the install leaves behind ------------------------------------------------------


def fake_program(tmp_path: Path, fail_times: int) -> tuple[Path, Path]:
    """A stand-in for the venv's python: logs its arguments, fails N times, then exits 0."""
    log = tmp_path / "runs.log"
    fake = tmp_path / "python"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$* FOO=${{FOO:-}} CWD=$(pwd)" >> {log}\n'
        f'[ "$(wc -l < {log})" -gt {fail_times} ] && exit 0\n'
        "exit 3\n"
    )
    fake.chmod(0o755)
    return fake, log


def test_session_script_restarts_the_program_until_it_exits_0(installed, tmp_path):
    root, *_ = installed["one-pi-desktop"]
    fake, log = fake_program(tmp_path, fail_times=2)
    envfile = tmp_path / "environment"
    envfile.write_text("# comment\nFOO=bar\n")
    env = {
        **os.environ,
        "SOTHUTU_PYTHON": str(fake),
        "SOTHUTU_CONFIG": "/x/config.toml",
        "SOTHUTU_ENVIRONMENT": str(envfile),
        "SOTHUTU_RESPAWN_DELAY": "0",
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [str(root / "opt/sothutu/bin/sothutu-session"), "kiosk"],
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 0
    runs = log.read_text().splitlines()
    assert runs == [f"-m kiosk --config /x/config.toml FOO=bar CWD={tmp_path}"] * 3
    assert result.stderr.count("stopped with status 3") == 2
    bad = subprocess.run(
        [str(root / "opt/sothutu/bin/sothutu-session"), "server"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "usage" in bad.stderr


def test_sothutu_command_checks_the_config(installed, tmp_path):
    root, *_ = installed["one-pi-desktop"]
    wrapper = str(root / "usr/local/bin/sothutu")
    good = root / "etc/sothutu/config.toml"
    env = {**os.environ, "SOTHUTU_PYTHON": sys.executable, "SOTHUTU_CONFIG": str(good)}
    env["PYTHONPATH"] = str(ROOT)
    ok = subprocess.run([wrapper, "check"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert re.search(r": OK: \d+ fields, \d+ counters, \d+ kiosks, server 0.0.0.0:8080", ok.stdout)
    broken = tmp_path / "broken.toml"
    broken.write_text(good.read_text().replace("port = 8080", "port = 80800"))
    env["SOTHUTU_CONFIG"] = str(broken)
    bad = subprocess.run([wrapper, "check"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "server.port" in bad.stderr
    unknown = subprocess.run([wrapper, "fly"], env=env, capture_output=True, text=True)
    assert unknown.returncode == 2 and "print-test" in unknown.stderr
