"""Example label data in English, Japanese and Ukrainian, for previews, simulators and benchmarks."""

from __future__ import annotations

from datetime import date

from labels.gs1 import make_sscc
from labels.model import (
    Address,
    GradeTagData,
    LocationLabelData,
    LpnLabelData,
    PackingSlipData,
    PackingSlipLine,
    ReturnLabelData,
    ShippingLabelData,
)

WAREHOUSE = Address(
    "Kaeru Returns Centre",
    ("12 Dock Road", "Unit 4"),
    "Springfield",
    "62701",
    "US",
    region="IL",
    company="Kaeru Fulfilment",
)
SHOPPER_EN = Address("Alex Morgan", ("221 Baker Street",), "London", "NW1 6XE", "GB")
SHOPPER_JA = Address("山田 太郎", ("東京都千代田区丸の内1-1-1",), "東京", "100-0005", "JP")
SHOPPER_UK = Address("Олена Коваленко", ("вул. Хрещатик, 22", "кв. 5"), "Київ", "01001", "UA")
SHOPPERS = {"en": SHOPPER_EN, "ja": SHOPPER_JA, "uk": SHOPPER_UK}

RMA_TOKEN = "tok_AbCdEf123456"  # noqa: S105 - an example RMA token, printed in a QR code
SSCC = make_sscc(1, "0614141", "123456789")  # 106141411234567897

SHIPPING = ShippingLabelData(
    ship_from=WAREHOUSE,
    ship_to=SHOPPER_JA,
    carrier="Yamato",
    service="TA-Q-BIN",
    tracking_number="1Z999AA10123456784",
    sscc=SSCC,
    ship_date=date(2025, 3, 1),
    order_number="100234",
    weight_kg=1.25,
)

RETURN = ReturnLabelData(
    return_to=WAREHOUSE,
    rma_number="556677",
    rma_token=RMA_TOKEN,
    order_number="100234",
    shopper_name="Олена Коваленко",
    carrier="Nova Poshta",
    return_by=date(2025, 4, 1),
)

GRADE = GradeTagData(
    lpn="000123",
    sku="SKU-TEE-BLK-M",
    grade="B",
    disposition="restock open-box",
    graded_on=date(2025, 3, 2),
    description="Black tee M",
    gtin="09506000134352",
    serial="SER1",
)

LOCATION = LocationLabelData("A-01-02-3", "Aisle A, bay 1, level 2")
LPN = LpnLabelData("T0042", "Tote")

_ITEMS = {
    "en": "Black T-shirt, size M",
    "ja": "黒Tシャツ Mサイズ",
    "uk": "Чорна футболка, розмір M",
}


def packing_slip(locale: str = "en", lines: int = 3) -> PackingSlipData:
    return PackingSlipData(
        order_number="100234",
        ordered_on=date(2025, 2, 27),
        shopper=SHOPPERS.get(locale, SHOPPER_EN),
        merchant=WAREHOUSE,
        lines=tuple(
            PackingSlipLine(f"SKU-{i:04d}", f"{_ITEMS.get(locale, _ITEMS['en'])} #{i}", i % 3 + 1)
            for i in range(1, lines + 1)
        ),
        rma_token=RMA_TOKEN,
        return_by=date(2025, 4, 1),
    )
