"""A UHF RFID reader on a TCP port, speaking LLRP 1.0.1 as a fixed reader does.

Any LLRP client (the sllurp library, Kaeru's `llrp://` driver, vendor tools) connects to it,
reads its capabilities and configuration, adds/enables/starts ROSpecs and receives
RO_ACCESS_REPORTs for a simulated tag population: tags per antenna, an RSSI per tag and antenna
with read-to-read spread, Gen2 session behaviour (S0 re-reads a tag at every round and hop,
S1 after its persistence time, S2/S3 once while the tag stays powered), missed reads, and the
transmit power from the ROSpec.

The LLRP framing below is written by hand with `struct`: no well-kept, permissively licensed LLRP
encoder exists (sllurp is GPL and stays an optional client-side extra), and the simulator must run
without it. The client side is tested against sllurp as an independent implementation.

What is simulated, and what is not:
- messages: READER_EVENT_NOTIFICATION (connection attempt), GET_READER_CAPABILITIES, GET/SET_
  READER_CONFIG, ADD/DELETE/ENABLE/DISABLE/START/STOP_ROSPEC, GET_ROSPECS, ENABLE_EVENTS_AND_
  REPORTS, GET_REPORT, KEEPALIVE(_ACK), CLOSE_CONNECTION, ADD/DELETE/ENABLE/DISABLE_ACCESSSPEC
  (AccessSpecs are accepted but never executed); anything else gets ERROR_MESSAGE
  "UnsupportedMessage".
- ROSpec start triggers Null and Immediate (Periodic and GPI are refused); stop triggers Null and
  Duration; AISpec stop triggers Null, Duration and Tag observation (UponNTags with timeout);
  report triggers None (GET_REPORT), Upon_N_Tags_Or_End_Of_AISpec, Upon_N_Tags_Or_End_Of_ROSpec.
- An AISpec with a Null stop trigger ends, in this simulator, after one inventory round over its
  antennas (a real reader would keep it running until the ROSpec stops); this keeps reports
  flowing for clients that never set a stop trigger.
- Reads taken while no client is connected are dropped (no event holding).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import struct
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import ClassVar

from devices.epc import encode_sgtin96

log = logging.getLogger(__name__)

LLRP_VERSION = 1  # LLRP 1.0.1
DEFAULT_PORT = 5084
MAX_MESSAGE = 1 << 20
_HEADER = struct.Struct("!HII")
_TLV = struct.Struct("!HH")


class M(IntEnum):
    """LLRP 1.0.1 message types."""

    GET_READER_CAPABILITIES = 1
    GET_READER_CONFIG = 2
    SET_READER_CONFIG = 3
    CLOSE_CONNECTION_RESPONSE = 4
    GET_READER_CAPABILITIES_RESPONSE = 11
    GET_READER_CONFIG_RESPONSE = 12
    SET_READER_CONFIG_RESPONSE = 13
    CLOSE_CONNECTION = 14
    ADD_ROSPEC = 20
    DELETE_ROSPEC = 21
    START_ROSPEC = 22
    STOP_ROSPEC = 23
    ENABLE_ROSPEC = 24
    DISABLE_ROSPEC = 25
    GET_ROSPECS = 26
    ADD_ROSPEC_RESPONSE = 30
    DELETE_ROSPEC_RESPONSE = 31
    START_ROSPEC_RESPONSE = 32
    STOP_ROSPEC_RESPONSE = 33
    ENABLE_ROSPEC_RESPONSE = 34
    DISABLE_ROSPEC_RESPONSE = 35
    GET_ROSPECS_RESPONSE = 36
    ADD_ACCESSSPEC = 40
    DELETE_ACCESSSPEC = 41
    ENABLE_ACCESSSPEC = 42
    DISABLE_ACCESSSPEC = 43
    ADD_ACCESSSPEC_RESPONSE = 50
    DELETE_ACCESSSPEC_RESPONSE = 51
    ENABLE_ACCESSSPEC_RESPONSE = 52
    DISABLE_ACCESSSPEC_RESPONSE = 53
    GET_REPORT = 60
    RO_ACCESS_REPORT = 61
    KEEPALIVE = 62
    READER_EVENT_NOTIFICATION = 63
    ENABLE_EVENTS_AND_REPORTS = 64
    KEEPALIVE_ACK = 72
    ERROR_MESSAGE = 100


class P(IntEnum):
    """LLRP 1.0.1 parameter types used here (TV types are below 128)."""

    ANTENNA_ID = 1
    FIRST_SEEN_UTC = 2
    LAST_SEEN_UTC = 4
    PEAK_RSSI = 6
    CHANNEL_INDEX = 7
    TAG_SEEN_COUNT = 8
    ROSPEC_ID = 9
    INVENTORY_PARAMETER_SPEC_ID = 10
    EPC_96 = 13
    SPEC_INDEX = 14
    ACCESS_SPEC_ID = 16
    UTC_TIMESTAMP = 128
    GENERAL_DEVICE_CAPABILITIES = 137
    RECEIVE_SENSITIVITY_TABLE_ENTRY = 139
    PER_ANTENNA_AIR_PROTOCOL = 140
    GPIO_CAPABILITIES = 141
    LLRP_CAPABILITIES = 142
    REGULATORY_CAPABILITIES = 143
    UHF_BAND_CAPABILITIES = 144
    TRANSMIT_POWER_LEVEL_TABLE_ENTRY = 145
    FREQUENCY_INFORMATION = 146
    FREQUENCY_HOP_TABLE = 147
    ROSPEC = 177
    RO_BOUNDARY_SPEC = 178
    ROSPEC_START_TRIGGER = 179
    ROSPEC_STOP_TRIGGER = 182
    AI_SPEC = 183
    AI_SPEC_STOP_TRIGGER = 184
    TAG_OBSERVATION_TRIGGER = 185
    INVENTORY_PARAMETER_SPEC = 186
    LLRP_CONFIGURATION_STATE_VALUE = 217
    IDENTIFICATION = 218
    KEEPALIVE_SPEC = 220
    ANTENNA_PROPERTIES = 221
    ANTENNA_CONFIGURATION = 222
    RF_RECEIVER = 223
    RF_TRANSMITTER = 224
    EVENTS_AND_REPORTS = 226
    RO_REPORT_SPEC = 237
    TAG_REPORT_CONTENT_SELECTOR = 238
    ACCESS_REPORT_SPEC = 239
    TAG_REPORT_DATA = 240
    EPC_DATA = 241
    READER_EVENT_NOTIFICATION_SPEC = 244
    EVENT_NOTIFICATION_STATE = 245
    READER_EVENT_NOTIFICATION_DATA = 246
    CONNECTION_ATTEMPT_EVENT = 256
    LLRP_STATUS = 287
    C1G2_LLRP_CAPABILITIES = 327
    UHF_C1G2_RF_MODE_TABLE = 328
    UHF_C1G2_RF_MODE_TABLE_ENTRY = 329
    C1G2_INVENTORY_COMMAND = 330
    C1G2_RF_CONTROL = 335
    C1G2_SINGULATION_CONTROL = 336
    C1G2_EPC_MEMORY_SELECTOR = 348


class Status(IntEnum):
    SUCCESS = 0
    PARAMETER_ERROR = 100
    FIELD_ERROR = 101
    UNSUPPORTED_MESSAGE = 109
    UNSUPPORTED_VERSION = 110
    P_UNSUPPORTED_PARAMETER = 209
    DEVICE_ERROR = 401


# TV parameter body sizes (LLRP 1.0.1 section 16.2.7.3 and the C1G2 air-protocol TVs).
_TV_SIZES = {
    1: 2,
    2: 8,
    3: 8,
    4: 8,
    5: 8,
    6: 1,
    7: 2,
    8: 2,
    9: 4,
    10: 2,
    11: 2,
    12: 2,
    13: 12,
    14: 2,
    15: 2,
    16: 4,
    17: 2,
    18: 4,
}

# Response type for each request type, for error answers to malformed requests.
_RESPONSE_TO = {
    M.GET_READER_CAPABILITIES: M.GET_READER_CAPABILITIES_RESPONSE,
    M.GET_READER_CONFIG: M.GET_READER_CONFIG_RESPONSE,
    M.SET_READER_CONFIG: M.SET_READER_CONFIG_RESPONSE,
    M.CLOSE_CONNECTION: M.CLOSE_CONNECTION_RESPONSE,
    M.ADD_ROSPEC: M.ADD_ROSPEC_RESPONSE,
    M.DELETE_ROSPEC: M.DELETE_ROSPEC_RESPONSE,
    M.START_ROSPEC: M.START_ROSPEC_RESPONSE,
    M.STOP_ROSPEC: M.STOP_ROSPEC_RESPONSE,
    M.ENABLE_ROSPEC: M.ENABLE_ROSPEC_RESPONSE,
    M.DISABLE_ROSPEC: M.DISABLE_ROSPEC_RESPONSE,
    M.GET_ROSPECS: M.GET_ROSPECS_RESPONSE,
    M.ADD_ACCESSSPEC: M.ADD_ACCESSSPEC_RESPONSE,
    M.DELETE_ACCESSSPEC: M.DELETE_ACCESSSPEC_RESPONSE,
    M.ENABLE_ACCESSSPEC: M.ENABLE_ACCESSSPEC_RESPONSE,
    M.DISABLE_ACCESSSPEC: M.DISABLE_ACCESSSPEC_RESPONSE,
}


class MalformedMessage(ValueError):
    """A request whose parameters cannot be read."""


# ---------------------------------------------------------------------------------------------
# Encoding: values -> bytes


def message(msg_type: int, msg_id: int, body: bytes = b"") -> bytes:
    """One LLRP message: 3 reserved bits, 3-bit version, 10-bit type, 32-bit length, 32-bit id."""
    return _HEADER.pack((LLRP_VERSION << 10) | msg_type, _HEADER.size + len(body), msg_id) + body


def tlv(param_type: int, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return _TLV.pack(param_type, _TLV.size + len(body)) + body


def tv(param_type: int, body: bytes) -> bytes:
    return bytes((0x80 | param_type,)) + body


def llrp_status(code: int = Status.SUCCESS, description: str = "") -> bytes:
    text = description.encode()
    return tlv(P.LLRP_STATUS, struct.pack("!HH", code, len(text)), text)


def utc_micros() -> int:
    return time.time_ns() // 1000


def connection_attempt_event(status: int = 0) -> bytes:
    """READER_EVENT_NOTIFICATION body: 0 = success, 2 = a client connection already exists."""
    return tlv(
        P.READER_EVENT_NOTIFICATION_DATA,
        tlv(P.UTC_TIMESTAMP, struct.pack("!Q", utc_micros())),
        tlv(P.CONNECTION_ATTEMPT_EVENT, struct.pack("!H", status)),
    )


# ---------------------------------------------------------------------------------------------
# Decoding: bytes -> parameters


def parameters(data: bytes) -> list[tuple[int, bytes]]:
    """Split a run of TLV/TV parameters into (type, body). Raises MalformedMessage."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        first = data[pos]
        if first & 0x80:
            kind = first & 0x7F
            size = _TV_SIZES.get(kind)
            if size is None or pos + 1 + size > len(data):
                raise MalformedMessage(f"unknown or truncated TV parameter {kind}")
            out.append((kind, data[pos + 1 : pos + 1 + size]))
            pos += 1 + size
            continue
        if pos + 4 > len(data):
            raise MalformedMessage("truncated parameter header")
        kind, length = _TLV.unpack_from(data, pos)
        kind &= 0x3FF
        if length < 4 or pos + length > len(data):
            raise MalformedMessage(f"parameter {kind} has a bad length {length}")
        out.append((kind, data[pos + 4 : pos + length]))
        pos += length
    return out


