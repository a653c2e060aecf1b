"""A warehouse floor for tests: the app on a real database, staff with tokens, and the usual verbs."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from kaeru_config.merchants import MerchantSpec
from wms.app import create_app
from wms.context import Kaeru
from wms.identity.service import add_user, issue_device_token, issue_user_token
from wms.identity.tables import Device
from wms.inventory.tables import Item, Location, Warehouse
from wms.merchants.directory import directory_of
from wms.merchants.service import profile_of
from wms.merchants.tables import Merchant

ROLES = ("associate", "packer", "picker", "receiver", "manager", "admin", "integrator")
_counter = itertools.count(1)


class Floor:
    """The HTTP API of one Kaeru site, with a bearer token per role."""

    def __init__(self, kaeru: Kaeru) -> None:
        self.kaeru = kaeru
        self.app = create_app(kaeru.settings, kaeru=kaeru)
        self.client = TestClient(self.app)
        self.client.__enter__()
        self.tokens: dict[str, str] = {}
        with kaeru.db.read() as session:
            self.warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        for role in ROLES:
            self.tokens[role] = self.staff(role, username=role)

    def close(self) -> None:
        self.client.__exit__(None, None, None)

    def staff(
        self,
        role: str,
        *,
        username: str | None = None,
        warehouse_id: int | None = -1,
        merchants: tuple[str, ...] = (),
    ) -> str:
        """A new staff account of `role` (in WH1 unless told; working for `merchants` only, if given)
        and its token."""
        wid = self.warehouse.id if warehouse_id == -1 else warehouse_id
        if role in ("admin", "integrator") and warehouse_id == -1:
            wid = None

        def work(session):  # type: ignore[no-untyped-def]
            ids = [session.exec(select(Merchant).where(Merchant.code == code)).one().id for code in merchants]
            user = add_user(
                session,
                username=username or f"{role}{next(_counter)}",
                role=role,
                password="correct horse battery",
                warehouse_id=wid,
                merchant_ids=ids,
            )
            return issue_user_token(session, user)

        return self.kaeru.db.write(work)

    def merchant(self, code: str, **profile: Any) -> int:
        """Another merchant on this floor (its brand named after it unless given); its id."""

        def work(session):  # type: ignore[no-untyped-def]
            found = session.exec(select(Merchant).where(Merchant.code == code)).first()
            if found is not None:
                return found.id
            spec = MerchantSpec.model_validate(
                {
                    "code": code,
                    "name": f"{code.title()} Co",
                    "brand": {"name": f"{code.title()} Shop"},
                    **profile,
                }
            )
            merchant = Merchant(code=code, name=spec.name, profile=profile_of(spec))
            session.add(merchant)
            session.flush()
            return merchant.id

        made = self.kaeru.db.write(work)
        directory_of(self.kaeru).invalidate()
        return made

    def another_warehouse(self, code: str = "WH2") -> int:
        """A second warehouse with one storage location (A-01-1); its id."""

        def work(session):  # type: ignore[no-untyped-def]
            other = Warehouse(code=code, name=f"Other {code}")
            session.add(other)
            session.flush()
            session.add(Location(warehouse_id=other.id or 0, code="A-01-1", kind="storage"))
            return other.id or 0

        return self.kaeru.db.write(work)

    def device_token(self, code: str) -> str:
        def work(session):  # type: ignore[no-untyped-def]
            device = session.exec(select(Device).where(Device.code == code)).one()
            return issue_device_token(session, device)

        return self.kaeru.db.write(work)

    def headers(self, who: str, key: str | None = None) -> dict[str, str]:
        token = self.tokens.get(who, who)
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def call(
        self,
        method: str,
        path: str,
        who: str = "manager",
        *,
        key: str | None = None,
        expect: int | None = 200,
        **kwargs: Any,
    ) -> Any:
        response = self.client.request(method, path, headers=self.headers(who, key), **kwargs)
        if expect is not None:
            assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    # --- verbs -----------------------------------------------------------------------------

    def item(
        self,
        sku: str,
        *,
        gtin: str | None = None,
        tracking: str = "none",
        weight_g: int = 200,
        price_minor: int = 5000,
        category: str = "apparel",
        merchant: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        if merchant:
            extra["merchant"] = merchant
        return self.call(
            "POST",
            "/api/v1/items",
            "manager",
            expect=201,
            json={
                "sku": sku,
                "gtin": gtin,
                "name": sku.title(),
                "tracking": tracking,
                "weight_g": weight_g,
                "price_minor": price_minor,
                "category": category,
                **extra,
            },
        )

    def receive(
        self,
        sku: str,
        quantity: int,
        location: str = "A-01-1",
        *,
        serials: list[str] | None = None,
        lot: str = "",
        merchant: str | None = None,
    ) -> dict[str, Any]:
        return self.call(
            "POST",
            "/api/v1/warehouses/WH1/receipts",
            "receiver",
            key=str(uuid.uuid4()),
            json={
                "sku": sku,
                "quantity": quantity,
                "location": location,
                "serials": serials or [],
                "lot": lot,
                **({"merchant": merchant} if merchant else {}),
            },
        )

    def order(
        self,
        number: str,
        lines: list[tuple[str, int]],
        *,
        email: str = "shopper@example.com",
        locale: str = "en",
        expect: int = 201,
        merchant: str | None = None,
    ) -> Any:
        return self.call(
            "POST",
            "/api/v1/orders",
            "integrator",
            expect=expect,
            json={
                "warehouse": "WH1",
                **({"merchant": merchant} if merchant else {}),
                "number": number,
                "shopper": {"email": email, "name": "Sam Shopper", "locale": locale},
                "ship_to": {
                    "name": "Sam Shopper",
                    "street": "1 Main St",
                    "city": "Springfield",
                    "postal_code": "62701",
                    "country": "US",
                },
                "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
            },
        )

    def scan(self, raw: str, who: str = "picker", *, key: str | None = None, expect: int | None = 200) -> Any:
        return self.call(
            "POST", "/api/v1/scans", who, key=key or str(uuid.uuid4()), expect=expect, json={"raw": raw}
        )

    def gtin_of(self, sku: str) -> str:
        with self.kaeru.db.read() as session:
            item = session.exec(select(Item).where(Item.sku == sku)).first()
            assert item is not None, f"no item {sku}"
            assert item.gtin
            return item.gtin
