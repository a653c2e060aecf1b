"""The site's simulators at their configured URLs, and the demo mailbox over real SMTP."""

from __future__ import annotations

import asyncio
import smtplib
import socket
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
import serial

from kaeru_config.site import SiteConfig
from simulators.mailbox import MailboxServer
from simulators.site import PortTaken, SimulatedSite
from tests.live_server import free_port


def _site(tmp_path: Path, printer_port: int) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "warehouses": [{"code": "WH1", "name": "Test", "locations": []}],
            "stations": [
                {
                    "code": "PACK-1",
                    "kind": "pack",
                    "warehouse": "WH1",
                    "devices": [
                        {
                            "code": "S",
                            "kind": "scanner",
                            "url": f"serial://{tmp_path}/scanner?terminator=cr&aim=1",
                        },
                        {
                            "code": "W",
                            "kind": "scale",
                            "url": f"scale+serial://{tmp_path}/scale?protocol=mt-sics",
                        },
                        {"code": "P", "kind": "printer", "url": f"tcp://127.0.0.1:{printer_port}"},
                        {"code": "HH", "kind": "handheld", "url": ""},
                    ],
                }
            ],
        }
    )


async def test_a_configured_scanner_types_into_its_pty_path_and_the_printer_listens_on_its_port(
    tmp_path: Path,
) -> None:
    port = free_port()
    site = SimulatedSite(_site(tmp_path, port), pages_port=0)
    await site.start()
    try:
        with serial.Serial(str(tmp_path / "scanner"), timeout=2) as host:
            await site.station_inputs()["PACK-1"].scan("]C0ORD-D00001")
            assert host.read_until(b"\r") == b"]C0ORD-D00001\r"
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        async with httpx.AsyncClient() as client:
            page = site.printers["P"].page_url
            assert page is not None
            assert (await client.get(f"{page}api/labels")).json() == []
        assert site.left_out == ["HH: no URL (no simulator)"]
    finally:
        await site.stop()


async def test_a_printer_port_already_taken_is_named_in_the_refusal(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        site = SimulatedSite(_site(tmp_path, port), pages_port=None)
        with pytest.raises(PortTaken, match=f"port {port} \\(printer P\\)"):
            await site.start()
    assert all(not s.port.plugged for s in site.scanners.values()), "what had started is stopped again"


async def test_the_mailbox_keeps_a_message_sent_over_smtp_and_lists_it(tmp_path: Path) -> None:
    server = MailboxServer(smtp_port=0, web_port=0)
    await server.start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "orders@kaeru.local", "aiko@example.jp", "ご注文"
        message.set_content("ありがとうございます")
        message.add_alternative("<p>ありがとうございます</p>", subtype="html")

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=5) as smtp:
                smtp.send_message(message)

        await asyncio.to_thread(send)
        async with httpx.AsyncClient(base_url=server.web_url or "") as client:
            listed = (await client.get("/api/messages")).json()
            shown = (await client.get(f"/messages/{listed[0]['number']}")).text
            page = (await client.get("/")).text
        assert [(m["to"], m["subject"]) for m in listed] == [(["aiko@example.jp"], "ご注文")]
        assert "<p>ありがとうございます</p>" in shown
        assert "ご注文" in page
    finally:
        await server.stop()
