"""Reading what the CUPS commands `lp` and `lpstat` print."""

from __future__ import annotations

from devices.printers.cups import job_listed, parse_queue_state, parse_request_id


def test_the_job_id_is_read_from_lp_output() -> None:
    assert parse_request_id("request id is office-42 (1 file(s))\n") == "office-42"


def test_a_job_is_found_by_the_first_column_of_lpstat_output() -> None:
    listing = "office-41  root  1024  Mon 01 Jan 2026\noffice-42  root  2048  Mon 01 Jan 2026\n"
    assert job_listed(listing, "office-42")
    assert not job_listed(listing, "office-4")


def test_a_disabled_queue_does_not_take_jobs() -> None:
    status = parse_queue_state(
        "printer office disabled since Mon 01 Jan 2026 -\n\treason unknown\n", "office accepting requests\n"
    )
    assert not status.ready
    assert status.faults == {"disabled"}


def test_an_idle_accepting_queue_is_ready() -> None:
    status = parse_queue_state(
        "printer office is idle.  enabled since Mon 01 Jan 2026\n", "office accepting requests\n"
    )
    assert status.ready
