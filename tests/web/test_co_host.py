"""A co-hosting organisation: typed in the event form, named on the public page and in the API."""

from __future__ import annotations

import html

import pytest

from app.services.events import get_with_access
from tests.web.test_organiser_events import _base, _create, _edit, _post
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used


@pytest.fixture
async def signed_in(client, organiser):  # noqa: F811
    await sign_in(client)
    return client


HOSTILE = 'Stadt <script>alert("x")</script> Dortmund'


async def test_the_co_host_is_named_on_the_page_in_every_language_and_in_the_api(signed_in):
    event_id = await _create(signed_in, co_host=HOSTILE)
    assert (await get_with_access(event_id)).co_host == HOSTILE
    assert (await _post(signed_in, f"{_base(event_id)}/publish", {})).status_code == 303
    slug = (await get_with_access(event_id)).slug
    escaped = html.escape(HOSTILE, quote=False)
    for language, words in (("de", "Gemeinsam mit"), ("en", "Together with"), ("uk", "Спільно з")):
        page = (await signed_in.get(f"/events/{slug}?lang={language}")).text
        assert f'<p class="co-host">{words} {escaped}</p>' in page.replace("&#34;", '"'), language
        assert "<script>alert" not in page
    api = (await signed_in.get(f"/api/v1/events/{slug}")).json()
    assert api["co_host"] == HOSTILE
    # The edit form shows it as stored.
    form = (await signed_in.get(f"{_base(event_id)}/edit")).text
    assert 'name="co_host"' in form
    assert "&lt;script&gt;" in form


async def test_a_changed_co_host_shows_at_once_despite_the_page_cache(signed_in):
    event_id = await _create(signed_in, co_host="Stadt Dortmund")
    await _post(signed_in, f"{_base(event_id)}/publish", {})
    slug = (await get_with_access(event_id)).slug
    assert "Gemeinsam mit Stadt Dortmund" in (await signed_in.get(f"/events/{slug}")).text
    form = _edit({}, co_host="Landkreis Unna", notify="no")
    response = await _post(signed_in, f"{_base(event_id)}/edit", form)
    assert response.status_code == 303, response.text
    page = (await signed_in.get(f"/events/{slug}")).text
    assert "Gemeinsam mit Landkreis Unna" in page
    assert "Gemeinsam mit Stadt Dortmund" not in page
    cleared = _edit({}, co_host="", notify="no")
    assert (await _post(signed_in, f"{_base(event_id)}/edit", cleared)).status_code == 303
    assert 'class="co-host"' not in (await signed_in.get(f"/events/{slug}")).text


async def test_an_overlong_co_host_is_refused_next_to_its_field(signed_in):
    response = await _post(signed_in, "/organiser/events/new", {**_edit({}, co_host="x" * 301)})
    assert response.status_code == 400
    assert "co_host-error" in response.text
