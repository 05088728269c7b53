"""The pure parts of `make pi-check` (tests/pi): which Debian mirror the arm64 root is
built from, and how an install's log is split into phases. The check itself needs
root, QEMU and 10+ minutes: `make pi-check`, run by CI after `make test`."""

from __future__ import annotations

from pathlib import Path

from tests.pi.__main__ import install_phases
from tests.pi.root import debian_sources

KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


def test_the_mirror_comes_from_deb822_sources_and_skips_other_repositories(tmp_path: Path):
    d = tmp_path / "sources.list.d"
    d.mkdir()
    (d / "debian.sources").write_text(
        "Types: deb\n"
        "# http://snapshot.debian.org/archive/debian/20250520T000000Z\n"
        "URIs: http://mirror.example.vn/debian/\n"
        "Suites: trixie trixie-updates\n"
        "Components: main\n"
        f"Signed-By: {KEYRING}\n"
        "\n"
        "Types: deb\n"
        "URIs: http://mirror.example.vn/debian-security\n"
        "Suites: trixie-security\n"
        "Components: main\n"
        f"Signed-By: {KEYRING}\n"
    )
    (d / "nodesource.sources").write_text(
        "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\n"
        "Components: main\nSigned-By: /usr/share/keyrings/nodesource.gpg\n"
    )
    (d / "off.sources").write_text(
        "Enabled: no\nTypes: deb\nURIs: http://elsewhere.example/debian\nSuites: bookworm\n"
    )
    (d / "google-cloud-sdk.list.disabled-by-farm").write_text(
        "deb http://packages.example/apt bookworm main\n"
    )
    assert debian_sources("bookworm", tmp_path) == [
        f"deb [signed-by={KEYRING}] http://mirror.example.vn/debian bookworm main",
        f"deb [signed-by={KEYRING}] http://mirror.example.vn/debian bookworm-updates main",
        f"deb [signed-by={KEYRING}] http://mirror.example.vn/debian-security bookworm-security"
        " main",
    ]


def test_the_mirror_comes_from_a_one_line_sources_list(tmp_path: Path):
    (tmp_path / "sources.list").write_text(
        "# deb http://commented.example/debian bookworm main\n"
        "deb-src http://src.example/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://ftp.vn.debian.org/debian/ bookworm main\n"
        "deb https://packages.example/apt cloud-sdk-bookworm main\n"
    )
    assert debian_sources("bookworm", tmp_path) == [
        "deb [signed-by=/k.gpg] http://ftp.vn.debian.org/debian bookworm main",
        "deb [signed-by=/k.gpg] http://ftp.vn.debian.org/debian bookworm-updates main",
        "deb [signed-by=/k.gpg] http://security.debian.org/debian-security bookworm-security main",
    ]


def test_install_phases_from_the_stamped_log(tmp_path: Path):
    log = tmp_path / "install.log"
    log.write_text(
        "$ chroot /root env -i bash -c install.sh\n"
        "[    0.5] install.sh: installing: server display (lite)\n"
        "[   40.0] Setting up espeak-ng (1.51) ...\n"
        "[   41.0] install.sh: warning: no group 'gpio' on this system; skipped\n"
        "[   44.0] Requirement already satisfied: pip in /opt/sothutu/venv\n"
        "[  150.0] No broken requirements found.\n"
        "[  157.8] install.sh: wrote /etc/udev/rules.d/99-sothutu-printer.rules\n"
        "[  165.6] voicepack: /var/lib/sothutu/voice: 52 clips written, 52 in the pack\n"
        "[  170.0] install.sh: done: roles server display (lite)\n"
    )
    phases = install_phases(log)
    assert phases == {"total": 170.0, "apt": 40.0, "python": 110.0, "voice": 165.6 - 157.8}
