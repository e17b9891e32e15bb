"""A past event with everything an organiser can leave behind, for the browser tests' pages.

``python -m tests.browser.past_materials`` (with the live server's ``DATABASE_URL``) stores one
event that ended three days ago, with an English title and report but no Ukrainian ones (the
German texts stand in, marked ``lang="de"``), a long report with a long unbreakable address,
a recording and several slides and photo links with long labels: the worst case for a phone.
It runs in its own process because the browser tests are sync and the services async.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from app.db.database import Database
from app.domain.materials import MaterialsDraft
from app.domain.model import EventText, MaterialLink
from app.services import events, materials
from tests.browser.conftest import ROOT
from tests.conftest import make_event

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

SLUG = "rueckblick-kommunalpartnerschaften-mit-materialien"
PATH = f"/events/{SLUG}"

LONG_URL = (
    "https://www.kommunalpartnerschaften-ukraine.example/dokumentation/2026/"
    "Abschlussbericht_Netzwerktreffen_Kommunalpartnerschaften_Deutschland_Ukraine_"
    "Wiederaufbau_Daseinsvorsorge_Energieversorgung_Fassung-endgueltig.pdf"
)
REPORT = f"""## Rückblick auf das Netzwerktreffen

Rund sechzig Teilnehmende aus Landkreisen, Städten und Gemeinden beider Länder haben über
**Wiederaufbaupartnerschaften**, Energieversorgungsunternehmensverbünde und die
Daseinsvorsorgeinfrastrukturfinanzierung gesprochen.

- Arbeitsgruppe Kommunalverwaltungsmodernisierungsprogramme
- Arbeitsgruppe Jugendbegegnungen und Schulpartnerschaften

Die vollständige Dokumentation: {LONG_URL}

Und als Link: [Abschlussbericht (PDF)]({LONG_URL}).
"""
REPORT_EN = f"""## Looking back

About sixty people from districts, cities and municipalities of both countries discussed
reconstruction partnerships and the financing of public services infrastructure.

The full documentation: {LONG_URL}
"""
LONG_LABEL = "Vortrag: Kommunale Wiederaufbaupartnerschaften zwischen Deutschland und der Ukraine"


def _draft() -> MaterialsDraft:
    return MaterialsDraft(
        report=REPORT,
        report_translations={"en": REPORT_EN},
        recording_url=LONG_URL.replace(".pdf", "?aufzeichnung=vollstaendig&kapitel=1"),
        slides=(
            MaterialLink("https://folien.example/teil-1.pdf", LONG_LABEL),
            MaterialLink(
                "https://folien.example/teil-2.pdf",
                "Energieversorgungsunternehmenskooperationsvereinbarungsentwurf",
            ),
            MaterialLink(LONG_URL.replace(".pdf", "-folien.pdf")),
        ),
        photos=(
            MaterialLink("https://fotos.example/album/1", "Fotos vom Vormittag im Plenarsaal"),
            MaterialLink(LONG_URL.replace(".pdf", "/fotos/")),
        ),
    )


async def store(database_url: str) -> None:
    """Create the past event and save its materials."""
    now = dt.datetime.now(dt.UTC)
    starts = now - dt.timedelta(days=3)
    db = Database.from_url(database_url, sqlite_readers=1, pool_size=1)
    await db.connect()
    try:
        event = await events.create_event(
            db,
            make_event(
                now,
                slug=SLUG,
                title="Rückblick: Kommunalpartnerschaften mit der Ukraine",
                teaser="Was beim Netzwerktreffen besprochen wurde",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=4),
                translations={
                    "en": EventText(
                        title="Looking back: municipal partnerships with Ukraine",
                        teaser="What the network meeting discussed",
                    )
                },
            ),
        )
        await materials.save(db, event.id, _draft(), now)
    finally:
        await db.close()


def add_to(server: LiveServer) -> None:
    """Store the past event with materials in the live server's database (another process)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.browser.past_materials"],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"past_materials failed:\n{result.stdout}\n{result.stderr}"


if __name__ == "__main__":
    asyncio.run(store(os.environ["DATABASE_URL"]))
