#!/usr/bin/env python3
"""Write a centre's production config: the example's settings with random keys and PINs.

deploy/install.sh runs it with the system python3 (standard library only) on the first
install, or with ``--from`` to take over another Pi's config (a display or kiosk Pi uses
the server's keys). The result is checked with ``sothutu.config`` before it is
written, so the server accepts it, and it is written atomically with mode 0640.

    python3 deploy/mkconfig.py --out /etc/sothutu/config.toml [--printer usb:0416:5011]
    python3 deploy/mkconfig.py --from server.toml --server-url http://192.168.1.10:8080 --out ...
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sothutu.config import ConfigError, parse_config, weak_pin  # noqa: E402

STATE_DIR = "/var/lib/sothutu"
HEADER = """\
# Sothutu — this centre's configuration, written by deploy/install.sh.
#
# The keys, PINs and secret below were generated at random for this centre: keep
# this file private (mode 0640, group sothutu). Edit the centre's name, fields
# ([[services]]), counters and printer, then check and apply it with
#   sudo sothutu check && sudo sothutu restart
# Every key is explained in config.example.toml of the Sothutu source.
"""

_SECTION = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r'^(\s*)([A-Za-z0-9_-]+)(\s*=\s*)"([^"]*)"(.*)$')
_BOOL = re.compile(r"^(\s*)(demo)(\s*=\s*)(true|false)(.*)$")


def random_key() -> str:
    """A bearer key or secret: 128 random bits as 32 hex digits (easy to read out and type)."""
    return secrets.token_hex(16)


_PASSWORD_LETTERS = "abcdefghijkmnpqrstuvwxyz23456789"  # no l/1/o/0 to misread


def random_password() -> str:
    """A password people type: four groups of four, e.g. ``k7mq-x3vd-p9tw-h4nz`` (80 bits)."""
    groups = ("".join(secrets.choice(_PASSWORD_LETTERS) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def random_pin(used: set[str]) -> str:
    """A 6-digit clerk PIN that the config accepts (not 111111, 123456, ...) and is unused."""
    while True:
        pin = f"{secrets.randbelow(10**6):06d}"
        if not weak_pin(pin) and pin not in used:
            used.add(pin)
            return pin


def _state_path(value: str, state_dir: str) -> str:
    """The example's paths under ``var/`` (next to the example) move to the state directory."""
    m = re.fullmatch(r"(preview:|file:)?var/(.*)", value)
    return f"{m[1] or ''}{state_dir}/{m[2]}" if m else value


def shipped_file(value: str) -> str | None:
    """The name of a file the example takes from ``deploy/`` (e.g. the sample procedure
    catalogue): the production config names it next to itself, where it is copied."""
    m = re.fullmatch(r"deploy/([A-Za-z0-9_.-]+)", value)
    return m[1] if m and (ROOT / "deploy" / m[1]).is_file() else None


def production_text(
    example: str,
    *,
    state_dir: str = STATE_DIR,
    printer: str = "",
    server_url: str = "",
    public_url: str = "",
) -> tuple[str, list[tuple[str, str]]]:
    """Turn the example's text into a production config.

    Returns the new text and the (label, value) pairs the technician must be shown once:
    the admin key, the passwords and every counter's PIN.
    """
    out: list[str] = []
    shown: list[tuple[str, str]] = []
    pins: set[str] = set()
    section, index, counter = "", -1, ""
    started = False
    for line in example.splitlines():
        if not started:  # drop the example's leading comment block (it speaks of the demo)
            if line.startswith("#") or not line.strip():
                continue
            started = True
            out.append(HEADER)
        head = _SECTION.match(line)
        if head:
            name = head[2]
            index = index + 1 if (head[1] == "[[" and name == section) else 0
            section, counter = name, ""
            out.append(line)
            continue
        m = _ASSIGN.match(line)
        b = _BOOL.match(line)
        if section == "server" and b:
            line = f"{b[1]}{b[2]}{b[3]}false{b[5]}"
        elif m:
            indent, key, eq, value, rest = m.groups()
            new = value
            if key == "key" or key.endswith("_key"):
                new = random_key()
                if section == "server" and key == "admin_key":
                    shown.append(("admin key (API, any counter)", new))
            elif key == "password" or key.endswith("_password"):
                new = random_password() if value else ""
                if new:
                    shown.append((f"{key.replace('_', ' ')} (/admin page)", new))
            elif key == "pin":
                new = random_pin(pins)
                shown.append((f"PIN of {counter or f'counters[{index}]'}", new))
            elif section == "server" and key == "host":
                new = "0.0.0.0"
            elif section == "server" and key == "url" and server_url:
                new = server_url
            elif section == "server" and key == "public_url" and public_url:
                new = public_url
            elif section == "printer" and key == "connection" and printer:
                new = printer
            elif section == "counters" and key == "name":
                counter = value or counter
            elif shipped_file(value):
                new = shipped_file(value)
            else:
                new = _state_path(value, state_dir)
            line = f'{indent}{key}{eq}"{new}"{rest}'
        elif section == "counters" and line.strip().startswith("number"):
            counter = counter or f"Quầy {line.split('=', 1)[1].split('#')[0].strip()}"
        out.append(line)
    return "\n".join(out) + "\n", shown


