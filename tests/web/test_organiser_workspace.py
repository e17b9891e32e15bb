"""The organisers' workspace: navigation, an event's tabs, breadcrumbs, the signed-in organiser."""

from __future__ import annotations

import re

import pytest
from litestar.routes import HTTPRoute

from app import paths
from app.i18n import use_language
from app.web.organiser_workspace import EVENT_TABS, NAVIGATION, workspace
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used


def _routes(client, method: str | None = "GET") -> set[str]:
    return {
        route.path
        for route in client.app.routes
        if isinstance(route, HTTPRoute)
        and route.path.startswith(paths.ORGANISER)
        and (method is None or method in route.methods)
    }


def test_keys_are_unique_and_labels_german() -> None:
    for entries in (NAVIGATION, EVENT_TABS):
        keys = [entry.key for entry in entries]
        assert len(keys) == len(set(keys))
    assert [entry.key for entry in NAVIGATION] == [
        "events",
        "outbox",
        "accounts",
        "api_tokens",
        "webhooks",
        "two_factor",
        "audit",
    ]


async def test_every_entry_leads_to_a_page_of_the_app(client) -> None:
    # The message's preview answers a POST; entries name routes as Litestar's path_template.
    plain = {re.sub(r"\{(\w+):\w+\}", r"{\1}", route) for route in _routes(client, None)}
    for entry in (*NAVIGATION, *EVENT_TABS):
        for route in entry.routes():
            assert route in plain, f"{entry.key}: {route} is no route"


async def test_every_organiser_page_has_one_current_place(client) -> None:
    """Each GET page: one navigation entry current, and on an event's page one tab as well."""
    with use_language("de"):
        for route in _routes(client):
            if route.endswith((".csv", ".xlsx", ".pdf", "/preview", "/sign-in", "/sign-in/code")):
                continue
            values = {"event_id": 5} if "{event_id:int}" in route else {}
            view = workspace(route, values, "Forum")
            current = [link for link in view.navigation if link.current]
            assert len(current) == 1, route
            if values:
                assert [link.current for link in view.tabs].count(None) == len(view.tabs) - 1
                assert view.breadcrumbs[1].label == "Forum"
                assert all(link.href.startswith("/organiser/events/5") for link in view.tabs)
            else:
                assert view.tabs == ()
            # The last crumb is the page itself, every one before it a link.
            assert view.breadcrumbs[-1].href is None
            assert all(crumb.href for crumb in view.breadcrumbs[:-1])


def test_an_event_page_below_a_tab_marks_the_tab_as_a_section_not_the_page() -> None:
    with use_language("de"):
        view = workspace(paths.ORGANISER + paths.NEW_REGISTRATION, {"event_id": 3}, "Forum")
    current = {link.key: link.current for link in view.tabs if link.current}
    assert current == {"registrations": "true"}
    assert {link.key: link.current for link in view.navigation if link.current} == {
        "events": "true"
    }
    assert [(crumb.label, crumb.href) for crumb in view.breadcrumbs] == [
        ("Veranstaltungen", "/organiser/"),
        ("Forum", "/organiser/events/3"),
        ("Anmeldungen", "/organiser/events/3/registrations"),
        ("Anmeldung hinzufügen", None),
    ]


def test_the_entries_can_be_filtered_in_one_place() -> None:
    """What roles will do: leave entries out of the navigation and the tabs."""
    with use_language("de"):
        view = workspace(
            paths.ORGANISER + paths.CHECK_IN,
            {"event_id": 3},
            "Forum",
            visible=lambda entry: entry.key in {"events", "check_in"},
        )
    assert [link.key for link in view.navigation] == ["events"]
    assert [(link.key, link.current) for link in view.tabs] == [("check_in", "page")]


def _current(html: str, attribute: str) -> dict[str, str]:
    pattern = rf'<a href="[^"]*" {attribute}="(\w+)" aria-current="(\w+)"'
    return dict(re.findall(pattern, html))


@pytest.mark.parametrize(
    ("language", "sign_out", "signed_in"),
    [
        ("de", "Abmelden", "Angemeldet als Olena Koval"),
        ("en", "Sign out", "Signed in as Olena Koval"),
        ("uk", "Вийти", "Ви увійшли як Olena Koval"),
    ],
)
async def test_every_page_shows_the_workspace(
    client,
    organiser,  # noqa: F811
    event_factory,
    language: str,
    sign_out: str,
    signed_in: str,
) -> None:
    event = await event_factory(slug="forum", title="Forum <b>&</b> Austausch")
    await sign_in(client)
    pages = {
        "/organiser/": ("events", None),
        "/organiser/events/new": ("events", None),
        "/organiser/outbox": ("outbox", None),
        "/organiser/api-tokens": ("api_tokens", None),
        "/organiser/audit": ("audit", None),
        f"/organiser/events/{event.id}": ("events", "overview"),
        f"/organiser/events/{event.id}/edit": ("events", "edit"),
        f"/organiser/events/{event.id}/registrations": ("events", "registrations"),
        f"/organiser/events/{event.id}/registrations/new": ("events", "registrations"),
        f"/organiser/events/{event.id}/check-in": ("events", "check_in"),
        f"/organiser/events/{event.id}/message": ("events", "message"),
        f"/organiser/events/{event.id}/materials": ("events", "materials"),
        f"/organiser/events/{event.id}/report": ("events", "report"),
        f"/organiser/events/{event.id}/audit": ("events", "audit"),
        f"/organiser/events/{event.id}/cancel": ("events", "overview"),
    }
    for path, (nav, tab) in pages.items():
        page = await client.get(f"{path}?lang={language}")
        assert page.status_code == 200, path
        html = page.text
        assert signed_in in html, path
        # One sign-out form, the layout's, with its CSRF field.
        forms = re.findall(
            r'<form method="post" action="/organiser/sign-out"[^>]*>(.*?)</form>', html, re.S
        )
        assert len(forms) == 1, path
        assert 'name="_csrf_token"' in forms[0]
        assert f">{sign_out}</button>" in forms[0]
        assert list(_current(html, "data-nav")) == [nav], path
        if tab is None:
            assert "data-tab=" not in html, path
        else:
            assert list(_current(html, "data-tab")) == [tab], path
            assert "Forum &lt;b&gt;&amp;&lt;/b&gt; Austausch" in html
            assert "<b>&</b>" not in html
        assert html.count('href="/organiser/accounts"') == 1
    home = await client.get("/organiser/")
    assert _current(home.text, "data-nav") == {"events": "page"}
    overview = await client.get(f"/organiser/events/{event.id}")
    assert _current(overview.text, "data-tab") == {"overview": "page"}
    assert _current(overview.text, "data-nav") == {"events": "true"}
