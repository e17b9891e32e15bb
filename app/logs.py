"""Logging for ``serve``: uvicorn's format, with personal tokens cut out of logged paths."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

#: Paths that carry a personal token: the personal page (and what hangs below it), the join link.
#: The router also takes ``/r//token`` and ``/./r/token``, and uvicorn logs the path as sent.
_SECRET_PATH = re.compile(r"^([/.]*/[rj]/+)[^/?#]+")

#: Loggers kept at INFO even when DEBUG logging is switched on: aiosqlite's DEBUG records carry
#: every query with its parameters (personal tokens, password hashes, the Zoom data).
QUIET_LOGGERS = ("aiosqlite",)


#: The mailed key of the feed of all one's events, below a personal token (already cut out).
_MAILED_KEY = re.compile(r"^([/.]*/r/+…/+alle/+)[^/?#]+")


def redact_path(path: str) -> str:
    """``path`` with a personal token (and the key of the feed of all events) replaced by ``…``."""
    return _MAILED_KEY.sub(r"\1…", _SECRET_PATH.sub(r"\1…", path))


class RedactTokens(logging.Filter):
    """Rewrites uvicorn's access-log record so no token reaches a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the path argument (uvicorn passes client, method, path, version, status)."""
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            if isinstance(args[2], str):
                args[2] = redact_path(args[2])
                record.args = tuple(args)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`RedactTokens` on the access log."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": RedactTokens}
    config["handlers"]["access"]["filters"] = ["redact_tokens"]
    for name in QUIET_LOGGERS:
        config["loggers"][name] = {"level": "INFO"}
    return config
