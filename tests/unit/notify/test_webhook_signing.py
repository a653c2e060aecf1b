"""Standard Webhooks signing: the receiver's library verifies what we send."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from wms.notify.webhook import encode_webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_a_signed_webhook_verifies_with_the_standard_library() -> None:
    body, headers = encode_webhook(
        webhook_id="webhook:return.graded:9",
        event_type="return.graded",
        created_at=datetime(2025, 3, 1, tzinfo=UTC),
        data={"rma": "RMA-1"},
        secret=SECRET,
    )
    payload = Webhook(SECRET).verify(body, headers)
    assert payload == {
        "type": "return.graded",
        "timestamp": "2025-03-01T00:00:00+00:00",
        "data": {"rma": "RMA-1"},
    }
    assert headers["webhook-id"] == "webhook:return.graded:9"


def test_a_tampered_body_does_not_verify() -> None:
    body, headers = encode_webhook(
        webhook_id="m1",
        event_type="refund.issued",
        created_at=datetime.now(UTC),
        data={"amount_minor": 100},
        secret=SECRET,
    )
    forged = json.loads(body) | {"data": {"amount_minor": 100000}}
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(json.dumps(forged), headers)


def test_the_timestamp_header_is_the_time_of_sending() -> None:
    _, headers = encode_webhook(
        webhook_id="m1",
        event_type="t",
        created_at=datetime(2020, 1, 1, tzinfo=UTC),
        data={},
        secret=SECRET,
        now=time.time(),
    )
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 5
