"""A believable demo site: a few hundred SKUs across apparel, shoes, electronics and home, stock in
the racks, staff accounts and open orders. Deterministic for a given seed."""

from __future__ import annotations

import random
from dataclasses import dataclass

from biip.checksums import gs1_standard_check_digit
from sqlmodel import Session, col, select

from kaeru_config.site import SiteConfig
from wms.fulfilment.orders import NewLine, NewOrder, create_order
from wms.identity.service import add_user
from wms.identity.tables import User
from wms.inventory.ledger import Actor, Movement, Reference, move
from wms.inventory.tables import Item, Location, Warehouse
from wms.merchants.service import default_merchant
from wms.merchants.tables import Merchant

CATEGORIES = {
    # category: (product names, variants, weight range g, price range minor, tracking)
    "apparel": (
        [
            "Linen Shirt",
            "Merino Sweater",
            "Denim Jacket",
            "Chino Trousers",
            "Rain Parka",
            "Silk Blouse",
            "Cotton Tee",
            "Wool Coat",
        ],
        ["XS", "S", "M", "L", "XL"],
        (150, 1200),
        (2500, 24000),
        "none",
    ),
    "shoes": (
        ["Trail Runner", "Leather Loafer", "Canvas Sneaker", "Chelsea Boot", "Sandal"],
        ["38", "39", "40", "41", "42", "43", "44"],
        (500, 1400),
        (4500, 22000),
        "none",
    ),
    "electronics": (
        [
            "Wireless Earbuds",
            "Smart Watch",
            "Bluetooth Speaker",
            "Action Camera",
            "E-Reader",
            "Noise-Cancelling Headphones",
        ],
        ["Black", "White"],
        (60, 900),
        (4900, 39900),
        "serial",
    ),
    "home": (
        [
            "Ceramic Mug Set",
            "Linen Duvet Cover",
            "Cast Iron Pan",
            "Desk Lamp",
            "Scented Candle",
            "Coffee Beans 1kg",
        ],
        ["Standard"],
        (300, 3500),
        (1500, 12000),
        "none",
    ),
}
SHOPPERS = [
    ("Aiko Tanaka", "aiko.tanaka@example.jp", "ja"),
    ("Olena Kovalenko", "olena.k@example.com.ua", "uk"),
    ("Sam Rivera", "sam.rivera@example.com", "en"),
    ("Priya Nair", "priya.nair@example.com", "en"),
    ("Kenji Sato", "kenji.sato@example.jp", "ja"),
    ("Taras Shevchuk", "taras.s@example.com.ua", "uk"),
    ("Jordan Lee", "jordan.lee@example.com", "en"),
    ("Mia Schulz", "mia.schulz@example.de", "en"),
]
STAFF = [
    ("admin", "admin"),
    ("manager", "manager"),
    ("associate", "associate"),
    ("packer", "packer"),
    ("picker", "picker"),
    ("receiver", "receiver"),
    ("integrator", "integrator"),
]
DEMO_PASSWORD = "kaeru-demo"  # noqa: S105 - the demo site's published password, development only


@dataclass
class SeedReport:
    items: int = 0
    units: int = 0
    orders: int = 0
    users: int = 0


def gtin13(company_prefix: str, reference: int) -> str:
    payload = f"{company_prefix}{reference:0{12 - len(company_prefix)}d}"
    return (payload + str(gs1_standard_check_digit(payload))).zfill(14)


def opening_stock(
    warehouse: Warehouse, item: Item, location: Location, quantity: int, serial: str = ""
) -> Movement:
    """Demo units arriving at a storage location from outside, as a receipt."""
    return Movement(
        warehouse_id=warehouse.id or 0,
        item=item,
        quantity=quantity,
        from_location_id=None,
        to_location_id=location.id,
        reason="receive",
        serial=serial,
        reference=Reference(note="demo opening stock"),
    )


