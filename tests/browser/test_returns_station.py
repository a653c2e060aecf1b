"""The returns station screen: a whole return by scanner and touch, match results, fraud flags."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect
from sqlmodel import select

from tests.browser.conftest import screenshot
from tests.browser.site import Site, start_site
from tests.browser.wedge import count_answers, scan
from tests.browser.zebra import Zebra, zebra_for
from tests.polling import wait_until
from wms.platform.tables import OutboxMessage

pytestmark = pytest.mark.browser
SHIRT = "09506000134352"
BOOT = "00614141123452"
APPAREL_LIKE_NEW = {"tags_attached": "yes", "worn": "no", "stains": "none", "odour": "no", "damage": "no"}


class Inbox:
    """A real SMTP server on 127.0.0.1 keeping what it is sent."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    handler = Inbox(_free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[Site]:
    """This module's server sends its email to the test inbox."""
    path: Path = tmp_path_factory.mktemp("returns")
    with start_site(f"sqlite:///{path / 'kaeru.db'}", path, env={"KAERU_SMTP_PORT": str(inbox.port)}) as s:
        s.item("RT-SHIRT", SHIRT, weight_g=300)
        s.item("RT-BOOT", BOOT, weight_g=900, category="shoes")
        s.receive("RT-SHIRT", 10, "A-03-1")
        s.receive("RT-BOOT", 10, "A-04-1")
        yield s


def returned_order(site: Site, number: str, sku: str, gtin: str, grams: int) -> dict[str, Any]:
    """An order shipped to the shopper, and a return authorised for it."""
    site.order(number, [(sku, 1)])
    site.release([number])
    site.pick_all({sku: gtin})
    site.ship(number, {gtin: [str(grams)]})
    return site.call(
        "POST",
        "/api/v1/returns",
        "associate",
        expect=201,
        json={  # type: ignore[no-any-return]
            "warehouse": "WH1",
            "order": number,
            "lines": [{"sku": sku, "reason": "size_too_large", "outcome": "refund"}],
        },
    )


def outbox(site: Site, channel: str) -> list[OutboxMessage]:
    with site.kaeru.db.read() as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.channel == channel)))


def outbox_row(site: Site, row_id: int | None) -> OutboxMessage:
    with site.kaeru.db.read() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        return row


def wait_for(condition: Any, timeout: float = 15.0) -> Any:
    return wait_until(condition, within=timeout, every=0.1, what="the screen did not get there")


