"""Helpers for the kiosk tests: a TCP stand-in for a network printer, an ESC/POS
raster decoder, and loops that drive a kiosk until something happens.

Not a test module.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from kiosk.headless import Headless
from kiosk.state import Screen
from sothutu.config import load_config
from tests.support import debian_tool, wait_for, write_config

PAPER_QUERY = b"\x10\x04\x04"
PAPER_OK = 0x12
PAPER_LOW = 0x1E
PAPER_OUT = 0x72


@dataclass
class Received:
    """One connection's bytes, with the arrival time of the first byte."""

    data: bytearray = field(default_factory=bytearray)
    first_byte_at: float | None = None
    raster_at: float | None = None  # when the first GS v 0 (the image) arrived
    closed: bool = False


class FakeNetworkPrinter:
    """A TCP listener on 127.0.0.1 acting as an ESC/POS network printer.

    ``mode``: "normal" reads everything and answers each DLE EOT 4 with
    ``paper`` (after ``answer_delay`` seconds); "never_read" accepts and
    then neither reads nor answers (a jammed printer; tiny receive buffer);
    "close" accepts and closes at once.
    """

    def __init__(self, mode: str = "normal", paper: int = PAPER_OK, answer_delay: float = 0.0):
        self.mode = mode
        self.paper = paper
        self.answer_delay = answer_delay
        self.connections: list[Received] = []
        self._held: list[socket.socket] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if mode == "never_read":
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def connection(self) -> str:
        return f"network:127.0.0.1:{self.port}"

    def all_bytes(self) -> bytes:
        return b"".join(bytes(c.data) for c in self.connections)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == "close":
                conn.close()
                continue
            if self.mode == "never_read":
                self._held.append(conn)
                continue
            rec = Received()
            self.connections.append(rec)
            threading.Thread(target=self._serve, args=(conn, rec), daemon=True).start()

    def _serve(self, conn: socket.socket, rec: Received) -> None:
        conn.settimeout(0.1)
        pending = b""
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                if rec.first_byte_at is None:
                    rec.first_byte_at = time.monotonic()
                rec.data += chunk
                if rec.raster_at is None and b"\x1dv0" in rec.data[-len(chunk) - 3 :]:
                    rec.raster_at = time.monotonic()
                window = pending + chunk  # a query may span two reads
                pending = window[-2:]
                for _ in range(window.count(PAPER_QUERY)):
                    if self.answer_delay:
                        time.sleep(self.answer_delay)
                    with contextlib.suppress(OSError):
                        conn.sendall(bytes([self.paper]))
        rec.closed = True

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        for s in self._held:
            s.close()
        self._thread.join(2)


def raster_image(data: bytes) -> Image.Image | None:
    """Decode every ``GS v 0`` raster block in ESC/POS ``data`` and stack them
    into one 1-bit image (black = printed dot), or None when there is none."""
    parts: list[Image.Image] = []
    i = 0
    while True:
        i = data.find(b"\x1dv0", i)
        if i < 0:
            break
        width_bytes = data[i + 4] | data[i + 5] << 8
        height = data[i + 6] | data[i + 7] << 8
        start = i + 8
        raster = data[start : start + width_bytes * height]
        # raster bit 1 = a printed (black) dot; in mode "1" a 1 bit is white: invert.
        img = Image.frombytes("1", (width_bytes * 8, height), bytes(b ^ 0xFF for b in raster))
        parts.append(img)
        i = start + width_bytes * height
    if not parts:
        return None
    out = Image.new("1", (parts[0].width, sum(p.height for p in parts)), 1)
    y = 0
    for p in parts:
        out.paste(p, (0, y))
        y += p.height
    return out


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.convert("1").tobytes() == b.convert("1").tobytes()


def drive(step: Callable[[], None], until: Callable[[], bool], timeout: float) -> bool:
    """Call ``step`` until ``until()`` or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if until():
            return True
        step()
    return until()


def preview_files(directory: Path, suffix: str) -> list[Path]:
    return sorted(directory.glob(f"*{suffix}")) if directory.exists() else []


def kiosk_extra(connection: str, *, kiosk: str = "", printer: str = "") -> str:
    """TOML for [printer] and [kiosk], appended to tests.support.write_config."""
    return f"""
[printer]
connection = "{connection}"
width = 576
profile = "TM-T20II"
{printer}

[kiosk]
name = "kiosk-1"
{kiosk}
"""


class Running:
    """A headless kiosk named kiosk-1 with a preview printer (``folder``/tickets), its
    loop on a thread as its process would run it; ``source``: the loopback address it
    reaches the server from (another machine of the LAN)."""

    def __init__(self, folder: Path, port: int, factory, source: str | None = None) -> None:
        folder.mkdir()
        cfg = write_config(folder, port=port, extra=kiosk_extra("preview:tickets"))
        self.loop = Headless(load_config(cfg), factory=factory, source=source)
        self.reporter = self.loop.kiosk.reporter
        self.thread = threading.Thread(target=self.loop.run, daemon=True)
        self.thread.start()
        wait_for(lambda: self.loop.controller.state.screen is Screen.START, what="start screen")

    def close(self) -> None:
        self.loop.stop()
        self.thread.join(10)


def ocr(path: Path) -> str:
    """The Vietnamese words tesseract (tesseract-ocr-vie) reads in an image file, NFC;
    the image is read in grey at twice its size. Skips (fails in CI) without it."""
    tesseract = debian_tool("tesseract", "reads a ticket or a screenshot back")
    langs = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True).stdout
    if "vie" not in langs.split():
        debian_tool("tesseract-ocr-vie-missing", "tesseract-ocr-vie")
    with Image.open(path) as image:
        big = image.convert("L").resize((image.width * 2, image.height * 2), Image.LANCZOS)
    grey = path.with_name(path.stem + "-ocr.png")
    big.save(grey)
    out = subprocess.run(
        [tesseract, str(grey), "-", "-l", "vie", "--psm", "4"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return unicodedata.normalize("NFC", out.stdout)
