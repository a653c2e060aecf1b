"""A simulated Zebra: a TCP printer that takes ZPL II, answers `~HS`, and can be faulted.

It reads formats (`^XA`...`^XZ`, possibly split across TCP segments, several per connection)
into a receive buffer and prints them one label at a time (`^PQ` copies each), rendering every
label to PNG with zplkit. Control commands are acted on as soon as they arrive, as on a Zebra:
`~HS` host status, `~JA` cancel all, `~PP` pause, `~PS` resume. While paper or ribbon is out or
the head is open it stops printing and, like a Zebra, does not answer `~HS` (or answers with the
fault flags set, if `silent_when_faulted` is off). Offline means connections are refused.

Stored formats: a format with `^DF` is kept in the printer's memory under its name (drive R: and
extension .ZPL unless given) and prints nothing; a format with `^XF` recalls it, its `^FN` fields
filled from the recalling format, and prints (ZPL II Programming Guide, ^DF and ^XF).
Aztec (`^B0`) takes all seven parameters; those the offline renderer does not draw (ECI, menu
symbol, structured append) are drawn without and named in the label's render note.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import deque
from dataclasses import dataclass, field

import zplkit
from zplkit.parse import parse as parse_zpl
from zplkit.rendering import RenderError

from devices.printers.zpl_status import ZplHostStatus, encode_host_status
from simulators.printers.faults import Faults, updated
from simulators.printers.shelf import Shelf

_TOKEN = re.compile(rb"~(HS|JA|PS|PP)|\^XA", re.IGNORECASE)
_CONTROL = re.compile(rb"~(HS|JA|PS|PP)", re.IGNORECASE)
_FORMAT_END = re.compile(rb"\^XZ", re.IGNORECASE)
_QUANTITY = re.compile(rb"\^PQ(\d+)", re.IGNORECASE)
_UNSUPPORTED = re.compile(r"unsupported command")
# ^DFd:o.x / ^XFd:o.x: drive, name, extension (ZPL II guide); both end at the next command or ^FS.
_STORED = re.compile(rb"\^(DF|XF)\s*(?:([A-Za-z]):)?([^\^~.,]{1,16})(\.[A-Za-z]{3})?", re.IGNORECASE)
_AZTEC = re.compile(rb"\^B0([^\^~]*)", re.IGNORECASE)
RECEIVE_BUFFER_FORMATS = 64  # formats held before the "buffer full" flag goes up


@dataclass(frozen=True)
class ControlCommand:
    """A `~` command, acted on the moment it is read."""

    name: str  # upper case, without the tilde: "HS"


@dataclass(frozen=True)
class LabelFormat:
    """One complete `^XA`...`^XZ` format (with any control commands taken out)."""

    data: bytes

    @property
    def stored_as(self) -> str | None:
        """The name a `^DF` format is stored under (e.g. "R:STOREFMT.ZPL"), or None."""
        return _stored_name(self.data, b"DF")

    @property
    def recalls(self) -> str | None:
        """The stored format a `^XF` format recalls, or None."""
        return _stored_name(self.data, b"XF")

    @property
    def copies(self) -> int:
        found = _QUANTITY.search(self.data)
        return max(1, int(found.group(1))) if found else 1


ZplItem = ControlCommand | LabelFormat


@dataclass(frozen=True)
class Framed:
    """What a stream buffer holds: complete items, and the bytes to keep for the next read."""

    items: list[ZplItem]
    rest: bytes
    partial_format: bool


def frame_zpl(buffer: bytes) -> Framed:
    """Split received ZPL into control commands and complete formats, keeping unfinished bytes.

    Written by hand because zplkit's parser wants a whole buffer and no library frames a live
    ZPL stream. Bytes outside a format that are not a known control command are dropped, as a
    printer ignores them.
    """
    items: list[ZplItem] = []
    position = 0
    while (token := _TOKEN.search(buffer, position)) is not None:
        if token.group(1):
            items.append(ControlCommand(token.group(1).decode().upper()))
            position = token.end()
            continue
        end = _FORMAT_END.search(buffer, token.end())
        body_end = end.end() if end else len(buffer)
        body = _take_controls(buffer[token.start() : body_end], items)
        if end is None:
            return Framed(items=items, rest=body, partial_format=True)
        items.append(LabelFormat(body))
        position = body_end
    tail = buffer[position:]
    starts = [index for index in (tail.rfind(b"~"), tail.rfind(b"^")) if index >= len(tail) - 2]
    return Framed(items=items, rest=tail[min(starts) :] if starts else b"", partial_format=False)


def _take_controls(body: bytes, items: list[ZplItem]) -> bytes:
    """Remove control commands from a format, appending them to `items` (they run at once)."""

    def take(found: re.Match[bytes]) -> bytes:
        items.append(ControlCommand(found.group(1).decode().upper()))
        return b""

    return _CONTROL.sub(take, body)


def _stored_name(data: bytes, command: bytes) -> str | None:
    for found in _STORED.finditer(data):
        if found.group(1).upper() == command:
            drive = (found.group(2) or b"R").decode().upper()
            extension = (found.group(4) or b".ZPL").decode().upper()
            return f"{drive}:{found.group(3).decode('latin-1').strip().upper()}{extension}"
    return None


def aztec_for_renderer(data: bytes) -> tuple[bytes, list[str]]:
    """`^B0` commands cut to the parameters the renderer draws, and what was left out.

    ^B0a,b,c,d,e,f,g: orientation, magnification, ECIC (Y/N), error control / symbol size,
    menu symbol (Y/N), number of symbols for structured append (1-26), structured append ID.
    The ID means nothing for a single symbol (f = 1), so dropping it changes nothing drawn.
    """
    notes: list[str] = []

    def cut(found: re.Match[bytes]) -> bytes:
        params = found.group(1).split(b",")
        params += [b""] * (7 - len(params))
        if params[2].strip().upper() == b"Y":
            notes.append("Aztec ECI indicator")
            params[2] = b"N"
        if params[4].strip().upper() == b"Y":
            notes.append("Aztec menu symbol flag")
            params[4] = b"N"
        if params[5].strip() not in (b"", b"1"):
            notes.append(f"Aztec structured append ({params[5].decode('latin-1')} symbols)")
            params[5] = b"1"
        kept = params[:6]
        while kept and not kept[-1].strip():
            kept.pop()
        return b"^B0" + b",".join(kept)

    return _AZTEC.sub(cut, data), notes


def render_label(data: bytes, *, dpi: int = 203, stored: bytes = b"") -> tuple[bytes | None, str]:
    """The PNG of one format, and any rendering problem.

    Commands the offline renderer does not draw (`^PQ`, media and print-rate settings) are
    left out one by one, as they change nothing in the picture.
    """
    source, left_out = aztec_for_renderer(data)
    skipped: list[str] = []
    for _ in range(32):
        try:
            # a recalled format renders after the stored format it fills (zplkit: one request)
            document = zplkit.render(stored + source, zplkit.Options(dpi=dpi))
        except RenderError as error:
            if not _UNSUPPORTED.search(error.message):
                return None, f"cannot render: {error.message}"
            if error.offset < len(stored):
                return None, f"cannot render the stored format: {error.message}"
            error_offset = error.offset - len(stored)
            elements = parse_zpl(source).elements
            culprit = next((item for item in elements if item.offset == error_offset), None)
            if culprit is None:
                culprit = max(
                    (item for item in elements if item.offset <= error_offset), key=lambda e: e.offset
                )
            skipped.append(bytes(culprit)[:3].decode("ascii", "replace"))
            source = b"".join(bytes(item) for item in elements if item.offset != culprit.offset)
            continue
        if not document.labels:
            return None, "format draws no label"
        skipped += left_out
        note = f"not drawn: {', '.join(skipped)}" if skipped else ""
        return document.labels[-1].png(), note
    return None, "too many commands the renderer does not support"


@dataclass
class _Queued:
    label: LabelFormat
    copies_left: int
    png: bytes | None = None
    note: str = ""
    rendered: bool = False
    stored: bytes = b""  # the ^DF format a ^XF format recalls


@dataclass(eq=False)
class _Connection:
    writer: asyncio.StreamWriter
    partial_format: bool = False
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class ZplPrinterSimulator:
    """A ZPL printer on a TCP port (port 0 picks a free one)."""

    def __init__(
        self,
        *,
        shelf: Shelf | None = None,
        faults: Faults | None = None,
        name: str = "zpl",
        dpi: int = 203,
        render: bool = True,
    ) -> None:
        self.shelf = shelf if shelf is not None else Shelf()
        self.render = render  # False keeps only the bytes (load tests: rendering costs ~40 ms a label)
        self.faults = faults or Faults()
        self.name = name
        self.dpi = dpi
        self.host = "127.0.0.1"
        self.port = 0
        self._server: asyncio.Server | None = None
        self._queue: deque[_Queued] = deque()
        self._connections: set[_Connection] = set()
        self._wake = asyncio.Event()
        self._printer_task: asyncio.Task[None] | None = None
        self.status_queries_answered = 0
        self.status_queries_ignored = 0
        self.stored_formats: dict[str, bytes] = {}  # ^DF formats by name, e.g. "R:STOREFMT.ZPL"

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        if not self.faults.offline:
            await self._listen()
        self._printer_task = asyncio.create_task(self._print_forever(), name=f"{self.name}-printing")

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop_listening(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for connection in list(self._connections):
            connection.writer.close()
            if connection.task is not None:
                connection.task.cancel()
        self._connections.clear()

    async def stop(self) -> None:
        await self._stop_listening()
        if self._printer_task is not None:
            self._printer_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._printer_task

    async def __aenter__(self) -> ZplPrinterSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def set_faults(self, **changes: object) -> Faults:
        """Switch faults on or off: `await printer.set_faults(paper_out=True)`."""
        before, self.faults = self.faults, updated(self.faults, dict(changes))
        if self.faults.offline and not before.offline:
            await self._stop_listening()
        elif before.offline and not self.faults.offline:
            await self._listen()
        self._wake.set()
        return self.faults

    @property
    def connections(self) -> int:
        """Open client connections (a real Zebra serves one at a time on port 9100)."""
        return len(self._connections)

    def host_status(self) -> ZplHostStatus:
        current = self._queue[0].copies_left if self._queue else 0
        return ZplHostStatus(
            paper_out=self.faults.paper_out,
            paused=self.faults.paused,
            formats_in_buffer=len(self._queue),
            buffer_full=len(self._queue) >= RECEIVE_BUFFER_FORMATS,
            partial_format=any(connection.partial_format for connection in self._connections),
            head_up=self.faults.head_open,
            ribbon_out=self.faults.ribbon_out,
            labels_remaining=current,
        )

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = _Connection(writer=writer, task=asyncio.current_task())
        self._connections.add(connection)
        buffer = b""
        try:
            while chunk := await reader.read(65536):
                framed = frame_zpl(buffer + chunk)
                buffer, connection.partial_format = framed.rest, framed.partial_format
                for item in framed.items:
                    if isinstance(item, ControlCommand):
                        await self._control(item.name, writer)
                    elif (name := item.stored_as) is not None:
                        self.stored_formats[name] = item.data  # kept in memory, nothing printed
                    else:
                        recalled = item.recalls
                        stored = self.stored_formats.get(recalled, b"") if recalled else b""
                        queued = _Queued(label=item, copies_left=item.copies, stored=stored)
                        if recalled and not stored:
                            queued.rendered, queued.note = True, f"stored format {recalled} not found"
                        self._queue.append(queued)
                        self._wake.set()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(connection)
            writer.close()

    async def _control(self, name: str, writer: asyncio.StreamWriter) -> None:
        if name == "HS":
            if self.faults.media_fault and self.faults.silent_when_faulted:
                self.status_queries_ignored += 1
                return
            self.status_queries_answered += 1
            writer.write(encode_host_status(self.host_status()))
            await writer.drain()
        elif name == "JA":
            self._queue.clear()
        elif name in ("PP", "PS"):
            self.faults = updated(self.faults, {"paused": name == "PP"})
            self._wake.set()

    async def _print_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue and not self.faults.stops_printing:
                if self.faults.slow_seconds:
                    await asyncio.sleep(self.faults.slow_seconds)
                    if self.faults.stops_printing or not self._queue:
                        break
                item = self._queue[0]
                if not item.rendered:
                    if self.render:
                        item.png, item.note = await asyncio.to_thread(
                            render_label, item.label.data, dpi=self.dpi, stored=item.stored
                        )
                    item.rendered = True
                await self.shelf.put(
                    printer=f"{self.name}@{self.host}:{self.port}",
                    language="zpl",
                    raw=item.label.data,
                    png=item.png,
                    render_note=item.note,
                )
                item.copies_left -= 1
                if item.copies_left <= 0 and self._queue and self._queue[0] is item:
                    self._queue.popleft()
