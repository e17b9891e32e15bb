"""The privacy notice's versions: each one's texts and since when it was in force."""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-23T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Privacy notice versions with their texts"


# Piccolo runs a manager's raw steps before its add_table, and the legacy row below needs the
# table, so the table is made here from a class of its own (Piccolo writes the DDL per engine).
class PrivacyNotice(Table, tablename="privacy_notice", schema=None):
    # unique: the index that lets several starting processes record the same version at once
    # (INSERT ... ON CONFLICT DO NOTHING).
    version = Varchar(length=50, unique=True)
    texts = JSON(default="{}")
    first_published_at = Timestamptz(default=TimestamptzNow())


#: Registrations made before this migration consented to version "2026-11": the placeholder
#: text the privacy page showed then, kept so that it can still be read.
LEGACY_VERSION = "2026-11"
LEGACY_TEXTS = {
    "de": "*Platzhalter – der endgültige Text folgt.*\n\n"
    "Wir verarbeiten die Angaben aus dem Anmeldeformular (Name, E-Mail-Adresse, Organisation, "
    "Funktion, Art der Teilnahme, Antworten auf Zusatzfragen, Sprache) ausschließlich, um die "
    "Veranstaltung zu organisieren: für Bestätigungen, Zugangsdaten, Erinnerungen, "
    "Teilnahmelisten und gegebenenfalls den Nachweis gegenüber Fördermittelgebern.\n\n"
    "Die Daten werden nach der Veranstaltung nach einer festgelegten Frist anonymisiert. Auf "
    "Wunsch löschen wir sie früher. Diese Website lädt keine Inhalte von Dritten.\n",
    "en": "*Placeholder – the final text will follow.*\n\n"
    "We process the details from the registration form (name, email address, organisation, "
    "position, way of taking part, answers to additional questions, language) solely to "
    "organise the event: for confirmations, access details, reminders, attendance lists and, "
    "where applicable, reporting to funding bodies.\n\n"
    "After the event, the data are anonymised after a set period. We will delete them earlier "
    "on request. This website does not load any content from third parties.\n",
    "uk": "*Тимчасовий текст – остаточна версія буде згодом.*\n\n"
    "Ми обробляємо дані з форми реєстрації (ім’я та прізвище, адресу електронної пошти, "
    "організацію, посаду, форму участі, відповіді на додаткові запитання, мову) виключно для "
    "організації заходу: для підтверджень, даних для доступу, нагадувань, списків учасників "
    "і, за потреби, звітування перед грантодавцями.\n\n"
    "Після заходу дані анонімізуються через визначений строк. На Ваше прохання ми видалимо їх "
    "раніше. Цей вебсайт не завантажує вміст від третіх сторін.\n",
}


async def add_privacy_notice():
    engine = engine_finder()
    assert engine is not None
    # The class would keep the engine it first saw; a process may migrate several databases.
    PrivacyNotice._meta.db = engine
    await PrivacyNotice.create_table().run()
    texts = json.dumps(LEGACY_TEXTS, ensure_ascii=False).replace("'", "''")
    cast = "" if engine.engine_type == "sqlite" else "::json"
    # Only where registrations consented to it, since the earliest of them.
    await engine.run_ddl(
        'INSERT INTO "privacy_notice" ("version", "texts", "first_published_at") '
        f"SELECT '{LEGACY_VERSION}', '{texts}'{cast}, MIN(\"consent_at\") "
        f"FROM \"registration\" WHERE \"consent_version\" = '{LEGACY_VERSION}' "
        'GROUP BY "consent_version"'
    )


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_raw(add_privacy_notice)
    return manager
