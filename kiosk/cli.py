"""Command line: run the kiosk (touchscreen or headless) or print a test ticket."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from sothutu.config import Config, ConfigError, load_or_exit, parse_size

PROGRAM = "kiosk"


def _setup_or_exit(config: Config):
    from kiosk.controller import setup

    try:
        return setup(config)
    except ConfigError as exc:
        print(f"{PROGRAM}: config error: {config.path}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def print_test(config: Config) -> int:
    """Print the technician's test ticket; exit status 0 when it printed."""
    from kiosk.printer import Printer, PrinterFault
    from kiosk.ticket import test_ticket

    s = _setup_or_exit(config)
    printer = Printer(
        s.target,
        profile=config.printer.profile,
        timeout=config.printer.timeout,
        paper_status=config.printer.paper_status,
    )
    now = datetime.now(ZoneInfo(config.centre.timezone))
    rendered = test_ticket(s.header, config.printer.width, now)
    for problem in rendered.overflows:
        print(f"{PROGRAM}: warning: {problem}", file=sys.stderr)
    try:
        status = printer.print_image(rendered.image, "print-test")
    except PrinterFault as fault:
        print(f"{PROGRAM}: print-test failed ({fault.status}): {fault}", file=sys.stderr)
        return 1
    print(
        f"{PROGRAM}: test ticket sent to {s.target} "
        f"({config.printer.profile}, {config.printer.width} dots): printer {status}"
    )
    return 0


def _size(text: str) -> tuple[int, int]:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk", description="Sothutu kiosk: issue and print tickets."
    )
    parser.add_argument("--config", required=True, help="the Sothutu TOML config file")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    mode.add_argument(
        "--headless", action="store_true", help="no screen: push buttons and printer only"
    )
    mode.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="draw the start screen as the server says it is now (closed, printer fault, "
        "server away) into OUT.png and exit; 1 when the server does not answer",
    )
    parser.add_argument(
        "--size", type=_size, help="screen or screenshot size, e.g. 800x480 (default: config)"
    )
    parser.add_argument(
        "command", nargs="?", choices=["run", "print-test"], default="run", help="what to do"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s kiosk %(levelname)s %(name)s: %(message)s",
    )
    config = load_or_exit(args.config, PROGRAM)
    if args.command == "print-test":
        return print_test(config)
    _setup_or_exit(config)
    if args.screenshot:
        from kiosk.shot import screenshot

        return screenshot(config, args.screenshot, args.size)
    if args.headless:
        from kiosk.headless import Headless

        return Headless(config).run()
    from kiosk.app import App

    return App(config, windowed=args.windowed, size=args.size).run()
