"""The pygame display's voice pack: clips decoded to the mixer's format and joined.

What a pack is (files, manifest, trimming, espeak-ng) lives in ``sothutu.voice.pack``;
this module only adds pygame's decoding, so the shared package never loads pygame.
"""

from __future__ import annotations

import io
import logging
import subprocess
from pathlib import Path

from sothutu.voice import announce
from sothutu.voice.chime import chime_wav
from sothutu.voice.pack import KEEP_MS, clip_file, espeak_path, espeak_wav, trim

log = logging.getLogger(__name__)


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
        if not self.folder.is_dir():
            log.warning("voice pack folder %s does not exist", self.folder)

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
        path = clip_file(self.folder, name)
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
