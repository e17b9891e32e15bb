"""A registration's searchable text, kept by the database: names, address and organisation,
case-folded, in ``search_text``.

A trigger fills it on every INSERT and on every UPDATE of those columns, whatever writes the
row (Piccolo or plain SQL), so the organisers' search is one SQL scan of a narrow column
instead of reading every row into Python. SQLite folds with ``treffpunkt_fold`` (Python's
``str.casefold``, registered on each connection by app.db.engine), PostgreSQL with ``lower``.
On SQLite an index on (event, search_text) holds the whole search, so the scan reads the index
only; PostgreSQL scans the event's rows by the (event, id) index of 0012 (a B-tree on the text
could exceed its row size limit).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

# After treffpunkt_0013 ("...:000013"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T14:00:00:000014"
VERSION = "1.38.0"
DESCRIPTION = "registration.search_text, kept by triggers, and its index"

ADD_COLUMN = "ALTER TABLE \"registration\" ADD COLUMN search_text TEXT NOT NULL DEFAULT ''"
_SOURCE = "{row}first_name || ' ' || {row}last_name || ' ' || {row}email || ' ' || {row}organisation"

SQLITE = [
    ADD_COLUMN,
    f"UPDATE \"registration\" SET search_text = treffpunkt_fold({_SOURCE.format(row='')})",
    f"""CREATE TRIGGER registration_search_text_insert AFTER INSERT ON "registration"
    BEGIN
        UPDATE "registration" SET search_text = treffpunkt_fold({_SOURCE.format(row='NEW.')})
        WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER registration_search_text_update
    AFTER UPDATE OF first_name, last_name, email, organisation ON "registration"
    BEGIN
        UPDATE "registration" SET search_text = treffpunkt_fold({_SOURCE.format(row='NEW.')})
        WHERE id = NEW.id;
    END""",
    'CREATE INDEX registration_event_search ON "registration" ("event", search_text)',
]

POSTGRES = [
    ADD_COLUMN,
    f"""CREATE FUNCTION registration_search_text() RETURNS trigger AS $$
    BEGIN
        NEW.search_text := lower({_SOURCE.format(row='NEW.')});
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER registration_search_text
    BEFORE INSERT OR UPDATE OF first_name, last_name, email, organisation ON "registration"
    FOR EACH ROW EXECUTE FUNCTION registration_search_text()""",
    f"UPDATE \"registration\" SET search_text = lower({_SOURCE.format(row='')})",
]


async def add_search_text():
    engine = engine_finder()
    assert engine is not None
    for statement in SQLITE if engine.engine_type == "sqlite" else POSTGRES:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_raw(add_search_text)
    return manager
