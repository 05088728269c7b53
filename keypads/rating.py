"""A five-button satisfaction keypad on a Raspberry Pi's GPIO, at one counter.

``python -m keypads.rating --config FILE --counter N``: the buttons
on ``[ratings] keypad_pins`` (from "Rất hài lòng" to "Rất không hài lòng",
wired to ground; gpiozero's pull-ups) rate counter N's last finished ticket
through ``POST /api/v1/counters/N/rating`` with the counter's key. The server
decides what may be rated (once, soon after "Hoàn thành"); the keypad
debounces, ignores presses while a request is in flight and never blocks
gpiozero's callback thread. Standard library and gpiozero only: no Flask.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sothutu import gpio
from sothutu.client import ApiClient, ClientError, Unreachable
from sothutu.config import load_or_exit
from sothutu.gpio import NoGpio
from sothutu.signals import on_stop

log = logging.getLogger("keypads.rating")

#: Button order on the keypad: the first pin is the best score.
SCORES = (5, 4, 3, 2, 1)


class RatingKeypad:
    """Buttons → ratings. ``on_result(score, outcome)`` reports each press that was
    sent: ``"recorded"``, an API error code (e.g. ``already_rated``) or ``"unreachable"``."""

    def __init__(
        self,
        client: ApiClient,
        counter: int,
        pins: Sequence[int | str],
        *,
        pin_factory: Any = None,
        bounce_seconds: float = 0.05,
        on_result: Callable[[int, str], None] | None = None,
    ) -> None:
        from gpiozero import Button  # only here: the module imports without gpiozero

        if pin_factory is None:
            pin_factory = gpio.pin_factory(fallback=False)
        if len(pins) != len(SCORES):
            raise ValueError(f"a rating keypad has {len(SCORES)} buttons, got {len(pins)} pins")
        self.client = client
        self.counter = counter
        self.on_result = on_result
        self._busy = threading.Lock()
        self.buttons = []
        for pin, score in zip(pins, SCORES, strict=True):
            button = Button(pin, pull_up=True, bounce_time=bounce_seconds, pin_factory=pin_factory)
            button.when_pressed = self._handler(score)
            self.buttons.append(button)

    def _handler(self, score: int) -> Callable[[], None]:
        def pressed() -> None:
            self.press(score)

        return pressed

    def press(self, score: int) -> bool:
        """Send a rating unless one is in flight; True when it was sent."""
        if not self._busy.acquire(blocking=False):
            log.info("press ignored: a rating is being sent")
            return False
        threading.Thread(target=self._send, args=(score,), daemon=True).start()
        return True

    @property
    def busy(self) -> bool:
        """True while a press is being sent and its outcome reported."""
        return self._busy.locked()

    def _send(self, score: int) -> None:
        try:
            outcome = self._rate(score)
            if self.on_result is not None:
                self.on_result(score, outcome)
        finally:
            self._busy.release()

    def _rate(self, score: int) -> str:
        try:
            self.client.request("POST", f"/api/v1/counters/{self.counter}/rating", {"score": score})
        except ClientError as exc:
            log.info("rating %s not recorded: %s", score, exc.message)
            return exc.code
        except Unreachable as exc:
            log.warning("rating %s not sent: server unreachable (%s)", score, exc)
            return "unreachable"
        log.info("rating %s recorded", score)
        return "recorded"

    def close(self) -> None:
        for b in self.buttons:
            b.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m keypads.rating",
        description="Five-button satisfaction keypad for one counter (GPIO).",
    )
    parser.add_argument("--config", required=True, help="the centre's config.toml")
    parser.add_argument("--counter", type=int, required=True, help="the counter number")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config = load_or_exit(args.config, "rating_keypad")
    counter = config.counter(args.counter)
    if counter is None:
        print(f"rating_keypad: no counter {args.counter} in {args.config}", file=sys.stderr)
        return 2
    if not config.ratings.keypad_pins:
        print(f"rating_keypad: ratings.keypad_pins is empty in {args.config}", file=sys.stderr)
        return 2
    from gpiozero.exc import GPIOZeroError

    client = ApiClient(config.server.client_url(), counter.key, timeout=5)
    try:
        keypad = RatingKeypad(client, counter.number, config.ratings.keypad_pins)
    except NoGpio as exc:
        print(f"rating_keypad: {exc}", file=sys.stderr)
        return 1
    except GPIOZeroError as exc:  # a pin the board lacks or another program holds
        print(f"rating_keypad: cannot use the GPIO pins: {exc}", file=sys.stderr)
        return 1
    log.info("rating keypad for %s on pins %s", counter.label, config.ratings.keypad_pins)
    stop = threading.Event()
    on_stop(lambda _signum: stop.set(), (signal.SIGTERM,))
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    keypad.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
