"""The audit pages: who did what through the organisers' pages and the API, shown per event and
overall, behind the sign-in, with hostile text escaped."""

from __future__ import annotations

from app.db.tables import AuditEntry as AuditTable
from app.domain.audit import Actor, AuditAction
from app.services import api_tokens, audit
from tests.web.test_organiser_events import _create
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

ACTOR = Actor(id=1, name="Olena Koval")


async def _actions() -> list[tuple[str, int | None, str]]:
    rows = await AuditTable.select().order_by(AuditTable.id)
    return [(row["action"], row["event"], row["organiser_name"]) for row in rows]


async def test_audit_pages_need_sign_in(client, db, event_factory):
    event = await event_factory(slug="geheim")
    for path in ("/organiser/audit", f"/organiser/events/{event.id}/audit"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in (302, 303, 401), path
        assert "audit-entries" not in response.text


async def test_form_actions_are_recorded_with_the_signed_in_organiser_and_shown(
    client,
    organiser,  # noqa: F811
):
    await sign_in(client)
    event_id = await _create(client, title="<script>alert(1)</script> Werkstatt")
    assert await _actions() == [(AuditAction.EVENT_CREATED.value, event_id, "Olena Koval")]

    csv = await client.get(f"/organiser/events/{event_id}/registrations.csv")
    assert csv.status_code == 200
    assert (await _actions())[-1] == (
        AuditAction.EXPORT_DOWNLOADED.value,
        event_id,
        "Olena Koval",
    )

    page = await client.get(f"/organiser/events/{event_id}/audit")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert page.text.count('data-action="') == 2
    assert "Export heruntergeladen" in page.text
    assert "format=csv" in page.text

    overview = await client.get(f"/organiser/events/{event_id}")
    assert f'href="/organiser/events/{event_id}/audit"' in overview.text
    home = await client.get("/organiser/")
    assert 'href="/organiser/audit"' in home.text

    overall = await client.get("/organiser/audit", params={"action": "event_created"})
    assert overall.text.count('data-action="event_created"') == 1
    assert 'data-action="export_downloaded"' not in overall.text
    # A bogus filter shows everything rather than failing.
    assert (await client.get("/organiser/audit", params={"action": "<b>"})).status_code == 200

    english = await client.get("/organiser/audit?lang=en")
    assert "<h1>Audit log</h1>" in english.text
    assert "Event created" in english.text
    ukrainian = await client.get("/organiser/audit?lang=uk")
    assert "<h1>Журнал дій</h1>" in ukrainian.text


async def test_api_requests_record_the_tokens_organiser(
    client,
    db,
    organiser,  # noqa: F811
    event_factory,
    now,
):
    event = await event_factory(slug="api")
    secret = (await api_tokens.create(db, organiser.id, "Excel", now)).secret
    response = await client.get(
        f"/api/v1/organiser/events/{event.id}/registrations/export",
        params={"format": "xlsx"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    rows = await AuditTable.select().order_by(AuditTable.id)
    assert [(r["action"], r["event"], r["organiser"], r["detail"]) for r in rows] == [
        (AuditAction.EXPORT_DOWNLOADED.value, event.id, organiser.id, "format=xlsx")
    ]


async def test_the_overall_page_is_paged(
    client,
    db,
    organiser,  # noqa: F811
    now,
):
    await sign_in(client)
    for _ in range(51):
        await audit.record(db, ACTOR, AuditAction.API_TOKEN_CREATED, now=now, subject_id=3)
    first = await client.get("/organiser/audit")
    assert first.text.count('data-action="') == 50
    assert 'rel="next"' in first.text
    second = await client.get("/organiser/audit", params={"page": "2"})
    assert second.text.count('data-action="') == 1
    assert 'rel="prev"' in second.text


async def test_funder_report_downloads_are_recorded_but_the_page_is_not(
    client,
    organiser,  # noqa: F811
):
    await sign_in(client)
    event_id = await _create(client, title="Werkstatt")
    page = await client.get(f"/organiser/events/{event_id}/report")
    assert page.status_code == 200
    assert await _actions() == [(AuditAction.EVENT_CREATED.value, event_id, "Olena Koval")]
    for suffix in ("xlsx", "pdf"):
        download = await client.get(f"/organiser/events/{event_id}/report.{suffix}")
        assert download.status_code == 200
        assert (await _actions())[-1] == (
            AuditAction.EXPORT_DOWNLOADED.value,
            event_id,
            "Olena Koval",
        )
    rows = await AuditTable.select(AuditTable.detail).order_by(AuditTable.id)
    assert [row["detail"] for row in rows[1:]] == [
        "format=funder_report_xlsx",
        "format=funder_report_pdf",
    ]
