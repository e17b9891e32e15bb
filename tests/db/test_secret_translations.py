"""Translated access notes are as secret as the German ones: a read without the secret columns
(every public read) does not get them through the ``translations`` column either."""

from __future__ import annotations

from app.domain.model import EventFormat, EventText
from app.services import events as event_service


async def test_public_reads_carry_no_translated_access_notes(event_factory) -> None:
    event = await event_factory(
        slug="runde",
        format=EventFormat.ONLINE,
        access_notes="Bitte mit vollem Namen einwählen.",
        translations={
            "en": EventText(title="Round", access_notes="EN-SECRET-NOTE"),
            "uk": EventText(access_notes="UK-SECRET-NOTE"),
        },
    )
    public = (await event_service.get_public("runde")).event
    assert public.access_notes == ""
    assert public.translations == {"en": EventText(title="Round")}
    organisers = await event_service.get_with_access(event.id)
    assert organisers.translations["en"].access_notes == "EN-SECRET-NOTE"
    assert organisers.translations["uk"].access_notes == "UK-SECRET-NOTE"
