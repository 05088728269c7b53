"""``python -m counter_api procedures import|export|poster``: the catalogue for staff.

- ``import FILE.csv [--check]``: check every row, then replace the whole
  catalogue (or, with ``--check``, only report); a bad file changes nothing and
  the problems are listed with row and column. A running server picks the new
  catalogue up at its next request.
- ``export FILE.csv``: the catalogue as the same CSV (``-`` writes to stdout).
- ``poster [--out FILE.pdf|FILE.png]``: the A4 poster with a QR code to /thu-tuc.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import urllib.parse
from pathlib import Path

from counter_api.cli import command
from sothutu.config import Config

ACTIONS = ("import", "export", "poster")


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS, help="import, export or poster")
    parser.add_argument("file", nargs="?", help="the CSV file (import, export)")
    parser.add_argument(
        "--check", action="store_true", help="import: only check the file, change nothing"
    )
    parser.add_argument(
        "--out", help="poster: where to write it, .pdf or .png (default thu-tuc-poster.pdf)"
    )


def _error(text: str) -> int:
    print(f"counter_api procedures: {text}", file=sys.stderr)
    return 1


@command("procedures", "The procedure catalogue: import or export CSV, print a poster.", _arguments)
def run(config: Config, args: argparse.Namespace) -> int:
    if args.action == "poster":
        return _poster(config, Path(args.out or args.file or "thu-tuc-poster.pdf"))
    if not args.file:
        return _error(f"{args.action} needs a FILE.csv")
    from counter_api.store import Store, StoreError

    if args.action == "import" and args.check:
        return _import(config, None, Path(args.file), check=True)
    try:
        store = Store(config.database_path)
    except StoreError as exc:
        return _error(f"cannot open the database: {exc}")
    try:
        if args.action == "import":
            return _import(config, store, Path(args.file), check=False)
        return _export(store, args.file)
    finally:
        store.close()


def _import(config: Config, store, path: Path, *, check: bool) -> int:
    from counter_api.procedures.catalogue import import_file
    from counter_api.procedures.csvio import CatalogueError, read_catalogue

    try:
        if check:
            try:
                data = path.read_bytes()
            except OSError as exc:
                return _error(f"{path}: cannot read the file: {exc.strerror}")
            procedures = read_catalogue(data, {s.id: s.name for s in config.services}, str(path))
        else:
            procedures = import_file(store, config, path)
    except CatalogueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    per_field: dict[str, int] = {}
    for p in procedures:
        per_field[p.service] = per_field.get(p.service, 0) + 1
    counts = ", ".join(f"{sid} {n}" for sid, n in per_field.items())
    verb = "checked, no problems:" if check else "imported"
    print(f"{path}: {verb} {len(procedures)} procedures ({counts})")
    configured = config.procedures.catalogue
    if not check and configured and config.resolve(configured).resolve() != path.resolve():
        print(
            f"note: [procedures] catalogue = {configured!r} replaces this at server start "
            "only when that file changes"
        )
    return 0


def _export(store, target: str) -> int:
    from counter_api.procedures.catalogue import load_procedures
    from counter_api.procedures.csvio import write_catalogue

    with store.read() as db:
        procedures = load_procedures(db)
    data = write_catalogue(procedures)
    if target == "-":
        sys.stdout.buffer.write(data)
        return 0
    try:
        Path(target).write_bytes(data)
    except OSError as exc:
        return _error(f"{target}: cannot write: {exc.strerror}")
    print(f"{target}: exported {len(procedures)} procedures")
    return 0


def _loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _poster(config: Config, out: Path) -> int:
    from counter_api.procedures.poster import lookup_url, render_poster, save_poster

    url = lookup_url(config)
    if _loopback(url):
        print(
            f"warning: the QR code points to {url}, which phones cannot reach; set [server] "
            "public_url to the address phones on the centre's Wi-Fi use",
            file=sys.stderr,
        )
    try:
        save_poster(render_poster(config), out)
    except ValueError as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(f"{out}: cannot write: {exc.strerror}")
    print(f"{out}: poster with a QR code to {url}")
    return 0
