"""Personal API tokens: made once, stored hashed, revoked by their owner only, checked cheaply."""

from __future__ import annotations

import datetime as dt

import pytest
from piccolo.apps.user.tables import BaseUser

from app.db.tables import ApiToken
from app.domain.errors import InvalidInput, NotFound
from app.services import api_tokens, organisers

PASSWORD = "ein-langes-passwort-42"


@pytest.fixture
async def organiser(db):
    return await organisers.create_organiser(db, "orga@example.org", PASSWORD, "Olena Koval")


@pytest.fixture
async def other(db):
    return await organisers.create_organiser(db, "andere@example.org", PASSWORD, "Ada Andere")


async def test_a_token_is_shown_once_and_stored_only_hashed(db, organiser, now):
    created = await api_tokens.create(db, organiser.id, "  Excel-Abgleich  ", now)
    assert created.secret.startswith("tp_")
    assert len(created.secret) == 3 + 43
    assert created.info.name == "Excel-Abgleich"
    assert created.info.prefix == created.secret[:10]
    assert created.secret not in repr(created)
    rows = await ApiToken.select()
    assert len(rows) == 1
    row = rows[0]
    assert row["token_hash"] == api_tokens.token_hash(created.secret)
    assert len(row["token_hash"]) == 64
    assert created.secret not in str(row)
    listed = await api_tokens.list_for(organiser.id)
    assert [t.id for t in listed] == [created.info.id]
    assert not hasattr(listed[0], "secret")


@pytest.mark.parametrize(
    ("name", "code"), [("", "required"), ("   ", "required"), ("x" * 101, "too_long")]
)
async def test_a_token_needs_a_short_name(db, organiser, now, name, code):
    with pytest.raises(InvalidInput) as caught:
        await api_tokens.create(db, organiser.id, name, now)
    assert caught.value.errors == {"name": code}
    assert await ApiToken.count() == 0


async def test_authenticate_finds_the_organiser_and_records_the_use_at_most_once_a_minute(
    db, organiser, now
):
    created = await api_tokens.create(db, organiser.id, "Skript", now)
    found = await api_tokens.authenticate(created.secret, now)
    assert found == organiser
    [info] = await api_tokens.list_for(organiser.id)
    assert info.last_used_at == now
    await api_tokens.authenticate(created.secret, now + dt.timedelta(seconds=30))
    [info] = await api_tokens.list_for(organiser.id)
    assert info.last_used_at == now
    later = now + dt.timedelta(minutes=2)
    await api_tokens.authenticate(created.secret, later)
    [info] = await api_tokens.list_for(organiser.id)
    assert info.last_used_at == later


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "tp_",
        "tp_kurz",
        "Bearer",
        "x" * 46,
        "tp_" + "!" * 43,
        "tp_" + "a" * 44,
        "tp_\x00" + "a" * 42,
    ],
)
async def test_malformed_secrets_are_refused_without_a_query(
    db, organiser, now, secret, monkeypatch
):
    def no_query(*args, **kwargs):
        raise AssertionError("queried the database")

    monkeypatch.setattr(ApiToken, "select", no_query)
    assert await api_tokens.authenticate(secret, now) is None


async def test_unknown_revoked_and_inactive_are_refused(db, organiser, other, now):
    created = await api_tokens.create(db, organiser.id, "Skript", now)
    unknown = "tp_" + "A" * 43
    assert await api_tokens.authenticate(unknown, now) is None

    assert await api_tokens.revoke(db, organiser.id, created.info.id, now) is True
    assert await api_tokens.authenticate(created.secret, now) is None
    assert await api_tokens.revoke(db, organiser.id, created.info.id, now) is False

    second = await api_tokens.create(db, other.id, "Zweites", now)
    assert await api_tokens.authenticate(second.secret, now) == other
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == other.id)
    assert await api_tokens.authenticate(second.secret, now) is None


async def test_only_the_owner_revokes(db, organiser, other, now):
    created = await api_tokens.create(db, organiser.id, "Skript", now)
    with pytest.raises(NotFound):
        await api_tokens.revoke(db, other.id, created.info.id, now)
    with pytest.raises(NotFound):
        await api_tokens.revoke(db, organiser.id, created.info.id + 99, now)
    assert await api_tokens.authenticate(created.secret, now) == organiser
    assert await api_tokens.list_for(other.id) == []


async def test_deleting_the_account_deletes_its_tokens(db, organiser, now):
    await api_tokens.create(db, organiser.id, "Skript", now)
    async with db.transaction():
        await BaseUser.delete().where(BaseUser.id == organiser.id)
    assert await ApiToken.count() == 0