def _first(params: list[tuple[int, bytes]], kind: int) -> bytes | None:
    return next((body for k, body in params if k == kind), None)


def _unpack(fmt: str, body: bytes) -> tuple[int, ...]:
    try:
        return struct.unpack_from(fmt, body)
    except struct.error as exc:
        raise MalformedMessage(str(exc)) from exc


@dataclass(frozen=True)
class ContentSelector:
    """Which fields a TagReportData carries (TagReportContentSelector)."""

    rospec_id: bool = False
    spec_index: bool = False
    inventory_parameter_spec_id: bool = False
    antenna_id: bool = True
    channel_index: bool = False
    peak_rssi: bool = True
    first_seen: bool = True
    last_seen: bool = True
    seen_count: bool = True
    access_spec_id: bool = False

    @classmethod
    def from_bits(cls, flags: int) -> ContentSelector:
        return cls(*(bool(flags & (1 << (15 - i))) for i in range(10)))

    def bits(self) -> int:
        values = (
            self.rospec_id,
            self.spec_index,
            self.inventory_parameter_spec_id,
            self.antenna_id,
            self.channel_index,
            self.peak_rssi,
            self.first_seen,
            self.last_seen,
            self.seen_count,
            self.access_spec_id,
        )
        return sum(1 << (15 - i) for i, on in enumerate(values) if on)


