"""The retention policy: the moments before which each kind of record may go, and the daily scan counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kaeru_config.settings import ROOT
from kaeru_config.site import ConfigError
from wms.platform.model import RetentionPolicy, ScanFact, cutoffs, daily_counts, months_before
from wms.platform.retention import load_policy

NOW = datetime(2026, 3, 31, 12, 30, tzinfo=UTC)


def test_a_month_back_from_the_31st_lands_on_the_last_day_of_a_shorter_month() -> None:
    assert months_before(NOW, 1) == datetime(2026, 2, 28, 12, 30, tzinfo=UTC)
    assert months_before(NOW, 3) == datetime(2025, 12, 31, 12, 30, tzinfo=UTC)
    assert months_before(datetime(2028, 3, 29, tzinfo=UTC), 1) == datetime(2028, 2, 29, tzinfo=UTC)


def test_each_kind_of_record_is_kept_for_its_own_period() -> None:
    policy = RetentionPolicy(
        idempotency_keys_days=7, scan_records_months=3, audit_years=2, outbox_delivered_days=10
    )
    limits = cutoffs(policy, NOW)
    assert limits.idempotency_keys == datetime(2026, 3, 24, 12, 30, tzinfo=UTC)
    assert limits.scan_records == datetime(2025, 12, 31, 12, 30, tzinfo=UTC)
    assert limits.audit == datetime(2024, 3, 31, 12, 30, tzinfo=UTC)
    assert limits.outbox_delivered == datetime(2026, 3, 21, 12, 30, tzinfo=UTC)


def test_scans_are_counted_per_warehouse_day_kind_mode_and_outcome() -> None:
    scans = [
        ScanFact(1, datetime(2026, 1, 5, 23, 59, tzinfo=UTC), "gs1", "pick", "accepted"),
        ScanFact(1, datetime(2026, 1, 5, 0, 0, tzinfo=UTC), "gs1", "pick", "accepted"),
        ScanFact(1, datetime(2026, 1, 6, 0, 0, tzinfo=UTC), "gs1", "pick", "accepted"),
        ScanFact(2, datetime(2026, 1, 5, 8, 0, tzinfo=UTC), "gs1", "pick", "rejected"),
    ]
    assert daily_counts(scans) == {
        (1, date(2026, 1, 5), "gs1", "pick", "accepted"): 2,
        (1, date(2026, 1, 6), "gs1", "pick", "accepted"): 1,
        (2, date(2026, 1, 5), "gs1", "pick", "rejected"): 1,
    }


def test_the_shipped_configuration_loads() -> None:
    policy = load_policy(ROOT / "config")
    assert policy.scan_records_months >= 1


def test_a_policy_cannot_name_the_ledger_or_money(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "retention.yaml").write_text("ledger_days: 30\n")
    with pytest.raises(ConfigError, match="ledger_days"):
        load_policy(tmp_path)


def test_a_period_of_zero_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "retention.yaml").write_text("audit_years: 0\n")
    with pytest.raises(ConfigError, match="audit_years"):
        load_policy(tmp_path)
