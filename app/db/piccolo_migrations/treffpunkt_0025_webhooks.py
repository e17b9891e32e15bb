"""Webhooks: endpoints, the changes triggers record for them, and the deliveries (issue 18).

Triggers on ``registration`` (insert, status update) and ``event`` (status or revision update,
an insert as published)
record a row in ``webhook_change`` in the writing transaction itself — only while an active
endpoint exists, so without webhooks a registration costs nothing extra, and the hand-written
registration SQL stays as it is. The dispatcher turns changes into ``webhook_delivery`` rows.
Event and registration are plain ids in ``webhook_change``: a change outlives a deletion.
The change's time is the written row's ``updated_at`` (the app's clock), never the database's.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

# After treffpunkt_0020 and the numbers given to parallel work ("...:000025").
ID = "2026-12-03T14:00:00:000025"
VERSION = "1.38.0"
DESCRIPTION = "Webhook endpoints, changes recorded by triggers, deliveries"


def _tables(pk: str, timestamp: str, boolean: str, false: str) -> list[str]:
    return [
        f"""CREATE TABLE "webhook_endpoint" (
            "id" {pk},
            "url" VARCHAR(2000) NOT NULL,
            "description" VARCHAR(300) NOT NULL DEFAULT '',
            "event_types" VARCHAR(300) NOT NULL DEFAULT '',
            "personal_data" {boolean} NOT NULL DEFAULT {false},
            "secret" VARCHAR(100) NOT NULL,
            "active" {boolean} NOT NULL DEFAULT {false},
            "created_at" {timestamp} NOT NULL,
            "created_by" INTEGER NULL
        )""",
        f"""CREATE TABLE "webhook_change" (
            "id" {pk},
            "kind" VARCHAR(20) NOT NULL,
            "event" INTEGER NOT NULL,
            "registration" INTEGER NULL,
            "old_status" VARCHAR(20) NULL,
            "new_status" VARCHAR(20) NOT NULL,
            "revision_changed" {boolean} NOT NULL DEFAULT {false},
            "at" {timestamp} NOT NULL
        )""",
        f"""CREATE TABLE "webhook_delivery" (
            "id" {pk},
            "endpoint" INTEGER NOT NULL REFERENCES "webhook_endpoint" ("id") ON DELETE CASCADE,
            "change" INTEGER NOT NULL,
            "event_type" VARCHAR(40) NOT NULL,
            "event" INTEGER NOT NULL,
            "payload" TEXT NOT NULL,
            "status" VARCHAR(20) NOT NULL DEFAULT 'queued',
            "attempts" INTEGER NOT NULL DEFAULT 0,
            "send_after" {timestamp} NOT NULL,
            "lease_until" {timestamp} NULL,
            "last_error" TEXT NOT NULL DEFAULT '',
            "response_code" INTEGER NULL,
            "created_at" {timestamp} NOT NULL,
            "delivered_at" {timestamp} NULL,
            UNIQUE ("endpoint", "change", "event_type")
        )""",
        'CREATE INDEX webhook_delivery_due ON "webhook_delivery" ("status", "send_after")',
        'CREATE INDEX webhook_delivery_endpoint ON "webhook_delivery" ("endpoint", "id")',
    ]


_ANY_ENDPOINT = 'EXISTS (SELECT 1 FROM "webhook_endpoint" WHERE "active")'
_INSERT_REGISTRATION = (
    'INSERT INTO "webhook_change" ("kind", "event", "registration", "old_status", '
    '"new_status", "at") VALUES (\'registration\', NEW.event, NEW.id, {old}, NEW.status, '
    "NEW.updated_at);"
)
_INSERT_NEW_EVENT = (
    'INSERT INTO "webhook_change" ("kind", "event", "new_status", "at") '
    "VALUES ('event', NEW.id, NEW.status, NEW.updated_at);"
)
_INSERT_EVENT = (
    'INSERT INTO "webhook_change" ("kind", "event", "old_status", "new_status", '
    '"revision_changed", "at") VALUES (\'event\', NEW.id, OLD.status, NEW.status, '
    "OLD.revision {differs} NEW.revision, NEW.updated_at);"
)

SQLITE = [
    *_tables("INTEGER PRIMARY KEY AUTOINCREMENT", "TIMESTAMPTZ", "BOOLEAN", "0"),
    "CREATE TRIGGER webhook_registration_insert AFTER INSERT ON registration "
    f"WHEN {_ANY_ENDPOINT} BEGIN {_INSERT_REGISTRATION.format(old='NULL')} END",
    "CREATE TRIGGER webhook_registration_status AFTER UPDATE OF status ON registration "
    f"WHEN OLD.status IS NOT NEW.status AND {_ANY_ENDPOINT} "
    f"BEGIN {_INSERT_REGISTRATION.format(old='OLD.status')} END",
    "CREATE TRIGGER webhook_event_change AFTER UPDATE OF status, revision ON event "
    "WHEN (OLD.status IS NOT NEW.status OR OLD.revision IS NOT NEW.revision) "
    f"AND {_ANY_ENDPOINT} BEGIN {_INSERT_EVENT.format(differs='IS NOT')} END",
    # An event made published at once (the organisers' API, a duplicate) is published too.
    "CREATE TRIGGER webhook_event_insert AFTER INSERT ON event "
    f"WHEN NEW.status = 'published' AND {_ANY_ENDPOINT} BEGIN {_INSERT_NEW_EVENT} END",
]

POSTGRES = [
    *_tables("SERIAL PRIMARY KEY", "TIMESTAMP WITH TIME ZONE", "BOOLEAN", "false"),
    f"""CREATE OR REPLACE FUNCTION webhook_registration_change() RETURNS trigger AS $$
BEGIN
    IF {_ANY_ENDPOINT} THEN
        IF TG_OP = 'INSERT' THEN
            {_INSERT_REGISTRATION.format(old="NULL")}
        ELSE
            {_INSERT_REGISTRATION.format(old="OLD.status")}
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION webhook_event_change() RETURNS trigger AS $$
BEGIN
    IF {_ANY_ENDPOINT} THEN
        IF TG_OP = 'INSERT' THEN
            {_INSERT_NEW_EVENT}
        ELSE
            {_INSERT_EVENT.format(differs="IS DISTINCT FROM")}
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    "CREATE TRIGGER webhook_registration_insert AFTER INSERT ON registration FOR EACH ROW "
    "EXECUTE FUNCTION webhook_registration_change()",
    "CREATE TRIGGER webhook_registration_status AFTER UPDATE OF status ON registration "
    "FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) "
    "EXECUTE FUNCTION webhook_registration_change()",
    "CREATE TRIGGER webhook_event_change AFTER UPDATE OF status, revision ON event "
    "FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status "
    "OR OLD.revision IS DISTINCT FROM NEW.revision) EXECUTE FUNCTION webhook_event_change()",
    "CREATE TRIGGER webhook_event_insert AFTER INSERT ON event FOR EACH ROW "
    "WHEN (NEW.status = 'published') EXECUTE FUNCTION webhook_event_change()",
]


async def add_webhooks():
    engine = engine_finder()
    assert engine is not None
    for statement in SQLITE if engine.engine_type == "sqlite" else POSTGRES:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_raw(add_webhooks)
    return manager
