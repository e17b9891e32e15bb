"""Signing out and a new password end sessions on the server: copies of the cookie, other
devices and other processes included; API tokens are not sessions and stay valid."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import httpx
import pytest

from app.services import api_tokens, organisers
from app.web.auth import SESSION_COOKIE
from tests.web.conftest import SameLoopTestClient, cookie_token
from tests.web.test_organisers import EMAIL, PASSWORD, ROOT, _cli, sign_in

NEW_PASSWORD = "ein-ganz-neues-passwort-44"


@pytest.fixture
async def organiser(db):
    return await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")


def _organiser_pages(event_id: int) -> list[str]:
    """The registrations CSV and two organiser pages."""
    return [
        f"/organiser/events/{event_id}/registrations.csv",
        f"/organiser/events/{event_id}/registrations",
        "/organiser/",
    ]


async def _answers(client: httpx.AsyncClient, paths: list[str]) -> dict[str, int]:
    return {path: (await client.get(path, follow_redirects=False)).status_code for path in paths}


async def _answers_with_cookie(app: object, cookie: str, paths: list[str]) -> dict[str, int]:
    """How ``paths`` answer a client that holds nothing but a copy of ``cookie``."""
    async with SameLoopTestClient(app) as copy:  # type: ignore[arg-type]
        copy.cookies.set(SESSION_COOKIE, cookie)
        return await _answers(copy, paths)


async def _sign_out(client: httpx.AsyncClient) -> None:
    out = await client.post(
        "/organiser/sign-out",
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert out.status_code == 303
    assert out.headers["location"].startswith("/organiser/sign-in")


def _signed_in_cookie(client: httpx.AsyncClient) -> str:
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie, "not signed in"
    return cookie


async def test_a_copy_of_the_cookie_is_refused_after_signing_out(client, organiser, event_factory):
    event = await event_factory(slug="treffen")
    pages = _organiser_pages(event.id)
    assert (await sign_in(client)).status_code == 303
    copied = _signed_in_cookie(client)
    # The copy works while the session lives: the refusal below is the sign-out's doing.
    assert await _answers_with_cookie(client.app, copied, pages) == dict.fromkeys(pages, 200)

    await _sign_out(client)

    async with SameLoopTestClient(client.app) as thief:
        thief.cookies.set(SESSION_COOKIE, copied)
        for path in pages:
            refused = await thief.get(path, follow_redirects=False)
            assert refused.status_code == 303, path
            assert refused.headers["location"].startswith("/organiser/sign-in?next="), path
            assert "Nachname" not in refused.text
        # Nor can the copy change anything (CSRF token and all).
        await thief.get("/organiser/sign-in")
        posted = await thief.post(
            "/organiser/sign-out",
            data={"_csrf_token": cookie_token(thief)},
            follow_redirects=False,
        )
        assert posted.status_code == 401

    # A fresh sign-in works.
    assert (await sign_in(client)).status_code == 303
    assert await _answers(client, pages) == dict.fromkeys(pages, 200)


async def test_signing_out_ends_every_session_of_that_organiser_only(
    client, db, organiser, now, event_factory
):
    event = await event_factory(slug="treffen")
    pages = _organiser_pages(event.id)
    other_email = "zwei@example.org"
    await organisers.create_organiser(db, other_email, PASSWORD, "Zweite Person")
    secret = (await api_tokens.create(db, organiser.id, "Tests", now)).secret
    laptop = client
    async with (
        SameLoopTestClient(client.app) as phone,
        SameLoopTestClient(client.app) as colleague,
    ):
        for device, email in [(laptop, EMAIL), (phone, EMAIL), (colleague, other_email)]:
            assert (await sign_in(device, email=email)).status_code == 303

        await _sign_out(laptop)

        assert await _answers(phone, pages) == dict.fromkeys(pages, 303)
        assert await _answers(colleague, pages) == dict.fromkeys(pages, 200)
        api = await laptop.get(
            "/api/v1/organiser/events", headers={"Authorization": f"Bearer {secret}"}
        )
        assert api.status_code == 200

        # Signed in again on both devices; signing out on the phone ends the laptop's too.
        for device in (laptop, phone):
            assert (await sign_in(device)).status_code == 303
            assert await _answers(device, pages) == dict.fromkeys(pages, 200)
        await _sign_out(phone)
        assert await _answers(laptop, pages) == dict.fromkeys(pages, 303)
        assert await _answers(colleague, pages) == dict.fromkeys(pages, 200)


async def test_a_new_password_ends_every_session(client, db, organiser, event_factory):
    event = await event_factory(slug="treffen")
    pages = _organiser_pages(event.id)
    assert (await sign_in(client)).status_code == 303
    copied = _signed_in_cookie(client)

    changed = await organisers.set_password(db, " Orga@Example.org ", NEW_PASSWORD)

    assert changed.id == organiser.id
    assert await _answers(client, pages) == dict.fromkeys(pages, 303)
    assert await _answers_with_cookie(client.app, copied, pages) == dict.fromkeys(pages, 303)
    assert (await sign_in(client)).status_code == 400
    assert (await sign_in(client, password=NEW_PASSWORD)).status_code == 303
    assert await _answers(client, pages) == dict.fromkeys(pages, 200)


async def test_setting_a_password_keeps_the_account_rules(db, organiser):
    with pytest.raises(organisers.OrganiserError, match="12 characters"):
        await organisers.set_password(db, EMAIL, "kurz")
    with pytest.raises(organisers.OrganiserError, match="no organiser"):
        await organisers.set_password(db, "niemand@example.org", NEW_PASSWORD)
    # Nothing changed: the old password still signs in.
    assert await organisers.authenticate(EMAIL, PASSWORD) is not None


async def test_a_session_without_a_version_is_refused(db, organiser):
    session = await organisers.authenticate(EMAIL, PASSWORD)
    assert session is not None
    assert await organisers.from_session(session) == organiser
    # A cookie issued before sessions had versions could never be ended: it no longer counts.
    unversioned = {key: value for key, value in session.items() if key != "version"}
    assert unversioned != session
    assert await organisers.from_session(unversioned) is None


#: Another process with an app of its own on the same database, asked with each cookie given.
_OTHER_PROCESS = """
import asyncio, json, sys
from litestar.testing import AsyncTestClient
from app.asgi import create_app
from app.clock import system_clock
from app.settings import Settings

