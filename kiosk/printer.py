"""Printing a ticket image on an ESC/POS thermal printer, or previewing it.

A job is built on python-escpos's ``Dummy`` (``image()`` with the ``GS v 0``
raster command, then a cut when the profile has a cutter), then sent over a
fresh connection that is opened with a timeout and closed after each ticket:
a printer switched off and on again works on the next ticket, and a dead one
costs at most a few seconds. Every failure becomes ``PrinterFault`` with the
status to report (``offline`` or ``paper_out``), never a hang.

Connections (``[printer] connection``): ``usb:VID:PID[:IN_EP:OUT_EP]``,
``network:HOST[:PORT]``, ``serial:DEVICE[:BAUD]``, ``file:PATH`` and
``preview:DIR`` (writes each ticket as PNG plus the ESC/POS bytes).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import select
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

log = logging.getLogger(__name__)

PAPER_QUERY = b"\x10\x04\x04"  # DLE EOT 4: real-time paper sensor status
STATUSES = ("ok", "paper_low", "paper_out", "offline")


class PrinterFault(Exception):
    """The ticket did not print; ``status`` is what to report (offline, paper_out)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Target:
    """A parsed ``[printer] connection``."""

    kind: str  # usb, network, serial, file, preview
    host: str = ""
    port: int = 9100
    vendor: int = 0
    product: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01
    device: str = ""
    baud: int = 9600
    path: Path | None = None

    @property
    def answers_status(self) -> bool:
        """Whether this kind of connection can ask the printer for paper status."""
        return self.kind in ("usb", "network", "serial")

    def __str__(self) -> str:
        if self.kind == "network":
            return f"network:{self.host}:{self.port}"
        if self.kind == "usb":
            return f"usb:{self.vendor:#06x}:{self.product:#06x}"
        if self.kind == "serial":
            return f"serial:{self.device}:{self.baud}"
        return f"{self.kind}:{self.path}"


_FORMS = (
    "usb:VID:PID (e.g. usb:0x0416:0x5011), network:HOST:PORT, serial:DEVICE:BAUD, "
    "file:PATH or preview:DIR"
)


def parse_connection(text: str, base: Path | None = None) -> Target:
    """``"network:192.168.1.50:9100"`` → Target; ``ValueError`` names the expected forms."""
    kind, _, rest = text.strip().partition(":")
    base = base or Path.cwd()
    try:
        if kind == "usb":
            parts = rest.split(":")
            if len(parts) not in (2, 4):
                raise ValueError
            nums = [int(p, 16) for p in parts]
            if len(nums) == 4:
                return Target("usb", vendor=nums[0], product=nums[1], in_ep=nums[2], out_ep=nums[3])
            return Target("usb", vendor=nums[0], product=nums[1])
        if kind == "network":
            host, _, port = rest.rpartition(":") if re.search(r":\d+$", rest) else (rest, "", "")
            if not host or not re.fullmatch(r"[A-Za-z0-9.-]+", host):
                raise ValueError
            return Target("network", host=host, port=int(port) if port else 9100)
        if kind == "serial":
            device, _, baud = rest.rpartition(":") if re.search(r":\d+$", rest) else (rest, "", "")
            if not device:
                raise ValueError
            return Target("serial", device=device, baud=int(baud) if baud else 9600)
        if kind in ("file", "preview") and rest.strip():
            path = Path(rest.strip()).expanduser()
            return Target(kind, path=path if path.is_absolute() else base / path)
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a printer connection; use {_FORMS}")


# --- profiles and jobs --------------------------------------------------------------


def profile_info(name: str) -> tuple[int | None, bool]:
    """(dot width or None when unknown, has a cutter) of a python-escpos profile;
    ``ValueError`` for an unknown name."""
    from escpos.capabilities import get_profile

    try:
        profile = get_profile(name)
    except Exception:
        raise ValueError(f"unknown python-escpos printer profile {name!r}") from None
    pixels = profile.profile_data.get("media", {}).get("width", {}).get("pixels")
    width = pixels if isinstance(pixels, int) else None
    return width, profile.supports("paperFullCut") or profile.supports("paperPartCut")


def build_job(image: Image.Image, profile: str) -> bytes:
    """The ESC/POS bytes of one ticket: initialise, raster image, then cut (or feed)."""
    from escpos.printer import Dummy

    job = Dummy(profile=profile)
    job.hw("INIT")
    job.image(image, impl="bitImageRaster")
    _, cutter = profile_info(profile)
    if cutter:
        job.cut()
    else:
        job.print_and_feed(6)  # room to tear the ticket off
    return job.output


def paper_state(answer: bytes) -> str:
    """The answer to DLE EOT 4 → ok, paper_low or paper_out."""
    if not answer:
        raise PrinterFault("offline", "the printer closed the connection")
    byte = answer[-1]
    if byte & 0x60:
        return "paper_out"
    if byte & 0x0C:
        return "paper_low"
    return "ok"


# --- connections ------------------------------------------------------------------


class _Link:
    """One open connection: ``write`` all bytes, ``read`` a short status answer."""

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _EscposLink(_Link):
    """A python-escpos connection object (Usb, Serial), opened."""

    def __init__(self, device: Any) -> None:
        self.device = device

    def write(self, data: bytes) -> None:
        self.device._raw(data)

    def read(self) -> bytes:
        return bytes(self.device._read())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.device.close()


