"""The voice pack's clips as the browser display plays them (``/api/v1/voice/clip``).

Read from the pack's folder on each request, so a clip a centre replaced is used
at once; trimmed of silent ends as the pygame display trims them; the chime
synthesized and a missing word said by espeak-ng (when allowed) as there:
each missing clip once, however many displays ask for it at the same moment.
"""

from __future__ import annotations

import hashlib
import io
import logging
import subprocess
import threading
import wave
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from sothutu.config import Config
from sothutu.voice import announce
from sothutu.voice.chime import chime_wav
from sothutu.voice.pack import KEEP_MS, clip_file, espeak_path, espeak_wav, trim

log = logging.getLogger(__name__)

#: espeak-ng runs at once (each takes a core for a moment; the Pi has other work).
ESPEAK_AT_ONCE = 2
#: Seconds a request waits for another's run of the same clip (espeak-ng's own limit
#: is 20 s, plus the queue for a run).
ESPEAK_WAIT_SECONDS = 60


class ClipSource:
    """The voice pack's clips as the browser plays them, from the folder on each request.

    A file is read again when its size or modification time changed, so a clip a
    centre replaced is served at once. 16-bit WAV files are trimmed of their silent
    ends with ``sothutu.voice.pack.trim`` (the pygame display's own trimming); other
    files are served as they are (the browser decodes any WAV).
    """

    def __init__(self, config: Config) -> None:
        self.folder = config.resolve(config.voice.pack)
        self.dialect = config.voice.dialect
        self.use_espeak = config.voice.espeak
        self._cache: dict[str, tuple[tuple[str, int, int], bytes, str]] = {}
        self._spoken: dict[str, bytes | None] = {}
        #: clips espeak-ng is saying now: later askers wait for that run
        self._speaking: dict[str, Future[bytes | None]] = {}
        self._voices = threading.BoundedSemaphore(ESPEAK_AT_ONCE)
        self._chime: bytes | None = None
        self._lock = threading.Lock()

    def _file(self, name: str) -> Path:
        return clip_file(self.folder, name)

    def wav(self, name: str) -> tuple[bytes, str] | None:
        """(WAV bytes, ETag) of a clip, or None when neither the pack nor espeak-ng has it."""
        path = self._file(name)
        try:
            st = path.stat()
        except OSError:
            st = None
        if st is not None and path.is_file():
            key = (str(path), st.st_size, st.st_mtime_ns)
            with self._lock:
                hit = self._cache.get(name)
            if hit is not None and hit[0] == key:
                return hit[1], hit[2]
            try:
                data = trimmed(path.read_bytes())
            except OSError as exc:
                log.warning("voice pack clip %s unreadable: %s", path, exc)
                data = None
            if data:
                etag = hashlib.sha256(data).hexdigest()[:20]
                with self._lock:
                    self._cache[name] = (key, data, etag)
                return data, etag
        if name == announce.CHIME:  # synthesized, as the pygame display does
            if self._chime is None:
                self._chime = chime_wav()
            return self._chime, "chime-synthesized"

        spoken = self._espeak(name)
        if spoken is not None:
            return spoken, "espeak-" + hashlib.sha256(spoken).hexdigest()[:14]
        return None

    def _espeak(self, name: str) -> bytes | None:
        """A clip missing from the pack, said by espeak-ng: once per clip however many
        ask at the same moment (they wait for that one run), and at most
        ``ESPEAK_AT_ONCE`` runs at a time; the result (or the failure) is kept."""
        if not self.use_espeak or not announce.CLIPS.get(name) or espeak_path() is None:
            return None
        with self._lock:
            if name in self._spoken:
                return self._spoken[name]
            running = self._speaking.get(name)
            if running is None:
                running = self._speaking[name] = Future()
                mine = True
            else:
                mine = False
        if not mine:
            try:
                return running.result(timeout=ESPEAK_WAIT_SECONDS)
            except FutureTimeout:
                return None
        data: bytes | None = None
        try:
            with self._voices:
                data = trimmed(espeak_wav(announce.CLIPS[name], self.dialect))
            log.warning("voice pack lacks %s.wav; saying it with espeak-ng", name)
        except (OSError, subprocess.SubprocessError, RuntimeError, ValueError) as exc:
            log.warning("espeak-ng could not say clip %s: %s", name, exc)
        finally:
            with self._lock:
                self._spoken[name] = data
                del self._speaking[name]
            running.set_result(data)
        return data


def trimmed(data: bytes) -> bytes:
    """A 16-bit PCM WAV without the quiet at its ends; any other file unchanged."""
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            if w.getsampwidth() != 2:
                return data
            channels, rate = w.getnchannels(), w.getframerate()
            pcm = w.readframes(w.getnframes())
    except (wave.Error, EOFError, ValueError):
        return data
    pcm = trim(pcm, channels, rate * KEEP_MS // 1000)
    if not pcm:
        return data
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()
