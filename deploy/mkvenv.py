#!/usr/bin/env python3
"""Create the project's virtual environment, even where Debian's python3 has no
ensurepip (python3-venv not installed): then pip is fetched from PyPI once. A venv
made before pygame-ce replaced pygame loses pygame (the Makefile then installs the
project, and pygame-ce with it).

Usage: python3 deploy/mkvenv.py .venv
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import venv
from pathlib import Path


def has_pip(target: Path) -> bool:
    return (
        subprocess.run(
            [str(target / "bin" / "python"), "-m", "pip", "--version"],
            capture_output=True,
        ).returncode
        == 0
    )


def bootstrap_pip(target: Path) -> None:
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    base = index.removesuffix("/simple")
    print(f"venv: no ensurepip here; fetching pip from {base}", file=sys.stderr)
    with urllib.request.urlopen(f"{base}/pypi/pip/json", timeout=60) as resp:
        meta = json.load(resp)
    wheel = next(u for u in meta["urls"] if u["filename"].endswith(".whl"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        with urllib.request.urlopen(wheel["url"], timeout=120) as resp:
            path.write_bytes(resp.read())
        # A pip wheel can run itself: python pip.whl/pip install pip.whl
        subprocess.run(
            [str(target / "bin" / "python"), f"{path}/pip", "install", "--quiet", str(path)],
            check=True,
        )


def retire_pygame(target: Path) -> None:
    """pygame-ce replaced pygame: both install into the folder ``pygame``, so a venv made
    before loses both (pip install then puts pygame-ce back whole)."""
    python = str(target / "bin" / "python")
    check = "import importlib.metadata as m; m.distribution('pygame')"
    if subprocess.run([python, "-c", check], capture_output=True).returncode == 0:
        print("venv: replacing pygame with pygame-ce", file=sys.stderr)
        subprocess.run(
            [python, "-m", "pip", "uninstall", "--yes", "--quiet", "pygame", "pygame-ce"],
            check=True,
        )


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".venv")
    if not (target / "bin" / "python").exists():
        try:
            venv.create(target, with_pip=True)
        except subprocess.CalledProcessError:
            venv.create(target, with_pip=False, clear=True)
    if not has_pip(target):
        bootstrap_pip(target)
    retire_pygame(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
