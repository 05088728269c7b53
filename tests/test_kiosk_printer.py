"""Printer connections: a TCP listener as a network printer, files, previews."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image

from kiosk.printer import PAPER_QUERY, Printer, PrinterFault, paper_state, parse_connection
from kiosk.ticket import Header, ticket_image
from tests.kiosk_support import (
    PAPER_LOW,
    PAPER_OUT,
    FakeNetworkPrinter,
    raster_image,
    same_pixels,
)

HEADER = Header("UBND XÃ THỬ", "Trung tâm Phục vụ hành chính công", "http://127.0.0.1:8080")
TICKET = {"id": 9, "code": "B002", "service_name": "Chứng thực", "priority": False}


@pytest.fixture
def image() -> Image.Image:
    return ticket_image(TICKET, HEADER, 576).image


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("usb:0x0416:0x5011", "usb:0x0416:0x5011"),
        ("usb:04b8:0e15:81:02", "usb:0x04b8:0x0e15"),
        ("network:192.168.1.50:9100", "network:192.168.1.50:9100"),
        ("network:printer.local", "network:printer.local:9100"),
        ("serial:/dev/ttyUSB0:19200", "serial:/dev/ttyUSB0:19200"),
        ("serial:/dev/ttyS0", "serial:/dev/ttyS0:9600"),
        ("file:/dev/usb/lp0", "file:/dev/usb/lp0"),
        ("preview:/tmp/tickets", "preview:/tmp/tickets"),
    ],
)
def test_parse_connection(text: str, expected: str) -> None:
    assert str(parse_connection(text)) == expected


def test_parse_connection_relative_and_endpoints(tmp_path: Path) -> None:
    t = parse_connection("preview:var/tickets", tmp_path)
    assert t.path == tmp_path / "var" / "tickets"
    u = parse_connection("usb:04b8:0e15:81:02")
    assert (u.vendor, u.product, u.in_ep, u.out_ep) == (0x04B8, 0x0E15, 0x81, 0x02)


@pytest.mark.parametrize(
    "text", ["usb:0416", "usb:zz:11", "network:", "network:a b:1", "lpt:1", "preview:", "file"]
)
def test_bad_connections_name_the_forms(text: str) -> None:
    with pytest.raises(ValueError, match="network:HOST:PORT"):
        parse_connection(text)


def test_paper_state() -> None:
    assert paper_state(bytes([0x12])) == "ok"
    assert paper_state(bytes([PAPER_LOW])) == "paper_low"
    assert paper_state(bytes([PAPER_OUT])) == "paper_out"
    with pytest.raises(PrinterFault) as err:
        paper_state(b"")
    assert err.value.status == "offline"


def test_network_print_asks_status_then_sends_the_raster(image: Image.Image) -> None:
    fake = FakeNetworkPrinter()
    try:
        printer = Printer(parse_connection(fake.connection), timeout=3.0)
        assert printer.print_image(image) == "ok"
        deadline = time.monotonic() + 3
        while not (fake.connections and fake.connections[0].closed) and time.monotonic() < deadline:
            time.sleep(0.01)
        data = fake.all_bytes()
        assert data.startswith(PAPER_QUERY) and data.endswith(PAPER_QUERY)
        assert same_pixels(raster_image(data), image)
        assert len(fake.connections) == 1 and fake.connections[0].closed  # closed after the job
        assert printer.probe() == "ok"
        assert len(fake.connections) == 2  # a fresh connection each time
    finally:
        fake.close()


def test_paper_low_prints_paper_out_does_not(image: Image.Image) -> None:
    fake = FakeNetworkPrinter(paper=PAPER_LOW)
    try:
        printer = Printer(parse_connection(fake.connection), timeout=3.0)
        assert printer.print_image(image) == "paper_low"
        fake.paper = PAPER_OUT
        with pytest.raises(PrinterFault) as err:
            printer.print_image(image)
        assert err.value.status == "paper_out"
        assert printer.probe() == "paper_out"
    finally:
        fake.close()


@pytest.mark.parametrize("mode", ["never_read", "close"])
def test_dead_network_printer_faults_within_the_timeout(mode: str, image: Image.Image) -> None:
    fake = FakeNetworkPrinter(mode)
    try:
        printer = Printer(parse_connection(fake.connection), timeout=1.0)
        t0 = time.monotonic()
        with pytest.raises(PrinterFault) as err:
            printer.print_image(image)
        assert err.value.status == "offline"
        assert time.monotonic() - t0 < 2.5
    finally:
        fake.close()


def test_nobody_listening_is_offline_at_once(image: Image.Image) -> None:
    fake = FakeNetworkPrinter()
    fake.close()  # the port is free now: connection refused
    printer = Printer(parse_connection(fake.connection), timeout=3.0)
    t0 = time.monotonic()
    with pytest.raises(PrinterFault, match="cannot open network"):
        printer.print_image(image)
    assert time.monotonic() - t0 < 1.0
    assert printer.probe() == "offline"


def test_without_status_requests_a_network_printer_only_gets_the_job(image: Image.Image) -> None:
    fake = FakeNetworkPrinter()
    try:
        Printer(parse_connection(fake.connection), paper_status=False).print_image(image)
        deadline = time.monotonic() + 3
        while not (fake.connections and fake.connections[0].closed) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert PAPER_QUERY not in fake.all_bytes()[:3]
        assert same_pixels(raster_image(fake.all_bytes()), image)
    finally:
        fake.close()


def test_a_printer_not_asked_for_paper_is_probed_by_opening_it() -> None:
    """No status request, no bytes: the connection opens (ok) or not (offline), so a
    kiosk that stopped issuing for a dead printer sees it come back."""
    fake = FakeNetworkPrinter()
    printer = Printer(parse_connection(fake.connection), timeout=1.0, paper_status=False)
    try:
        assert printer.probe() == "ok"
        assert fake.all_bytes() == b""
    finally:
        fake.close()
    assert printer.probe() == "offline"


def test_file_connection_appends_jobs(tmp_path: Path, image: Image.Image) -> None:
    out = tmp_path / "lp0"
    printer = Printer(parse_connection(f"file:{out}"))
    assert not printer.paper_status  # a file cannot answer
    assert printer.print_image(image) == "ok"
    assert printer.print_image(image) == "ok"
    data = out.read_bytes()
    assert data.count(b"\x1b@") >= 2 and same_pixels(raster_image(data.split(b"\x1dV")[0]), image)


def test_file_connection_errors_are_faults(tmp_path: Path, image: Image.Image) -> None:
    printer = Printer(parse_connection(f"file:{tmp_path}/missing-dir/lp0"))
    with pytest.raises(PrinterFault, match="cannot open"):
        printer.print_image(image)


def test_preview_writes_png_and_escpos(tmp_path: Path, image: Image.Image) -> None:
    printer = Printer(parse_connection("preview:out", tmp_path))
    assert printer.print_image(image, "B002-9") == "ok"
    (png,) = (tmp_path / "out").glob("*B002-9.png")
    (binary,) = (tmp_path / "out").glob("*B002-9.bin")
    assert same_pixels(Image.open(png), image)
    assert same_pixels(raster_image(binary.read_bytes()), image)


def test_preview_into_an_unwritable_place_is_a_fault(tmp_path: Path, image: Image.Image) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(PrinterFault):
        Printer(parse_connection(f"preview:{blocker}")).print_image(image)


def test_usb_printer_absent_is_offline_quickly(image: Image.Image) -> None:
    printer = Printer(parse_connection("usb:0x0416:0x5011"), timeout=1.0)
    t0 = time.monotonic()
    with pytest.raises(PrinterFault) as err:
        printer.print_image(image)
    assert err.value.status == "offline" and time.monotonic() - t0 < 2


def test_serial_device_absent_is_offline(image: Image.Image) -> None:
    printer = Printer(parse_connection("serial:/dev/nonexistent-tty:9600"), timeout=1.0)
    with pytest.raises(PrinterFault, match="cannot open serial"):
        printer.print_image(image)
