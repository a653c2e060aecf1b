"""Which driver reads a device, chosen by the scheme of its URL (docs/architecture.md, "Devices").

Drivers are named by dotted path and imported only when a device of that scheme is opened, so a
station without RFID never imports sllurp and a server never imports evdev.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from devices.health import DeviceHealth
    from devices.rfid.tags import TagRead
    from devices.scale import Weight
    from devices.scan import Scan

DeviceEvent: TypeAlias = "Scan | Weight | TagRead | DeviceHealth"
Emit: TypeAlias = "Callable[[DeviceEvent], Awaitable[None]]"

SCHEMES: Mapping[str, str] = {
    "serial": "devices.serial_scanner:SerialScanner",
    "hid": "devices.hid:HidScanner",
    "camera": "devices.camera.scanner:CameraScanner",
    "llrp": "devices.rfid.llrp:LlrpReader",
    "scale+serial": "devices.scale:SerialScale",
    "scale+hid": "devices.hid_scale:HidScale",
}


class InputDriver(Protocol):
    """What every input driver offers (see the device contract)."""

    def __init__(self, url: str, *, device_id: str, **options: Any) -> None: ...

    async def run(self, emit: Emit) -> None: ...

    async def close(self) -> None: ...


class UnknownScheme(ValueError):
    """No driver is registered for a URL's scheme."""


def scheme_of(url: str) -> str:
    scheme = urlsplit(url).scheme
    if not scheme:
        raise UnknownScheme(f"{url!r} has no scheme; expected one of {', '.join(sorted(SCHEMES))}")
    return scheme


def driver_class(url: str, schemes: Mapping[str, str] = SCHEMES) -> type[InputDriver]:
    """The driver class for `url`, imported on first use."""
    scheme = scheme_of(url)
    try:
        dotted = schemes[scheme]
    except KeyError:
        known = ", ".join(sorted(schemes))
        raise UnknownScheme(f"no driver for {scheme}:// (known: {known})") from None
    module_name, _, attribute = dotted.partition(":")
    cls: type[InputDriver] = getattr(importlib.import_module(module_name), attribute)
    return cls


def open_driver(
    url: str, *, device_id: str, schemes: Mapping[str, str] = SCHEMES, **options: Any
) -> InputDriver:
    """Build (not yet run) the driver for `url`."""
    return driver_class(url, schemes)(url, device_id=device_id, **options)