async def main():
    url, secret, path, *cookies = sys.argv[1:]
    settings = Settings(
        database_url=url, secret_key=secret, debug=True, mail_sender_in_serve=False
    )
    answers = []
    async with AsyncTestClient(app=create_app(settings, clock=system_clock)) as client:
        for cookie in cookies:
            client.cookies.clear()
            client.cookies.set("treffpunkt_session", cookie)
            answers.append((await client.get(path, follow_redirects=False)).status_code)
    print(json.dumps(answers))

asyncio.run(main())
"""


@pytest.mark.slow
async def test_another_process_refuses_the_signed_out_cookie(
    client, settings, database_url, organiser, event_factory
):
    event = await event_factory(slug="treffen")
    csv = f"/organiser/events/{event.id}/registrations.csv"
    assert (await sign_in(client)).status_code == 303
    signed_out = _signed_in_cookie(client)
    await _sign_out(client)
    assert (await sign_in(client)).status_code == 303
    fresh = _signed_in_cookie(client)
    cookies = [signed_out, fresh]

    run = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", _OTHER_PROCESS, database_url, settings.secret_key, csv, *cookies],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=60,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == [303, 200]


@pytest.mark.slow
async def test_a_password_set_on_the_command_line_ends_the_sessions_here(
    client, database_url, organiser, tmp_path
):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "y" * 32,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DEBUG", None)
    assert (await sign_in(client)).status_code == 303
    assert (await client.get("/organiser/")).status_code == 200

    run = await _cli(
        ["set-password", "--email", "Orga@Example.org"],
        f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
        env,
        tmp_path,
    )

    assert run.returncode == 0, run.stderr
    assert "orga@example.org" in run.stdout
    assert NEW_PASSWORD not in run.stdout + run.stderr
    assert (await client.get("/organiser/", follow_redirects=False)).status_code == 303
    assert (await sign_in(client, password=NEW_PASSWORD)).status_code == 303
    assert (await client.get("/organiser/")).status_code == 200

    unknown = await _cli(
        ["set-password", "--email", "niemand@example.org"],
        f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
        env,
        tmp_path,
    )
    assert unknown.returncode == 1
    assert "no organiser" in unknown.stderr
