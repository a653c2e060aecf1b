"""A Hypothesis state machine drives the warehouse at random and checks the ledger after every step."""

from __future__ import annotations

import itertools
from collections import defaultdict

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlmodel import Session, col, select

from wms.carriers.labels import settle
from wms.context import Kaeru
from wms.errors import KaeruError
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Carton, Order, OrderLine, PickTask, Reservation, Shipment
from wms.identity.model import Principal
from wms.inventory import service as inventory
from wms.inventory.tables import Item, LedgerEntry, Location, Quant, Warehouse

LOCATIONS = ["A-01-1", "A-02-1", "P-01-1", "RCV-1"]
_run = itertools.count()


def check_invariants(session: Session) -> None:
    """On-hand equals the ledger; reserved within on-hand; nothing negative; a serial in one place."""
    expected: dict[tuple, int] = defaultdict(int)
    for e in session.exec(select(LedgerEntry)):
        if e.to_location_id is not None:
            expected[(e.item_id, e.to_location_id, e.lot, e.serial, e.to_condition)] += e.quantity
        if e.from_location_id is not None:
            expected[(e.item_id, e.from_location_id, e.lot, e.serial, e.from_condition)] -= e.quantity
    quants = session.exec(select(Quant)).all()
    actual = {(q.item_id, q.location_id, q.lot, q.serial, q.condition): q.quantity for q in quants}
    for key in set(expected) | set(actual):
        assert expected.get(key, 0) == actual.get(key, 0), f"ledger and on-hand disagree at {key}"
    held: dict[int, int] = defaultdict(int)
    for r in session.exec(select(Reservation)):
        assert r.quantity >= 0
        held[r.quant_id] += r.quantity
    places: dict[tuple, int] = defaultdict(int)
    for q in quants:
        assert q.quantity >= 0, "negative stock"
        assert 0 <= q.reserved <= q.quantity, f"reserved {q.reserved} of {q.quantity}"
        assert held[q.id or 0] == q.reserved, "reservations and the quant's reserved count disagree"
        if q.serial and q.quantity > 0:
            assert q.quantity == 1
            places[(q.item_id, q.serial)] += 1
    assert all(n == 1 for n in places.values()), "a serial number is in two places"


# Where the carrier delivers (the simulated carrier refuses an address without street or postal code).
SHIP_TO = {
    "name": "H Tester",
    "street": "1 Main St",
    "city": "Austin",
    "region": "TX",
    "postal_code": "78701",
    "country": "US",
}


