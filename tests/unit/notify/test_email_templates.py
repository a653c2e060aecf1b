"""Every topic renders in every language; amounts per currency; QR inline; broken contexts are poison."""

from __future__ import annotations

import email
from email.message import EmailMessage

import pytest

from wms.notify.config import Brand
from wms.notify.email import build_email
from wms.notify.model import LOCALES, Poison
from wms.notify.render import money, render_email
from wms.notify.topics import TOPICS

BRAND = Brand(
    name="Kaeru Outfitters",
    primary_colour="#0f766e",
    accent_colour="#f59e0b",
    logo_url="",
    sender="Kaeru Outfitters <orders@kaeru.test>",
    support_email="help@kaeru.test",
    base_url="https://shop.kaeru.test",
)
SUBJECT_WORDS = {"en": "order", "ja": "注文", "uk": "Замовлення"}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_topic_renders_in_every_language(topic: str, locale: str) -> None:
    rendered = render_email(
        template=topic, locale=locale, name="Sam", context=TOPICS[topic].sample, brand=BRAND
    )
    assert rendered.locale == locale
    assert rendered.subject
    assert "\n" not in rendered.subject
    assert "Kaeru Outfitters" in rendered.text
    assert "Kaeru Outfitters" in rendered.html
    assert rendered.html.startswith("<!doctype html>")


def test_a_japanese_shopper_gets_japanese_text() -> None:
    rendered = render_email(
        template="order.shipped",
        locale="ja-JP",
        name="山田",
        context=TOPICS["order.shipped"].sample,
        brand=BRAND,
    )
    assert rendered.subject == "ご注文の商品を発送しました（注文番号 ORD-10042）"
    assert "山田 様" in rendered.text


def test_an_unknown_locale_falls_back_to_english() -> None:
    rendered = render_email(
        template="order.delivered",
        locale="xx",
        name="",
        context=TOPICS["order.delivered"].sample,
        brand=BRAND,
    )
    assert rendered.subject == "Delivered: your order ORD-10042"


def test_the_shipped_email_links_to_the_tracking_page() -> None:
    rendered = render_email(
        template="order.shipped", locale="en", name="Sam", context=TOPICS["order.shipped"].sample, brand=BRAND
    )
    assert "https://shop.kaeru.test/t/tk_9f2c1d" in rendered.text
    assert 'href="https://shop.kaeru.test/t/tk_9f2c1d"' in rendered.html


def test_amounts_are_formatted_per_currency_from_minor_units() -> None:
    assert money(1200, "JPY", "ja") == "￥1,200"
    assert money(1250, "USD", "en") == "$12.50"
    assert money(1250, "UAH", "uk").replace("\xa0", " ") == "12,50 ₴"
    assert money(1234, "KWD", "en").endswith("1.234")  # three-decimal currency


def test_the_return_authorisation_carries_its_qr_code_inline_and_its_rma_number() -> None:
    rendered = render_email(
        template="return.authorised",
        locale="uk",
        name="Оксана",
        context=TOPICS["return.authorised"].sample,
        brand=BRAND,
    )
    assert rendered.images
    assert rendered.images[0].data.startswith(b"\x89PNG")
    assert 'src="cid:rma-qr"' in rendered.html
    assert "RMA-20311" in rendered.subject
    assert "RMA:rt_7d1e0b" in rendered.text
    message = build_email(
        rendered,
        sender=BRAND.sender,
        to="oksana@example.com",
        name="Оксана",
        message_id="email:x",
        topic="return.authorised",
    )
    parsed = email.message_from_bytes(message.as_bytes())
    images = [part for part in parsed.walk() if part.get_content_type() == "image/png"]
    assert images
    assert images[0]["Content-ID"] == "<rma-qr>"


def test_shopper_text_is_escaped_in_html_and_not_in_text() -> None:
    context = TOPICS["return.rejected"].sample | {"reason": "<b>late</b> & unpaid"}
    rendered = render_email(template="return.rejected", locale="en", name="Sam", context=context, brand=BRAND)
    assert "&lt;b&gt;late&lt;/b&gt; &amp; unpaid" in rendered.html
    assert "<b>late</b> & unpaid" in rendered.text


def test_a_marketing_email_without_an_unsubscribe_token_is_poison() -> None:
    context = {k: v for k, v in TOPICS["review.requested"].sample.items() if k != "unsubscribe_token"}
    with pytest.raises(Poison, match="unsubscribe"):
        render_email(template="review.requested", locale="en", name="Sam", context=context, brand=BRAND)


def test_a_marketing_email_carries_the_unsubscribe_link() -> None:
    rendered = render_email(
        template="replenishment.reminder",
        locale="ja",
        name="Sam",
        context=TOPICS["replenishment.reminder"].sample,
        brand=BRAND,
    )
    assert "https://shop.kaeru.test/u/u_5c8a" in rendered.text
    assert "配信を停止" in rendered.html


def test_a_context_missing_what_the_template_needs_is_poison() -> None:
    with pytest.raises(Poison, match="order"):
        render_email(template="order.shipped", locale="en", name="Sam", context={}, brand=BRAND)


def test_an_unknown_topic_is_poison() -> None:
    with pytest.raises(Poison, match="no email template"):
        render_email(template="order.teleported", locale="en", name="Sam", context={}, brand=BRAND)


def test_the_mime_message_has_text_and_html_alternatives_and_a_stable_message_id() -> None:
    rendered = render_email(
        template="order.confirmed",
        locale="en",
        name="Sam",
        context=TOPICS["order.confirmed"].sample,
        brand=BRAND,
    )
    first = build_email(
        rendered,
        sender=BRAND.sender,
        to="sam@example.com",
        name="Sam",
        message_id="email:1",
        topic="order.confirmed",
    )
    second = build_email(
        rendered,
        sender=BRAND.sender,
        to="sam@example.com",
        name="Sam",
        message_id="email:1",
        topic="order.confirmed",
    )
    assert isinstance(first, EmailMessage)
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].endswith("@kaeru.test>")
    assert {p.get_content_type() for p in first.walk()} >= {"text/plain", "text/html"}


def test_an_address_without_an_at_sign_is_poison() -> None:
    rendered = render_email(
        template="order.confirmed",
        locale="en",
        name="Sam",
        context=TOPICS["order.confirmed"].sample,
        brand=BRAND,
    )
    with pytest.raises(Poison):
        build_email(rendered, sender=BRAND.sender, to="nobody", name="Sam", message_id="m", topic="t")
