"""One button press → one counter action on the server, never zero silently, never two.

"next" is not idempotent, so a press whose answer was lost is not simply sent
again. Before sending, the presser notes the counter's fingerprint from
``/api/v1/state`` (paused, current ticket id, its number of calls). When the
request fails without an answer (server restarting, connection cut), it waits
for the server, reads the fingerprint again and decides:

- changed: the request reached the server and was done → success, not resent;
- unchanged: it was not done → sent again (every action changes the fingerprint
  when it does something; an action that would change nothing is harmless twice).

When the server stays away longer than ``retry_seconds`` the press fails, and
the keypad tells the clerk (three beeps, fast blink) to look and press again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sothutu.client import ApiClient, ClientError, Unreachable

log = logging.getLogger(__name__)

#: Button name → the API's counter action.
ACTIONS = {"next": "next", "recall": "recall", "no_show": "no-show", "done": "done"}


@dataclass(frozen=True)
class Result:
    """What became of a press: ``ok``, and the API's error code or "unreachable"."""

    ok: bool
    code: str = "ok"
    ticket: dict[str, Any] | None = None


class Presser:
    """Runs counter actions for one counter with the rules in the module doc."""

    def __init__(
        self,
        client: ApiClient,
        counter: int,
        retry_seconds: float = 20.0,
        *,
        backoff: float = 0.3,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.counter = counter
        self.retry_seconds = retry_seconds
        self.backoff = backoff
        self._sleep = sleep
        self._monotonic = monotonic

    def fingerprint(self) -> tuple[bool, int | None, int]:
        """(paused, current ticket id, its calls) from /state; raises ``Unreachable``."""
        state = self.client.state()
        for c in state.get("counters", []):
            if c.get("number") == self.counter:
                cur = c.get("current") or {}
                return (c.get("status") == "paused", cur.get("id"), int(cur.get("calls", 0)))
        raise ClientError(404, "unknown_counter", f"counter {self.counter} is not in /state")

    def press(self, button: str) -> Result:
        """Do the button's action; returns when it is done, refused, or given up."""
        action = ACTIONS[button]
        deadline = self._monotonic() + self.retry_seconds
        before: tuple[bool, int | None, int] | None = None
        while True:
            try:
                if before is None:
                    before = self.fingerprint()
                answer = self.client.counter(self.counter, action)
                return Result(True, "ok", (answer or {}).get("ticket"))
            except ClientError as exc:
                log.info("counter %s %s refused: %s", self.counter, action, exc)
                return Result(False, exc.code)
            except Unreachable as exc:
                log.warning("counter %s %s: server unreachable: %s", self.counter, action, exc)
            # The request may or may not have reached the server.
            outcome = self._settle(before, deadline)
            if outcome is not None:
                return outcome

    def _settle(self, before: tuple | None, deadline: float) -> Result | None:
        """Wait for the server; a Result when the press is decided, None to send again."""
        while True:
            if self._monotonic() >= deadline:
                return Result(False, "unreachable")
            self._sleep(self.backoff)
            if before is None:
                return None  # nothing was sent yet
            try:
                after = self.fingerprint()
            except Unreachable:
                continue
            except ClientError as exc:
                return Result(False, exc.code)
            if after != before:
                log.info("counter %s: the lost request had been done; not resending", self.counter)
                return Result(True, "ok")
            return None
