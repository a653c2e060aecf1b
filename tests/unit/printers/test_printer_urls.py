"""Printer drivers are chosen by URL scheme."""

from __future__ import annotations

import pytest

from devices.errors import DeviceFault
from devices.printers.driver import open_printer
from devices.printers.zpl import ZplPrinter


def test_a_tcp_url_opens_a_zpl_printer_on_port_9100_by_default() -> None:
    printer = open_printer("tcp://10.0.0.5")
    assert isinstance(printer, ZplPrinter)
    assert (printer.host, printer.port) == ("10.0.0.5", 9100)


def test_url_query_parameters_become_driver_options() -> None:
    printer = open_printer("zpl+tcp://10.0.0.5:6101?timeout=0.25")
    assert isinstance(printer, ZplPrinter)
    assert printer.port == 6101
    assert printer.timeout == 0.25


def test_an_unknown_scheme_is_a_device_fault_naming_the_known_ones() -> None:
    with pytest.raises(DeviceFault, match="escpos\\+tcp"):
        open_printer("lpd://printer/queue")
