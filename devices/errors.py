"""Errors a device driver raises; the supervisor decides what to do with each kind."""

from __future__ import annotations


class DeviceError(Exception):
    """Something went wrong talking to a device."""


class DeviceDisconnected(DeviceError):
    """The device went away: unplugged, port closed, socket closed. The supervisor reconnects."""


class DeviceFault(DeviceError):
    """The device answered but is unusable: out of paper, head open, scale overloaded, ..."""
