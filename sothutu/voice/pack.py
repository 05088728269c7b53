"""A voice pack: one WAV per word or phrase, joined into announcements.

The folder holds ``NAME.wav`` for every clip of ``sothutu.voice.announce.CLIPS`` and a
``manifest.json`` (``{"clips": {NAME: {"file", "text"}}}``) saying which file
says what; ``deploy/voicepack.py`` generates the default pack with espeak-ng,
and a centre may replace any file with a human recording of the same name (any
rate, mono or stereo: clips are converted to the mixer's format on loading).

A clip the pack lacks is spoken by espeak-ng when it is installed; when that
fails too, the announcement is the chime alone (never a sentence with a hole).
Clips are trimmed of the silence at their ends, so that the pauses between
words are the ones ``sothutu.voice.announce`` asks for, whoever recorded them.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
from array import array
from pathlib import Path

from sothutu.voice import announce
from sothutu.voice.chime import chime_wav

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
ESPEAK_VOICES = {"north": "vi", "south": "vi-vn-x-south"}
ESPEAK_SPEED = 140  # words per minute; slower than espeak's 175 for a waiting room
SILENCE_THRESHOLD = 0.02  # of full scale: quieter ends are trimmed
KEEP_MS = 15  # silence kept at each end of a trimmed clip


def espeak_path() -> str | None:
    """espeak-ng's path when installed (Debian package ``espeak-ng``)."""
    return shutil.which("espeak-ng")


def espeak_wav(text: str, dialect: str = "north", espeak: str | None = None) -> bytes:
    """``text`` spoken by espeak-ng's Vietnamese voice, as the bytes of a WAV file."""
    exe = espeak or espeak_path()
    if exe is None:
        raise FileNotFoundError("espeak-ng is not installed")
    voice = ESPEAK_VOICES.get(dialect, "vi")
    done = subprocess.run(
        [exe, "-v", voice, "-s", str(ESPEAK_SPEED), "--stdout", text],
        capture_output=True,
        timeout=20,
        check=True,
    )
    if not done.stdout.startswith(b"RIFF"):
        raise RuntimeError(f"espeak-ng gave no WAV for {text!r}")
    return done.stdout


def trim(pcm: bytes, channels: int, keep_frames: int) -> bytes:
    """Signed 16-bit ``pcm`` without the quiet at its start and end."""
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % (2 * channels)])
    limit = int(32767 * SILENCE_THRESHOLD)
    n = len(samples)
    first = next((i for i in range(n) if abs(samples[i]) > limit), None)
    if first is None:
        return b""
    last = next(i for i in range(n - 1, -1, -1) if abs(samples[i]) > limit)
    start = max(0, first // channels - keep_frames) * channels
    end = min(n // channels, last // channels + 1 + keep_frames) * channels
    return samples[start:end].tobytes()


class VoicePack:
    """Clips of a pack folder as PCM in the mixer's format, ready to join.

    ``fmt`` is ``pygame.mixer.get_init()``: (frequency, size, channels). Loading
    needs an initialised mixer (pygame converts each file to its format).
    """

    def __init__(
        self,
        folder: Path,
        fmt: tuple[int, int, int],
        *,
        dialect: str = "north",
        use_espeak: bool = True,
    ) -> None:
        self.folder = Path(folder)
        self.freq, self.size, self.channels = fmt
        self.dialect = dialect
        self.use_espeak = use_espeak
        self._cache: dict[str, bytes | None] = {}
        self._warned: set[str] = set()
        self.files: dict[str, str] = {}
        manifest = self.folder / MANIFEST
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            for name, entry in data.get("clips", {}).items():
                if isinstance(entry, dict) and isinstance(entry.get("file"), str):
                    self.files[name] = entry["file"]
        except FileNotFoundError:
            if self.folder.is_dir():
                log.info("voice pack %s has no %s; using NAME.wav files", self.folder, MANIFEST)
            else:
                log.warning("voice pack folder %s does not exist", self.folder)
        except (OSError, ValueError, AttributeError) as exc:
            log.warning(
                "voice pack manifest %s unreadable (%s); using NAME.wav files", manifest, exc
            )

    @property
    def frame_bytes(self) -> int:
        return abs(self.size) // 8 * self.channels

    def silence(self, ms: int) -> bytes:
        return bytes(self.freq * ms // 1000 * self.frame_bytes)

    def _decode(self, wav: bytes | Path) -> bytes:
        import pygame.mixer

        source = str(wav) if isinstance(wav, Path) else io.BytesIO(wav)
        pcm = pygame.mixer.Sound(source).get_raw()
        if self.size == -16:
            pcm = trim(pcm, self.channels, self.freq * KEEP_MS // 1000)
        return pcm

    def _warn_once(self, name: str, message: str, *args: object) -> None:
        if name not in self._warned:
            self._warned.add(name)
            log.warning(message, *args)

    def clip(self, name: str) -> bytes | None:
        """The PCM of one clip, or None when neither the pack nor espeak-ng has it."""
        if name in self._cache:
            return self._cache[name]
        pcm: bytes | None = None
        path = self.folder / self.files.get(name, f"{name}.wav")
        try:
            pcm = self._decode(path) or None
        except FileNotFoundError:
            pass
        except Exception as exc:  # pygame.error for a broken file
            self._warn_once(name, "voice pack clip %s unusable: %s", path, exc)
        if pcm is None and name == announce.CHIME:
            pcm = self._decode(chime_wav(self.freq))
        if pcm is None and self.use_espeak and espeak_path() and announce.CLIPS.get(name):
            try:
                pcm = self._decode(espeak_wav(announce.CLIPS[name], self.dialect)) or None
                self._warn_once(name, "voice pack lacks %s; saying it with espeak-ng", path.name)
            except (OSError, subprocess.SubprocessError, RuntimeError, ValueError) as exc:
                self._warn_once(name, "espeak-ng could not say clip %s: %s", name, exc)
        if pcm is None:
            self._warn_once(name, "voice pack lacks %s and espeak-ng cannot stand in", path.name)
        self._cache[name] = pcm
        return pcm

    def join(self, ann: announce.Announcement) -> bytes:
        """The whole announcement as one PCM buffer; the chime alone when a clip is missing."""
        parts: list[bytes] = []
        for name, pause in zip(ann.clips, ann.pauses_ms, strict=True):
            pcm = self.clip(name)
            if pcm is None:
                log.warning("announcing %s by the chime alone: clip %s is missing", ann.code, name)
                return self.clip(announce.CHIME) or b""  # still a cue to look at the screen
            parts += [pcm, self.silence(pause)]
        return b"".join(parts)

    def seconds(self, pcm: bytes) -> float:
        return len(pcm) / (self.freq * self.frame_bytes)
