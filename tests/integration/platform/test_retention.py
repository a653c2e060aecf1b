"""Retention deletes what config/retention.yaml no longer keeps, and never the ledger, money owed or a
message not yet delivered; raw scans leave their daily counts behind. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, text, update
from sqlmodel import Session, col, select

from wms.context import Kaeru
from wms.identity.model import Principal
from wms.inventory import service as inventory
from wms.inventory.tables import Item, LedgerEntry, Quant, Warehouse
from wms.merchants.service import default_merchant
from wms.platform.model import RetentionPolicy
from wms.platform.retention import prune
from wms.platform.tables import AuditEntry, IdempotencyRecord, OutboxMessage, ScanDay, ScanRecord
from wms.returns.tables import MoneyMovement, ReturnAuthorisation

NOW = datetime.now(UTC)
LONG_AGO = NOW - timedelta(days=3650)
POLICY = RetentionPolicy(batch_size=7)  # small batches: several rounds each
MANAGER = Principal(kind="user", role="manager", warehouse_id=None, user_id=None, name="retention")
_serial = itertools.count()


def _warehouse(session: Session) -> Warehouse:
    warehouse = session.exec(select(Warehouse).order_by(col(Warehouse.id))).first()
    assert warehouse is not None
    return warehouse


def _receive(kaeru: Kaeru, sku: str, quantity: int, location: str = "A-01-1") -> None:
    def work(session: Session) -> None:
        warehouse = _warehouse(session)
        item = session.exec(select(Item).where(Item.sku == sku)).first()
        if item is None:
            item = Item(merchant_id=default_merchant(session).id, sku=sku, name=sku, weight_g=100)
            session.add(item)
            session.flush()
        receipt = inventory.Receipt(
            item=item, quantity=quantity, location=inventory.location_by_code(session, warehouse.id, location)
        )
        inventory.receive(session, receipt, warehouse=warehouse, actor=inventory.Actor(MANAGER))

    kaeru.db.write(work)


def _age_everything(kaeru: Kaeru) -> None:
    """Make every row of every kept-forever table look ten years old."""

    def work(session: Session) -> None:
        session.execute(update(LedgerEntry).values(at=LONG_AGO))
        session.execute(update(MoneyMovement).values(created_at=LONG_AGO))
        session.execute(update(OutboxMessage).values(created_at=LONG_AGO, next_attempt_at=LONG_AGO))

    kaeru.db.write(work)


def _money_owed(kaeru: Kaeru) -> None:
    def work(session: Session) -> None:
        warehouse = _warehouse(session)
        n = next(_serial)
        owner = default_merchant(session).id or 0
        rma = ReturnAuthorisation(
            warehouse_id=warehouse.id, merchant_id=owner, number=f"R{n}", token=f"retention-{n}"
        )
        session.add(rma)
        session.flush()
        session.add(
            MoneyMovement(
                warehouse_id=warehouse.id,
                merchant_id=owner,
                rma_id=rma.id,
                kind="refund",
                amount_minor=1999,
                currency="EUR",
            )
        )

    kaeru.db.write(work)


def _messages(kaeru: Kaeru) -> None:
    def work(session: Session) -> None:
        for state, delivered_at in (
            ("pending", None),
            ("failed", None),
            ("dead", None),
            ("printing", None),
            ("delivered", LONG_AGO),
            ("delivered", NOW),
        ):
            session.add(
                OutboxMessage(
                    message_id=f"m-{next(_serial)}",
                    channel="email",
                    topic="order.shipped",
                    state=state,
                    delivered_at=delivered_at,
                    created_at=LONG_AGO,
                )
            )

    kaeru.db.write(work)


def _count(kaeru: Kaeru, model: type) -> int:
    with kaeru.db.read() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_retention_never_deletes_a_ledger_row_money_owed_or_an_undelivered_message(kaeru: Kaeru) -> None:
    _receive(kaeru, "RET-1", 5)
    _receive(kaeru, "RET-1", 3, "A-02-1")
    _money_owed(kaeru)
    _messages(kaeru)
    _age_everything(kaeru)
    ledger, money = _count(kaeru, LedgerEntry), _count(kaeru, MoneyMovement)

    removed = prune(kaeru.db, POLICY, now=NOW)

    assert _count(kaeru, LedgerEntry) == ledger >= 2
    assert _count(kaeru, MoneyMovement) == money == 1
    with kaeru.db.read() as session:
        states = sorted(session.exec(select(OutboxMessage.state)).all())
    assert states == ["dead", "delivered", "failed", "pending", "printing"]  # the old delivered one went
    assert removed["outbox_delivered"] == 1


def test_old_keys_audit_and_scans_go_and_the_scans_daily_counts_stay(kaeru: Kaeru) -> None:
    old_scan = NOW - timedelta(days=200)

    def work(session: Session) -> None:
        warehouse_id = _warehouse(session).id
        for age, client in ((timedelta(days=30), "device:1"), (timedelta(hours=1), "device:2")):
            session.add(IdempotencyRecord(client=client, key="k", request_hash="h", created_at=NOW - age))
        for at in (NOW - timedelta(days=365 * 3), NOW - timedelta(days=10)):
            session.add(AuditEntry(at=at, actor="system", action="a", object_type="order", object_id="1"))
        for i in range(20):  # 15 old scans over two days, 5 recent
            received = old_scan + timedelta(days=i % 2) if i < 15 else NOW
            session.add(
                ScanRecord(
                    warehouse_id=warehouse_id,
                    scanned_at=received,
                    received_at=received,
                    raw=f"LOC-{i}",
                    kind="text",
                    mode="pick",
                    outcome="accepted" if i % 3 else "rejected",
                )
            )

    kaeru.db.write(work)

    removed = prune(kaeru.db, POLICY, now=NOW)

    assert removed == {"idempotency_keys": 1, "scan_records": 15, "audit": 1, "outbox_delivered": 0}
    with kaeru.db.read() as session:
        assert session.exec(select(IdempotencyRecord.client)).all() == ["device:2"]
        assert _count(kaeru, AuditEntry) == 1
        assert _count(kaeru, ScanRecord) == 5
        days = session.exec(select(ScanDay)).all()
    assert sum(d.count for d in days) == 15
    assert {(d.day, d.outcome): d.count for d in days} == {
        (old_scan.date(), "accepted"): 5,
        (old_scan.date(), "rejected"): 3,
        ((old_scan + timedelta(days=1)).date(), "accepted"): 5,
        ((old_scan + timedelta(days=1)).date(), "rejected"): 2,
    }
    # A second prune finds nothing more, and the counts do not grow.
    assert sum(prune(kaeru.db, POLICY, now=NOW).values()) == 0
    with kaeru.db.read() as session:
        assert session.exec(select(func.sum(ScanDay.count))).one() == 15


def _ledger_matches_on_hand(kaeru: Kaeru) -> None:
    with kaeru.db.read() as session:
        expected: dict[tuple, int] = defaultdict(int)
        for e in session.exec(select(LedgerEntry)):
            if e.to_location_id is not None:
                expected[(e.item_id, e.to_location_id, e.lot, e.serial, e.to_condition)] += e.quantity
            if e.from_location_id is not None:
                expected[(e.item_id, e.from_location_id, e.lot, e.serial, e.from_condition)] -= e.quantity
        actual = {
            (q.item_id, q.location_id, q.lot, q.serial, q.condition): q.quantity
            for q in session.exec(select(Quant))
        }
    for key in set(expected) | set(actual):
        assert expected.get(key, 0) == actual.get(key, 0), f"ledger and on-hand disagree at {key}"


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["A-01-1", "A-02-1", "P-01-1"]), st.integers(1, 6), st.integers(0, 800)),
        min_size=1,
        max_size=6,
    ),
    policy=st.builds(
        RetentionPolicy,
        idempotency_keys_days=st.integers(1, 400),
        scan_records_months=st.integers(1, 24),
        audit_years=st.integers(1, 3),
        outbox_delivered_days=st.integers(1, 400),
        batch_size=st.integers(1, 50),
    ),
)
def test_on_hand_equals_the_ledger_sum_across_a_prune(
    kaeru: Kaeru, steps: list[tuple[str, int, int]], policy: RetentionPolicy
) -> None:
    sku = f"PROP-{next(_serial)}"
    for location, quantity, age_days in steps:
        _receive(kaeru, sku, quantity, location)
        kaeru.db.write(
            lambda s, age=age_days: s.execute(
                text("UPDATE ledgerentry SET at = :at WHERE id = (SELECT max(id) FROM ledgerentry)"),
                {"at": (NOW - timedelta(days=age)).replace(tzinfo=None)},
            )
        )
    ledger = _count(kaeru, LedgerEntry)
    _ledger_matches_on_hand(kaeru)

    prune(kaeru.db, policy, now=NOW)

    assert _count(kaeru, LedgerEntry) == ledger
    _ledger_matches_on_hand(kaeru)
