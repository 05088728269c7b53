"""A booking's QR code drawn on the server: SVG inside the page (crisp on any screen, no
script, no CDN) and PNG to save to the phone's gallery.

Error correction M (15 %): a booking's text (about 80 characters in QR alphanumeric
mode) fits version 4, big modules that a kiosk's cheap scanner reads off a cracked
phone screen.
"""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M

BORDER = 4  # modules of quiet zone around the code, as the standard asks


def _matrix(text: str) -> list[list[bool]]:
    q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=BORDER)
    q.add_data(text)
    q.make(fit=True)
    return q.get_matrix()


def svg(text: str, label: str = "Mã QR") -> str:
    """An ``<svg>`` element of the QR code (one path, dark modules as runs), sized by CSS."""
    m = _matrix(text)
    n = len(m)
    runs = []
    for y, row in enumerate(m):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" role="img" '
        f'aria-label="{label}" shape-rendering="crispEdges" class="qr">'
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def png(text: str, box: int = 10) -> bytes:
    """The QR code as a PNG, ``box`` pixels per module."""
    q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=BORDER, box_size=box)
    q.add_data(text)
    q.make(fit=True)
    out = io.BytesIO()
    q.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()
