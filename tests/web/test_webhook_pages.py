"""The organisers' webhooks page: behind the sign-in, CSRF on its forms, the secret shown once,
unsafe addresses refused next to the field, the delivery log with 'send again', audited,
escaped, in three languages."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from app.asgi import create_app
from app.db.tables import AuditEntry, WebhookDelivery, WebhookEndpoint
from app.domain.audit import AuditAction
from app.services import registrations
from app.settings import Settings
from tests.conftest import registration_request
from tests.web.conftest import SameLoopTestClient, cookie_token
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture
async def hook_client(db, settings: Settings, clock) -> AsyncIterator[SameLoopTestClient]:
    allowing = dataclasses.replace(settings, webhook_allow_private=True)
    async with SameLoopTestClient(create_app(allowing, database=db, clock=clock)) as client:
        yield client


async def _create(client: SameLoopTestClient, **form: str):
    await client.get("/organiser/webhooks")
    return await client.post(
        "/organiser/webhooks", data={**form, "_csrf_token": cookie_token(client)}
    )


async def test_the_page_needs_sign_in_and_forms_need_the_csrf_token(
    client,
    organiser,  # noqa: F811
) -> None:
    response = await client.get("/organiser/webhooks", follow_redirects=False)
    assert response.status_code in (302, 303, 401)
    await sign_in(client)
    refused = await client.post("/organiser/webhooks", data={"url": HOOK})
    assert refused.status_code == 403
    assert await WebhookEndpoint.count() == 0


async def test_private_addresses_are_refused_next_to_the_field(
    client,
    organiser,  # noqa: F811
) -> None:
    await sign_in(client)
    response = await _create(client, url=HOOK, **{"type_registration.created": "on"})
    assert response.status_code == 400
    assert 'id="url-error"' in response.text
    assert "WEBHOOK_ALLOW_PRIVATE" in response.text
    assert 'value="http://127.0.0.1:9/hook"' in response.text
    assert await WebhookEndpoint.count() == 0
    no_types = await _create(client, url="https://example.org/hook")
    assert no_types.status_code == 400
    assert "Ereignisart" in no_types.text


async def test_an_endpoint_is_made_with_its_secret_shown_once_then_deleted_audited(
    hook_client,
    organiser,  # noqa: F811
    db,
    event_factory,
    clock,
) -> None:
    await sign_in(hook_client)
    response = await _create(
        hook_client,
        url=HOOK,
        description="<script>alert(1)</script>",
        personal_data="on",
        **{"type_registration.created": "on", "type_event.cancelled": "on"},
    )
    assert response.status_code == 201
    [endpoint] = await WebhookEndpoint.select()
    assert endpoint["secret"] in response.text
    assert endpoint["event_types"] == "registration.created event.cancelled"
    assert endpoint["personal_data"]
    page = await hook_client.get("/organiser/webhooks")
    assert endpoint["secret"] not in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text

    await event_factory()
    await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())
    from app.services.webhooks import fan_out

    await fan_out(db, clock())
    [delivery] = await WebhookDelivery.select()
    await WebhookDelivery.update(
        {WebhookDelivery.status: "failed", WebhookDelivery.last_error: "HTTP 500 <b>"}
    ).where(WebhookDelivery.id == delivery["id"])
    log = await hook_client.get("/organiser/webhooks")
    assert f'id="delivery-{delivery["id"]}"' in log.text
    assert "gescheitert" in log.text
    assert "HTTP 500 &lt;b&gt;" in log.text
    again = await hook_client.post(
        f"/organiser/webhooks/deliveries/{delivery['id']}/send-again",
        data={"_csrf_token": cookie_token(hook_client)},
        follow_redirects=False,
    )
    assert again.status_code == 303
    [queued] = await WebhookDelivery.select()
    assert queued["status"] == "queued"
    assert queued["send_after"] == clock()

    deleted = await hook_client.post(
        f"/organiser/webhooks/{endpoint['id']}/delete",
        data={"_csrf_token": cookie_token(hook_client)},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert await WebhookEndpoint.count() == 0
    assert await WebhookDelivery.count() == 0
    actions = [r["action"] for r in await AuditEntry.select().order_by(AuditEntry.id)]
    assert actions == [
        AuditAction.WEBHOOK_CREATED.value,
        AuditAction.WEBHOOK_RESENT.value,
        AuditAction.WEBHOOK_DELETED.value,
    ]
    missing = await hook_client.post(
        "/organiser/webhooks/999/delete", data={"_csrf_token": cookie_token(hook_client)}
    )
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("language", "heading"), [("de", "Zustellungen"), ("en", "Deliveries"), ("uk", "Доставки")]
)
async def test_the_page_speaks_three_languages(
    client,
    organiser,  # noqa: F811
    language: str,
    heading: str,
) -> None:
    await sign_in(client)
    page = await client.get(f"/organiser/webhooks?lang={language}")
    assert page.status_code == 200
    assert heading in page.text
    home = await client.get("/organiser/")
    assert 'href="/organiser/webhooks"' in home.text
