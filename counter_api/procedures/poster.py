"""A printable A4 poster: a QR code to ``/thu-tuc`` on the centre's Wi-Fi, in Vietnamese.

``render_poster(config)`` draws it with Pillow and the shipped DejaVu fonts (a
pure function of the config and the field names); ``save_poster`` writes PDF
(an A4 page at 150 dpi) or PNG by the file's extension.
"""

from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from sothutu.config import Config
from sothutu.fonts import FONT_DIR

DPI = 150
A4 = (1240, 1754)  # 210 × 297 mm at 150 dpi
MARGIN = 90
BRAND = (163, 21, 26)
INK = (26, 26, 26)
MUTED = (85, 85, 85)
NBSP = "\u00a0"

TITLE = "TRA CỨU THỦ TỤC HÀNH CHÍNH"
PROMPT = "Quét mã QR bằng điện thoại để xem giấy tờ cần chuẩn bị, thời hạn giải quyết và lệ phí"
WIFI = "Kết nối Wi-Fi của Trung tâm trước khi quét mã."
HINT = "Gõ không dấu cũng tìm được, ví dụ: khai sinh, ket hon, chung thuc."


def lookup_url(config: Config) -> str:
    return f"{config.server.phone_url()}/thu-tuc"


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size
    )


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Words into lines no wider than ``width`` pixels (a longer single word stays whole)."""
    lines: list[str] = []
    line = ""
    for word in (w for w in text.split(" ") if w):  # not at no-break spaces
        candidate = f"{line} {word}".strip()
        if not line or font.getlength(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _fit(text: str, size: int, width: int, bold: bool, max_lines: int) -> tuple[object, list[str]]:
    """The largest font (from ``size`` down) that wraps ``text`` in ``max_lines`` lines
    with no word wider than the page."""
    while True:
        font = _font(size, bold)
        lines = wrap(text, font, width)
        fits = len(lines) <= max_lines and all(font.getlength(x) <= width for x in lines)
        if fits or size <= 14:
            return font, lines
        size -= 2


def _centred(draw: ImageDraw.ImageDraw, y: int, lines: list[str], font, fill) -> int:
    for line in lines:
        box = draw.textbbox((0, 0), line, font=font)
        draw.text(((A4[0] - (box[2] - box[0])) / 2 - box[0], y), line, font=font, fill=fill)
        y += int(font.size * 1.3)
    return y


def qr_image(url: str, size: int) -> Image.Image:
    """A QR code of ``url``, scaled by whole modules to at most ``size`` pixels."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    modules = qr.modules_count + 2 * qr.border
    scale = max(1, size // modules)
    img = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    return img.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def render_poster(config: Config) -> Image.Image:
    """The poster as an RGB image of an A4 page at 150 dpi."""
    img = Image.new("RGB", A4, "white")
    draw = ImageDraw.Draw(img)
    width = A4[0] - 2 * MARGIN
    # the authority and the centre on a coloured band
    parts = []
    if config.centre.authority:
        parts.append(_fit(config.centre.authority, 40, width, True, 2))
    parts.append(_fit(config.centre.name, 36, width, False, 3))
    band_h = 50 + sum(int(f.size * 1.3) * len(lines) for f, lines in parts)
    draw.rectangle([0, 0, A4[0], band_h], fill=BRAND)
    y = 25
    for font, lines in parts:
        y = _centred(draw, y, lines, font, "white")
    y = band_h + 60
    font, lines = _fit(TITLE, 84, width, True, 2)
    y = _centred(draw, y, lines, font, BRAND) + 20
    font, lines = _fit(PROMPT, 40, width, False, 3)
    y = _centred(draw, y, lines, font, INK) + 30
    url = lookup_url(config)
    code = qr_image(url, 640)
    img.paste(code, ((A4[0] - code.width) // 2, y))
    y += code.width + 10
    font, lines = _fit(url, 40, width, True, 2)
    y = _centred(draw, y, lines, font, INK) + 10
    font, lines = _fit(WIFI, 34, width, False, 2)
    y = _centred(draw, y, lines, font, MUTED) + 40
    # a field's name stays on one line when it can (no-break spaces inside it)
    fields = "Lĩnh vực: " + " · ".join(s.name.replace(" ", NBSP) for s in config.services)
    font, lines = _fit(fields, 34, width, False, 4)
    y = _centred(draw, y, lines, font, INK) + 20
    font, lines = _fit(HINT, 30, width, False, 2)
    _centred(draw, max(y, A4[1] - MARGIN - 2 * int(font.size * 1.3)), lines, font, MUTED)
    return img


def save_poster(img: Image.Image, path: Path) -> None:
    """PDF (one A4 page) or PNG, by the file's extension; ``ValueError`` for others."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        img.save(path, "PDF", resolution=DPI)
    elif suffix == ".png":
        img.save(path, "PNG", dpi=(DPI, DPI))
    else:
        raise ValueError(f"{path}: the poster is written as .pdf or .png")
