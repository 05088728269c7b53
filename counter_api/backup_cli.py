"""``python -m counter_api backup --config FILE [--nightly]`` and
``python -m counter_api restore --config FILE BACKUP``: the commands around
``counter_api.backup`` (what they do and how they are safe is said there).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from counter_api.backup import BackupError, make_backup, restore
from counter_api.cli import command
from sothutu.client import ApiClient, ClientError, Unreachable
from sothutu.config import Config


def _backup_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nightly",
        action="store_true",
        help="only when the nightly backup is due ([backup] time passed and no backup since, "
        "or the newest is over a day old): for a timer beside the server's own",
    )


@command("backup", "Back the database up now (safe while the server runs).", _backup_args)
def run_backup(config: Config, args: argparse.Namespace) -> int:
    try:
        path = make_backup(config, nightly=args.nightly)
    except BackupError as exc:
        print(f"counter_api backup: {exc}", file=sys.stderr)
        return 1
    print(path if path else "the nightly backup is not due; nothing to do")
    return 0


def _restore_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("backup", help="the backup file (sothutu-YYYY-MM-DD-HHMMSS.db)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="restore a backup that holds no tickets, or one older than the current "
        "database's last ticket (today's tickets after it are then lost; numbering goes "
        "on after them)",
    )


@command("restore", "Replace the database with a backup (stop the server first).", _restore_args)
def run_restore(config: Config, args: argparse.Namespace) -> int:
    try:
        ApiClient(config.server.client_url(), timeout=2).request("GET", "/api/v1/health")
        running = True
    except (Unreachable, ClientError):
        running = False
    if running:
        print(
            f"counter_api restore: a server answers at {config.server.client_url()}; stop it first",
            file=sys.stderr,
        )
        return 1
    try:
        kept, forced = restore(config, Path(args.backup), force=args.force)
    except BackupError as exc:
        print(f"counter_api restore: {exc}", file=sys.stderr)
        return 1
    for warning in forced:
        print(f"counter_api restore: --force: {warning}", file=sys.stderr)
    print(f"restored {args.backup} into {config.database_path}")
    if kept:
        print(f"the previous database is kept as {kept}")
    return 0
