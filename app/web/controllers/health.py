"""The health endpoint for load balancers and orchestration."""

from __future__ import annotations

import logging

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from app import paths
from app.db.database import Database

logger = logging.getLogger("treffpunkt.web")


class Health(msgspec.Struct):
    """Whether the service can answer."""

    status: str


class HealthController(Controller):
    """``/healthz``."""

    @get(paths.HEALTH, name="health", cache_control=None)
    async def health(self, db: NamedDependency[Database]) -> Response[Health]:
        """``ok`` after a trivial query; 503 ``unavailable`` when the database fails."""
        try:
            await db.ping()
        except Exception:  # any failure of the database means "not ready"
            logger.warning("health check: database unavailable", exc_info=True)
            return Response(Health("unavailable"), status_code=HTTP_503_SERVICE_UNAVAILABLE)
        return Response(Health("ok"), status_code=HTTP_200_OK)
