"""deploy/install.sh --hub, always as a dry run: the files, commands and config of a
province server, a re-run that keeps the config, processes added and removed,
uninstall; systemd-analyze verifies the unit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hub.config import load_config
from tests.support import ROOT, debian_tool
from tests.test_deploy import (  # noqa: F401  (system_units is a fixture)
    UNITS,
    commands,
    has_command,
    install,
    system_units,
    verify_root,
)

NAME = "Sở Nội vụ tỉnh Sóc Trăng"


@pytest.fixture(scope="module")
def hub_root(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("hub-server")
    return root, install(root, "--hub", "--hub-name", NAME).stdout


def test_a_hub_server_gets_postgresql_the_database_the_units_and_the_guide(hub_root) -> None:
    root, out = hub_root
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert files == {
        "etc/sothutu/hub.toml",
        "etc/sothutu/nginx-sothutu-hub.conf",
        f"{UNITS}/sothutu-hub@.service",
        "opt/sothutu/deploy/hub/README.md",
        "opt/sothutu/deploy/install.sh",
        "opt/sothutu/roles",
    }
    assert "postgresql" in next(line for line in out.splitlines() if "apt-get install" in line)
    assert "dnsmasq" not in out and "espeak" not in out
    assert has_command(out, "runuser", "-u", "postgres", "--", "psql")
    assert any("createdb -O" in " ".join(c) and "sothutu_hub" in " ".join(c) for c in commands(out))
    assert has_command(
        out,
        "runuser",
        "-u",
        "sothutu",
        "--",
        "/opt/sothutu/venv/bin/python",
        "-m",
        "hub",
        "--config",
        "/etc/sothutu/hub.toml",
        "init-db",
    )
    assert any(c[-1].endswith("[hub]") for c in commands(out) if "install" in c)  # psycopg
    for port in (8090, 8091):
        assert has_command(out, "systemctl", "enable", f"sothutu-hub@{port}.service")
    unit = (root / UNITS / "sothutu-hub@.service").read_text()
    assert (
        "ExecStart=/opt/sothutu/venv/bin/python -m hub --config /etc/sothutu/hub.toml --port %i"
        in unit
    )
    assert "After=network-online.target postgresql.service" in unit


def test_the_new_hub_config_is_valid_with_random_keys(hub_root, tmp_path) -> None:
    root, out = hub_root
    path = root / "etc/sothutu/hub.toml"
    config = load_config(path)
    assert config.hub.name == NAME and config.database.url == "postgresql:///sothutu_hub"
    assert config.server.admin_key in out  # shown once
    assert config.server.secure_cookies and config.server.trusted_proxy == "127.0.0.1"
    assert (path.stat().st_mode & 0o777) == 0o640
    other = tmp_path / "other"
    install(other, "--hub")
    assert load_config(other / "etc/sothutu/hub.toml").server.admin_key != config.server.admin_key


def test_a_rerun_keeps_the_config_and_the_role(tmp_path) -> None:
    install(tmp_path, "--hub", "--hub-processes", "3")
    config = (tmp_path / "etc/sothutu/hub.toml").read_bytes()
    again = install(tmp_path)  # no role: the last ones
    assert "same roles as last time: hub(3 processes)" in again.stdout
    assert (tmp_path / "etc/sothutu/hub.toml").read_bytes() == config
    fewer = install(tmp_path, "--hub", "--hub-processes", "1")
    assert has_command(fewer.stdout, "systemctl", "disable", "--now", "sothutu-hub@8091.service")
    assert has_command(fewer.stdout, "systemctl", "disable", "--now", "sothutu-hub@8092.service")
    gone = install(tmp_path, "--uninstall")
    assert has_command(gone.stdout, "systemctl", "disable", "--now", "sothutu-hub@8090.service")
    assert not (tmp_path / UNITS / "sothutu-hub@.service").exists()
    assert (tmp_path / "etc/sothutu/hub.toml").read_bytes() == config
    install(tmp_path, "--hub")
    purged = install(tmp_path, "--purge")
    assert "dropdb sothutu_hub" in purged.stdout and not (tmp_path / "etc/sothutu").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hub", "--server"], "--hub is a province server"),
        (["--hub", "--hub-processes", "0"], "--hub-processes takes 1 to 16"),
    ],
)
def test_wrong_hub_options_are_refused(tmp_path, args, message) -> None:
    result = install(tmp_path, *args, check=False)
    assert result.returncode != 0 and message in result.stderr
    assert not (tmp_path / "etc").exists()


def test_the_nginx_sample_is_valid_for_nginx_when_nginx_is_here(hub_root) -> None:
    text = (ROOT / "deploy/hub/nginx-sothutu-hub.conf").read_text()
    assert "proxy_buffering off;" in text and "server 127.0.0.1:8090;" in text
    assert "X-Forwarded-For $remote_addr" in text and "return 301 https://" in text


@pytest.mark.debian
def test_systemd_analyze_verifies_the_hub_unit(hub_root, system_units, tmp_path) -> None:  # noqa: F811
    root = verify_root(hub_root[0], system_units, tmp_path)
    result = subprocess.run(
        [
            debian_tool("systemd-analyze"),
            f"--root={root}",
            "verify",
            f"/{UNITS}/sothutu-hub@8090.service",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [line for line in result.stderr.splitlines() if "sothutu" in line]
    assert result.returncode == 0 and not problems, result.stderr
