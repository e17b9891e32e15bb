"""The organisers' list of a large event in pages, and its exports read in batches."""

from __future__ import annotations

import csv
import html
import io
import re

import openpyxl
import pypdf
import pytest

from app.db.tables import Registration as RegistrationTable
from app.domain.model import Seats
from app.services import registrations
from app.services.organiser_registrations import PAGE_SIZE
from tests.bench.filling import registration_row
from tests.conftest import FIXED_NOW
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

NASTY = "<script>alert(1)</script>"
#: More than two pages, and more than two of the exports' batches.
COUNT = 2 * registrations.BATCH_SIZE + 50
_EMAIL = re.compile(r"<td>(person\d+@example\.org)</td>")


@pytest.fixture
async def crowd(db, event_factory, now):
    """An event with ``COUNT`` registrations, every tenth status a different one."""
    event = await event_factory(slug="gross", title="Groß", in_person_seats=Seats(None, 0))
    rows = [RegistrationTable(**registration_row(event.id, n, now)) for n in range(1, COUNT + 1)]
    await RegistrationTable.insert(*rows)
    return event


def _rows(status=None, q=""):
    """The filler's rows (numbers and addresses) that pass a filter, in id order."""
    found = []
    for number in range(1, COUNT + 1):
        row = registration_row(0, number, FIXED_NOW)
        haystack = f"{row['first_name']} {row['last_name']} {row['email']} {row['organisation']}"
        if (status is None or row["status"] == status) and q.casefold() in haystack.casefold():
            found.append(row["email"])
    return found


async def _all_pages(client, event, **params):
    """Every page of the list, following the "next" links; the addresses in the order shown."""
    shown = []
    address = f"/organiser/events/{event.id}/registrations"
    page = await client.get(address, params=params)
    while True:
        assert page.status_code == 200
        shown.extend(_EMAIL.findall(page.text))
        following = re.search(r'<a href="([^"]+)" rel="next">', page.text)
        if following is None:
            return shown, page
        page = await client.get(html.unescape(following.group(1)))


async def test_every_registration_is_on_exactly_one_page(client, organiser, crowd):  # noqa: F811
    await sign_in(client)
    shown, last = await _all_pages(client, crowd)
    assert shown == _rows()
    pages = -(-COUNT // PAGE_SIZE)
    assert f"Seite {pages} von {pages}" in last.text
    assert f"{COUNT} von {COUNT} angezeigt" in last.text


@pytest.mark.parametrize(
    "params",
    [
        {"status": "confirmed"},
        {"q": "олена"},
        {"q": "ОЛЕНА", "status": "confirmed"},
        {"q": "koval0007"},
    ],
)
async def test_filters_hold_across_pages(client, organiser, crowd, params):  # noqa: F811
    await sign_in(client)
    first = await client.get(f"/organiser/events/{crowd.id}/registrations", params=params)
    expected = _rows(params.get("status"), params.get("q", ""))
    assert f"{len(expected)} von {COUNT} angezeigt" in first.text
    shown, _ = await _all_pages(client, crowd, **params)
    assert shown == expected


async def test_page_links_keep_the_search(client, organiser, crowd):  # noqa: F811
    await sign_in(client)
    base = f"/organiser/events/{crowd.id}/registrations"
    page = await client.get(base, params={"status": "confirmed", "mode": "online", "page": "2"})
    links = {
        rel: html.unescape(href)
        for href, rel in re.findall(r'<a href="([^"]+)" rel="(next|prev)">', page.text)
    }
    assert links["prev"] == f"{base}?status=confirmed&mode=online&page=1"
    assert links["next"] == f"{base}?status=confirmed&mode=online&page=3"


@pytest.mark.parametrize(
    ("page_number", "expected"), [("0", 1), ("abc", 1), ("-2", 1), ("999", None)]
)
async def test_odd_page_numbers_show_a_page(client, organiser, crowd, page_number, expected):  # noqa: F811
    await sign_in(client)
    pages = -(-COUNT // PAGE_SIZE)
    page = await client.get(
        f"/organiser/events/{crowd.id}/registrations", params={"page": page_number}
    )
    assert page.status_code == 200
    assert f"Seite {expected or pages} von {pages}" in page.text


async def test_names_on_later_pages_are_escaped(client, organiser, crowd):  # noqa: F811
    await sign_in(client)
    [row] = await (
        RegistrationTable.select(RegistrationTable.id)
        .where(RegistrationTable.event == crowd.id)
        .order_by(RegistrationTable.id)
        .offset(PAGE_SIZE + 5)
        .limit(1)
    )
    await RegistrationTable.update({RegistrationTable.last_name: NASTY}).where(
        RegistrationTable.id == row["id"]
    )
    page = await client.get(f"/organiser/events/{crowd.id}/registrations", params={"page": "2"})
    assert NASTY not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


@pytest.fixture
def batch_reads(monkeypatch):
    """The limits of every batch the exports read."""
    limits = []
    real = registrations.registrations_after

    async def counted(event_id, after_id, **options):
        found = await real(event_id, after_id, **options)
        limits.append((options.get("limit", registrations.BATCH_SIZE), len(found)))
        return found

    monkeypatch.setattr(registrations, "registrations_after", counted)
    return limits


async def test_csv_and_xlsx_read_the_event_in_batches(client, organiser, crowd, batch_reads):  # noqa: F811
    await sign_in(client)
    base = f"/organiser/events/{crowd.id}"
    response = await client.get(f"{base}/registrations.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    emails = [row[rows[0].index("E-Mail")] for row in rows[1:]]
    assert emails == _rows()
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(1, COUNT + 1)]
    assert all(limit == registrations.BATCH_SIZE for limit, _ in batch_reads)
    assert [found for _, found in batch_reads] == [
        registrations.BATCH_SIZE,
        registrations.BATCH_SIZE,
        COUNT - 2 * registrations.BATCH_SIZE,
    ]

    batch_reads.clear()
    response = await client.get(f"{base}/registrations.xlsx")
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    column = [cell.value for cell in next(sheet.iter_rows(max_row=1))].index("E-Mail")
    emails = [str(row[column]) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert emails == _rows()
    assert len(batch_reads) == 3


async def test_signature_list_reads_only_the_confirmed_in_batches(
    client,
    organiser,  # noqa: F811
    crowd,
    batch_reads,
):
    await sign_in(client)
    response = await client.get(f"/organiser/events/{crowd.id}/signature-list.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    confirmed = _rows("confirmed")
    assert "Koval000001" in text
    assert "Koval000007" not in text  # waiting
    assert sum(found for _, found in batch_reads) == len(confirmed)
    assert len(batch_reads) == -(-len(confirmed) // registrations.BATCH_SIZE) + (
        len(confirmed) % registrations.BATCH_SIZE == 0
    )
