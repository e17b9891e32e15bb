"""Where the throttles keep their counts: Redis when ``REDIS_URL`` is set, else memory.

The registration and sign-in throttles (stores ``rate_limit`` and ``login_rate_limit``), the
failed API token counter (``api_token_failures``) and the wrong two-factor codes per account
(``two_factor_failures``) ask the app's store registry by name. In memory
each process counts alone, so behind several workers a client gets several times the limit; with
Redis every process shares one count per client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.stores.registry import StoreRegistry
from redis.asyncio import Redis

#: The prefix of every key this service writes to Redis (a shared Redis may serve others too).
NAMESPACE = "treffpunkt"


def _memory_store(_: str) -> MemoryStore:
    return MemoryStore()


def store_registry(
    redis_url: str,
) -> tuple[StoreRegistry, Callable[[Any], AbstractAsyncContextManager[None]]]:
    """The app's store registry for ``stores=``, and a lifespan that closes what it opened.

    With a ``redis_url`` each store name gets its own key namespace (``treffpunkt_<name>``) on one
    Redis client per process (one connection pool, not one per store); stores are made on first
    use, so Litestar does not close them itself: the lifespan closes the client on shutdown.
    """
    if not redis_url:

        @asynccontextmanager
        async def nothing_to_close(_: Any) -> AsyncIterator[None]:
            yield

        return StoreRegistry(default_factory=_memory_store), nothing_to_close

    client = Redis.from_url(redis_url)

    def redis_store(name: str) -> RedisStore:
        return RedisStore(client, namespace=f"{NAMESPACE}_{name}", handle_client_shutdown=False)

    @asynccontextmanager
    async def close_redis(_: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose(close_connection_pool=True)

    return StoreRegistry(default_factory=redis_store), close_redis
