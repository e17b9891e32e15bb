"""The Piccolo app holding Treffpunkt's tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from app.db.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="treffpunkt",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
    # The api_token table refers to the organisers' accounts (piccolo_user): that app first.
    migration_dependencies=["piccolo.apps.user.piccolo_app"],
    commands=[],
)
