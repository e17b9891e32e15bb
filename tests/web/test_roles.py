"""Roles: the route table's rules, refusals that change nothing, accounts and an event's team."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from litestar.connection import ASGIConnection
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from piccolo.apps.user.tables import BaseUser

from app import paths
from app.db.tables import AuditEntry as AuditTable
from app.db.tables import Event as EventTable
from app.domain.audit import AuditAction
from app.domain.model import EventStatus
from app.domain.roles import Role, StaffKind
from app.services import api_tokens, event_staff, organisers, registrations
from app.web.auth import AccessDenied, check_access, route_rule
from tests.conftest import registration_request
from tests.web.conftest import cookie_token

PASSWORD = "ein-langes-passwort-42"
ROOT = Path(__file__).resolve().parents[2]

#: Who each rule lets through, on an event owned by "manager-own" with "door-assigned" at its
#: door ("manager-other" and "door-other" have nothing to do with it).
EVERYONE = frozenset({"admin", "manager-own", "manager-other", "door-assigned", "door-other"})
ADMIN = frozenset({"admin"})
MANAGERS = frozenset({"admin", "manager-own", "manager-other"})
EVENT_MANAGERS = frozenset({"admin", "manager-own"})
EVENT_DOOR = frozenset({"admin", "manager-own", "door-assigned"})

_E = "/organiser/events/{event_id:int}"
_API = "/api/v1/organiser/events"
#: Every organiser route (pages and API) and who gets through. A route missing here, or one
#: whose declared rule lets others through, fails the test: a new route needs its line.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/organiser"): EVERYONE,
    ("POST", "/organiser/sign-out"): EVERYONE,
    ("GET", "/organiser/api-tokens"): EVERYONE,
    ("POST", "/organiser/api-tokens"): EVERYONE,
    ("POST", "/organiser/api-tokens/{token_id:int}/revoke"): EVERYONE,
    ("GET", "/organiser/accounts"): ADMIN,
    ("POST", "/organiser/accounts"): ADMIN,
    ("POST", "/organiser/accounts/{organiser_id:int}"): ADMIN,
    ("GET", "/organiser/audit"): ADMIN,
    ("GET", "/organiser/outbox"): ADMIN,
    ("POST", "/organiser/outbox/{mail_id:int}/retry"): ADMIN,
    ("POST", "/organiser/outbox/{mail_id:int}/abort"): ADMIN,
    ("GET", "/organiser/events/new"): MANAGERS,
    ("POST", "/organiser/events/new"): MANAGERS,
    ("GET", _E): EVENT_MANAGERS,
    ("GET", _E + "/edit"): EVENT_MANAGERS,
    ("POST", _E + "/edit"): EVENT_MANAGERS,
    ("GET", _E + "/preview"): EVENT_MANAGERS,
    ("POST", _E + "/publish"): EVENT_MANAGERS,
    ("POST", _E + "/unpublish"): EVENT_MANAGERS,
    ("POST", _E + "/duplicate"): EVENT_MANAGERS,
    ("GET", _E + "/cancel"): EVENT_MANAGERS,
    ("POST", _E + "/cancel"): EVENT_MANAGERS,
    ("GET", _E + "/materials"): EVENT_MANAGERS,
    ("POST", _E + "/materials"): EVENT_MANAGERS,
    ("POST", _E + "/materials/announce"): EVENT_MANAGERS,
    ("GET", _E + "/registrations"): EVENT_MANAGERS,
    ("GET", _E + "/registrations.csv"): EVENT_MANAGERS,
    ("GET", _E + "/registrations.xlsx"): EVENT_MANAGERS,
    ("GET", _E + "/signature-list.pdf"): EVENT_MANAGERS,
    ("GET", _E + "/report"): EVENT_MANAGERS,
    ("GET", _E + "/report.xlsx"): EVENT_MANAGERS,
    ("GET", _E + "/report.pdf"): EVENT_MANAGERS,
    ("GET", _E + "/registrations/new"): EVENT_MANAGERS,
    ("POST", _E + "/registrations/new"): EVENT_MANAGERS,
    ("POST", _E + "/registrations/promote"): EVENT_MANAGERS,
    ("POST", _E + "/registrations/{registration_id:int}/cancel"): EVENT_MANAGERS,
    ("POST", _E + "/registrations/{registration_id:int}/approve"): EVENT_MANAGERS,
    ("POST", _E + "/registrations/{registration_id:int}/decline"): EVENT_MANAGERS,
    ("POST", _E + "/registrations/{registration_id:int}/delete-data"): EVENT_MANAGERS,
    ("GET", _E + "/message"): EVENT_MANAGERS,
    ("POST", _E + "/message"): EVENT_MANAGERS,
    ("POST", _E + "/message/preview"): EVENT_MANAGERS,
    ("GET", _E + "/audit"): EVENT_MANAGERS,
    ("GET", _E + "/staff"): EVENT_MANAGERS,
    ("POST", _E + "/staff"): EVENT_MANAGERS,
    ("POST", _E + "/staff/{organiser_id:int}/remove"): EVENT_MANAGERS,
    ("GET", _E + "/registrations/bulk"): EVENT_MANAGERS,
    ("POST", _E + "/registrations/bulk"): EVENT_MANAGERS,
    ("GET", _E + "/invitations"): EVENT_MANAGERS,
    ("POST", _E + "/invitations/import"): EVENT_MANAGERS,
    ("GET", _E + "/invitations/send"): EVENT_MANAGERS,
    ("POST", _E + "/invitations/send"): EVENT_MANAGERS,
    ("GET", _E + "/attendance"): EVENT_MANAGERS,
    ("POST", _E + "/attendance/{registration_id:int}"): EVENT_MANAGERS,
    ("POST", _E + "/attendance/import"): EVENT_MANAGERS,
    ("GET", _E + "/certificates.pdf"): EVENT_MANAGERS,
    ("GET", _E + "/zoom"): EVENT_MANAGERS,
    ("POST", _E + "/zoom/request"): EVENT_MANAGERS,
    ("POST", _E + "/zoom/retry"): EVENT_MANAGERS,
    ("GET", "/organiser/account/two-factor"): EVERYONE,
    ("POST", "/organiser/account/two-factor/enable"): EVERYONE,
    ("POST", "/organiser/account/two-factor/disable"): EVERYONE,
    ("GET", "/organiser/webhooks"): ADMIN,
    ("POST", "/organiser/webhooks"): ADMIN,
    ("POST", "/organiser/webhooks/{endpoint_id:int}/delete"): ADMIN,
    ("POST", "/organiser/webhooks/deliveries/{delivery_id:int}/send-again"): ADMIN,
    ("GET", _E + "/check-in"): EVENT_DOOR,
    ("POST", _E + "/check-in/{registration_id:int}"): EVENT_DOOR,
    ("GET", _API): EVERYONE,
    ("GET", _API + "/{event_id:int}/registrations"): EVENT_MANAGERS,
    ("POST", _API + "/{event_id:int}/registrations"): EVENT_MANAGERS,
    ("GET", _API + "/{event_id:int}/registrations/export"): EVENT_MANAGERS,
    ("GET", _API + "/{event_id:int}/texts"): EVENT_MANAGERS,
    ("PUT", _API + "/{event_id:int}/texts"): EVENT_MANAGERS,
    ("PUT", _API + "/{event_id:int}/invitation-only"): EVENT_MANAGERS,
    ("GET", _API + "/{event_id:int}/materials"): EVENT_MANAGERS,
    ("PUT", _API + "/{event_id:int}/materials"): EVENT_MANAGERS,
}

PERSONAS = {
    "admin": Role.ADMINISTRATOR,
    "manager-own": Role.MANAGER,
    "manager-other": Role.MANAGER,
    "door-assigned": Role.DOOR_STAFF,
    "door-other": Role.DOOR_STAFF,
}


async def _stored(organiser_id: int) -> organisers.Account:
    account = await organisers.account(organiser_id)
    assert account is not None
    return account


async def _by_email(email: str) -> organisers.Account:
    account = await organisers.account_by_email(email)
    assert account is not None
    return account


async def _event_row(event_id: int, column) -> object:
    row = await EventTable.select(column).where(EventTable.id == event_id).first()
    assert row is not None
    return row[column._meta.name]


def _email(persona: str) -> str:
    return f"{persona}@example.org"


async def _team(db, event_factory, now, **event):
    """The five personas and an event owned by manager-own, door-assigned at its door."""
    accounts = {
        persona: await organisers.create_organiser(
            db, _email(persona), PASSWORD, f"Person {persona}", role=role
        )
        for persona, role in PERSONAS.items()
    }
    created = await event_factory(**event)
    async with db.transaction():
        await event_staff.add_owner(created.id, accounts["manager-own"].id)
    await event_staff.assign(
        db, created.id, _email("door-assigned"), StaffKind.DOOR, actor=None, now=now
    )
    return accounts, created


def _organiser_routes(app) -> list[tuple[str, str, HTTPRouteHandler]]:
    return sorted(
        (
            (method, route.path, handler)
            for route in app.routes
            if isinstance(route, HTTPRoute)
            and (
                route.path.startswith(paths.ORGANISER) or route.path.startswith(paths.API_ORGANISER)
            )
            and route.path not in (paths.sign_in(), paths.sign_in_code())
            for handler in route.route_handlers
            for method in handler.http_methods
            if method != "OPTIONS"
        ),
        key=lambda row: (row[1], row[0]),
    )


async def _passes(app, handler, organiser, event_id: int) -> bool:
    scope = {
        "type": "http",
        "litestar_app": app,
        "user": organiser,
        "state": {},
        "path_params": {"event_id": event_id, "registration_id": 1, "organiser_id": 1},
    }
    try:
        await check_access(ASGIConnection(scope), handler, organiser)  # type: ignore[arg-type]
    except AccessDenied:
        return False
    return True


async def test_every_organiser_route_declares_a_rule_and_lets_through_exactly_whom_it_should(
    client, db, event_factory, now
):
    accounts, event = await _team(db, event_factory, now)
    routes = _organiser_routes(client.app)
    undeclared = [(m, p) for m, p, h in routes if route_rule(h) is None]
    assert undeclared == []
    assert {(m, p) for m, p, _ in routes} == set(EXPECTED)
    for method, path, handler in routes:
        through = {
            persona
            for persona, organiser in accounts.items()
            if await _passes(client.app, handler, organiser, event.id)
        }
        assert through == EXPECTED[(method, path)], (method, path, route_rule(handler))


async def test_a_route_without_a_rule_refuses_even_an_administrator(client, db):
    admin = await organisers.create_organiser(db, "a@example.org", PASSWORD)
    handler = next(h for _, p, h in _organiser_routes(client.app) if p == "/organiser")
    bare = HTTPRouteHandler(http_method="GET", path="/x")(handler.fn)  # no opt
    assert not await _passes(client.app, bare, admin, 1)


async def sign_in(client: httpx.AsyncClient, persona: str) -> None:
    await client.get("/organiser/sign-in")
    response = await client.post(
        "/organiser/sign-in",
        data={
            "email": _email(persona),
            "password": PASSWORD,
            "_csrf_token": cookie_token(client),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303


async def _actions() -> list[str]:
    return [row["action"] for row in await AuditTable.select(AuditTable.action)]


async def test_door_staff_on_an_export_get_403_and_nothing_is_recorded(
    client, db, event_factory, now
):
    _, event = await _team(db, event_factory, now)
    await sign_in(client, "door-assigned")
    for suffix in ("registrations.csv", "registrations.xlsx", "signature-list.pdf", "report.pdf"):
        response = await client.get(f"/organiser/events/{event.id}/{suffix}")
        assert response.status_code == 403, suffix
        assert "Keine Berechtigung" in response.text
        assert "Olena" not in response.text
    assert AuditAction.EXPORT_DOWNLOADED.value not in await _actions()
    # The door itself is open to them.
    assert (await client.get(f"/organiser/events/{event.id}/check-in")).status_code == 200


async def test_door_staff_cannot_publish_and_the_event_stays_a_draft(
    client, db, event_factory, now
):
    _, event = await _team(db, event_factory, now, status=EventStatus.DRAFT)
    await sign_in(client, "door-assigned")
    response = await client.post(
        f"/organiser/events/{event.id}/publish", data={"_csrf_token": cookie_token(client)}
    )
    assert response.status_code == 403
    assert await _event_row(event.id, EventTable.status) == EventStatus.DRAFT.value


async def test_a_manager_opening_another_managers_event_gets_a_clear_403(
    client, db, event_factory, now
):
    _, event = await _team(db, event_factory, now, title="Fremde Veranstaltung")
    await sign_in(client, "manager-other")
    page = await client.get(f"/organiser/events/{event.id}")
    assert page.status_code == 403
    assert "Keine Berechtigung" in page.text
    assert "Fremde Veranstaltung" not in page.text
    edit = await client.post(
        f"/organiser/events/{event.id}/edit",
        data={"_csrf_token": cookie_token(client), "title": "Übernommen"},
    )
    assert edit.status_code == 403
    assert await _event_row(event.id, EventTable.title) == "Fremde Veranstaltung"
    # Their start page does not list it; the owner's does.
    assert "Fremde Veranstaltung" not in (await client.get("/organiser/")).text


async def test_the_start_page_lists_what_each_may_see(client, db, event_factory, now):
    _, event = await _team(db, event_factory, now, title="Gemeinsames Treffen")
    await event_factory(slug="andere", title="Ganz andere Sache")
    await sign_in(client, "door-assigned")
    home = (await client.get("/organiser/")).text
    assert "Gemeinsames Treffen" in home
    assert "Ganz andere Sache" not in home
    assert f'href="/organiser/events/{event.id}/check-in"' in home
    assert f'href="/organiser/events/{event.id}/registrations"' not in home
    assert 'href="/organiser/accounts"' not in home
    assert 'href="/organiser/events/new"' not in home
    door = (await client.get(f"/organiser/events/{event.id}/check-in")).text
    assert f'href="/organiser/events/{event.id}/registrations"' not in door


async def test_the_api_applies_the_same_rules(client, db, event_factory, now):
    accounts, event = await _team(db, event_factory, now, title="API-Treffen")
    await event_factory(slug="zweite", title="Zweite")
    door = await api_tokens.create(db, accounts["door-assigned"].id, "Tür", now)
    other = await api_tokens.create(db, accounts["manager-other"].id, "Andere", now)
    own = await api_tokens.create(db, accounts["manager-own"].id, "Eigene", now)

    def bearer(created) -> dict[str, str]:
        return {"Authorization": f"Bearer {created.secret}"}

    export = f"/api/v1/organiser/events/{event.id}/registrations/export?format=csv"
    assert (await client.get(export, headers=bearer(door))).status_code == 403
    assert (await client.get(export, headers=bearer(other))).status_code == 403
    assert AuditAction.EXPORT_DOWNLOADED.value not in await _actions()
    listed = await client.get("/api/v1/organiser/events", headers=bearer(own))
    assert [e["title"] for e in listed.json()] == ["API-Treffen"]
    assert (await client.get("/api/v1/organiser/events", headers=bearer(door))).json() == []
    ok = await client.get(f"/api/v1/organiser/events/{event.id}/registrations", headers=bearer(own))
    assert ok.status_code == 200


async def test_accounts_are_made_with_a_role_and_a_forged_role_is_refused(
    client, db, event_factory, now
):
    await _team(db, event_factory, now)
    await sign_in(client, "admin")
    page = await client.get("/organiser/accounts")
    assert page.status_code == 200
    forged = await client.post(
        "/organiser/accounts",
        data={
            "_csrf_token": cookie_token(client),
            "email": "neu@example.org",
            "name": "Neu",
            "password": PASSWORD,
            "role": "superuser",
        },
    )
    assert forged.status_code == 400
    assert "Bitte wählen Sie eine der angebotenen Rollen." in forged.text
    assert await organisers.account_by_email("neu@example.org") is None
    made = await client.post(
        "/organiser/accounts",
        data={
            "_csrf_token": cookie_token(client),
            "email": "neu@example.org",
            "name": "<script>alert(1)</script>",
            "password": PASSWORD,
            "role": "door_staff",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    account = await _by_email("neu@example.org")
    assert account.role is Role.DOOR_STAFF
    listing = (await client.get("/organiser/accounts")).text
    assert "<script>alert(1)</script>" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    changed = await client.post(
        f"/organiser/accounts/{account.id}",
        data={"_csrf_token": cookie_token(client), "role": "root"},
    )
    assert changed.status_code == 400
    assert (await _stored(account.id)).role is Role.DOOR_STAFF
    promoted = await client.post(
        f"/organiser/accounts/{account.id}",
        data={"_csrf_token": cookie_token(client), "role": "manager"},
        follow_redirects=False,
    )
    assert promoted.status_code == 303
    assert (await _stored(account.id)).role is Role.MANAGER
    actions = await _actions()
    assert actions.count(AuditAction.ORGANISER_CREATED.value) == 1
    assert actions.count(AuditAction.ORGANISER_CHANGED.value) == 1


async def test_a_manager_cannot_reach_the_accounts(client, db, event_factory, now):
    await _team(db, event_factory, now)
    await sign_in(client, "manager-own")
    assert (await client.get("/organiser/accounts")).status_code == 403
    response = await client.post(
        "/organiser/accounts",
        data={
            "_csrf_token": cookie_token(client),
            "email": "x@example.org",
            "password": PASSWORD,
            "role": "administrator",
        },
    )
    assert response.status_code == 403
    assert await organisers.account_by_email("x@example.org") is None


async def test_the_last_administrator_can_be_neither_demoted_nor_deactivated(
    client, db, event_factory, now
):
    accounts, _ = await _team(db, event_factory, now)
    admin = accounts["admin"]
    await sign_in(client, "admin")
    for form in ({"role": "manager"}, {"active": "no"}):
        response = await client.post(
            f"/organiser/accounts/{admin.id}", data={"_csrf_token": cookie_token(client), **form}
        )
        assert response.status_code == 400
        assert "letzte aktive Administrationskonto" in response.text
    still = await _stored(admin.id)
    assert still.role is Role.ADMINISTRATOR
    assert still.active
    # A deactivated account's session ends at once.
    door = accounts["door-assigned"]
    off = await client.post(
        f"/organiser/accounts/{door.id}",
        data={"_csrf_token": cookie_token(client), "active": "no"},
        follow_redirects=False,
    )
    assert off.status_code == 303
    assert not (await _stored(door.id)).active


async def test_a_manager_assigns_door_staff_who_then_check_in_and_nothing_more(
    client, db, event_factory, now
):
    accounts, event = await _team(db, event_factory, now, title="Team-Treffen")
    await sign_in(client, "manager-own")
    staff_page = await client.get(f"/organiser/events/{event.id}/staff")
    assert staff_page.status_code == 200
    forged = await client.post(
        f"/organiser/events/{event.id}/staff",
        data={"_csrf_token": cookie_token(client), "email": _email("door-other"), "kind": "owner"},
    )
    assert forged.status_code == 400
    unfit = await client.post(
        f"/organiser/events/{event.id}/staff",
        data={
            "_csrf_token": cookie_token(client),
            "email": _email("door-other"),
            "kind": "co_host",
        },
    )
    assert unfit.status_code == 400
    assert "Veranstaltungsleitung" in unfit.text
    added = await client.post(
        f"/organiser/events/{event.id}/staff",
        data={"_csrf_token": cookie_token(client), "email": _email("door-other"), "kind": "door"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    kinds = {m.email: m.kind for m in await event_staff.staff_of(event.id)}
    assert kinds == {
        _email("manager-own"): StaffKind.OWNER,
        _email("door-assigned"): StaffKind.DOOR,
        _email("door-other"): StaffKind.DOOR,
    }
    removed = await client.post(
        paths.event_staff_remove(event.id, accounts["door-assigned"].id),
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    # The owner cannot be removed.
    await client.post(
        paths.event_staff_remove(event.id, accounts["manager-own"].id),
        data={"_csrf_token": cookie_token(client)},
    )
    kinds = {m.email: m.kind for m in await event_staff.staff_of(event.id)}
    assert kinds == {_email("manager-own"): StaffKind.OWNER, _email("door-other"): StaffKind.DOOR}
    actions = await _actions()
    assert actions.count(AuditAction.STAFF_ASSIGNED.value) == 1
    assert actions.count(AuditAction.STAFF_REMOVED.value) == 1


async def test_a_co_host_manages_the_event_and_a_new_event_belongs_to_its_maker(
    client, db, event_factory, now
):
    accounts, event = await _team(db, event_factory, now)
    await event_staff.assign(
        db, event.id, _email("manager-other"), StaffKind.CO_HOST, actor=None, now=now
    )
    await sign_in(client, "manager-other")
    assert (await client.get(f"/organiser/events/{event.id}")).status_code == 200
    duplicated = await client.post(
        f"/organiser/events/{event.id}/duplicate",
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert duplicated.status_code == 303
    copy_id = int(duplicated.headers["location"].split("/")[3])
    owners = [m for m in await event_staff.staff_of(copy_id) if m.kind is StaffKind.OWNER]
    assert [m.organiser_id for m in owners] == [accounts["manager-other"].id]


async def _cli(arguments: list[str], stdin: str, env: dict[str, str], cwd: Path):
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app", *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
async def test_roles_on_the_command_line(db, database_url, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "y" * 32,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DEBUG", None)
    made = await _cli(
        ["create-organiser", "--email", "tuer@example.org", "--role", "door_staff"],
        f"{PASSWORD}\n{PASSWORD}\n",
        env,
        tmp_path,
    )
    assert made.returncode == 0, made.stderr
    assert "door_staff" in made.stdout
    account = await _by_email("tuer@example.org")
    assert account.role is Role.DOOR_STAFF
    forged = await _cli(
        ["create-organiser", "--email", "x@example.org", "--role", "root"],
        f"{PASSWORD}\n{PASSWORD}\n",
        env,
        tmp_path,
    )
    assert forged.returncode == 2
    assert await organisers.account_by_email("x@example.org") is None
    promoted = await _cli(
        ["set-role", "--email", "tuer@example.org", "--role", "administrator"], "", env, tmp_path
    )
    assert promoted.returncode == 0, promoted.stderr
    assert (await _stored(account.id)).role is Role.ADMINISTRATOR
    # The only administrator stays one.
    for other in await organisers.accounts():
        assert other.id == account.id
    last = await _cli(
        ["set-role", "--email", "tuer@example.org", "--role", "manager"], "", env, tmp_path
    )
    assert last.returncode == 1
    assert "role not changed" in last.stderr
    assert (await _stored(account.id)).role is Role.ADMINISTRATOR
    assert await BaseUser.count() == 1


async def test_door_staff_find_people_by_name_but_not_by_address(client, db, event_factory, now):
    """An address typed in at the door must not tell door staff whose it is; names do."""
    _, event = await _team(db, event_factory, now)
    request = registration_request("geheim.adresse@example.org", first_name="Oksana")
    await registrations.register(db, event.slug, request, now)
    door = f"/organiser/events/{event.id}/check-in"

    await sign_in(client, "door-assigned")
    assert "Oksana" in (await client.get(door, params={"q": "oksana"})).text
    assert "Oksana" not in (await client.get(door, params={"q": "geheim.adresse"})).text

    await sign_in(client, "manager-own")
    assert "Oksana" in (await client.get(door, params={"q": "geheim.adresse"})).text


async def test_a_manager_who_sends_a_message_lands_on_a_page_they_may_see(
    client, db, event_factory, now
):
    """The outbox is the administrators'; a manager's send ends on their event, saying so."""
    _, event = await _team(db, event_factory, now)
    await sign_in(client, "manager-own")
    await client.get(f"/organiser/events/{event.id}/message")
    sent = await client.post(
        f"/organiser/events/{event.id}/message",
        data={
            "subject": "Raumänderung",
            "text": "Wir treffen uns in Raum 2.",
            "audience": "all",
            "_csrf_token": cookie_token(client),
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    landing = await client.get(sent.headers["location"])
    assert landing.status_code == 200
    assert "Die Nachricht ist versandbereit" in landing.text


async def test_the_start_page_dates_events_where_they_take_place(client, db, event_factory, now):
    """An event at 00:30 in Berlin is on that day for everyone, though UTC says the day before."""
    late = dt.datetime(2027, 3, 5, 23, 30, tzinfo=dt.UTC)
    await _team(db, event_factory, now, starts_at=late, ends_at=late + dt.timedelta(hours=2))
    for persona in ("manager-own", "door-assigned"):
        await sign_in(client, persona)
        home = (await client.get("/organiser/")).text
        assert "06.03.2027" in home, persona
        assert "05.03.2027" not in home, persona
