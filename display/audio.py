"""Announcements, one at a time, in the order of the calls.

``Announcer`` owns a FIFO queue and one worker thread: every call is queued
(none dropped, however many counters call at once), then joined from the voice
pack and played to its end before the next starts, with ``[voice] gap`` of
silence between. A call older than ``[voice] max_age`` when its turn comes is
skipped (it is on the screen already). Sound goes through an ``Output``: the
pygame mixer, or ``NullOutput`` when there is no audio device (one log line,
and the screen carries on).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Protocol

from display.state import Spoken
from display.voicepack import VoicePack
from sothutu.clock import Clock
from sothutu.config import VoiceConfig
from sothutu.voice.announce import Announcement, announcement
from sothutu.worker import Worker

log = logging.getLogger(__name__)

MIXER_FORMAT = (22050, -16, 1)  # what the default pack is made in; SDL converts for the device
MIXER_BUFFER = 1024


class Output(Protocol):
    """Where announcements sound."""

    fmt: tuple[int, int, int]

    def play(self, pcm: bytes, volume: float, stop: threading.Event) -> None:
        """Play ``pcm`` to its end (or until ``stop`` is set)."""
        ...


class NullOutput:
    """No audio device: announcements are built (and logged) but not heard."""

    fmt = MIXER_FORMAT

    def play(self, pcm: bytes, volume: float, stop: threading.Event) -> None:
        return None


class MixerOutput:
    """pygame.mixer (SDL audio): the TV's speakers, or SDL's ``disk`` driver in tests."""

    def __init__(self) -> None:
        import pygame.mixer

        self._mixer = pygame.mixer
        pygame.mixer.pre_init(*MIXER_FORMAT, MIXER_BUFFER)
        pygame.mixer.init()  # raises pygame.error when there is no device
        self.fmt = pygame.mixer.get_init()
        self._channel = pygame.mixer.Channel(0)

    def play(self, pcm: bytes, volume: float, stop: threading.Event) -> None:
        if not pcm:
            return
        sound = self._mixer.Sound(buffer=pcm)
        sound.set_volume(volume)
        self._channel.play(sound)
        # Sleep through most of it, then watch the channel until it is quiet.
        if stop.wait(max(0.0, sound.get_length() - 0.1)):
            self._channel.stop()
            return
        deadline = time.monotonic() + 5.0
        while self._channel.get_busy() and time.monotonic() < deadline:
            if stop.wait(0.01):
                self._channel.stop()
                return

    def close(self) -> None:
        self._mixer.quit()


def open_output(note: str = "the screen keeps working") -> MixerOutput | NullOutput:
    """The mixer, or ``NullOutput`` with one clear log line (ending in ``note``) when
    no device opens."""
    try:
        return MixerOutput()
    except Exception as exc:  # pygame.error: no device, busy device, no driver
        log.error("audio: no sound device (%s); announcements are off, %s", exc, note)
        return NullOutput()


class Announcer(Worker):
    """Plays queued calls strictly in order, never two at once."""

    def __init__(
        self,
        output: Output,
        pack: VoicePack,
        voice: VoiceConfig,
        clock: Clock,
    ) -> None:
        super().__init__("announcer")
        self.output = output
        self.pack = pack
        self.voice = voice
        self.clock = clock
        self._queue: queue.Queue[Spoken | None] = queue.Queue()
        self._pending = 0
        self._done = threading.Condition()
        self.played: list[Announcement] = []  # what was said, in order (tools and tests)
        self.skipped: list[Spoken] = []

    def words(self, spoken: Spoken) -> Announcement:
        return announcement(
            spoken.code,
            spoken.counter,
            recall=spoken.recall,
            calls=spoken.calls,
            dialect=self.voice.dialect,
            repeat=self.voice.repeat,
            chime=self.voice.chime or self.voice.announce == "chime",
            speech=self.voice.announce == "voice",
        )

    def submit(self, spoken: Spoken) -> None:
        """Queue a call; returns at once."""
        with self._done:
            self._pending += 1
        self._queue.put(spoken)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every queued call was played or skipped."""
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def _interrupt(self) -> None:
        self._queue.put(None)

    def play_now(self, spoken: Spoken) -> Announcement:
        """Say one call on this thread (``python -m display say``)."""
        ann = self.words(spoken)
        self.output.play(self.pack.join(ann), self.voice.volume, self._stop)
        self.played.append(ann)
        return ann

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self._queue.get()
            if item is None or self._stop.is_set():
                break
            try:
                self._announce(item)
            except Exception:
                log.exception("announcement of %s failed", item.code)
            with self._done:
                self._pending -= 1
                self._done.notify_all()

    def _announce(self, item: Spoken) -> None:
        age = (self.clock.now() - item.at).total_seconds()
        if age > self.voice.max_age:
            log.info(
                "not announcing %s at counter %d: called %.0f s ago (max_age %.0f s)",
                item.code,
                item.counter,
                age,
                self.voice.max_age,
            )
            self.skipped.append(item)
            return
        ann = self.words(item)
        pcm = self.pack.join(ann)
        log.info("announcing: %s", ann.text or f"chime for {ann.code} at counter {ann.counter}")
        self.output.play(pcm, self.voice.volume, self._stop)
        self.played.append(ann)
        self._stop.wait(self.voice.gap)
