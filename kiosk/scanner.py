"""A USB QR or barcode scanner that types like a keyboard, read in any screen state.

Cheap scanners are keyboards: they type what the code says, fast, then Enter. The
kiosk has no other keyboard (a technician's exit keys aside), so every character
typed is collected; Enter ends a scan. Pure and clock-free: ``feed`` takes the time.

A scan that pauses longer than ``gap`` seconds between two characters is thrown
away (a half-read code, or someone pressing a key of a plugged-in keyboard), and so
is anything past ``MAX_LENGTH`` characters. What a complete scan is (a booking's QR
text, or its 6-character code) the server decides.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Longest scan kept (a booking's QR text is about 80 characters).
MAX_LENGTH = 300
#: A scanner types its characters within milliseconds of each other.
GAP = 0.5


@dataclass
class ScanBuffer:
    """Characters typed so far, and when the last one came."""

    gap: float = GAP
    text: str = ""
    last: float = float("-inf")

    def feed(self, char: str, now: float) -> str | None:
        """One typed character (``"\\r"`` or ``"\\n"`` is Enter); the completed scan when
        this ended one, else None."""
        if now - self.last > self.gap:
            self.text = ""
        self.last = now
        if char in ("\r", "\n"):
            done, self.text = self.text.strip(), ""
            return done or None
        if len(char) != 1 or not char.isprintable():
            return None
        if len(self.text) < MAX_LENGTH:
            self.text += char
        return None