def test_a_whole_return_by_scanner_and_touch_ends_graded_tagged_put_away_and_told(
    site: Site, page: Page, inbox: Inbox
) -> None:
    with zebra_for(site.kaeru, "RET-1-PRINTER") as zebra:
        rma = returned_order(site, "RT-1", "RT-SHIRT", SHIRT, 300)
        count_answers(page)
        site.sign_in(page, "associate", "returns")
        scan(page, f"]C0{rma['code']}")
        expect(page.locator("#rma")).to_have_text(rma["code"])
        expect(page.locator("#expected li[data-sku=RT-SHIRT]")).to_be_visible()
        scan(page, f"]E0{SHIRT[1:]}")
        expect(page.locator("#match")).to_have_text("Right item")
        assert page.evaluate("document.body.dataset.lastBeep") == "good"
        for question, answer in APPAREL_LIKE_NEW.items():
            page.tap(f"[data-question={question}] button[data-answer={answer}]")
        page.tap("#grade")
        expect(page.locator("#grade-letter")).to_have_text("A")
        tote = page.locator("#tote")
        expect(tote).to_have_text("RESTOCK")
        assert float(tote.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 48
        screenshot(page, "returns-graded-en")
        unit = site.call("GET", f"/api/v1/returns/{rma['code']}", "manager")["units"][0]
        scan(page, f"]C0LPN-{unit['lpn']}")
        expect(page.locator("#banner .headline")).to_have_text(f"Take it to {unit['location']}")
        scan(page, f"]C0LOC-{unit['location']}")
        expect(page.locator("#banner .headline")).to_have_text(f"Put away at {unit['location']}")

        unit = site.call("GET", f"/api/v1/returns/{rma['code']}", "manager")["units"][0]
        assert unit["grade"] == "A"
        assert unit["put_away_at"]
        stock = site.call("GET", f"/api/v1/warehouses/WH1/stock?sku=RT-SHIRT&location={unit['location']}")
        assert sum(row["quantity"] for row in stock) >= 1
        tags = [m.payload for m in outbox(site, "print") if m.payload.get("label") == "grade_tag"]
        assert [t["lpn"] for t in tags] == [unit["lpn"]]
        # The grade tag came out of the station's printer and scans back to the unit's LPN.
        assert f"LPN-{unit['lpn']}" in Zebra.codes(zebra.printed(1)[0])
        # The screen says the tag printed once the printer has it, not before.
        expect(page.locator("#tag-jobs li[data-label=grade_tag][data-state=printed]")).to_have_count(1)
        # The shopper is told: the grading email is written with the grade and reaches their inbox.
        graded = [
            m
            for m in outbox(site, "email")
            if m.topic == "return.graded" and m.payload["to"] == "rt-1@example.com"
        ]
        assert len(graded) == 1
        wait_for(
            lambda: any(
                "rt-1@example.com" in e.rcpt_tos and b"X-Kaeru-Topic: return.graded" in bytes(e.content)
                for e in inbox.messages
            )
        )


def test_a_different_item_in_the_parcel_is_flagged_with_its_evidence_and_a_hold_beep(
    site: Site, page: Page
) -> None:
    rma = returned_order(site, "RT-2", "RT-SHIRT", SHIRT, 300)
    count_answers(page)
    site.sign_in(page, "associate", "returns")
    scan(page, f"]C0{rma['code']}")
    scan(page, f"]E0{BOOT[1:]}")
    expect(page.locator("#match")).to_have_attribute("data-match", "different_item")
    expect(page.locator("#banner")).to_have_class("banner hold")
    assert page.evaluate("document.body.dataset.lastBeep") == "hold"
    flag = page.locator("#flags [data-signal=different_item]")
    expect(flag).to_be_visible()
    expect(flag.locator(".evidence")).to_contain_text("Scanned RT-BOOT: A different item")
    assert '":' not in flag.locator(".evidence").inner_text()
    expect(page.locator("[data-action], #approve:visible, #reject:visible")).to_have_count(0)
    screenshot(page, "returns-flagged-en")


def test_an_answer_can_be_undone_before_the_grade_is_confirmed(site: Site, page: Page) -> None:
    rma = returned_order(site, "RT-3", "RT-SHIRT", SHIRT, 300)
    count_answers(page)
    site.sign_in(page, "associate", "returns")
    scan(page, f"]C0{rma['code']}")
    scan(page, f"]E0{SHIRT[1:]}")
    page.tap("[data-question=tags_attached] button[data-answer=yes]")
    expect(page.locator("#undo")).to_be_enabled()
    page.tap("#undo")
    expect(page.locator("[data-question=tags_attached] button[aria-pressed=true]")).to_have_count(0)
    expect(page.locator("#grade")).to_be_disabled()


def test_a_photo_from_the_station_camera_is_attached_to_the_unit(site: Site, page: Page) -> None:
    rma = returned_order(site, "RT-4", "RT-SHIRT", SHIRT, 300)
    count_answers(page)
    site.sign_in(page, "associate", "returns")
    scan(page, f"]C0{rma['code']}")
    scan(page, f"]E0{SHIRT[1:]}")
    page.tap("#photo")
    page.wait_for_function("document.getElementById('camera').videoWidth > 0")
    page.tap("#capture")
    expect(page.locator("#banner .headline")).to_have_text("Photo saved")
    unit = site.call("GET", f"/api/v1/returns/{rma['code']}", "manager")["units"][0]
    photos = site.call("GET", f"/api/v1/returns/units/{unit['id']}/photos", "manager")
    assert len(photos) == 1


@pytest.mark.parametrize("typed", ["RMA-999999", "ORD-NOPE1"])
def test_a_mistyped_code_says_not_found_and_a_case_is_opened_only_by_choice(
    site: Site, page: Page, typed: str
) -> None:
    def cases() -> int:
        returns = site.call("GET", "/api/v1/returns?limit=500", "manager")
        return sum(1 for r in returns if r["kind"] == "unexpected")

    before = cases()
    count_answers(page)
    site.sign_in(page, "associate", "returns")
    scan(page, f"]C0{typed}")
    expect(page.locator("#banner .headline")).to_have_text(f"Not found: {typed}")
    assert page.evaluate("document.body.dataset.lastBeep") == "wrong"
    shown = page.locator("#rma").inner_text()  # the parcel open before (if any) stays on screen
    assert cases() == before, "a mistyped code opened a case"
    choice = page.locator("#open-unexpected")
    expect(choice).to_have_text(f"Open an unexpected return for {typed}")
    choice.click()
    expect(page.locator("#banner .headline")).to_contain_text("Unexpected return")
    expect(page.locator("#rma")).not_to_have_text(shown)
    expect(choice).to_be_hidden()
    assert cases() == before + 1


def test_a_reload_mid_parcel_carries_on_and_the_item_scanned_again_is_the_same_unit(
    site: Site, page: Page
) -> None:
    rma = returned_order(site, "RT-RELOAD", "RT-SHIRT", SHIRT, 300)
    count_answers(page)
    site.sign_in(page, "associate", "returns")
    scan(page, f"]C0{rma['code']}")
    scan(page, f"]E0{SHIRT[1:]}")
    expect(page.locator("#match")).to_have_text("Right item")

    page.reload()
    count_answers(page)
    expect(page.locator("#banner .headline")).to_have_text(f"Carrying on with {rma['code']}")
    expect(page.locator("#rma")).to_have_text(rma["code"])
    expect(page.locator("#unit-sku")).to_have_text("RT-SHIRT")
    scan(page, f"]C0{rma['code']}")
    scan(page, f"]E0{SHIRT[1:]}")
    expect(page.locator("#banner .headline")).to_have_text("RT-SHIRT is already out of this parcel")
    expect(page.locator("#match")).to_have_text("Right item")
    for question, answer in APPAREL_LIKE_NEW.items():
        page.tap(f"[data-question={question}] button[data-answer={answer}]")
    page.tap("#grade")
    expect(page.locator("#grade-letter")).to_have_text("A")
    returned = site.call("GET", f"/api/v1/returns/{rma['code']}", "manager")
    assert [u["match"] for u in returned["units"]] == ["right_item"]
    assert returned["units"][0]["resolution"] not in (None, "", "none")