class Warehouse_(RuleBasedStateMachine):
    kaeru: Kaeru

    @initialize()
    def setup(self) -> None:
        self.run = next(_run)
        self.manager = Principal(kind="user", role="manager", warehouse_id=None, user_id=None, name="machine")
        self.serial_no = itertools.count(1)
        self.order_no = itertools.count(1)

        def work(session: Session) -> None:
            session.add(Item(sku=f"H{self.run}-PLAIN", gtin=None, name="plain", weight_g=100))
            session.add(
                Item(sku=f"H{self.run}-SER", gtin=None, name="serial", tracking="serial", weight_g=100)
            )

        self.kaeru.db.write(work)

    def _do(self, action) -> None:  # type: ignore[no-untyped-def]
        def work(session: Session) -> None:
            warehouse = session.exec(select(Warehouse)).first()
            action(session, warehouse)

        try:
            self.kaeru.db.write(work)
        except KaeruError as exc:
            import os

            if os.environ.get("KAERU_DEBUG_MACHINE"):
                print("REFUSED", action.__qualname__, exc.message, flush=True)

    def _item(self, session: Session, serial: bool) -> Item:
        return inventory.item_by_sku(session, f"H{self.run}-{'SER' if serial else 'PLAIN'}")

    @rule(serial=st.booleans(), quantity=st.integers(1, 5), location=st.sampled_from(LOCATIONS))
    def receive(self, serial: bool, quantity: int, location: str) -> None:
        serials = [f"S{self.run}-{next(self.serial_no)}" for _ in range(quantity)] if serial else None

        def act(session: Session, warehouse: Warehouse) -> None:
            receipt = inventory.Receipt(
                item=self._item(session, serial),
                quantity=quantity,
                location=inventory.location_by_code(session, warehouse.id, location),
                serials=tuple(serials or ()),
            )
            inventory.receive(session, receipt, warehouse=warehouse, actor=inventory.Actor(self.manager))

        self._do(act)

    @rule(
        serial=st.booleans(),
        quantity=st.integers(1, 4),
        src=st.sampled_from(LOCATIONS),
        dst=st.sampled_from(LOCATIONS),
    )
    def move(self, serial: bool, quantity: int, src: str, dst: str) -> None:
        def act(session: Session, warehouse: Warehouse) -> None:
            item = self._item(session, serial)
            preferred = inventory.location_by_code(session, warehouse.id, src)
            # Move from a bin that has free units (the one drawn if it has), so that moves happen
            # and are not mostly refused; moving more than is free is still tried when drawn.
            free = session.exec(
                select(Quant)
                .where(Quant.item_id == item.id, Quant.quantity > Quant.reserved, Quant.condition == "new")
                .order_by(col(Quant.id))
            ).all()
            if not free:
                return
            quant = next((q for q in free if q.location_id == preferred.id), free[0])
            target = inventory.location_by_code(session, warehouse.id, dst)
            if target.id == quant.location_id:
                return
            movement = inventory.Movement(
                warehouse_id=warehouse.id,
                item=item,
                quantity=1 if serial else quantity,
                from_location_id=quant.location_id,
                to_location_id=target.id,
                reason="move",
                serial=quant.serial,
            )
            inventory.move(session, movement, inventory.Actor(self.manager))

        self._do(act)

    @rule(serial=st.booleans(), quantity=st.integers(1, 4))
    def order(self, serial: bool, quantity: int) -> None:
        def act(session: Session, warehouse: Warehouse) -> None:
            fulfilment.create_order(
                session,
                principal=None,
                warehouse=warehouse,
                site=self.kaeru.site,
                new=fulfilment.NewOrder(
                    number=f"H{self.run}-{next(self.order_no)}",
                    shopper_email="h@example.com",
                    ship_to=SHIP_TO,
                    lines=[fulfilment.NewLine(self._item(session, serial).sku, quantity)],
                ),
            )

        self._do(act)

    @rule(whole_task=st.booleans())
    def release_and_pick(self, whole_task: bool) -> None:
        def act(session: Session, warehouse: Warehouse) -> None:
            fulfilment.create_pick_tasks(session, principal=self.manager, warehouse=warehouse, mode="batch")
            task = session.exec(select(PickTask).where(PickTask.status.in_(["open", "in_progress"]))).first()
            if task is None:
                return
            while (line := fulfilment.current_line(session, task)) is not None:
                self._pick_one(session, task, line)
                if not whole_task:
                    break

        self._do(act)

    def _pick_one(self, session: Session, task: PickTask, line) -> None:  # type: ignore[no-untyped-def]
        location = session.get(Location, line.location_id)
        item = session.get(Item, line.item_id)
        fulfilment.pick_scan(
            session,
            principal=self.manager,
            task=task,
            kind="location",
            code=location.code,
            gtin=None,
            serial=None,
        )
        serial = None
        if item.tracking == "serial":
            reservation = session.get(Reservation, line.reservation_id)
            serial = session.get(Quant, reservation.quant_id).serial
        fulfilment.pick_scan(
            session, principal=self.manager, task=task, kind="text", code=item.sku, gtin=None, serial=serial
        )

    @rule(serial=st.booleans(), location=st.sampled_from(LOCATIONS[:3]))
    def whole_order_cycle(self, serial: bool, location: str) -> None:
        """Receive, order, pick, pack and ship one unit in one go, amid the random steps."""
        self.receive(serial, 1, location)
        self.order(serial, 1)
        self.release_and_pick(True)
        self.pack_and_ship()

    @rule(missing=st.integers(1, 2))
    def short(self, missing: int) -> None:
        def act(session: Session, warehouse: Warehouse) -> None:
            task = session.exec(select(PickTask).where(PickTask.status.in_(["open", "in_progress"]))).first()
            if task is not None:
                fulfilment.report_short(session, principal=self.manager, task=task, missing=missing)

        self._do(act)

    @rule()
    def pack_and_ship(self) -> None:
        def act(session: Session, warehouse: Warehouse) -> None:
            order = session.exec(
                select(Order).where(Order.status == "picked", Order.number.startswith(f"H{self.run}-"))
            ).first()
            if order is None:
                return
            carton = fulfilment.open_carton(
                session, principal=self.manager, order=order, warehouse=warehouse, company_prefix="0614141"
            )
            from wms.fulfilment.tables import CartonItem

            for line in fulfilment.order_lines(session, order.id):
                item = session.get(Item, line.item_id)
                serials = [
                    session.get(Quant, r.quant_id).serial
                    for r in session.exec(
                        select(Reservation).where(
                            Reservation.order_line_id == line.id, Reservation.quantity > 0
                        )
                    )
                ]
                for n in range(line.picked - line.packed):
                    fulfilment.pack_scan(
                        session,
                        principal=self.manager,
                        carton=carton,
                        kind="text",
                        gtin=None,
                        code=item.sku if item.tracking != "serial" else serials[n],
                        serial=serials[n] if item.tracking == "serial" else None,
                    )
            count = len(session.exec(select(CartonItem).where(CartonItem.carton_id == carton.id)).all())
            label = fulfilment.close_carton(
                session,
                principal=self.manager,
                carton=carton,
                weight_g=count * 100 + 180,
                site=self.kaeru.site,
            )
            closed.append((label.id, carton.id, order.id))

        closed: list[tuple[int, int, int]] = []
        self._do(act)
        if not closed:
            return
        label_id, carton_id, order_id = closed[0]
        bought = settle(
            self.kaeru, label_id
        )  # bought from the carrier between transactions, as in the product
        assert bought.status == "bought", bought.last_error

        def hand_over(session: Session, warehouse: Warehouse) -> None:
            shipment = session.exec(select(Shipment).where(Shipment.carton_id == carton_id)).one()
            fulfilment.ship(session, principal=self.manager, shipment=shipment)
            assert session.get(OrderLine, fulfilment.order_lines(session, order_id)[0].id) is not None
            assert session.get(Carton, carton_id).status == "shipped"

        self._do(hand_over)

    @rule(serial=st.booleans(), counted=st.integers(0, 6), location=st.sampled_from(LOCATIONS))
    def count(self, serial: bool, counted: int, location: str) -> None:
        if serial:
            counted = min(counted, 1)

        def act(session: Session, warehouse: Warehouse) -> None:
            item = self._item(session, serial)
            loc = inventory.location_by_code(session, warehouse.id, location)
            unit = ""
            if serial:
                quant = session.exec(
                    select(Quant).where(
                        Quant.item_id == item.id, Quant.location_id == loc.id, Quant.quantity > 0
                    )
                ).first()
                if quant is None:
                    return
                unit = quant.serial
            count = inventory.Count(
                item=item, location=loc, counted=counted, reason="cycle count", serial=unit
            )
            inventory.adjust(session, count, warehouse=warehouse, principal=self.manager)

        self._do(act)

    @invariant()
    def ledger_holds(self) -> None:
        with self.kaeru.db.read() as session:
            check_invariants(session)


def test_random_floor_activity_keeps_the_ledger_and_on_hand_in_agreement(kaeru: Kaeru) -> None:
    Warehouse_.kaeru = kaeru
    run_state_machine_as_test(
        Warehouse_,
        settings=settings(
            max_examples=14,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            # A fixed sequence of examples: the suite is not flaky, and the closing check below (every
            # way of moving stock really happened) holds for it.
            derandomize=True,
        ),
    )
    with kaeru.db.read() as session:
        reasons = {e.reason for e in session.exec(select(LedgerEntry))}
    # The machine really moved stock every way it can, not only refused steps.
    assert {"receive", "move", "pick", "ship", "adjust"} <= reasons, reasons