def set_server_urls(text: str, server_url: str = "", public_url: str = "") -> str:
    """Set ``url`` / ``public_url`` in the ``[server]`` table of an existing config's text."""
    wanted = {k: v for k, v in (("url", server_url), ("public_url", public_url)) if v}
    if not wanted:
        return text
    lines = text.splitlines()
    section, header_at, done = "", None, set()
    for i, line in enumerate(lines):
        head = _SECTION.match(line)
        if head:
            section = head[2]
            if section == "server":
                header_at = i
            continue
        m = _ASSIGN.match(line)
        if section == "server" and m and m[2] in wanted:
            lines[i] = f'{m[1]}{m[2]}{m[3]}"{wanted[m[2]]}"{m[5]}'
            done.add(m[2])
    if header_at is None:
        raise ConfigError("server: missing required section")
    for key in [k for k in wanted if k not in done][::-1]:
        lines.insert(header_at + 1, f'{key} = "{wanted[key]}"')
    return "\n".join(lines) + "\n"


def check(text: str, path: Path) -> None:
    """Raise ConfigError unless the server would accept this text as a production config."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}") from None
    config = parse_config(data, path)
    if config.server.demo:
        raise ConfigError("server.demo: still true")


def copy_shipped_files(text: str, directory: Path) -> list[str]:
    """Copy the deploy/ files the config names next to it, unless already there."""
    copied = []
    for line in text.splitlines():
        m = _ASSIGN.match(line)
        if not m or "/" in m[4] or not (ROOT / "deploy" / m[4]).is_file():
            continue
        target = directory / m[4]
        if not target.exists():
            write_private(target, (ROOT / "deploy" / m[4]).read_bytes())
            copied.append(m[4])
    return copied


def write_private(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` atomically, mode 0640, synced to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "wb") as fh:
        fh.write(text.encode("utf-8") if isinstance(text, str) else text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o640)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="the config file to write")
    parser.add_argument(
        "--example", type=Path, default=ROOT / "config.example.toml", help="the example config"
    )
    parser.add_argument("--from", dest="source", type=Path, help="take over this config instead")
    parser.add_argument("--state-dir", default=STATE_DIR, help="where var/ paths go")
    parser.add_argument("--printer", default="", help="[printer] connection, e.g. usb:0416:5011")
    parser.add_argument("--server-url", default="", help="[server] url, for a Pi without server")
    parser.add_argument("--public-url", default="", help="[server] public_url (QR codes)")
    args = parser.parse_args(argv)
    try:
        if args.source:
            text = set_server_urls(
                args.source.read_text(encoding="utf-8"), args.server_url, args.public_url
            )
            shown: list[tuple[str, str]] = []
        else:
            text, shown = production_text(
                args.example.read_text(encoding="utf-8"),
                state_dir=args.state_dir,
                printer=args.printer,
                server_url=args.server_url,
                public_url=args.public_url,
            )
        check(text, args.out)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"mkconfig: cannot read the config: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"mkconfig: the new config would not load: {exc}", file=sys.stderr)
        return 1
    write_private(args.out, text)
    if not args.source:
        for name in copy_shipped_files(text, args.out.parent):
            print(f"Copied deploy/{name} next to the config.")
    if shown:
        width = max(len(label) for label, _ in shown)
        print("New keys and PINs (shown once; they stay in the config file):")
        for label, value in shown:
            print(f"  {label.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
