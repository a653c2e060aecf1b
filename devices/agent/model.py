"""The station agent's decisions as plain functions over plain values.

Which of a station's devices the agent opens, what it sends the server for each device event, how
queued events are grouped into requests, and what each answer from the server means for the queue.
Nothing here does I/O: the queue, the HTTP link and the supervisor call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from devices.health import DeviceHealth
from devices.registry import SCHEMES
from devices.rfid.tags import TagRead
from devices.scale import Weight, is_news, wire_grams
from devices.scan import Scan
from devices.supervisor import DeviceSpec

EventKind = Literal["scan", "weight", "health"]

# Where each kind of queued event goes (the server's scan-ingest API).
PATHS: Mapping[str, str] = {
    "scan": "/api/v1/scans",
    "weight": "/api/v1/devices/weights",
    "health": "/api/v1/devices/health",
}
BATCH_PATH = "/api/v1/scans/batch"
ME_PATH = "/api/v1/me"

# delivered: the server answered and applied (or replayed) it; rejected: the server gave a final
# "no" (4xx) — kept in the queue file for the record, never retried; retry: no usable answer yet
# (unreachable, timeout, 5xx, busy); stop: the agent's token is refused, so nothing can be sent;
# split: the batch as a whole was refused, so its scans are sent one by one to find the bad one.
Verdict = Literal["delivered", "rejected", "retry", "stop", "split"]

# 4xx answers that mean "not now" rather than "no": request timeout, key still in flight, too early,
# too many requests.
_TRY_AGAIN = frozenset({408, 409, 425, 429})


@dataclass(frozen=True)
class Outgoing:
    """What one device event becomes on the server: its kind and the JSON body to send."""

    kind: EventKind
    body: dict[str, Any]


@dataclass(frozen=True)
class Entry:
    """One event in the durable queue, in the order it was acknowledged."""

    seq: int
    key: str  # the Idempotency-Key, generated when the event was first queued; every retry reuses it
    kind: EventKind
    body: dict[str, Any]
    queued_at: datetime


@dataclass(frozen=True)
class Settled:
    """The server's final answer to one queued event."""

    seq: int
    state: Literal["delivered", "rejected"]
    status: int
    message: str


@dataclass(frozen=True)
class Request:
    """One HTTP call to the server for one or more queued events."""

    path: str
    body: dict[str, Any]
    key: str | None  # Idempotency-Key header (single events); a batch carries a key per scan


@dataclass(frozen=True)
class Outcome:
    """What became of a request: the events settled (a prefix of the request, in order) and, when
    not all were settled, what to do about the rest."""

    settled: tuple[Settled, ...]
    rest: Verdict | None = None  # None: every event of the request is settled
    reason: str = ""


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def outgoing_for(event: object) -> Outgoing | None:
    """The server call for a device event, or None when the server need not hear of it.

    A tag is sent once, when it arrives (the RFID driver already de-duplicates reads per window);
    "present" and "gone" reports stay at the edge.
    """
    match event:
        case Scan():
            return Outgoing("scan", {"raw": event.raw, "scanned_at": _iso(event.at), "epc": None})
        case TagRead(presence="arrived"):
            return Outgoing(
                "scan", {"raw": f"EPC:{event.epc}", "scanned_at": _iso(event.first_seen), "epc": event.epc}
            )
        case TagRead():
            return None
        case Weight():
            return Outgoing(
                "weight",
                {"grams": wire_grams(event.precise), "stable": event.stable, "measured_at": _iso(event.at)},
            )
        case DeviceHealth():
            return Outgoing(
                "health",
                {
                    "device": event.device,
                    "state": event.state,
                    "detail": event.detail,
                    "last_seen": _iso(event.last_seen or event.at),
                },
            )
    return None


def weight_is_news(last_sent: Weight | None, weight: Weight) -> bool:
    """Whether a scale reading is worth telling the server: the scale settled or started moving, or
    settled on another weight, compared at the scale's own resolution (1234.5 g is not 1234.6 g).
    A moving scale's changing numbers are not."""
    return is_news(last_sent, weight)


def summary(kind: str, body: Mapping[str, Any]) -> str:
    """A short line for the agent's log."""
    if kind == "scan":
        return repr(body.get("raw"))
    if kind == "weight":
        return f"{body.get('grams')} g {'stable' if body.get('stable') else 'moving'}"
    return f"{body.get('device') or 'agent'} {body.get('state')} {body.get('detail') or ''}".rstrip()


def verdict(status: int | None) -> Verdict:
    """What an HTTP status means for the events of a request (None: no answer at all)."""
    if status is None:
        return "retry"
    if 200 <= status < 300:
        return "delivered"
    if status == 401:
        return "stop"
    if status in _TRY_AGAIN or status >= 500:
        return "retry"
    if 400 <= status < 500:
        return "rejected"
    return "retry"  # 1xx/3xx: not an answer from Kaeru; keep the events and try again


