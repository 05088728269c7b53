"""``python -m keypads.counter --config FILE --counter N``: run one counter's keypad."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Sequence

from sothutu.config import load_or_exit
from sothutu.signals import on_stop


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m keypads.counter",
        description="Push buttons, LED and buzzer of a counter without a PC (gpiozero).",
    )
    parser.add_argument("--config", required=True, help="the centre's config.toml")
    parser.add_argument("--counter", required=True, type=int, help="the counter's number")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = load_or_exit(args.config, "keypad")
    if config.keypad(args.counter) is None:
        print(
            f"keypad: config error: {args.config}: keypads: no [[keypads]] with "
            f"counter = {args.counter}",
            file=sys.stderr,
        )
        return 2

    from gpiozero.exc import GPIOZeroError

    from keypads.counter.app import Keypad
    from sothutu.gpio import NoGpio

    try:
        keypad = Keypad(config, args.counter).start()
    except NoGpio as exc:
        print(f"keypad: {exc}", file=sys.stderr)
        return 1
    except GPIOZeroError as exc:  # a pin the board lacks or another program holds
        print(f"keypad: cannot use the GPIO pins: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    on_stop(lambda _signum: stop.set())
    logging.getLogger("keypads.counter").info(
        "keypad of counter %s serving %s", args.counter, config.server.client_url()
    )
    stop.wait()
    keypad.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
