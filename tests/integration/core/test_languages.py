"""What the server says over HTTP is in the caller's language: the screen's `Accept-Language` first,
else the signed-in user's locale, else English; error bodies keep their English template as
`message_id` and their parameters in `details`, so programs need not read sentences."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.floor import Floor
from wms.context import Kaeru
from wms.identity.service import add_user, issue_user_token


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _picking(floor: Floor) -> dict:
    floor.item("TEE-M", gtin="09506000134352", weight_g=250)
    floor.receive("TEE-M", 5, "A-01-1")
    floor.order("O-1", [("TEE-M", 1)])
    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1", "mode": "single"})
    return floor.call("POST", "/api/v1/picking/next", "picker", key="next-1")["task"]


def _staff(floor: Floor, role: str, locale: str) -> str:
    def work(session):  # type: ignore[no-untyped-def]
        user = add_user(
            session,
            username=f"{role}-{locale}",
            role=role,
            password="correct horse battery",
            warehouse_id=floor.warehouse.id,
            locale=locale,
        )
        return issue_user_token(session, user)

    return floor.kaeru.db.write(work)


def test_an_error_is_said_in_the_language_the_request_asks_for(floor: Floor) -> None:
    for language, expected in {
        "ja": "先にサインインしてください：'Authorization: Bearer <token>' を送ってください",
        "uk-UA,uk;q=0.9": "спершу увійдіть: надішліть 'Authorization: Bearer <token>'",
        "fr-FR": "sign in first: send 'Authorization: Bearer <token>'",
    }.items():
        answer = floor.client.get("/api/v1/orders", headers={"Accept-Language": language})
        assert answer.status_code == 401
        assert answer.json()["message"] == expected
        assert answer.json()["message_id"] == "sign in first: send 'Authorization: Bearer <token>'"


def test_a_refused_pick_scan_is_said_in_the_screens_language_with_its_parameters(floor: Floor) -> None:
    task = _picking(floor)
    location = task["next"]["location"]
    headers = floor.headers("picker", key="item-first") | {"Accept-Language": "uk"}
    answer = floor.client.post("/api/v1/scans", headers=headers, json={"raw": "]E09506000134352"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["outcome"] == "rejected"
    assert body["message"] == f"спершу скануйте місце {location}"
    # The same refusal in Japanese, and in English when the screen asks for nothing.
    headers = floor.headers("picker", key="item-first-ja") | {"Accept-Language": "ja"}
    answer = floor.client.post("/api/v1/scans", headers=headers, json={"raw": "]E09506000134352"})
    assert answer.json()["message"] == f"先にロケーション {location} をスキャンしてください"
    english = floor.scan("]E09506000134352", expect=422)
    assert english["message"] == f"scan the location {location} first"


def test_without_a_header_the_signed_in_users_locale_is_used(floor: Floor) -> None:
    floor.item("MUG-1", gtin="09506000134352")
    token = _staff(floor, "packer", "ja")
    answer = floor.client.post(
        "/api/v1/packing/start",
        headers={"Authorization": f"Bearer {token}"},
        json={"warehouse": "WH1", "order": "NO-SUCH"},
    )
    assert answer.status_code == 404
    body = answer.json()
    assert body["message_id"] == "no order {number!r}"
    assert body["params"] == {"number": "NO-SUCH"}
    assert body["message"] == "注文 'NO-SUCH' はありません"
    # A screen switched to Ukrainian on this user's device says so, and is answered in Ukrainian.
    answer = floor.client.post(
        "/api/v1/packing/start",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "uk"},
        json={"warehouse": "WH1", "order": "NO-SUCH"},
    )
    assert answer.json()["message"] == "замовлення 'NO-SUCH' немає"


def test_a_pack_refusal_for_an_order_still_being_picked_is_said_in_japanese(floor: Floor) -> None:
    _picking(floor)
    floor.call("PUT", "/api/v1/devices/assignment", "packer", json={"mode": "pack"})
    headers = floor.headers("packer", key="pack-early") | {"Accept-Language": "ja"}
    answer = floor.client.post("/api/v1/scans", headers=headers, json={"raw": "]C0ORD-O-1"})
    assert answer.status_code == 409
    assert answer.json()["message"] == (
        "注文 O-1 はまだピッキング中です："
        "梱包ステーションにはまだ何も届いていません（1 点中 0 点ピッキング済み）"
    )


def test_the_grading_checklist_is_in_the_screens_language(floor: Floor) -> None:
    token = _staff(floor, "associate", "en")
    questions = {"ja": "元のタグは付いていますか？", "uk": "Оригінальні бирки на місці?"}
    for language, question in questions.items():
        answer = floor.client.get(
            "/api/v1/returns/rubrics/apparel",
            headers={"Authorization": f"Bearer {token}", "Accept-Language": language},
        )
        assert answer.status_code == 200, answer.text
        texts = {q["id"]: q["text"] for q in answer.json()["questions"]}
        assert texts["tags_attached"] == question
    signed_in = {"Authorization": f"Bearer {token}"}
    english = floor.client.get("/api/v1/returns/rubrics/apparel", headers=signed_in)
    assert english.json()["questions"][0]["text"] == "Are the original tags attached?"