def seed_demo(session: Session, site: SiteConfig, *, seed: int = 7, orders: int = 40) -> SeedReport:
    """Fill the first configured warehouse with a demo catalogue, stock, staff and orders: the default
    merchant's, then a smaller one for each other merchant (a 3PL's floor serving several)."""
    spec = site.warehouses[0]
    warehouse = session.exec(select(Warehouse).where(Warehouse.code == spec.code)).one()
    if session.exec(select(Item)).first() is not None:
        return SeedReport()  # already seeded
    main = default_merchant(session)
    report = _seed_merchant(session, site, warehouse, main, seed=seed, orders=orders, staff=STAFF)
    others = session.exec(select(Merchant).where(Merchant.id != main.id).order_by(col(Merchant.id))).all()
    for offset, merchant in enumerate(others, start=1):
        staff = [(f"integrator-{merchant.code.lower()}", "integrator")]
        more = _seed_merchant(
            session, site, warehouse, merchant, seed=seed + offset, orders=max(orders // 4, 1), staff=staff
        )
        report.items += more.items
        report.units += more.units
        report.orders += more.orders
        report.users += more.users
    return report


def _seed_merchant(  # noqa: C901 - predates the complexity limit
    session: Session,
    site: SiteConfig,
    warehouse: Warehouse,
    merchant: Merchant,
    *,
    seed: int,
    orders: int,
    staff: list[tuple[str, str]],
) -> SeedReport:
    """One merchant's catalogue, stock, people and orders; the default merchant's as before merchants."""
    rng = random.Random(seed)
    report = SeedReport()
    spec = site.warehouses[0]
    main = merchant.is_default
    prefix = "" if main else f"{merchant.code[:3]}-"
    order_prefix = "D" if main else merchant.code[:1]
    for username, role in staff:
        if session.exec(select(User).where(User.username == username)).first() is None:
            user = add_user(
                session,
                username=username,
                role=role,
                password=DEMO_PASSWORD,
                warehouse_id=None if role in ("admin", "integrator") else warehouse.id,
                name=username.title(),
                locale="en",
            )
            if role == "integrator":  # an integrator works for one merchant
                user.merchant_ids = [merchant.id or 0]
                session.add(user)
            report.users += 1
    storage = list(
        session.exec(
            select(Location)
            .where(Location.warehouse_id == warehouse.id, col(Location.kind).in_(["storage", "pick"]))
            .order_by(col(Location.path_seq))
        )
    )
    storage = [loc for loc in storage if loc.zone != "openbox"]
    reference = 1000
    items: list[Item] = []
    categories = CATEGORIES if main else {"home": CATEGORIES["home"], "apparel": CATEGORIES["apparel"]}
    if not main:
        reference = 5000 + 1000 * (merchant.id or 0)
    for category, (names, variants, weights, prices, tracking) in categories.items():
        for name in names[: None if main else 3]:
            for colour in ("", " Navy", " Sand") if category in ("apparel", "shoes") else ("",):
                group = f"{name}{colour}".upper().replace(" ", "-")
                price = rng.randrange(prices[0], prices[1], 100)
                weight = rng.randint(*weights)
                for variant in variants:
                    reference += 1
                    sku = f"{prefix}{group[:18]}-{variant}".replace(" ", "")
                    item = Item(
                        merchant_id=merchant.id or 0,
                        sku=sku,
                        gtin=gtin13(spec.gs1_company_prefix, reference),
                        name=f"{name}{colour} {variant}",
                        category=category,
                        tracking=tracking,
                        weight_g=weight,
                        price_minor=price,
                        variant_group=group,
                        variant_label=variant,
                        final_sale=rng.random() < 0.03,
                        consumable_days=30 if "Coffee" in name or "Candle" in name else None,
                        length_mm=300,
                        width_mm=200,
                        height_mm=80,
                    )
                    session.add(item)
                    items.append(item)
    session.flush()
    report.items = len(items)
    for index, item in enumerate(items):
        location = storage[index % len(storage)]
        if item.tracking == "serial":
            for unit in range(rng.randint(2, 6)):
                serial = f"SN{item.id:05d}{unit:03d}"
                move(session, opening_stock(warehouse, item, location, 1, serial), Actor(None))
                report.units += 1
        else:
            quantity = rng.randint(3, 40)
            move(session, opening_stock(warehouse, item, location, quantity), Actor(None))
            report.units += quantity
    session.flush()
    for number in range(1, orders + 1):
        name, email, locale = rng.choice(SHOPPERS)
        chosen = rng.sample(items, k=rng.randint(1, 3))
        create_order(
            session,
            principal=None,
            warehouse=warehouse,
            site=site,
            new=NewOrder(
                number=f"{order_prefix}{number:05d}",
                merchant_id=merchant.id or 0,
                shopper_email=email,
                shopper_name=name,
                shopper_locale=locale,
                ship_to={
                    "name": name,
                    "street": f"{rng.randint(1, 999)} Market St",
                    "city": "Springfield",
                    "postal_code": f"{rng.randint(10000, 99999)}",
                    "country": "US",
                },
                lines=[NewLine(item.sku, 1) for item in chosen],
            ),
        )
        report.orders += 1
    return report