def next_run(pending: Sequence[Entry], max_batch: int) -> list[Entry]:
    """The events of the next request, oldest first: the leading scans (up to `max_batch`) go
    together through the batch endpoint; a weight or health event goes alone."""
    if not pending:
        return []
    if pending[0].kind != "scan":
        return [pending[0]]
    run: list[Entry] = []
    for entry in pending:
        if entry.kind != "scan" or len(run) >= max_batch:
            break
        run.append(entry)
    return run


def request_for(run: Sequence[Entry]) -> Request:
    """The HTTP call for a run of events: one event to its own endpoint, several scans as a batch."""
    if len(run) == 1:
        entry = run[0]
        return Request(PATHS[entry.kind], entry.body, entry.key)
    if any(entry.kind != "scan" for entry in run):
        raise ValueError("only scans travel together in a batch")
    return Request(BATCH_PATH, {"scans": [{**e.body, "idempotency_key": e.key} for e in run]}, None)


def message_of(body: object) -> str:
    """The person-readable part of a server answer."""
    if isinstance(body, Mapping):
        for field in ("message", "outcome", "state", "error"):
            value = body.get(field)
            if value:
                return str(value)
    return ""


def _settle(entry: Entry, status: int, body: object) -> Settled:
    state: Literal["delivered", "rejected"] = "delivered" if 200 <= status < 300 else "rejected"
    return Settled(entry.seq, state, status, message_of(body))


def outcome_of(run: Sequence[Entry], status: int | None, body: object) -> Outcome:
    """Read the server's answer to the request for `run`.

    Events are settled strictly in order: when the answer to one event is "try again", it and every
    later event of the run stay queued (the server applies a batch in order, so a later event that
    it did apply is simply replayed, once, by its key).
    """
    overall = verdict(status)
    if overall in ("retry", "stop"):
        return Outcome((), overall, f"HTTP {status}: {message_of(body)}" if status else "no answer")
    if status is None:  # verdict() sends an unanswered request to retry, above
        return Outcome((), "retry", "no answer")
    if len(run) == 1:
        return Outcome((_settle(run[0], status, body),))
    if overall == "rejected":  # the batch as a whole was refused: find out which scan by sending each alone
        return Outcome((), "split", f"HTTP {status}: {message_of(body)}")
    results = body.get("results") if isinstance(body, Mapping) else None
    if not isinstance(results, list) or len(results) != len(run):
        return Outcome((), "retry", "the batch answer does not list one result per scan")
    settled: list[Settled] = []
    for entry, result in zip(run, results, strict=True):
        if not isinstance(result, Mapping) or result.get("idempotency_key") != entry.key:
            return Outcome(tuple(settled), "retry", "the batch answer is out of order")
        item_status = int(result.get("status", 0))
        item_verdict = verdict(item_status)
        if item_verdict not in ("delivered", "rejected"):
            return Outcome(tuple(settled), item_verdict, f"scan answered HTTP {item_status}")
        settled.append(_settle(entry, item_status, result))
    return Outcome(tuple(settled))


def input_devices(
    devices: Iterable[tuple[str, str]],
    *,
    overrides: Mapping[str, str] | None = None,
    schemes: Mapping[str, str] = SCHEMES,
) -> tuple[list[DeviceSpec], list[str]]:
    """The devices the agent opens (code, URL), and why each other device is left alone.

    Only input devices with a driver scheme are opened; printers are output devices driven by the
    server's print relay, and a device without a URL (a handheld) talks to the server itself.
    `overrides` replaces configured URLs by device code (a station whose scanner sits on another port).
    """
    overrides = dict(overrides or {})
    opened: list[DeviceSpec] = []
    skipped: list[str] = []
    for code, configured in devices:
        url = overrides.pop(code, configured)
        scheme = url.partition("://")[0] if "://" in url else ""
        if not url:
            skipped.append(f"{code}: no URL (it talks to the server itself)")
        elif scheme not in schemes:
            skipped.append(f"{code}: {scheme or url}:// is not an input device the agent reads")
        else:
            opened.append(DeviceSpec(code, url))
    if overrides:
        raise ValueError(f"no device {', '.join(sorted(overrides))} at this station")
    return opened, skipped


def parse_overrides(values: Iterable[str]) -> dict[str, str]:
    """`CODE=URL` pairs from the command line."""
    overrides: dict[str, str] = {}
    for value in values:
        code, sep, url = value.partition("=")
        if not sep or not code or not url:
            raise ValueError(f"{value!r}: expected CODE=URL, e.g. RET-1-SCANNER=serial:///dev/ttyACM0")
        overrides[code.strip()] = url.strip()
    return overrides


def heartbeat_detail(station: str, pending: int, devices: Mapping[str, str]) -> str:
    """The agent's own health line: its backlog and each device's state."""
    states = ", ".join(f"{code} {state}" for code, state in sorted(devices.items())) or "no input devices"
    return f"agent of {station}: {pending} queued; {states}"
