"""After delivery: a review request, replenishment reminders for consumables, and an unsubscribe honoured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from tests.floor import Floor
from tests.integration.shopper.shop import outbox, ship, track
from wms.shopper.after_delivery import send_due
from wms.shopper.tables import ScheduledMessage


def _delivered(floor: Floor, number: str) -> datetime:
    shipped = ship(floor, number, [("FILTER", 2), ("TEE-M", 1)])
    at = datetime.now(UTC) - timedelta(days=1)
    track(floor, shipped["tracking_number"], "delivered", at=at)
    return at


def test_a_review_request_is_sent_the_configured_days_after_delivery(floor: Floor) -> None:
    delivered = _delivered(floor, "A-1")
    assert send_due(floor.kaeru, now=delivered + timedelta(days=6)) == {"sent": 0, "skipped": 0}
    assert send_due(floor.kaeru, now=delivered + timedelta(days=7, minutes=1)) == {"sent": 1, "skipped": 0}
    [request] = outbox(floor, "review.requested")
    context = request.payload["context"]
    assert context["order"]["number"] == "A-1"
    assert context["unsubscribe_url"].endswith(f"/u/{context['unsubscribe_token']}")


def test_a_consumable_is_due_for_a_reminder_at_its_rebuy_interval_per_unit_bought(floor: Floor) -> None:
    delivered = _delivered(floor, "A-2")
    with floor.kaeru.db.read() as session:
        row = session.exec(select(ScheduledMessage).where(ScheduledMessage.kind == "replenishment")).one()
    assert row.due_at == delivered + timedelta(days=60)  # 30 days a filter, two bought
    send_due(floor.kaeru, now=delivered + timedelta(days=61))
    [reminder] = outbox(floor, "replenishment.reminder")
    assert reminder.payload["context"]["item"]["sku"] == "FILTER"


def test_an_unsubscribed_shopper_gets_no_more_reminders(floor: Floor) -> None:
    delivered = _delivered(floor, "A-3")
    send_due(floor.kaeru, now=delivered + timedelta(days=8))
    token = outbox(floor, "review.requested")[0].payload["context"]["unsubscribe_token"]
    page = floor.client.get(f"/u/{token}")
    assert page.status_code == 200
    done = floor.client.post(f"/u/{token}")
    assert done.status_code == 200
    assert 'id="unsubscribed"' in done.text
    assert send_due(floor.kaeru, now=delivered + timedelta(days=61)) == {"sent": 0, "skipped": 1}
    assert outbox(floor, "replenishment.reminder") == []
    assert floor.client.post("/u/not-a-real-token").status_code == 404
