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

import json
import logging
import shutil
import subprocess
from array import array
from pathlib import Path

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


def clip_file(folder: Path, name: str) -> Path:
    """The file of clip ``name`` in a pack: the manifest's entry, else ``NAME.wav``.

    A manifest entry pointing outside the pack folder is ignored (with a warning),
    so a pack copied from elsewhere cannot make the server read other files.
    """
    default = folder / f"{name}.wav"
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        entry = manifest.get("clips", {}).get(name)
        file = entry.get("file") if isinstance(entry, dict) else None
    except (OSError, ValueError, AttributeError):
        return default
    if not isinstance(file, str) or not file:
        return default
    path = folder / file
    try:
        path.resolve().relative_to(folder.resolve())
    except (OSError, ValueError):
        log.warning("voice pack manifest names %r outside the pack; using %s", file, default)
        return default
    return path
