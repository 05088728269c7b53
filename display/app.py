"""The display's frame loop: stream events in, frames out, calls to the announcer.

The event stream runs on ``EventStream``'s worker thread and queues each event
(and each connect / disconnect) for the loop, then wakes it. The loop sleeps on
a ``threading.Event`` until something arrives or the view must change by itself
(the minute, a blink, the end of the highlight, a frame of the scrolling
notice), and wakes at least every ``PUMP_SECONDS`` to serve the window. It
redraws the whole frame only when the view changed, and between frames repaints
just the notice strip. Nothing in it blocks: HTTP and audio live on their own
threads. Stream events do not go through pygame's event queue, so the display
follows the server and announces calls also while it has no screen (a
``Screen`` that failed to open is tried again now and then).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime

import pygame

from display import state as st
from display.audio import Announcer
from display.render import Renderer
from display.screen import Screen
from sothutu.client import EventStream, StreamEvent
from sothutu.clock import Clock, SystemClock
from sothutu.config import Config

log = logging.getLogger(__name__)

PUMP_SECONDS = 0.25  # the longest the loop sleeps without looking at the window
IDLE_TIMEOUT = 20.0  # a stream silent this long is lost (the server pings every <= 15 s)


def initial_state(config: Config, now: datetime) -> st.DisplayState:
    """The state before the first snapshot: counters and fields from the config."""
    return st.initial(
        config.centre.name,
        config.centre.notice,
        highlight_seconds=config.display.highlight_seconds,
        counters=tuple(st.CounterInfo(c.number, c.label) for c in config.counters),
        waiting=tuple(st.Waiting(s.id, s.name, 0) for s in config.services),
        now=now,
    )


class DisplayApp:
    """One display window (or surface) following one server."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        announcer: Announcer | None = None,
        base_url: str | None = None,
        get_surface: Callable[[], pygame.Surface | None] | None = None,
        screen: Screen | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.tz = config.centre.tz
        self.announcer = announcer
        self.screen = screen
        if get_surface is None:
            get_surface = screen.surface if screen is not None else _open_surface
        self.get_surface = get_surface
        self._inbox: queue.SimpleQueue[StreamEvent | bool] = queue.SimpleQueue()
        self.renderer = Renderer()
        self.state = initial_state(config, self.clock.now())
        self.view: st.View | None = None
        self.frames = 0  # full frames drawn
        self.notice_frames = 0  # notice-only repaints
        self.overflows: list[str] = []
        self._wake = threading.Event()
        self._quit = False
        self._force = True
        self._scroll_started = time.monotonic()
        self._scrolls = False
        self.stream = EventStream(
            base_url or config.server.client_url(),
            on_event=self._posted_event,
            on_status=self._posted_status,
            idle_timeout=IDLE_TIMEOUT,
        )

    # --- worker threads -> loop ---------------------------------------------------------

    def _posted_event(self, event: StreamEvent) -> None:
        self._inbox.put(event)
        self._wake.set()

    def _posted_status(self, up: bool) -> None:
        if self._quit:
            return  # our own stop() closed it
        log.info("event stream %s", "connected" if up else "lost")
        self._inbox.put(up)
        self._wake.set()

    def wake(self) -> None:
        """Make the loop look now (signal handlers, tests)."""
        self._wake.set()

    def quit(self) -> None:
        self._quit = True
        self._wake.set()

    # --- the loop ------------------------------------------------------------------------

    def start(self) -> DisplayApp:
        self.stream.start()
        return self

    def stop(self) -> None:
        self._quit = True
        self.stream.stop()
        if self.announcer is not None:
            self.announcer.stop()

    def run(self) -> None:
        """Until quit: wait, take events, draw."""
        self.start()
        try:
            while self.step():
                pass
        finally:
            self.stop()

    def _scroll_speed(self, surface: pygame.Surface) -> float:
        return self.config.display.scroll_speed * surface.get_height() / 1080

    def _timeout(self, now: datetime) -> float:
        if self.screen is not None and not self.screen.is_open:
            # No screen to draw on: sleep until the next try (stream events wake us).
            return min(self.screen.seconds_to_retry() or PUMP_SECONDS, 5.0)
        timeout = min(PUMP_SECONDS, st.next_change(self.state, now))
        if self._scrolls:
            timeout = min(timeout, 1.0 / self.config.display.scroll_fps)
        return timeout

    def receive(self, item: StreamEvent | bool) -> None:
        """One item of the event stream: an event, or the stream's status (up or not)."""
        now = self.clock.now()
        if isinstance(item, bool):
            self.state = st.connection(self.state, item, now)
            return
        self.state, spoken = st.apply(self.state, item.type, item.data, item.id, now)
        for s in spoken:
            log.info("call %s to counter %d%s", s.code, s.counter, " (again)" * s.recall)
            if self.announcer is not None:
                self.announcer.submit(s)

    def handle(self, event: pygame.event.Event) -> None:
        """One pygame event of the window."""
        if event.type == pygame.QUIT or (
            event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_q)
        ):
            self._quit = True
        elif event.type in (pygame.VIDEOEXPOSE, pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
            self._force = True

    def step(self, max_wait: float | None = None) -> bool:
        """Sleep until there is work (at most ``max_wait`` s), do it; False when quitting."""
        timeout = self._timeout(self.clock.now())
        if max_wait is not None:
            timeout = min(timeout, max_wait)
        if not self._quit:
            self._wake.wait(timeout)
        self._wake.clear()
        while True:
            try:
                self.receive(self._inbox.get_nowait())
            except queue.Empty:
                break
        screen = self.screen
        if screen is not None and not screen.is_open and screen.due() and screen.open():
            self._force = True  # the screen came back: draw it all
        if pygame.display.get_init():
            for event in pygame.event.get():
                self.handle(event)
        if self._quit:
            return False
        self.draw()
        return True

    def draw(self) -> None:
        """Draw what changed: the whole frame, or the scrolling notice only."""
        surface = self.get_surface()
        if surface is None:
            return
        view = st.view(self.state, self.clock.now(), self.tz)
        offset: float | None = None
        if self.config.display.scroll_speed > 0:
            offset = (time.monotonic() - self._scroll_started) * self._scroll_speed(surface)
        if self._force or view != self.view:
            report = self.renderer.draw(surface, view, offset)
            if report.overflows:
                text = [str(o) for o in report.overflows]
                if text != self.overflows:
                    log.warning("text does not fit: %s", "; ".join(text))
                self.overflows = text
            if not self._scrolls and report.notice_scrolls:
                self._scroll_started = time.monotonic()
            self._scrolls = report.notice_scrolls
            self.view = view
            self._force = False
            self.frames += 1
            pygame.display.flip()
        elif self._scrolls:
            rect = self.renderer.draw_notice(surface, view, offset)
            self.notice_frames += 1
            pygame.display.update(rect)


def _open_surface() -> pygame.Surface | None:
    """pygame's display surface, or None when the display is not open."""
    return pygame.display.get_surface() if pygame.display.get_init() else None