class _SocketLink(_Link):
    """A network printer's raw TCP port (9100), every operation under the timeout.

    Plain sockets rather than python-escpos's ``Network``, whose ``open`` leaks
    the socket when the connection is refused."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)  # the timeout bounds the whole call (Python ≥ 3.5)

    def read(self) -> bytes:
        return self.sock.recv(16)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class _FileLink(_Link):
    """A device file (``/dev/usb/lp0``) or a plain file, written with a deadline."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.timeout = timeout
        flags = os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK
        if not path.exists() or path.is_file():
            flags |= os.O_CREAT
        self.fd = os.open(path, flags, 0o644)

    def write(self, data: bytes) -> None:
        deadline = time.monotonic() + self.timeout
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the printer device took no more data")
            _, ready, _ = select.select([], [self.fd], [], left)
            if not ready:
                continue
            try:
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                continue

    def close(self) -> None:
        os.close(self.fd)


def _errors() -> tuple[type[BaseException], ...]:
    from escpos.exceptions import Error

    return (OSError, Error, ValueError, RuntimeError)


class Printer:
    """Sends jobs to one configured printer; every call opens a fresh connection."""

    def __init__(
        self,
        target: Target,
        profile: str = "TM-T20II",
        timeout: float = 3.0,
        paper_status: bool = True,
    ) -> None:
        self.target = target
        self.profile = profile
        self.timeout = timeout
        self.paper_status = paper_status and target.answers_status

    # public ------------------------------------------------------------------------

    def print_image(self, image: Image.Image, name: str = "ticket") -> str:
        """Print one ticket image; returns ok or paper_low, raises ``PrinterFault``."""
        return self.send(build_job(image, self.profile), image, name)

    def send(self, job: bytes, image: Image.Image | None = None, name: str = "ticket") -> str:
        """Send prepared bytes; returns ok or paper_low, raises ``PrinterFault``."""
        if self.target.kind == "preview":
            return self._preview(job, image, name)
        link = self._open()
        try:
            status = "ok"
            if self.paper_status:
                status = self._ask(link)
                if status == "paper_out":
                    raise PrinterFault("paper_out", "the printer is out of paper")
            try:
                link.write(job)
            except _errors() as exc:
                raise PrinterFault("offline", f"sending to {self.target} failed: {exc}") from None
            if self.paper_status:
                status = self._ask(link)  # paper may have run out during this ticket
                if status == "paper_out":
                    raise PrinterFault("paper_out", "the printer ran out of paper")
            return status
        finally:
            link.close()

    def probe(self) -> str:
        """The printer's status without printing: ok, paper_low, paper_out or offline.
        A printer that is not asked for its paper (``paper_status`` off, a file) is
        only opened and closed: ok when that works; a preview is always ok."""
        if self.target.kind == "preview":
            return "ok"
        try:
            link = self._open()
        except PrinterFault as fault:
            return fault.status
        if not self.paper_status:
            link.close()
            return "ok"
        try:
            return self._ask(link)
        except PrinterFault as fault:
            return fault.status
        finally:
            link.close()

    # private ----------------------------------------------------------------------

    def _ask(self, link: _Link) -> str:
        try:
            link.write(PAPER_QUERY)
            return paper_state(link.read())
        except PrinterFault:
            raise
        except _errors() as exc:
            raise PrinterFault(
                "offline", f"{self.target} did not answer the status request: {exc or 'timeout'}"
            ) from None

    def _open(self) -> _Link:
        t = self.target
        try:
            if t.kind == "file":
                assert t.path is not None
                return _FileLink(t.path, self.timeout)
            if t.kind == "network":
                return _SocketLink(t.host, t.port, self.timeout)
            if t.kind == "usb":
                from escpos.printer import Usb

                dev = Usb(
                    t.vendor,
                    t.product,
                    timeout=max(1, int(self.timeout * 1000)),  # ms; never 0 (= forever)
                    in_ep=t.in_ep,
                    out_ep=t.out_ep,
                    profile=self.profile,
                )
            else:
                from escpos.printer import Serial

                dev = Serial(t.device, t.baud, timeout=self.timeout, profile=self.profile)
            dev.open()
            if t.kind == "serial":
                dev.device.write_timeout = self.timeout
            return _EscposLink(dev)
        except _errors() as exc:
            detail = str(exc).strip().replace("\n", " ") or type(exc).__name__
            if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM):
                detail += " (permission: see README, Printers, udev rule)"
            raise PrinterFault("offline", f"cannot open {t}: {detail}") from None

    def _preview(self, job: bytes, image: Image.Image | None, name: str) -> str:
        assert self.target.path is not None
        stem = (
            f"{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}-{re.sub(r'[^A-Za-z0-9-]', '_', name)}"
        )
        try:
            self.target.path.mkdir(parents=True, exist_ok=True)
            if image is not None:
                image.save(self.target.path / f"{stem}.png")
            (self.target.path / f"{stem}.bin").write_bytes(job)
        except OSError as exc:
            raise PrinterFault("offline", f"cannot write the preview: {exc}") from None
        return "ok"
