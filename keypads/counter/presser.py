"""One button press → one counter action on the server, never zero silently, never two.

Every press is sent with a ``request_id`` of its own. When no answer comes
(server restarting, connection cut, answer lost), the same request is sent again
with the same id until an answer comes or ``retry_seconds`` pass: the server does
a request id once and answers a repeat with its first answer, so a press it had
done is reported done (not done twice), and a press it never got is done now,
whatever the console did to the counter meanwhile.

When the server stays away longer than ``retry_seconds`` the press fails, and
the keypad tells the clerk (three beeps, fast blink) to look and press again.
Pressing the same button again soon after (``REUSE_SECONDS``) resends the failed
press's request id, so a press the server did do after all is not done twice.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sothutu.client import ApiClient, ClientError, Unreachable

log = logging.getLogger(__name__)

#: Button name → the API's counter action.
ACTIONS = {"next": "next", "recall": "recall", "no_show": "no-show", "done": "done"}

#: A failed press's request id is sent again by the same button within this many seconds.
REUSE_SECONDS = 120.0


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
        max_backoff: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.counter = counter
        self.retry_seconds = retry_seconds
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._monotonic = monotonic
        #: (action, request id, when it failed) of the last press that got no answer
        self._unanswered: tuple[str, str, float] | None = None

    def _request_id(self, action: str) -> str:
        """A new id, or the failed press's when the same button is pressed again soon."""
        last, self._unanswered = self._unanswered, None
        if last is not None and last[0] == action and self._monotonic() - last[2] < REUSE_SECONDS:
            log.info("counter %s %s: sending the unanswered press again", self.counter, action)
            return last[1]
        return f"keypad-{self.counter}-{uuid.uuid4().hex}"

    def press(self, button: str) -> Result:
        """Do the button's action; returns when it is done, refused, or given up."""
        action = ACTIONS[button]
        request_id = self._request_id(action)
        deadline = self._monotonic() + self.retry_seconds
        pause = self.backoff
        while True:
            try:
                answer = self.client.counter(self.counter, action, {"request_id": request_id})
                return Result(True, "ok", (answer or {}).get("ticket"))
            except ClientError as exc:
                log.info("counter %s %s refused: %s", self.counter, action, exc)
                return Result(False, exc.code)
            except Unreachable as exc:
                log.warning("counter %s %s: server unreachable: %s", self.counter, action, exc)
            if self._monotonic() + pause >= deadline:
                self._unanswered = (action, request_id, self._monotonic())
                return Result(False, "unreachable")
            self._sleep(pause)  # then the same request again: done once either way
            pause = min(pause * 2, self.max_backoff)
