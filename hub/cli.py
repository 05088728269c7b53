"""``python -m hub``: serve, or manage the database, centres and staff accounts.

    python -m hub --config hub.toml                      serve the pages and the API
    python -m hub --config hub.toml init-db              create or migrate the schema
    python -m hub --config hub.toml nightly              erase bookings' personal data now
    python -m hub --config hub.toml centre add ID --name "…" [--district "…"]
    python -m hub --config hub.toml centre token ID      a new token (the old one stops)
    python -m hub --config hub.toml centre key ID [--renew]   the centre's booking key
    python -m hub --config hub.toml centre set ID [--booking on|off] [--slot-minutes N]
        [--capacity N | --capacity FIELD=N …] [--lead-minutes N] [--days-ahead N]
        [--closed-days DATE,DATE…] [--address "…"] [--name "…"] [--district "…"]
    python -m hub --config hub.toml centre list
    python -m hub --config hub.toml user add NAME --role province|centre:ID   (password on stdin)
    python -m hub --config hub.toml user passwd NAME                          (password on stdin)

``centre add`` prints the lines to paste into that centre's ``[hub]`` section: its
``centre_id``, its ``booking_key`` (which signs its bookings' QR codes, so its kiosk
checks them in while offline) and, last, its ``token`` (the hub keeps only its hash).
"""

from __future__ import annotations

import argparse
import getpass
import json
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
    key = centre.add_parser("key", help="print a centre's booking key (its [hub] booking_key)")
    key.add_argument("id")
    key.add_argument(
        "--renew",
        action="store_true",
        help="make a new key (QR codes already given out then verify only once synced)",
    )
    cset = centre.add_parser("set", help="a centre's name, address and booking settings")
    cset.add_argument("id")
    cset.add_argument("--booking", choices=("on", "off"), help="take bookings (/dat-lich)")
    cset.add_argument("--slot-minutes", type=int, help="length of a slot, in minutes")
    cset.add_argument(
        "--capacity",
        action="append",
        metavar="N|FIELD=N",
        help="places per slot and field; FIELD=N for one field (FIELD= drops it)",
    )
    cset.add_argument("--lead-minutes", type=int, help="booking closes this long before a slot")
    cset.add_argument("--days-ahead", type=int, help="book today and this many working days")
    cset.add_argument(
        "--closed-days",
        metavar="DATE,DATE…",
        help='days without bookings (holidays), e.g. "2026-09-01,2026-09-02"; "" for none',
    )
    cset.add_argument("--address", help="the centre's address, shown with each booking")
    cset.add_argument("--name", help="its name as the province writes it")
    cset.add_argument("--district", help="its district or area")
    centre.add_parser("list", help="list the centres")
    sub.add_parser(
        "nightly",
        help="erase the name and phone of bookings whose day is over (the server does it "
        "hourly too)",
    )
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

            maintain(db, SystemClock(), config.hub.tz)
            print(f"schema at version {after}" + (f" (was {before})" if before != after else ""))
            return 0
        db.check_schema()
        if args.command == "nightly":
            from hub.bookings import forget
            from sothutu.clock import SystemClock

            erased, forgotten = forget(db, SystemClock().now(), config.hub.tz)
            print(f"bookings: name and phone erased from {erased}, CCCD hash from {forgotten}")
            return 0
        if args.command == "centre":
            if args.action == "add":
                token, key = accounts.add_centre(db, args.id, args.name, args.district)
                print(f"centre {args.id} registered; put these lines in its config's [hub]:")
                print(f'centre_id = "{args.id}"')
                print(f'booking_key = "{key}"')
                print(f'token = "{token}"')
            elif args.action == "token":
                print(f"new token for {args.id} (the old one no longer works):")
                print(accounts.new_token(db, args.id))
            elif args.action == "key":
                key = accounts.booking_key(db, args.id, renew=args.renew)
                print(f"booking key of {args.id}; its config's [hub] booking_key:")
                print(f'booking_key = "{key}"')
            elif args.action == "set":
                return _centre_set(config, db, args)
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


def _centre_set(config: HubConfig, db: Database, args: argparse.Namespace) -> int:
    from hub import booking_rules, bookings

    changes: dict = {}
    if args.booking is not None:
        changes["enabled"] = args.booking == "on"
    for name in ("slot_minutes", "lead_minutes", "days_ahead"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    caps: dict = {}
    for item in args.capacity or ():
        field_id, eq, n = item.rpartition("=")
        try:
            value = int(n) if n.strip() else None
        except ValueError:
            print(f"hub: --capacity {item!r}: use N or FIELD=N", file=sys.stderr)
            return 1
        if eq:
            caps[field_id.strip()] = value
        elif value is not None:
            changes["capacity"] = value
    if caps:
        changes["capacities"] = caps
    if args.closed_days is not None:
        changes["closed_days"] = [d.strip() for d in args.closed_days.split(",") if d.strip()]
    if args.address is not None:
        changes["address"] = args.address
    try:
        if args.name is not None or args.district is not None:
            accounts.rename_centre(db, args.id, args.name, args.district)
        settings = bookings.update_settings(
            config=config, db=db, centre_id=args.id, changes=changes
        )
    except booking_rules.RuleError as exc:
        print(f"hub: --{exc.field.replace('_', '-')}: {exc.message}", file=sys.stderr)
        return 1
    except LookupError as exc:
        print(f"hub: {exc.args[0]}", file=sys.stderr)
        return 1
    s = settings.to_json()
    print(f"centre {args.id}: booking {'on' if s.pop('enabled') else 'off'}")
    for k, v in s.items():
        print(f"  {k} = {json.dumps(v, ensure_ascii=False)}")
    return 0


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
