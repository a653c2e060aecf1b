"""Words printed on labels and packing slips, per language; English when a language or a phrase
is missing. Add a language by adding a table here."""

from __future__ import annotations

from datetime import date

_EN: dict[str, str] = {
    "return_to": "RETURN TO",
    "from": "FROM",
    "ship_to": "SHIP TO",
    "return_title": "How to return",
    "return_step_1": "1. Put the items back in this box and seal it.",
    "return_step_2": "2. Stick this label over the old shipping label.",
    "return_step_3": "3. Hand the box to {carrier} by {date}.",
    "return_step_3_no_date": "3. Hand the box to {carrier}.",
    "return_keep_qr": "Keep the QR code visible: we scan it to start your refund.",
    "any_carrier": "the carrier",
    "packing_slip": "Packing slip",
    "order": "Order",
    "ordered_on": "Ordered on",
    "sku": "SKU",
    "item": "Item",
    "qty": "Qty",
    "returns": "Returns",
    "return_with_qr": "To return something, scan this QR code or show it at a drop-off point.",
    "return_by": "Please return by {date}.",
}

_JA: dict[str, str] = {
    "return_to": "返送先",
    "from": "差出人",
    "ship_to": "お届け先",
    "return_title": "返品の手順",
    "return_step_1": "1. 商品をこの箱に戻し、封をしてください。",
    "return_step_2": "2. このラベルを元の配送ラベルの上に貼ってください。",
    "return_step_3": "3. {date}までに{carrier}へお渡しください。",
    "return_step_3_no_date": "3. {carrier}へお渡しください。",
    "return_keep_qr": "QRコードを隠さないでください。読み取って返金手続きを始めます。",
    "any_carrier": "配送業者",
    "packing_slip": "納品書",
    "order": "注文番号",
    "ordered_on": "注文日",
    "sku": "SKU",
    "item": "商品",
    "qty": "数量",
    "returns": "返品について",
    "return_with_qr": "返品の際は、このQRコードを読み取るか、取扱店でご提示ください。",
    "return_by": "{date}までにご返送ください。",
}

_UK: dict[str, str] = {
    "return_to": "ПОВЕРНУТИ ДО",
    "from": "ВІД",
    "ship_to": "КОМУ",
    "return_title": "Як повернути",
    "return_step_1": "1. Покладіть товари назад у цю коробку й заклейте її.",
    "return_step_2": "2. Наклейте цю етикетку поверх старої транспортної.",
    "return_step_3": "3. Передайте коробку {carrier} до {date}.",
    "return_step_3_no_date": "3. Передайте коробку {carrier}.",
    "return_keep_qr": "Не закривайте QR-код: ми скануємо його, щоб повернути кошти.",
    "any_carrier": "перевізнику",
    "packing_slip": "Пакувальний лист",
    "order": "Замовлення",
    "ordered_on": "Дата замовлення",
    "sku": "Артикул",
    "item": "Товар",
    "qty": "К-сть",
    "returns": "Повернення",
    "return_with_qr": "Щоб повернути товар, відскануйте цей QR-код або покажіть його у пункті прийому.",
    "return_by": "Поверніть, будь ласка, до {date}.",
}

TABLES: dict[str, dict[str, str]] = {"en": _EN, "ja": _JA, "uk": _UK}
LANGUAGES = tuple(TABLES)


def language(locale: str) -> str:
    """The language whose table is used for `locale` ("ja-JP" -> "ja", "fr" -> "en")."""
    lang = (locale or "en").replace("_", "-").split("-")[0].lower()
    return lang if lang in TABLES else "en"


def phrase(locale: str, key: str, **values: str) -> str:
    table = TABLES[language(locale)]
    template = table.get(key, _EN[key])
    return template.format(**values)


def format_date(day: date, locale: str) -> str:
    if language(locale) == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()
