"""The `llrp://` driver: a fixed UHF RFID reader over LLRP, through sllurp, de-duplicated at the edge.

    llrp://10.0.0.7:5084?antennas=1,2&power=30&session=2&mode=2&window_ms=1000&refresh_ms=60000

- antennas: antenna ports to inventory (default 1); power: transmit dBm (default: the reader's
  maximum); session: Gen2 session 0..3 (default 2: a tag answers once while it stays powered);
  mode: the reader's RF mode identifier (default: the reader's choice);
- report_every / report_ms: the reader reports after that many tag reads or that many ms;
- window_ms / gone_ms: read windows (see devices.rfid.windows) — one TagRead per tag per window;
  gone_ms defaults by session: 3000 in S0, 6000 in S1, none in S2/S3 (a powered tag keeps quiet);
- refresh_ms / refresh_off_ms (S2/S3): every refresh_ms the inventory pauses for refresh_off_ms
  (longer than the tags' S2/S3 flag persistence, 2 s and more) and starts again, so every tag still
  in the field answers; those that do not have gone. Off (0) by default: the reader is blind for the
  pause, a cost the site chooses.

sllurp (GPL-3.0) is an optional extra: `pip install 'kaeru[rfid]'`. It runs the LLRP conversation in
its own thread; reports cross into asyncio through a queue. The reader going away (socket closed,
no message for three keepalive intervals, inventory never started) raises DeviceDisconnected; a
reader that refuses the configuration (e.g. an antenna it does not have) raises DeviceFault.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from devices.errors import DeviceDisconnected, DeviceError, DeviceFault
from devices.rfid.tags import TagRead
from devices.rfid.windows import ReadWindows

log = logging.getLogger(__name__)

DEFAULT_PORT = 5084
_LOST = object()  # queued by sllurp's thread when the connection ends


@dataclass(frozen=True)
class LlrpSettings:
    """What an `llrp://` URL asks for."""

    host: str
    port: int = DEFAULT_PORT
    antennas: tuple[int, ...] = (1,)
    power_dbm: float | None = None
    session: int = 2
    mode: int | None = None
    report_every: int = 100
    report_ms: int = 200
    window_s: float = 1.0
    gone_after_s: float | None = None  # None: as the session implies (see devices.rfid.windows)
    keepalive_ms: int = 5000
    refresh_s: float = 0.0
    refresh_off_s: float = 3.0


def parse_llrp_url(url: str) -> LlrpSettings:
    """Read an `llrp://host[:port]?...` URL. Raises ValueError with a message a person can act on."""
    parts = urlsplit(url)
    if parts.scheme != "llrp" or not parts.hostname:
        raise ValueError(f"not an LLRP reader URL (llrp://host:5084?...): {url!r}")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    known = {
        "antennas",
        "power",
        "session",
        "mode",
        "report_every",
        "report_ms",
        "window_ms",
        "gone_ms",
        "keepalive_ms",
        "refresh_ms",
        "refresh_off_ms",
    }
    unknown = sorted(set(query) - known)
    if unknown:
        raise ValueError(
            f"unknown LLRP URL option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    try:
        antennas = tuple(int(a) for a in query.get("antennas", "1").split(",") if a.strip())
        session = int(query.get("session", "2"))
        settings = LlrpSettings(
            host=parts.hostname,
            port=parts.port or DEFAULT_PORT,
            antennas=antennas,
            power_dbm=float(query["power"]) if "power" in query else None,
            session=session,
            mode=int(query["mode"]) if "mode" in query else None,
            report_every=int(query.get("report_every", "100")),
            report_ms=int(query.get("report_ms", "200")),
            window_s=int(query.get("window_ms", "1000")) / 1000,
            gone_after_s=int(query["gone_ms"]) / 1000 if "gone_ms" in query else None,
            keepalive_ms=int(query.get("keepalive_ms", "5000")),
            refresh_s=int(query.get("refresh_ms", "0")) / 1000,
            refresh_off_s=int(query.get("refresh_off_ms", "3000")) / 1000,
        )
    except ValueError as exc:
        raise ValueError(f"bad LLRP URL option in {url!r}: {exc}") from exc
    if not antennas or min(antennas) < 1:
        raise ValueError(f"antennas must be port numbers from 1, got {query.get('antennas')!r}")
    if session not in (0, 1, 2, 3):
        raise ValueError(f"session must be 0..3, got {session}")
    return settings


def _sllurp() -> ModuleType:
    try:
        return importlib.import_module("sllurp.llrp")
    except ImportError as exc:
        raise DeviceFault(
            "LLRP readers need the optional 'rfid' extra (sllurp, GPL-3.0): pip install 'kaeru[rfid]'"
        ) from exc


def _seconds(micros: object) -> float | None:
    return micros / 1_000_000 if isinstance(micros, int) and micros > 0 else None


def _epc(report: Mapping[str, Any]) -> str | None:
    raw = report.get("EPC") or report.get("EPC-96")
    if isinstance(raw, bytes):
        return raw.decode("ascii", "replace").upper()
    return raw.upper() if isinstance(raw, str) else None


class LlrpReader:
    """Input driver for `llrp://` URLs: emits TagRead values (arrived / present / gone)."""

    def __init__(
        self,
        url: str,
        *,
        device_id: str,
        clock: Callable[[], float] = time.time,
        start_timeout_s: float = 10.0,
        **options: object,
    ) -> None:
        self.url = url
        self.device_id = device_id
        self.settings = parse_llrp_url(url)
        self._clock = clock
        self._start_timeout_s = start_timeout_s
        self.windows = ReadWindows(
            device=device_id,
            window_s=self.settings.window_s,
            session=self.settings.session,
            gone_after_s="session" if self.settings.gone_after_s is None else self.settings.gone_after_s,
            report_present=bool(options.get("report_present", True)),
        )
        self._client: Any = None
        self.reads_folded = 0  # raw reads (TagSeenCount) taken into the windows, for the bench
        self._last_heard = 0.0
        self._inventorying = False

    def _config(self, llrp: ModuleType) -> Any:
        s = self.settings
        config: dict[str, object] = {
            "antennas": list(s.antennas),
            "session": s.session,
            "report_every_n_tags": s.report_every,
            "report_timeout_ms": s.report_ms,
            "keepalive_interval": s.keepalive_ms,
            "start_inventory": True,
            "reset_on_connect": True,
            "reconnect": False,  # the supervisor reconnects, with backoff
            "tag_content_selector": {
                "EnableROSpecID": False,
                "EnableSpecIndex": False,
                "EnableInventoryParameterSpecID": False,
                "EnableAntennaID": True,
                "EnableChannelIndex": False,
                "EnablePeakRSSI": True,
                "EnableFirstSeenTimestamp": True,
                "EnableLastSeenTimestamp": True,
                "EnableTagSeenCount": True,
                "EnableAccessSpecID": False,
            },
        }
        if s.power_dbm is not None:
            config["tx_power_dbm"] = {a: float(s.power_dbm) for a in s.antennas}
        if s.mode is not None:
            config["mode_identifier"] = s.mode
        return llrp.LLRPReaderConfig(config)

    async def run(self, emit: Callable[[TagRead], Awaitable[None]]) -> None:  # noqa: C901 - predates the complexity limit
        """Connect, configure, inventory and emit TagReads until cancelled or the reader goes away."""
        llrp = _sllurp()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        client = llrp.LLRPReaderClient(
            self.settings.host, self.settings.port, self._config(llrp), timeout=5.0
        )
        self._client = client
        self._inventorying = False

        def heard(_reader: object, _message: object) -> None:
            self._last_heard = self._clock()

        def inventorying(_reader: object, _state: object) -> None:
            self._inventorying = True

        client.add_tag_report_callback(lambda _r, tags: loop.call_soon_threadsafe(queue.put_nowait, tags))
        client.add_disconnected_callback(lambda _r: loop.call_soon_threadsafe(queue.put_nowait, _LOST))
        client.add_message_callback("KEEPALIVE", heard)
        client.add_message_callback("RO_ACCESS_REPORT", heard)
        client.add_state_callback(llrp.LLRPReaderState.STATE_INVENTORYING, inventorying)
        # The connect runs in a thread, which a cancellation cannot stop: if the driver is stopped
        # meanwhile, wait for the connect to end and hang up, or the reader keeps a live connection
        # (and its client thread) that nobody owns.
        connecting = asyncio.ensure_future(asyncio.to_thread(client.connect))
        try:
            await asyncio.shield(connecting)
        except OSError as exc:
            raise DeviceDisconnected(
                f"cannot reach the LLRP reader at {self.settings.host}:{self.settings.port}: {exc}"
            ) from exc
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await connecting
            await self._hang_up(client)
            raise
        self._last_heard = started = self._clock()
        silence_limit = 3 * self.settings.keepalive_ms / 1000
        tick = min(self.settings.window_s, self.windows.gone_after_s or self.settings.window_s) / 4
        refresh_at = started + self.settings.refresh_s
        resume_at: float | None = None
        try:
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=tick)
                except TimeoutError:
                    item = None
                now = self._clock()
                if item is _LOST:
                    raise self._why_lost(client)
                if isinstance(item, list):
                    for report in item:
                        for event in self._fold(report, now):
                            await emit(event)
                if self.settings.refresh_s and self._inventorying and resume_at is None and now >= refresh_at:
                    client.llrp.pause()  # DISABLE_ROSPEC: the field goes off, the tags' flags decay
                    resume_at = now + self.settings.refresh_off_s
                elif resume_at is not None and now >= resume_at:
                    client.llrp.resume()  # ENABLE_ROSPEC: every tag still there answers again
                    self.windows.refresh(now, answer_within_s=self._answer_time())
                    resume_at, refresh_at = None, now + self.settings.refresh_s
                for event in self.windows.advance(now):
                    await emit(event)
                if not self._inventorying and now - started > self._start_timeout_s:
                    raise DeviceDisconnected(
                        f"the LLRP reader at {self.settings.host}:{self.settings.port} accepted the "
                        f"connection but did not start inventory within {self._start_timeout_s:g} s"
                    )
                if self._inventorying and resume_at is None and now - self._last_heard > silence_limit:
                    raise DeviceDisconnected(
                        f"the LLRP reader at {self.settings.host}:{self.settings.port} has been silent "
                        f"for {now - self._last_heard:.1f} s"
                    )
        finally:
            await self._hang_up(client)

    def _answer_time(self) -> float:
        """How long after a refresh every tag in the field has answered and been reported."""
        return self.settings.window_s + 2 * self.settings.report_ms / 1000

    def _fold(self, report: Mapping[str, Any], now: float) -> Sequence[TagRead]:
        """One TagReportData entry into the windows: the TagReads it completes (often none)."""
        epc = _epc(report)
        if epc is None:
            log.warning("LLRP reader %s: tag report without an EPC: %r", self.device_id, report)
            return ()
        rssi = report.get("PeakRSSI")
        count = report.get("TagSeenCount")
        count = count if isinstance(count, int) and count > 0 else 1
        self.reads_folded += count
        return self.windows.observe(
            epc,
            now,
            antenna=report.get("AntennaID"),
            rssi=float(rssi) if isinstance(rssi, int) else None,
            count=count,
            first_seen=_seconds(report.get("FirstSeenTimestampUTC")),
            last_seen=_seconds(report.get("LastSeenTimestampUTC")),
        )

    def _why_lost(self, client: Any) -> DeviceError:
        where = f"{self.settings.host}:{self.settings.port}"
        if not self._inventorying:
            general = (client.llrp.capabilities or {}).get("GeneralDeviceCapabilities", {})
            available = general.get("MaxNumberOfAntennaSupported")
            if isinstance(available, int) and max(self.settings.antennas) > available:
                return DeviceFault(
                    f"the LLRP reader at {where} has antennas 1..{available}; "
                    f"asked for {','.join(map(str, self.settings.antennas))}"
                )
        return DeviceDisconnected(f"the LLRP reader at {where} closed the connection")

    async def _hang_up(self, client: Any) -> None:
        """Politely delete the ROSpec and disconnect; force it if the reader does not answer."""
        if client.is_alive():
            llrp_error = importlib.import_module("sllurp.llrp_errors").LLRPError
            try:
                client.disconnect()
            except (OSError, llrp_error) as exc:
                log.debug("LLRP reader %s: polite disconnect failed: %s", self.device_id, exc)
            await asyncio.to_thread(client.join, 2.0)
        client.hard_disconnect()
        self._client = None

    async def close(self) -> None:
        client = self._client
        if client is not None:
            await self._hang_up(client)
