"""``python -m hub``: serve, or manage the database, centres and staff accounts.

    python -m hub --config hub.toml                      serve the pages and the API
    python -m hub --config hub.toml init-db              create or migrate the schema
    python -m hub --config hub.toml centre add ID --name "…" [--district "…"]
    python -m hub --config hub.toml centre token ID      a new token (the old one stops)
    python -m hub --config hub.toml centre list
    python -m hub --config hub.toml user add NAME --role province|centre:ID   (password on stdin)
    python -m hub --config hub.toml user passwd NAME                          (password on stdin)

``centre add`` prints the centre's token as the last line of its output (the hub
keeps only its hash): put it in that centre's ``[hub] token``.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import unicodedata
from collections.abc import Sequence

from hub import accounts
from hub.config import HubConfig, load_or_exit
from hub.db import Database, DatabaseError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hub", description="Sothutu province hub")
    p.add_argument("--config", required=True, help="the hub's hub.toml")
    p.add_argument("--host", help="listen address (overrides [server] host)")
    p.add_argument("--port", type=int, help="TCP port (overrides [server] port)")
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve the pages and the API (the default)")
    sub.add_parser("init-db", help="create or migrate the schema (idempotent)")
    centre = sub.add_parser("centre", help="register centres").add_subparsers(
        dest="action", required=True
    )
    add = centre.add_parser("add", help="register a centre and print its token")
    add.add_argument("id", help="the centre's id, e.g. cu-lao-dung")
    add.add_argument("--name", required=True, help="its name as the province writes it")
    add.add_argument("--district", default="", help="its district or area, for the filter")
    tok = centre.add_parser("token", help="give a centre a new token (the old one stops)")
    tok.add_argument("id")
    centre.add_parser("list", help="list the centres")
    user = sub.add_parser("user", help="staff accounts").add_subparsers(
        dest="action", required=True
    )
    uadd = user.add_parser("add", help="add a staff account; the password is read on stdin")
    uadd.add_argument("name")
    uadd.add_argument("--role", required=True, help="province, or centre:ID for a centre's head")
    upw = user.add_parser("passwd", help="set a password (read on stdin); ends its sessions")
    upw.add_argument("name")
    return p


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise accounts.AccountError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    return unicodedata.normalize("NFC", line.rstrip("\r\n"))


def _db(config: HubConfig) -> Database:
    db = Database(config.database.url, 2)
    return db


def run_command(config: HubConfig, args: argparse.Namespace) -> int:
    from hub import schema

    db = _db(config)
    try:
        if args.command == "init-db":
            with db.connection() as conn:
                before, after = schema.migrate(conn)
            from hub.server import maintain
            from sothutu.clock import SystemClock

            maintain(db, SystemClock())
            print(f"schema at version {after}" + (f" (was {before})" if before != after else ""))
            return 0
        db.check_schema()
        if args.command == "centre":
            if args.action == "add":
                token = accounts.add_centre(db, args.id, args.name, args.district)
                print(f"centre {args.id} registered; put this token in its [hub] token:")
                print(token)
            elif args.action == "token":
                print(f"new token for {args.id} (the old one no longer works):")
                print(accounts.new_token(db, args.id))
            else:
                with db.connection() as conn:
                    for cid, name, district, seen in conn.execute(
                        "SELECT id, name, district, last_seen FROM centres ORDER BY id"
                    ).fetchall():
                        print(f"{cid}\t{name}\t{district}\t{seen or 'never seen'}")
            return 0
        if args.command == "user":
            password = _password()
            if args.action == "add":
                user = accounts.add_user(db, args.name, args.role, password)
                print(f"user {user.name} added ({args.role})")
            else:
                accounts.set_password(db, args.name, password)
                print(f"password of {args.name} changed; its sessions ended")
            return 0
    except accounts.AccountError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    config = load_or_exit(args.config, "hub")
    try:
        if args.command in (None, "serve"):
            from hub.server import serve

            return serve(config, args.host, args.port)
        logging.getLogger().setLevel(logging.WARNING)
        return run_command(config, args)
    except DatabaseError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 1
