"""PDF printing through CUPS where it exists, and a clear fault where it does not."""

from __future__ import annotations

import pytest

from devices.errors import DeviceFault
from devices.printers.cups import CupsPrinter
from devices.printers.driver import open_printer


async def test_without_cups_commands_sending_is_a_fault_that_says_cups_is_not_installed() -> None:
    printer = open_printer("cups://office?lp=kaeru-no-such-lp&lpstat=kaeru-no-such-lpstat")
    assert isinstance(printer, CupsPrinter)
    with pytest.raises(DeviceFault, match="CUPS is not installed"):
        await printer.send(b"%PDF-1.4")


async def test_without_cups_commands_the_queue_status_is_a_fault_not_a_crash() -> None:
    printer = CupsPrinter("cups://office", lpstat="kaeru-no-such-lpstat")
    status = await printer.status()
    assert not status.ready
    assert "CUPS is not installed" in status.detail
