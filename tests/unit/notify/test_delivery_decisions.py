"""Pure delivery decisions: backoff, retry or dead-letter, status classification, locales, ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wms.notify.model import (
    Poison,
    Retry,
    RetryPolicy,
    backoff_delay,
    choose_locale,
    email_message_id,
    http_failure,
    settle,
    smtp_failure,
    topic_matches,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=5, base_seconds=2, cap_seconds=60)


def test_backoff_grows_exponentially_up_to_the_cap_at_the_top_of_the_jitter() -> None:
    ceilings = [backoff_delay(attempt, POLICY, draw=lambda: 1.0) for attempt in range(1, 8)]
    assert ceilings == [2, 4, 8, 16, 32, 60, 60]


def test_full_jitter_can_retry_immediately() -> None:
    assert backoff_delay(4, POLICY, draw=lambda: 0.0) == 0.0


def test_a_delivered_message_is_marked_delivered() -> None:
    assert settle(attempts=1, failure=None, now=NOW, policy=POLICY).state == "delivered"


def test_a_transient_failure_is_retried_later_within_the_backoff_ceiling() -> None:
    decision = settle(attempts=3, failure=Retry("HTTP 503"), now=NOW, policy=POLICY, draw=lambda: 0.5)
    assert decision.state == "pending"
    assert decision.next_attempt_at == NOW + timedelta(seconds=4)
    assert decision.last_error == "HTTP 503"


def test_the_last_allowed_attempt_sends_the_message_to_dead_letter() -> None:
    decision = settle(attempts=5, failure=Retry("HTTP 503"), now=NOW, policy=POLICY)
    assert decision.state == "dead"
    assert "after 5 attempts" in decision.last_error


def test_a_poison_message_is_dead_at_the_first_attempt() -> None:
    decision = settle(attempts=1, failure=Poison("template broken"), now=NOW, policy=POLICY)
    assert (decision.state, decision.last_error) == ("dead", "poison: template broken")


def test_webhook_answers_2xx_deliver_4xx_poison_and_5xx_408_429_retry() -> None:
    assert http_failure(204) is None
    assert isinstance(http_failure(400), Poison)
    assert isinstance(http_failure(410), Poison)
    for status in (408, 429, 500, 503):
        assert isinstance(http_failure(status), Retry)


def test_smtp_5xx_is_permanent_and_4xx_transient() -> None:
    assert isinstance(smtp_failure(550), Poison)
    assert isinstance(smtp_failure(451), Retry)


def test_a_regional_locale_falls_back_to_its_language_and_unknown_to_english() -> None:
    assert choose_locale("ja-JP") == "ja"
    assert choose_locale("uk_UA") == "uk"
    assert choose_locale("pt-BR") == "en"
    assert choose_locale(None) == "en"


def test_the_email_message_id_is_the_same_for_every_send_of_one_message() -> None:
    first = email_message_id("email:order.shipped:7", "kaeru.local")
    assert first == email_message_id("email:order.shipped:7", "kaeru.local")
    assert first != email_message_id("email:order.shipped:8", "kaeru.local")
    assert first.startswith("<")
    assert first.endswith("@kaeru.local>")


def test_endpoint_topic_patterns_are_globs() -> None:
    assert topic_matches("return.graded", ["order.*", "return.*"])
    assert not topic_matches("scan", ["order.*", "return.*"])
