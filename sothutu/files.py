"""Small files that must survive a power cut: written whole or not at all."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_json_atomically(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` through a temporary file that is synced and
    renamed over it, then sync the folder: a reader finds the old file or the new
    one, never a part. Raises ``OSError`` (the folder is missing, the disk full)."""
    part = path.with_name(path.name + ".part")
    with open(part, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, path)
    fsync(path.parent)


def fsync(path: Path) -> None:
    """Flush a file's (or a folder's: a rename in it) data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