@dataclass(frozen=True)
class ReportSpec:
    trigger: int = 1  # 0 none, 1 N tags or end of AISpec, 2 N tags or end of ROSpec
    n: int = 0
    content: ContentSelector = ContentSelector()

    def encode(self) -> bytes:
        return tlv(
            P.RO_REPORT_SPEC,
            struct.pack("!BH", self.trigger, self.n),
            tlv(
                P.TAG_REPORT_CONTENT_SELECTOR,
                struct.pack("!H", self.content.bits()),
                tlv(P.C1G2_EPC_MEMORY_SELECTOR, b"\x00"),
            ),
        )


def parse_report_spec(body: bytes) -> ReportSpec:
    trigger, n = _unpack("!BH", body)
    selector = _first(parameters(body[3:]), P.TAG_REPORT_CONTENT_SELECTOR)
    content = ContentSelector.from_bits(_unpack("!H", selector)[0]) if selector else ContentSelector()
    return ReportSpec(trigger=trigger, n=n, content=content)


@dataclass(frozen=True)
class AntennaSettings:
    power_index: int | None = None  # index into the transmit power table
    session: int | None = None


def parse_antenna_configuration(body: bytes) -> tuple[int, AntennaSettings]:
    (antenna,) = _unpack("!H", body)
    power = session = None
    for kind, sub in parameters(body[2:]):
        if kind == P.RF_TRANSMITTER:
            power = _unpack("!HHH", sub)[2]
        elif kind == P.C1G2_INVENTORY_COMMAND:
            control = _first(parameters(sub[1:]), P.C1G2_SINGULATION_CONTROL)
            if control is not None:
                session = _unpack("!B", control)[0] >> 6
    return antenna, AntennaSettings(power_index=power, session=session)


@dataclass(frozen=True)
class AISpec:
    antennas: tuple[int, ...]  # 0 means all antennas
    stop_type: int = 0  # 0 null, 1 duration, 2 GPI, 3 tag observation
    duration_ms: int = 0
    n_tags: int = 0
    timeout_ms: int = 0
    settings: Mapping[int, AntennaSettings] = field(default_factory=dict)


@dataclass
class ROSpec:
    rospec_id: int
    priority: int
    start_trigger: int  # 0 null, 1 immediate
    stop_duration_ms: int | None  # None: runs until stopped
    ai_specs: list[AISpec]
    report: ReportSpec | None
    raw: bytes  # the ROSpec parameter as received, for GET_ROSPECS
    state: int = 0  # 0 disabled, 1 inactive, 2 active


def parse_rospec(raw_param: bytes) -> ROSpec:
    """Read an ROSpec parameter body. Raises MalformedMessage or NotImplementedError."""
    rospec_id, priority, state = _unpack("!IBB", raw_param)
    if state != 0:
        raise MalformedMessage("a new ROSpec must be in the Disabled state")
    start_trigger = 0
    stop_duration: int | None = None
    ai_specs: list[AISpec] = []
    report: ReportSpec | None = None
    for kind, body in parameters(raw_param[6:]):
        if kind == P.RO_BOUNDARY_SPEC:
            boundary = parameters(body)
            start = _first(boundary, P.ROSPEC_START_TRIGGER)
            stop = _first(boundary, P.ROSPEC_STOP_TRIGGER)
            if start is None or stop is None:
                raise MalformedMessage("ROBoundarySpec needs a start and a stop trigger")
            start_trigger = _unpack("!B", start)[0]
            if start_trigger not in (0, 1):
                raise NotImplementedError("only Null and Immediate ROSpec start triggers are simulated")
            stop_type, duration = _unpack("!BI", stop)
            if stop_type not in (0, 1):
                raise NotImplementedError("only Null and Duration ROSpec stop triggers are simulated")
            stop_duration = duration if stop_type == 1 else None
        elif kind == P.AI_SPEC:
            ai_specs.append(_parse_ai_spec(body))
        elif kind == P.RO_REPORT_SPEC:
            report = parse_report_spec(body)
        else:
            raise NotImplementedError(f"ROSpec parameter {kind} is not simulated (RFSurvey, Loop)")
    if not ai_specs:
        raise MalformedMessage("an ROSpec needs at least one AISpec")
    return ROSpec(rospec_id, priority, start_trigger, stop_duration, ai_specs, report, raw_param)


def _parse_ai_spec(body: bytes) -> AISpec:
    (count,) = _unpack("!H", body)
    antennas = _unpack(f"!{count}H", body[2:])
    stop_type = duration = n_tags = timeout = 0
    settings: dict[int, AntennaSettings] = {}
    for kind, sub in parameters(body[2 + 2 * count :]):
        if kind == P.AI_SPEC_STOP_TRIGGER:
            stop_type, duration = _unpack("!BI", sub)
            if stop_type == 2:
                raise NotImplementedError("GPI AISpec stop triggers are not simulated")
            observation = _first(parameters(sub[5:]), P.TAG_OBSERVATION_TRIGGER)
            if stop_type == 3:
                if observation is None:
                    raise MalformedMessage("a Tag observation stop trigger needs a TagObservationTrigger")
                kind_of_trigger, _, n_tags, _, _, timeout = _unpack("!BBHHHI", observation)
                if kind_of_trigger != 0:
                    raise NotImplementedError("only the UponNTags observation trigger is simulated")
        elif kind == P.INVENTORY_PARAMETER_SPEC:
            for sub_kind, antenna_body in parameters(sub[3:]):
                if sub_kind == P.ANTENNA_CONFIGURATION:
                    antenna, antenna_settings = parse_antenna_configuration(antenna_body)
                    settings[antenna] = antenna_settings
    return AISpec(tuple(antennas), stop_type, duration, n_tags, timeout, settings)


