"""The default chime, synthesized: a soft two-note "ding-dong" as 16-bit mono WAV.

Generated rather than shipped so the repository holds no audio binaries; the
voice-pack generator writes it as ``chime.wav`` and the display falls back to
it when a pack has no chime. Standard library only.
"""

from __future__ import annotations

import io
import math
import wave
from array import array

#: (frequency Hz, start s, length s): E5 then C5, like a door chime.
NOTES = ((659.25, 0.0, 0.9), (523.25, 0.45, 1.1))
LENGTH = 1.55  # seconds


def chime_samples(rate: int = 22050, volume: float = 0.5) -> array:
    """The chime as signed 16-bit mono samples at ``rate``."""
    n = int(LENGTH * rate)
    out = [0.0] * n
    for freq, start, length in NOTES:
        first = int(start * rate)
        for i in range(min(int(length * rate), n - first)):
            t = i / rate
            attack = min(1.0, t / 0.008)
            decay = math.exp(-t * 4.0)
            w = 2 * math.pi * freq * t
            # A bell-like tone: the fundamental and two soft overtones.
            tone = math.sin(w) + 0.35 * math.sin(2 * w) + 0.12 * math.sin(3.01 * w)
            out[first + i] += tone * attack * decay / 1.47
    peak = max(abs(v) for v in out) or 1.0
    scale = 32767 * volume / peak
    return array("h", (round(v * scale) for v in out))


def chime_wav(rate: int = 22050, volume: float = 0.5) -> bytes:
    """The chime as the bytes of a WAV file."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(chime_samples(rate, volume).tobytes())
    return buf.getvalue()
