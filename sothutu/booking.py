"""A booked number (đặt lịch lấy số): its code and the signed text its QR code carries.

The hub makes both; the centre's queue server reads them back when a citizen
checks in at the kiosk or the guidance counter. Pure and stdlib only: the hub,
the queue server and the kiosk import it.

- A **code** is 6 characters from an alphabet without look-alikes (no 0/O/Q/D,
  1/I/L, 2/Z, 5/S, 8/B, G/6, U/V): easy to read aloud and to type on the kiosk's
  keyboard. Typing is forgiving: case, spaces and dashes do not matter.
- The **QR text** holds the booking's centre, code, field, day and slot, signed
  with HMAC-SHA256 under a key the hub and that centre share (made by
  ``python -m hub centre add``), so the centre verifies a booking it has never
  heard of while its link to the hub is down. It is upper case letters, digits,
  ``.`` and ``-`` only: QR "alphanumeric" mode (a small, robust code), and a USB
  scanner typing it as a keyboard needs no shift key, whatever Caps Lock says.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date

#: The characters of a booking code: 15 letters and 5 digits that no one confuses
#: (20**6 = 64 million codes).
ALPHABET = "ACEFHJKMNPRTWXY34679"
CODE_LENGTH = 6
#: What the QR text starts with, and the version of its format.
QR_PREFIX = "SOTHUTU"
QR_VERSION = "1"
#: Bytes of the HMAC kept in the QR text (96 bits: no forger guesses that at a kiosk).
SIGNATURE_BYTES = 12

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")


def new_code() -> str:
    """A random booking code (the hub retries on the rare collision)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """A typed or spoken code as stored (``"k7m 3px"`` → ``"K7M3PX"``), or None when it
    cannot be one."""
    cleaned = re.sub(r"[\s\-.]", "", text or "").upper()
    return cleaned if _CODE.fullmatch(cleaned) else None


def new_key() -> str:
    """A centre's booking key: 32 random bytes as URL-safe text (kept in its config)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Signed:
    """What a QR code says: the booking, as the hub signed it. ``start`` and ``end``
    are minutes after the centre's local midnight."""

    centre: str
    code: str
    service: str
    day: date
    start: int
    end: int


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}{minutes % 60:02d}"


def _message(b: Signed) -> str:
    return ".".join(
        (b.centre, b.code, b.service, b.day.strftime("%Y%m%d"), _hhmm(b.start), _hhmm(b.end))
    ).lower()


def _signature(key: str, b: Signed) -> str:
    mac = hmac.new(key.encode(), f"sothutu-booking-{QR_VERSION}.{_message(b)}".encode(), "sha256")
    return base64.b32encode(mac.digest()[:SIGNATURE_BYTES]).decode().rstrip("=")


def qr_text(key: str, b: Signed) -> str:
    """The text of the booking's QR code, signed with the centre's key."""
    return f"{QR_PREFIX}.{QR_VERSION}.{_message(b)}.{_signature(key, b)}".upper()


class NotABooking(ValueError):
    """The text is not a booking's QR text (nor a code)."""


class Forged(ValueError):
    """A booking's QR text whose signature is not the centre's."""


def looks_like_qr(text: str) -> bool:
    """Whether scanned input is meant as a booking's QR text (even a damaged one)."""
    return (text or "").strip().upper().startswith(QR_PREFIX + ".")


def parse_qr(text: str) -> tuple[Signed, str]:
    """The booking a QR text names and the signature it carries (unchecked);
    ``NotABooking`` when it is not one."""
    parts = (text or "").strip().lower().split(".")
    if len(parts) != 9 or parts[0] != QR_PREFIX.lower() or parts[1] != QR_VERSION:
        raise NotABooking("not a Sothutu booking's QR text")
    _, _, centre, code, service, day, start, end, signature = parts
    if not (_ID.fullmatch(centre) and _ID.fullmatch(service)):
        raise NotABooking("bad centre or field in the QR text")
    code = code.upper()
    if not _CODE.fullmatch(code):
        raise NotABooking("bad code in the QR text")
    try:
        d = date(int(day[:4]), int(day[4:6]), int(day[6:8])) if len(day) == 8 else None
    except ValueError:
        d = None
    times = [_minutes(t) for t in (start, end)]
    if d is None or None in times or not re.fullmatch(r"[a-z2-7]{10,40}", signature):
        raise NotABooking("bad date, time or signature in the QR text")
    return Signed(centre, code, service, d, times[0], times[1]), signature.upper()  # type: ignore[arg-type]


def _minutes(hhmm: str) -> int | None:
    if not re.fullmatch(r"\d{4}", hhmm):
        return None
    h, m = int(hhmm[:2]), int(hhmm[2:])
    return h * 60 + m if h <= 24 and m < 60 and h * 60 + m <= 24 * 60 else None


def verify(key: str, text: str) -> Signed:
    """The booking of a QR text whose signature ``key`` made; ``NotABooking`` when the
    text is not a booking's, ``Forged`` when the signature does not match."""
    signed, signature = parse_qr(text)
    if not key or not hmac.compare_digest(signature, _signature(key, signed)):
        raise Forged("the QR code's signature does not match this centre's booking key")
    return signed