# ---------------------------------------------------------------------------------------------
# The simulated radio: which tags answer, how often, how strong


@dataclass(frozen=True)
class RadioSettings:
    """How the simulated reader and tags behave."""

    antennas: int = 4
    round_s: float = 0.05  # one inventory round on one antenna
    duplicates: int = 2  # S0: up to this many extra reads of a tag per round (hops)
    miss_rate: float = 0.05  # chance a tag in the field is not read in a round
    rssi_spread: float = 2.0  # dB, read-to-read standard deviation
    persistence_s: float = 2.0  # S1 flag persistence; S2/S3 persistence once unpowered
    sensitivity_dbm: float = -80.0
    default_session: int = 2
    seed: int | None = None


# Transmit power table: index 1.. -> 10.00 .. 32.50 dBm in 0.25 dB steps (as on common fixed readers).
POWER_TABLE_DBM = [10.0 + 0.25 * i for i in range(91)]


@dataclass(frozen=True, slots=True)
class RawRead:
    """A tag's answers in one round: `count` reads (S0 re-reads at each hop), the strongest `rssi`."""

    epc: str
    antenna: int
    rssi: int
    at_us: int
    count: int = 1


class TagField:
    """The tags in front of each antenna, with their mean RSSI there (dBm at full power)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._tags: dict[int, dict[str, float]] = {}

    def place(self, epc: str, antenna: int, rssi: float | None = None) -> None:
        level = rssi if rssi is not None else self._rng.uniform(-70.0, -40.0)
        self._tags.setdefault(antenna, {})[epc.upper()] = level

    def place_many(self, tags: Mapping[int, Iterable[str]]) -> None:
        for antenna, epcs in tags.items():
            for epc in epcs:
                self.place(epc, antenna)

    def remove(self, epc: str) -> None:
        for tags in self._tags.values():
            tags.pop(epc.upper(), None)

    def clear(self) -> None:
        self._tags.clear()

    def on(self, antenna: int) -> dict[str, float]:
        return self._tags.get(antenna, {})

    def __len__(self) -> int:
        return len({epc for tags in self._tags.values() for epc in tags})


class Radio:
    """Gen2 inventory rounds over a TagField: which tags answer a round, and how often."""

    def __init__(self, settings: RadioSettings, tags: TagField, rng: random.Random) -> None:
        self.settings = settings
        self.tags = tags
        self._rng = rng
        self._flag_until: dict[str, float] = {}  # inventoried flag B until (seconds)

    def round(self, antenna: int, session: int, power_dbm: float, now: float) -> list[RawRead]:
        s = self.settings
        rng = self._rng
        at_us = int(now * 1_000_000)
        reads: list[RawRead] = []
        power_drop = power_dbm - POWER_TABLE_DBM[-1]
        flags = self._flag_until
        gauss = rng.gauss
        for epc, level in self.tags.on(antenna).items():
            mean = level + 2 * power_drop  # backscatter loses the forward-link drop twice
            if mean < s.sensitivity_dbm:
                continue
            if session in (2, 3) and epc in flags and now < flags[epc]:
                flags[epc] = now + s.persistence_s  # powered: the flag stays B
                continue
            if session == 1 and now < flags.get(epc, 0.0):
                continue
            if rng.random() < s.miss_rate:
                continue
            times = 1 + (rng.randint(0, s.duplicates) if session == 0 and s.duplicates else 0)
            spread = max(gauss(0.0, s.rssi_spread) for _ in range(times))
            reads.append(RawRead(epc, antenna, max(-128, min(127, round(mean + spread))), at_us, times))
            if session != 0:
                flags[epc] = now + s.persistence_s
        return reads


# ---------------------------------------------------------------------------------------------
# Reports


class _Entry:
    __slots__ = ("antenna", "count", "first", "last", "peak")

    def __init__(self, read: RawRead) -> None:
        self.antenna = read.antenna
        self.first = self.last = read.at_us
        self.peak = read.rssi
        self.count = read.count


def tag_report_data(epc: str, entry: _Entry, rospec_id: int, content: ContentSelector) -> bytes:  # noqa: C901 - predates the complexity limit
    """One TagReportData parameter with the fields the content selector asks for."""
    raw = bytes.fromhex(epc)
    parts = [tv(P.EPC_96, raw) if len(raw) == 12 else tlv(P.EPC_DATA, struct.pack("!H", len(raw) * 8), raw)]
    if content.rospec_id:
        parts.append(tv(P.ROSPEC_ID, struct.pack("!I", rospec_id)))
    if content.spec_index:
        parts.append(tv(P.SPEC_INDEX, struct.pack("!H", 1)))
    if content.inventory_parameter_spec_id:
        parts.append(tv(P.INVENTORY_PARAMETER_SPEC_ID, struct.pack("!H", 1)))
    if content.antenna_id:
        parts.append(tv(P.ANTENNA_ID, struct.pack("!H", entry.antenna)))
    if content.peak_rssi:
        parts.append(tv(P.PEAK_RSSI, struct.pack("!b", entry.peak)))
    if content.channel_index:
        parts.append(tv(P.CHANNEL_INDEX, struct.pack("!H", 1)))
    if content.first_seen:
        parts.append(tv(P.FIRST_SEEN_UTC, struct.pack("!Q", entry.first)))
    if content.last_seen:
        parts.append(tv(P.LAST_SEEN_UTC, struct.pack("!Q", entry.last)))
    if content.seen_count:
        parts.append(tv(P.TAG_SEEN_COUNT, struct.pack("!H", min(entry.count, 0xFFFF))))
    if content.access_spec_id:
        parts.append(tv(P.ACCESS_SPEC_ID, struct.pack("!I", 0)))
    return tlv(P.TAG_REPORT_DATA, *parts)


class ReportBuffer:
    """Reads of one ROSpec, folded into one TagReportData per tag (and antenna, if reported)."""

    def __init__(self, rospec_id: int, spec: ReportSpec) -> None:
        self.rospec_id = rospec_id
        self.spec = spec
        self._entries: dict[tuple[str, int], _Entry] = {}

    def add(self, read: RawRead) -> None:
        key = (read.epc, read.antenna if self.spec.content.antenna_id else 0)
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = _Entry(read)
            return
        entry.count += read.count
        entry.last = read.at_us
        if read.rssi > entry.peak:
            entry.peak = read.rssi
            entry.antenna = read.antenna

    @property
    def full(self) -> bool:
        return self.spec.trigger in (1, 2) and 0 < self.spec.n <= len(self._entries)

    def take(self) -> bytes:
        body = b"".join(
            tag_report_data(key[0], entry, self.rospec_id, self.spec.content)
            for key, entry in self._entries.items()
        )
        self._entries = {}
        return body

    def __len__(self) -> int:
        return len(self._entries)


# ---------------------------------------------------------------------------------------------
# The reader


@dataclass
class ReaderStats:
    """What happened, for tests and the bench."""

    connections: int = 0
    refused_connections: int = 0
    messages: dict[str, int] = field(default_factory=dict)
    reads: int = 0
    tag_reports: int = 0
    report_messages: int = 0
    keepalive_acks: int = 0


class LlrpReaderSimulator:
    """A simulated fixed RFID reader. `await start()`, then point an LLRP client at `url`."""

    def __init__(
        self,
        *,
        tags: Mapping[int, Iterable[str]] | None = None,
        settings: RadioSettings | None = None,
        reader_id: bytes = b"\x00\x16\x25\x4b\x41\x45",
    ) -> None:
        self.settings = settings or RadioSettings()
        self._rng = random.Random(self.settings.seed)
        self.field = TagField(self._rng)
        if tags:
            self.field.place_many(tags)
        self.radio = Radio(self.settings, self.field, self._rng)
        self.stats = ReaderStats()
        self.reader_id = reader_id
        self._server: asyncio.Server | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._client_tasks: set[asyncio.Task[None]] = set()
        self._rospecs: dict[int, ROSpec] = {}
        self._running: dict[int, asyncio.Task[None]] = {}
        self._buffers: dict[int, ReportBuffer] = {}
        self._keepalive: asyncio.Task[None] | None = None
        self._keepalive_ms = 0
        self._next_id = 1
        self._reset_config()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve_client, host, port)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"llrp://127.0.0.1:{self.port}"

    @property
    def connected(self) -> bool:
        return self._writer is not None

    async def stop(self) -> None:
        """Stop listening, drop the client and stop all inventory."""
        if self._server is not None:
            self._server.close()
        await self.drop_connection()
        for rospec_id in list(self._running):
            await self._end_rospec(rospec_id, report=False)
        for task in list(self._client_tasks):
            task.cancel()
        for task in list(self._client_tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def drop_connection(self) -> None:
        """The reader goes away without a word (power cut, cable pulled): the socket is aborted."""
        writer = self._writer
        self._writer = None
        self._stop_keepalive()
        if writer is not None:
            writer.transport.abort()

    # -- connection ----------------------------------------------------------------------------

    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._client_tasks.add(task)
        try:
            if self._writer is not None:
                # LLRP allows one client: tell the newcomer and hang up.
                self.stats.refused_connections += 1
                writer.write(message(M.READER_EVENT_NOTIFICATION, 0, connection_attempt_event(2)))
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
                writer.close()
                return
            self._writer = writer
            self.stats.connections += 1
            writer.write(message(M.READER_EVENT_NOTIFICATION, self._new_id(), connection_attempt_event(0)))
            await self._read_messages(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if self._writer is writer:
                self._writer = None
                self._stop_keepalive()
            writer.close()
            if task is not None:
                self._client_tasks.discard(task)

    async def _read_messages(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while self._writer is writer:
            header = await reader.readexactly(_HEADER.size)
            type_word, length, msg_id = _HEADER.unpack(header)
            if length < _HEADER.size or length > MAX_MESSAGE:
                log.warning("LLRP simulator: bad message length %d, closing", length)
                return
            body = await reader.readexactly(length - _HEADER.size)
            version, msg_type = (type_word >> 10) & 0x7, type_word & 0x3FF
            name = M(msg_type).name if msg_type in M._value2member_map_ else str(msg_type)
            self.stats.messages[name] = self.stats.messages.get(name, 0) + 1
            if version != LLRP_VERSION:
                self._send(
                    M.ERROR_MESSAGE,
                    msg_id,
                    llrp_status(Status.UNSUPPORTED_VERSION, f"LLRP version {version} not supported"),
                )
                continue
            if not await self._handle(msg_type, msg_id, body):
                return
            await writer.drain()

    def _send(self, msg_type: int, msg_id: int, body: bytes = b"") -> None:
        if self._writer is not None:
            self._writer.write(message(msg_type, msg_id, body))

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- requests ------------------------------------------------------------------------------

    async def _handle(self, msg_type: int, msg_id: int, body: bytes) -> bool:
        """Answer one request; False when the connection is to be closed."""
        handler = self._handlers.get(msg_type)
        if handler is None:
            self._send(
                M.ERROR_MESSAGE,
                msg_id,
                llrp_status(Status.UNSUPPORTED_MESSAGE, f"message type {msg_type} is not supported"),
            )
            return True
        try:
            status = await handler(self, msg_id, body)
        except MalformedMessage as exc:
            status = (Status.PARAMETER_ERROR, str(exc))
        except NotImplementedError as exc:
            status = (Status.P_UNSUPPORTED_PARAMETER, str(exc))
        if status is not None and msg_type in _RESPONSE_TO:
            self._send(_RESPONSE_TO[M(msg_type)], msg_id, llrp_status(*status))
        return msg_type != M.CLOSE_CONNECTION

    async def _on_get_capabilities(self, msg_id: int, body: bytes) -> None:
        (requested,) = _unpack("!B", body)
        parts = {
            1: self._general_capabilities(),
            2: tlv(P.LLRP_CAPABILITIES, struct.pack("!BBHIIIII", 0, 0, 0, 8, 4, 1, 8, 1)),
            3: self._regulatory_capabilities(),
            4: tlv(P.C1G2_LLRP_CAPABILITIES, struct.pack("!BH", 0, 2)),
        }
        chosen = [parts[k] for k in sorted(parts) if requested in (0, k)]
        self._send(M.GET_READER_CAPABILITIES_RESPONSE, msg_id, llrp_status() + b"".join(chosen))

    def _general_capabilities(self) -> bytes:
        firmware = b"kaeru-sim 1"
        antennas = range(1, self.settings.antennas + 1)
        return tlv(
            P.GENERAL_DEVICE_CAPABILITIES,
            struct.pack("!HHIIH", self.settings.antennas, 1 << 14, 0, 1, len(firmware)),
            firmware,
            tlv(P.RECEIVE_SENSITIVITY_TABLE_ENTRY, struct.pack("!HH", 1, 0)),
            *(tlv(P.PER_ANTENNA_AIR_PROTOCOL, struct.pack("!HHB", a, 1, 1)) for a in antennas),
            tlv(P.GPIO_CAPABILITIES, struct.pack("!HH", 0, 0)),
        )

    @staticmethod
    def _regulatory_capabilities() -> bytes:
        power = b"".join(
            tlv(P.TRANSMIT_POWER_LEVEL_TABLE_ENTRY, struct.pack("!Hh", i + 1, round(dbm * 100)))
            for i, dbm in enumerate(POWER_TABLE_DBM)
        )
        hops = [902_750 + 500 * i for i in range(50)]  # kHz, FCC band
        frequencies = tlv(
            P.FREQUENCY_INFORMATION,
            b"\x80",
            tlv(P.FREQUENCY_HOP_TABLE, struct.pack(f"!BBH{len(hops)}I", 1, 0, len(hops), *hops)),
        )
        # ModeIdentifier, DR|EPCHAGTC flags, M, forward modulation, spectral mask, BDR, PIE, Tari min/max/step
        modes = [
            (0, 0x80, 0, 2, 1, 640_000, 1500, 6250, 6250, 0),
            (1, 0x80, 1, 2, 1, 640_000, 1500, 6250, 6250, 0),
            (2, 0x80, 2, 2, 3, 274_000, 2000, 20000, 20000, 0),
            (3, 0x80, 3, 2, 3, 170_600, 2000, 20000, 20000, 0),
        ]
        mode_table = tlv(
            P.UHF_C1G2_RF_MODE_TABLE,
            *(tlv(P.UHF_C1G2_RF_MODE_TABLE_ENTRY, struct.pack("!IBBBBIIIII", *m)) for m in modes),
        )
        band = tlv(P.UHF_BAND_CAPABILITIES, power, frequencies, mode_table)
        return tlv(P.REGULATORY_CAPABILITIES, struct.pack("!HH", 840, 1), band)

    def _reset_config(self) -> None:
        self.report_spec = ReportSpec()
        self.antenna_settings: dict[int, AntennaSettings] = {}
        self.events: dict[int, bool] = dict.fromkeys(range(9), False)
        self.access_report_trigger = 0
        self.hold_events = False
        self.config_state = 0

    async def _on_get_config(self, msg_id: int, body: bytes) -> None:
        requested, antenna_filter, _, _ = _unpack("!BHHH", body)
        antennas = [a for a in range(1, self.settings.antennas + 1) if antenna_filter in (0, a)]
        parts = {
            1: tlv(P.IDENTIFICATION, struct.pack("!BH", 0, len(self.reader_id)), self.reader_id),
            2: b"".join(tlv(P.ANTENNA_PROPERTIES, struct.pack("!BHh", 0x80, a, 600)) for a in antennas),
            3: b"".join(self._antenna_configuration(a) for a in antennas),
            4: self.report_spec.encode(),
            5: tlv(
                P.READER_EVENT_NOTIFICATION_SPEC,
                *(
                    tlv(P.EVENT_NOTIFICATION_STATE, struct.pack("!HB", e, 0x80 if on else 0))
                    for e, on in sorted(self.events.items())
                ),
            ),
            6: tlv(P.ACCESS_REPORT_SPEC, struct.pack("!B", self.access_report_trigger)),
            7: tlv(P.LLRP_CONFIGURATION_STATE_VALUE, struct.pack("!I", self.config_state)),
            8: tlv(P.KEEPALIVE_SPEC, struct.pack("!BI", 1 if self._keepalive_ms else 0, self._keepalive_ms)),
            11: tlv(P.EVENTS_AND_REPORTS, b"\x80" if self.hold_events else b"\x00"),
        }  # 9 GPIPortCurrentState and 10 GPOWriteData: this reader has no GPIO
        chosen = [parts[k] for k in sorted(parts) if requested in (0, k)]
        self._send(M.GET_READER_CONFIG_RESPONSE, msg_id, llrp_status() + b"".join(chosen))

    def _antenna_configuration(self, antenna: int) -> bytes:
        settings = self.antenna_settings.get(antenna, AntennaSettings())
        power = settings.power_index or len(POWER_TABLE_DBM)
        session = self.settings.default_session if settings.session is None else settings.session
        return tlv(
            P.ANTENNA_CONFIGURATION,
            struct.pack("!H", antenna),
            tlv(P.RF_RECEIVER, struct.pack("!H", 1)),
            tlv(P.RF_TRANSMITTER, struct.pack("!HHH", 1, 1, power)),
            tlv(
                P.C1G2_INVENTORY_COMMAND,
                b"\x00",
                tlv(P.C1G2_RF_CONTROL, struct.pack("!HH", 0, 0)),
                tlv(P.C1G2_SINGULATION_CONTROL, struct.pack("!BHI", session << 6, 32, 0)),
            ),
        )

    async def _on_set_config(self, msg_id: int, body: bytes) -> tuple[int, str]:  # noqa: C901 - predates the complexity limit
        (flags,) = _unpack("!B", body)
        params = parameters(body[1:])
        if flags & 0x80:
            for rospec_id in list(self._rospecs):
                await self._delete_rospec(rospec_id)
            self._reset_config()
            self._stop_keepalive()
            self._keepalive_ms = 0
        for kind, sub in params:
            if kind == P.RO_REPORT_SPEC:
                self.report_spec = parse_report_spec(sub)
            elif kind == P.ANTENNA_CONFIGURATION:
                antenna, settings = parse_antenna_configuration(sub)
                for a in range(1, self.settings.antennas + 1) if antenna == 0 else [antenna]:
                    self.antenna_settings[a] = settings
            elif kind == P.READER_EVENT_NOTIFICATION_SPEC:
                for state_kind, state in parameters(sub):
                    if state_kind == P.EVENT_NOTIFICATION_STATE:
                        event, on = _unpack("!HB", state)
                        self.events[event] = bool(on & 0x80)
            elif kind == P.ACCESS_REPORT_SPEC:
                self.access_report_trigger = _unpack("!B", sub)[0]
            elif kind == P.KEEPALIVE_SPEC:
                trigger, interval = _unpack("!BI", sub)
                self._keepalive_ms = interval if trigger == 1 else 0
                self._start_keepalive()
            elif kind == P.EVENTS_AND_REPORTS:
                self.hold_events = bool(_unpack("!B", sub)[0] & 0x80)
        self.config_state += 1
        return Status.SUCCESS, ""

    async def _on_close(self, msg_id: int, body: bytes) -> tuple[int, str]:
        return Status.SUCCESS, ""

    async def _on_enable_events(self, msg_id: int, body: bytes) -> None:
        return None  # no response in LLRP; events are never held here

    async def _on_keepalive_ack(self, msg_id: int, body: bytes) -> None:
        self.stats.keepalive_acks += 1

    async def _on_get_report(self, msg_id: int, body: bytes) -> None:
        for rospec_id in list(self._buffers):
            self._flush(rospec_id)

    async def _on_accessspec(self, msg_id: int, body: bytes) -> tuple[int, str]:
        return Status.SUCCESS, ""  # accepted, never executed: the simulator only inventories

    async def _on_add_rospec(self, msg_id: int, body: bytes) -> tuple[int, str]:
        raw = _first(parameters(body), P.ROSPEC)
        if raw is None:
            raise MalformedMessage("ADD_ROSPEC without an ROSpec")
        spec = parse_rospec(raw)
        if spec.rospec_id == 0:
            return Status.FIELD_ERROR, "ROSpecID 0 is reserved"
        if spec.rospec_id in self._rospecs:
            return Status.FIELD_ERROR, f"ROSpec {spec.rospec_id} already exists"
        self._rospecs[spec.rospec_id] = spec
        return Status.SUCCESS, ""

    def _targets(self, body: bytes) -> list[int] | tuple[int, str]:
        (rospec_id,) = _unpack("!I", body)
        if rospec_id == 0:
            return list(self._rospecs)
        if rospec_id not in self._rospecs:
            return Status.FIELD_ERROR, f"no ROSpec {rospec_id}"
        return [rospec_id]

    async def _on_delete_rospec(self, msg_id: int, body: bytes) -> tuple[int, str]:
        targets = self._targets(body)
        if isinstance(targets, tuple):
            return targets
        for rospec_id in targets:
            await self._delete_rospec(rospec_id)
        return Status.SUCCESS, ""

    async def _delete_rospec(self, rospec_id: int) -> None:
        await self._end_rospec(rospec_id, report=True)
        self._rospecs.pop(rospec_id, None)

    async def _on_enable_rospec(self, msg_id: int, body: bytes) -> tuple[int, str]:
        targets = self._targets(body)
        if isinstance(targets, tuple):
            return targets
        for rospec_id in targets:
            spec = self._rospecs[rospec_id]
            if spec.state == 0:
                spec.state = 1
                if spec.start_trigger == 1:
                    self._begin_rospec(spec)
        return Status.SUCCESS, ""

    async def _on_disable_rospec(self, msg_id: int, body: bytes) -> tuple[int, str]:
        targets = self._targets(body)
        if isinstance(targets, tuple):
            return targets
        for rospec_id in targets:
            await self._end_rospec(rospec_id, report=True)
            self._rospecs[rospec_id].state = 0
        return Status.SUCCESS, ""

    async def _on_start_rospec(self, msg_id: int, body: bytes) -> tuple[int, str]:
        (rospec_id,) = _unpack("!I", body)
        spec = self._rospecs.get(rospec_id)
        if spec is None:
            return Status.FIELD_ERROR, f"no ROSpec {rospec_id}"
        if spec.state != 1:
            return Status.FIELD_ERROR, f"ROSpec {rospec_id} is not inactive (enable it first, or it runs)"
        self._begin_rospec(spec)
        return Status.SUCCESS, ""

    async def _on_stop_rospec(self, msg_id: int, body: bytes) -> tuple[int, str]:
        (rospec_id,) = _unpack("!I", body)
        spec = self._rospecs.get(rospec_id)
        if spec is None:
            return Status.FIELD_ERROR, f"no ROSpec {rospec_id}"
        if spec.state != 2:
            return Status.FIELD_ERROR, f"ROSpec {rospec_id} is not active"
        await self._end_rospec(rospec_id, report=True)
        return Status.SUCCESS, ""

    async def _on_get_rospecs(self, msg_id: int, body: bytes) -> None:
        specs = b"".join(
            tlv(P.ROSPEC, struct.pack("!IBB", s.rospec_id, s.priority, s.state), s.raw[6:])
            for s in self._rospecs.values()
        )
        self._send(M.GET_ROSPECS_RESPONSE, msg_id, llrp_status() + specs)

    _handlers: ClassVar[
        dict[int, Callable[[LlrpReaderSimulator, int, bytes], Awaitable[tuple[int, str] | None]]]
    ] = {
        M.GET_READER_CAPABILITIES: _on_get_capabilities,
        M.GET_READER_CONFIG: _on_get_config,
        M.SET_READER_CONFIG: _on_set_config,
        M.CLOSE_CONNECTION: _on_close,
        M.ADD_ROSPEC: _on_add_rospec,
        M.DELETE_ROSPEC: _on_delete_rospec,
        M.START_ROSPEC: _on_start_rospec,
        M.STOP_ROSPEC: _on_stop_rospec,
        M.ENABLE_ROSPEC: _on_enable_rospec,
        M.DISABLE_ROSPEC: _on_disable_rospec,
        M.GET_ROSPECS: _on_get_rospecs,
        M.ADD_ACCESSSPEC: _on_accessspec,
        M.DELETE_ACCESSSPEC: _on_accessspec,
        M.ENABLE_ACCESSSPEC: _on_accessspec,
        M.DISABLE_ACCESSSPEC: _on_accessspec,
        M.GET_REPORT: _on_get_report,
        M.ENABLE_EVENTS_AND_REPORTS: _on_enable_events,
        M.KEEPALIVE_ACK: _on_keepalive_ack,
    }

    # -- keepalive -----------------------------------------------------------------------------

    def _start_keepalive(self) -> None:
        self._stop_keepalive()
        if self._keepalive_ms > 0:
            self._keepalive = asyncio.create_task(self._send_keepalives(self._keepalive_ms / 1000))

    def _stop_keepalive(self) -> None:
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None

    async def _send_keepalives(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self._send(M.KEEPALIVE, self._new_id())

    # -- inventory -----------------------------------------------------------------------------

    def _begin_rospec(self, spec: ROSpec) -> None:
        spec.state = 2
        self._buffers[spec.rospec_id] = ReportBuffer(spec.rospec_id, spec.report or self.report_spec)
        self._running[spec.rospec_id] = asyncio.create_task(self._inventory(spec))

    async def _end_rospec(self, rospec_id: int, *, report: bool) -> None:
        task = self._running.pop(rospec_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        spec = self._rospecs.get(rospec_id)
        if spec is not None and spec.state == 2:
            spec.state = 1
        buffer = self._buffers.get(rospec_id)
        if report and buffer is not None and buffer.spec.trigger in (1, 2):
            self._flush(rospec_id)
        self._buffers.pop(rospec_id, None)

    def _flush(self, rospec_id: int) -> None:
        buffer = self._buffers.get(rospec_id)
        if buffer is None or not len(buffer):
            return
        count = len(buffer)
        body = buffer.take()
        if self._writer is None:
            return  # nobody to tell: the reads are lost, as with a reader whose client went away
        self.stats.tag_reports += count
        self.stats.report_messages += 1
        self._send(M.RO_ACCESS_REPORT, self._new_id(), body)

    def _power_dbm(self, ai: AISpec, antenna: int) -> float:
        settings = ai.settings.get(antenna) or self.antenna_settings.get(antenna) or AntennaSettings()
        index = settings.power_index or len(POWER_TABLE_DBM)
        return POWER_TABLE_DBM[min(max(index, 1), len(POWER_TABLE_DBM)) - 1]

    def _session(self, ai: AISpec, antenna: int) -> int:
        for source in (ai.settings.get(antenna), self.antenna_settings.get(antenna)):
            if source is not None and source.session is not None:
                return source.session
        return self.settings.default_session

    async def _inventory(self, spec: ROSpec) -> None:  # noqa: C901 - predates the complexity limit
        loop = asyncio.get_running_loop()
        started = loop.time()
        buffer = self._buffers[spec.rospec_id]
        all_antennas = tuple(range(1, self.settings.antennas + 1))
        try:
            while True:
                for ai in spec.ai_specs:
                    antennas = all_antennas if 0 in ai.antennas else ai.antennas
                    ai_started = loop.time()
                    observed = 0
                    ended = False
                    while not ended:
                        for antenna in antennas:
                            reads = self.radio.round(
                                antenna, self._session(ai, antenna), self._power_dbm(ai, antenna), time.time()
                            )
                            counted = sum(read.count for read in reads)
                            self.stats.reads += counted
                            observed += counted
                            for read in reads:
                                buffer.add(read)
                                if buffer.full:
                                    self._flush(spec.rospec_id)
                            await asyncio.sleep(self.settings.round_s)
                            if self._writer is not None:
                                with contextlib.suppress(ConnectionError):
                                    await self._writer.drain()
                            now = loop.time()
                            if (
                                spec.stop_duration_ms is not None
                                and (now - started) * 1000 >= spec.stop_duration_ms
                            ):
                                self._running.pop(spec.rospec_id, None)
                                await self._end_rospec(spec.rospec_id, report=True)
                                return
                            elapsed_ms = (now - ai_started) * 1000
                            if (ai.stop_type == 1 and elapsed_ms >= ai.duration_ms) or (
                                ai.stop_type == 3
                                and (
                                    (ai.n_tags and observed >= ai.n_tags)
                                    or (ai.timeout_ms and elapsed_ms >= ai.timeout_ms)
                                )
                            ):
                                ended = True
                                break
                        if ai.stop_type == 0:
                            ended = True
                    if buffer.spec.trigger == 1:
                        self._flush(spec.rospec_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("LLRP simulator: inventory of ROSpec %d failed", spec.rospec_id)
            raise


# ---------------------------------------------------------------------------------------------
# Running it


def sample_tags(count: int, *, antennas: int = 4, first_serial: int = 1) -> dict[int, list[str]]:
    """`count` SGTIN-96 tags (GS1's example company prefix 0614141) spread over the antennas."""
    gtins = ["80614141123458", "00614141000012", "00614141000029", "00614141000036"]
    out: dict[int, list[str]] = {a: [] for a in range(1, antennas + 1)}
    for i in range(count):
        epc = encode_sgtin96(
            gtins[i % len(gtins)], str(first_serial + i), company_prefix_length=7, filter_value=1
        )
        out[1 + i % antennas].append(epc)
    return out


async def serve_llrp(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    tags: int = 200,
    antennas: int = 4,
    settings: RadioSettings | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Run a simulated reader with `tags` sample tags until cancelled."""
    radio = settings or RadioSettings(antennas=antennas)
    simulator = LlrpReaderSimulator(tags=sample_tags(tags, antennas=radio.antennas), settings=radio)
    await simulator.start(host, port)
    log.info("LLRP reader simulator on %s:%d with %d tags", host, simulator.port, tags)
    if ready is not None:
        ready.set()
    try:
        await asyncio.Event().wait()
    finally:
        await simulator.stop()


def main(argv: list[str] | None = None) -> None:
    """`python -m simulators.llrp --port 5084 --tags 200`"""
    parser = argparse.ArgumentParser(description="Simulated LLRP 1.0.1 RFID reader")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--tags", type=int, default=200)
    parser.add_argument("--antennas", type=int, default=4)
    parser.add_argument("--round-ms", type=float, default=50.0)
    parser.add_argument("--duplicates", type=int, default=2, help="S0: extra reads of a tag per round")
    parser.add_argument("--miss-rate", type=float, default=0.05)
    parser.add_argument("--rssi-spread", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    settings = RadioSettings(
        antennas=args.antennas,
        round_s=args.round_ms / 1000,
        duplicates=args.duplicates,
        miss_rate=args.miss_rate,
        rssi_spread=args.rssi_spread,
        seed=args.seed,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_llrp(args.host, args.port, tags=args.tags, settings=settings))


if __name__ == "__main__":
    main()
