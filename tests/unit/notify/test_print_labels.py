"""From a print job's payload to label data and the printer's language: plain values, no printer."""

from __future__ import annotations

from datetime import date

import pytest

from labels.model import GradeTagData, ReturnLabelData, ShippingLabelData
from wms.notify.print_labels import address_from, format_for, label_for, render_job
from wms.notify.printing import DEVICE_STATE

WAREHOUSE = address_from(
    {
        "name": "Kaeru Demo FC",
        "street": "100 Dock Road",
        "city": "Memphis",
        "region": "TN",
        "postal_code": "38118",
        "country": "US",
    }
)
TODAY = date(2025, 3, 1)
SHIP_TO = {
    "name": "Sam Shopper",
    "street": "1 Main St",
    "street2": "Apt 2",
    "city": "Springfield",
    "postal_code": "62701",
    "country": "us",
}
CARTON = {  # as wms.fulfilment queues both labels when a carton is closed
    "printer": "tcp://10.0.0.5:9100",
    "order": "O-1",
    "sscc": "106141411234567897",
    "tracking_number": "1ZKAE0001001",
    "carrier": "UPS",
    "service": "GROUND",
    "ship_to": SHIP_TO,
    "locale": "ja",
    "return_token": "tok_AbCdEf123456",
}


@pytest.mark.parametrize(
    ("url", "fmt"),
    [
        ("tcp://10.0.0.5:9100", "zpl"),
        ("zpl+tcp://10.0.0.5:9100", "zpl"),
        ("escpos+tcp://10.0.0.6:9100", "escpos"),
        ("escpos+serial:///dev/ttyUSB0", "escpos"),
        ("cups://office-laser", "pdf"),
    ],
)
def test_a_printer_gets_labels_in_the_language_its_url_names(url: str, fmt: str) -> None:
    assert format_for(url) == fmt


def test_a_printer_url_of_unknown_scheme_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="escpos\\+tcp://"):
        format_for("lpd://printer/queue")


def test_a_carton_shipping_label_is_sent_from_the_warehouse_to_the_shopper() -> None:
    request = label_for({**CARTON, "label": "shipping_label"}, warehouse=WAREHOUSE, today=TODAY)
    assert request.kind == "shipping"
    assert isinstance(request.data, ShippingLabelData)
    assert request.data.ship_from == WAREHOUSE
    assert request.data.ship_to.lines == ("1 Main St", "Apt 2")
    assert request.data.ship_to.country == "US"
    assert (request.data.sscc, request.data.tracking_number, request.data.ship_date) == (
        "106141411234567897",
        "1ZKAE0001001",
        TODAY,
    )


def test_the_return_label_packed_in_a_carton_carries_the_orders_token_in_the_shoppers_language() -> None:
    request = label_for({**CARTON, "label": "return_label"}, warehouse=WAREHOUSE, today=TODAY)
    assert isinstance(request.data, ReturnLabelData)
    assert (request.data.rma_token, request.data.rma_number, request.data.order_number) == (
        "tok_AbCdEf123456",
        "O-1",
        "O-1",
    )
    assert request.data.return_to == WAREHOUSE
    assert request.locale == "ja"


def test_an_authorised_returns_label_carries_its_rma_and_return_address() -> None:
    payload = {  # as wms.returns queues it
        "label": "return_label",
        "printer": "tcp://10.0.0.5:9100",
        "rma_number": "RMA-1001",
        "rma_token": "tok_Zyx987654321",
        "order_number": "O-7",
        "shopper_name": "Олена",
        "carrier": "UPS",
        "return_by": "2025-04-01",
        "return_to": {"name": "Returns", "street": "2 Dock Rd", "city": "Memphis", "country": "US"},
        "locale": "uk",
    }
    request = label_for(payload, warehouse=WAREHOUSE, today=TODAY)
    assert isinstance(request.data, ReturnLabelData)
    assert request.data.rma_number == "1001"  # printed as RMA-1001
    assert request.data.return_to.name == "Returns"
    assert request.data.return_by == date(2025, 4, 1)


def test_a_grade_tag_is_drawn_from_the_graded_units_payload() -> None:
    payload = {
        "label": "grade_tag",
        "lpn": "RU00000007",
        "sku": "TEE-M",
        "grade": "B",
        "disposition": "open_box",
        "graded_on": "2025-02-27",
        "gtin": "09506000134352",
        "serial": "SN123",
    }
    request = label_for(payload, warehouse=WAREHOUSE, today=TODAY)
    assert isinstance(request.data, GradeTagData)
    assert (request.kind, request.data.lpn, request.data.graded_on) == (
        "grade",
        "RU00000007",
        date(2025, 2, 27),
    )


def test_a_job_missing_label_data_is_refused_naming_what_is_missing() -> None:
    without_sscc = {key: value for key, value in CARTON.items() if key != "sscc"}
    with pytest.raises(ValueError, match="'sscc'"):
        label_for({**without_sscc, "label": "shipping_label"}, warehouse=WAREHOUSE, today=TODAY)
    with pytest.raises(ValueError, match="needs 'lpn'"):
        label_for({"label": "grade_tag", "sku": "X"}, warehouse=WAREHOUSE, today=TODAY)


def test_a_label_kaeru_does_not_print_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown label 'pallet_label'"):
        label_for({"label": "pallet_label"}, warehouse=WAREHOUSE, today=TODAY)


def test_a_zebra_gets_zpl_and_an_office_printer_gets_pdf() -> None:
    job = {**CARTON, "label": "return_label"}
    assert render_job(job, "tcp://10.0.0.5:9100", warehouse=WAREHOUSE, today=TODAY).startswith(b"^XA")
    assert render_job(job, "cups://office", warehouse=WAREHOUSE, today=TODAY).startswith(b"%PDF")


def test_printer_states_read_as_device_health_on_the_dashboard() -> None:
    assert DEVICE_STATE == {
        "ready": "connected",
        "busy": "connected",
        "fault": "fault",
        "offline": "disconnected",
    }
