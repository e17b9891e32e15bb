"""Piccolo's configuration, for the ``piccolo`` command line; the app binds its own engine.

``DATABASE_URL`` chooses the database as for the service (default: the SQLite file under var/).
"""

import os

from piccolo.conf.apps import AppRegistry

from app.db.engine import engine_from_url
from app.settings import DEFAULT_DATABASE_URL

DB = engine_from_url(os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL, kept=False)

# Piccolo's user app holds the organisers' accounts (``piccolo_user``) and its migrations.
APP_REGISTRY = AppRegistry(apps=["app.db.piccolo_app", "piccolo.apps.user.piccolo_app"])
