"""PDF (or any document CUPS accepts) to a CUPS queue, through the `lp` and `lpstat` commands.

URL: `cups://queue-name`, options `server` (host[:port] of a remote cupsd, passed as `-h`),
`lp` and `lpstat` (command names or paths, default found on PATH).
A job counts as printed once `lpstat` lists it among the queue's completed jobs. CUPS also lists
jobs cancelled or aborted inside CUPS there; `lpstat` does not tell them apart, so a job cancelled
at the CUPS console is taken as printed (check the CUPS log if a document is missing).
Without CUPS installed, every call is a DeviceFault saying so.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from urllib.parse import urlsplit

from devices.errors import DeviceDisconnected, DeviceFault
from devices.printers.driver import Sent, url_options
from devices.printers.status import DISABLED, PrinterStatus, status_from_faults, unreachable

_REQUEST_ID = re.compile(r"request id is (\S+)")


def parse_request_id(output: str) -> str:
    """The job id in `lp`'s answer ("request id is office-12 (1 file(s))")."""
    found = _REQUEST_ID.search(output)
    if found is None:
        raise DeviceFault(f"lp did not report a job id: {output.strip()!r}")
    return found.group(1)


def job_listed(lpstat_output: str, job_id: str) -> bool:
    """Whether `lpstat -o` output lists the job (first column of each line)."""
    return any(line.split()[:1] == [job_id] for line in lpstat_output.splitlines())


def parse_queue_state(printer_output: str, accepting_output: str) -> PrinterStatus:
    """The status of a queue from `lpstat -p QUEUE` and `lpstat -a QUEUE`."""
    disabled = " disabled" in printer_output or "not accepting" in accepting_output
    busy = " now printing" in printer_output
    detail = " ".join(printer_output.split())
    return status_from_faults(
        frozenset({DISABLED}) if disabled else frozenset(), formats_in_buffer=1 if busy else 0, detail=detail
    )


class CupsPrinter:
    """A CUPS print queue."""

    formats = frozenset({"pdf"})

    def __init__(
        self,
        url: str,
        *,
        device_id: str = "",
        server: str | None = None,
        lp: str | None = None,
        lpstat: str | None = None,
        timeout: float | str | None = None,
    ) -> None:
        options = url_options(url)
        self.url = url
        self.device_id = device_id or url
        self.queue = urlsplit(url).netloc or urlsplit(url).path.strip("/")
        if not self.queue:
            raise DeviceFault(f"printer URL {url!r} names no CUPS queue")
        self.server = server or options.get("server")
        self.lp = lp or options.get("lp", "lp")
        self.lpstat = lpstat or options.get("lpstat", "lpstat")
        self.timeout = float(timeout if timeout is not None else options.get("timeout", 10.0))

    async def _run(self, command: str, *arguments: str, stdin: bytes | None = None) -> str:
        program = shutil.which(command)
        if program is None:
            raise DeviceFault(
                f"CUPS is not installed here: no {command!r} command (apt-get install cups-client) "
                f"to print to {self.url}"
            )
        server = ("-h", self.server) if self.server else ()
        process = await asyncio.create_subprocess_exec(
            program,
            *server,
            *arguments,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(self.timeout):
                out, err = await process.communicate(stdin)
        except TimeoutError as error:
            process.kill()
            await process.wait()
            raise DeviceDisconnected(
                f"{command} for {self.url} took longer than {self.timeout:g} s"
            ) from error
        if process.returncode != 0:
            message = err.decode(errors="replace").strip() or out.decode(errors="replace").strip()
            raise DeviceFault(f"{command} failed for {self.url}: {message}")
        return out.decode(errors="replace")

    async def status(self) -> PrinterStatus:
        try:
            printer = await self._run(self.lpstat, "-p", self.queue)
            accepting = await self._run(self.lpstat, "-a", self.queue)
        except DeviceDisconnected as error:
            return unreachable(str(error))
        except DeviceFault as error:
            return unreachable(str(error), fault=DISABLED)
        return parse_queue_state(printer, accepting)

    async def send(self, payload: bytes) -> Sent:
        output = await self._run(self.lp, "-d", self.queue, "-", stdin=payload)
        return Sent(reference=parse_request_id(output))

    async def printed(self, sent: Sent) -> bool:
        if job_listed(await self._run(self.lpstat, "-o", self.queue), sent.reference):
            return False
        if job_listed(await self._run(self.lpstat, "-W", "completed", "-o", self.queue), sent.reference):
            return True
        raise DeviceFault(f"CUPS no longer knows job {sent.reference} on {self.url}")

    async def close(self) -> None:
        return None
