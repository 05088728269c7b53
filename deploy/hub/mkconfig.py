#!/usr/bin/env python3
"""Write a new hub config (hub.toml) from hub.example.toml with random keys.

Usage: python3 deploy/hub/mkconfig.py --out /etc/sothutu/hub.toml [--name "Sở Nội vụ tỉnh …"]
       [--database postgresql:///sothutu_hub]

Refuses to overwrite an existing file. Prints the admin key once.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def render(example: str, name: str | None, database: str | None) -> tuple[str, str]:
    admin = secrets.token_urlsafe(32)
    text = re.sub(
        r'(?m)^secret_key = ".*"$', f'secret_key = "{secrets.token_urlsafe(32)}"', example
    )
    text = re.sub(r'(?m)^admin_key = ".*"$', f'admin_key = "{admin}"', text)
    if name:
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        text = re.sub(r'(?m)^name = ".*"$', f'name = "{escaped}"', text)
    if database:
        text = re.sub(r'(?m)^url = ".*"$', f'url = "{database}"', text)
    return text, admin


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--name")
    p.add_argument("--database")
    args = p.parse_args(argv)
    out = Path(args.out)
    if out.exists():
        print(f"mkconfig: {out} exists; not overwritten", file=sys.stderr)
        return 1
    text, admin = render(
        (ROOT / "hub.example.toml").read_text(encoding="utf-8"), args.name, args.database
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"hub admin key (for scripts and monitoring; also in {out}): {admin}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
