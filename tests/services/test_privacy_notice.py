"""The privacy notice: loading, versions, the recorded history, and what registrations keep."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from pathlib import Path

import asyncpg
import pytest

from app.db.database import Database
from app.db.tables import PrivacyNotice as PrivacyNoticeTable
from app.db.tables import Registration as RegistrationTable
from app.services import privacy_notice, registrations, retention
from app.settings import DEFAULT_PRIVACY_NOTICE_DIR, Settings, SettingsError
from tests.conftest import NOTICE_VERSION, POSTGRES_URL, registration_request


def notice_dir(tmp_path: Path, german: str | None = None) -> Path:
    """A copy of the shipped notice, its German text replaced by ``german`` if given."""
    folder = tmp_path / "notice"
    shutil.copytree(DEFAULT_PRIVACY_NOTICE_DIR, folder, dirs_exist_ok=True)
    if german is not None:
        (folder / "de.md").write_text(german, encoding="utf-8")
    return folder


def test_the_shipped_notice_has_three_languages_with_the_settings_filled_in() -> None:
    settings = Settings(privacy_controller="Stadt Holzwickede, Allee 5", retention_days=45)
    notice = privacy_notice.load_notice(settings)
    assert set(notice.texts) == {"de", "en", "uk"}
    for language, text in notice.texts.items():
        assert "Stadt Holzwickede, Allee 5" in text, language
        assert "45" in text, language
        assert "{{" not in text, language
    assert "Art. 6 Abs. 1 lit. a" in notice.texts["de"]
    assert "JSON" in notice.texts["en"]
    assert len(notice.version) == privacy_notice.DERIVED_VERSION_LENGTH
    # The default controller text tells the operator what to set.
    assert "PRIVACY_CONTROLLER" in privacy_notice.load_notice(Settings()).texts["de"]


def test_any_change_of_the_shown_text_is_a_new_version(tmp_path: Path) -> None:
    base = privacy_notice.load_notice(Settings(privacy_notice_dir=notice_dir(tmp_path)))
    assert base.version == privacy_notice.load_notice(Settings()).version
    changed = privacy_notice.load_notice(
        Settings(privacy_notice_dir=notice_dir(tmp_path, german="## Neu\n\nAnders.\n"))
    )
    assert changed.version != base.version
    assert changed.texts["de"] == "## Neu\n\nAnders.\n"
    # The settings filled into the text count as well.
    assert privacy_notice.load_notice(Settings(retention_days=30)).version != base.version
    assert privacy_notice.load_notice(Settings(privacy_controller="X")).version != base.version


def test_an_explicit_version_wins(tmp_path: Path) -> None:
    folder = notice_dir(tmp_path, german="Text eins")
    one = privacy_notice.load_notice(
        Settings(privacy_notice_dir=folder, privacy_notice_version="2027-01")
    )
    (folder / "de.md").write_text("Text zwei", encoding="utf-8")
    two = privacy_notice.load_notice(
        Settings(privacy_notice_dir=folder, privacy_notice_version="2027-01")
    )
    assert one.version == two.version == "2027-01"
    assert Settings.from_env({"DEBUG": "1", "PRIVACY_NOTICE_VERSION": "v2"}).privacy_notice_version
    with pytest.raises(SettingsError):
        Settings.from_env({"DEBUG": "1", "PRIVACY_NOTICE_VERSION": "a b?c"})


def test_a_missing_german_text_fails_and_other_languages_fall_back(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"de\.md"):
        privacy_notice.load_notice(Settings(privacy_notice_dir=tmp_path / "nirgends"))
    folder = tmp_path / "nur-deutsch"
    folder.mkdir()
    (folder / "de.md").write_text("Nur Deutsch", encoding="utf-8")
    notice = privacy_notice.load_notice(Settings(privacy_notice_dir=folder))
    assert set(notice.texts) == {"de"}
    assert notice.text("uk") == "Nur Deutsch\n"
    assert Settings.from_env({"DEBUG": "1", "PRIVACY_NOTICE_DIR": str(folder)}).privacy_notice_dir


async def test_recording_is_idempotent_and_keeps_the_first_texts_and_date(
    db: Database, now: dt.datetime, tmp_path: Path
) -> None:
    folder = notice_dir(tmp_path, german="Erste Fassung")
    settings = Settings(privacy_notice_dir=folder, privacy_notice_version="v1")
    first = await privacy_notice.record(db, privacy_notice.load_notice(settings), now)
    assert first.first_published_at == now
    (folder / "de.md").write_text("Still geändert", encoding="utf-8")
    later = now + dt.timedelta(days=3)
    again = await privacy_notice.record(db, privacy_notice.load_notice(settings), later)
    assert again.first_published_at == now
    assert again.texts["de"] == "Erste Fassung\n"
    assert await PrivacyNoticeTable.count() == 1
    assert (await privacy_notice.find("v1")) == first
    assert await privacy_notice.find("v2") is None
    assert await privacy_notice.find("'; DROP TABLE x; --") is None


async def test_concurrent_starts_record_one_row_without_error(
    db: Database, now: dt.datetime
) -> None:
    notice = privacy_notice.load_notice(Settings())
    results = await asyncio.gather(*(privacy_notice.record(db, notice, now) for _ in range(8)))
    assert {result.version for result in results} == {notice.version}
    assert await PrivacyNoticeTable.count() == 1


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
# PostgreSQL only: SQLite takes its write lock at BEGIN, so no insert can be half done there.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_start_racing_another_process_mid_insert_does_not_fail(
    db: Database, database_url: str, now: dt.datetime
) -> None:
    """Another process has inserted the version but not committed: recording waits, then
    finds the row, instead of failing on the unique index (a check-then-insert would)."""
    notice = privacy_notice.load_notice(Settings())
    other = await asyncpg.connect(database_url)
    try:
        transaction = other.transaction()
        await transaction.start()
        await other.execute(
            "INSERT INTO privacy_notice (version, texts, first_published_at) VALUES ($1, $2, $3)",
            notice.version,
            '{"de": "aus dem anderen Prozess"}',
            now - dt.timedelta(hours=1),
        )
        task = asyncio.create_task(privacy_notice.record(db, notice, now))
        # Wait (by state, not by time) until our insert blocks on the other's row. Watched from
        # a connection outside any transaction: inside one, PostgreSQL may keep showing the
        # pg_stat_activity it saw first.
        watcher = await asyncpg.connect(database_url)
        try:
            for _ in range(500):
                waiting = await watcher.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database() "
                    "AND query LIKE 'INSERT INTO \"privacy_notice\"%'"
                )
                if waiting or task.done():
                    break
                await asyncio.sleep(0.01)
        finally:
            await watcher.close()
        assert waiting, (
            "the second insert never waited for the first",
            task.exception() if task.done() else "still running",
        )
        await transaction.commit()
        recorded = await task
    finally:
        await other.close()
    assert recorded.texts == {"de": "aus dem anderen Prozess"}
    assert await PrivacyNoticeTable.count() == 1


async def test_registrations_keep_the_version_they_consented_to(
    db: Database, event_factory, now: dt.datetime
) -> None:
    event = await event_factory()
    given = await registrations.register(
        db, event.slug, registration_request("a@example.org", notice_version="v-alt"), now
    )
    default = await registrations.register(
        db, event.slug, registration_request("b@example.org"), now
    )
    assert given.registration.consent_version == "v-alt"
    assert given.registration.consent_at == now
    assert default.registration.consent_version == NOTICE_VERSION
    rows = await RegistrationTable.select(
        RegistrationTable.email, RegistrationTable.consent_version
    ).order_by(RegistrationTable.id)
    assert [row["consent_version"] for row in rows] == [
        "v-alt",
        NOTICE_VERSION,
    ]
    data = await retention.personal_data(given.registration.token)
    assert data["consent"]["privacy_notice_version"] == "v-alt"
    assert data["consent"]["privacy_notice_path"] == "/privacy?version=v-alt"


async def test_the_migration_keeps_the_text_earlier_registrations_agreed_to(
    db: Database, event_factory, now: dt.datetime
) -> None:
    """Registrations from before versioning carry ``2026-11``: the migration records that text
    (only where such registrations exist, since the earliest of them)."""
    from piccolo.engine import engine_finder

    from app.db.piccolo_migrations import treffpunkt_0009_privacy_notice as migration

    assert await PrivacyNoticeTable.count() == 0  # a new database has no such registrations
    event = await event_factory()
    for offset, email in enumerate(("a@example.org", "b@example.org")):
        await registrations.register(
            db,
            event.slug,
            registration_request(email, notice_version=migration.LEGACY_VERSION),
            now + dt.timedelta(hours=offset),
        )
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl('DROP TABLE "privacy_notice"')
    await migration.add_privacy_notice()
    legacy = await privacy_notice.find("2026-11")
    assert legacy is not None
    assert legacy.first_published_at == now
    assert set(legacy.texts) == {"de", "en", "uk"}
    assert "Platzhalter" in legacy.texts["de"]
    assert await PrivacyNoticeTable.count() == 1
