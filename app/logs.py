"""Logging for the command line: one format for the app, uvicorn and Piccolo; no tokens in paths."""

from __future__ import annotations

import logging
import logging.config
import re
from typing import Any

#: Every line on the console: time, level, logger, message.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

#: Paths that carry a personal token: the personal page (and what hangs below it), the join link.
#: The router also takes ``/r//token`` and ``/./r/token``, and uvicorn logs the path as sent.
_SECRET_PATH = re.compile(r"^([/.]*/[rj]/+)[^/?#]+")

#: Loggers kept at INFO even when DEBUG logging is switched on: aiosqlite's DEBUG records carry
#: every query with its parameters (personal tokens, password hashes, the Zoom data).
QUIET_LOGGERS = ("aiosqlite",)


#: The mailed key of the feed of all one's events, below a personal token (already cut out).
_MAILED_KEY = re.compile(r"^([/.]*/r/+…/+(?:all|alle)/+)[^/?#]+")


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


class DropPiccoloVersion(logging.Filter):
    """Drops Piccolo's "Running Sqlite version 3.4": a float that cuts 3.40.1 to 3.4.

    ``serve`` logs the real SQLite version once instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """False for Piccolo's version line, True for everything else."""
        return not (isinstance(record.msg, str) and record.msg.startswith("Running "))


def uvicorn_log_config() -> dict[str, Any]:
    """The logging configuration of every command, uvicorn's loggers included.

    The root logger writes :data:`LOG_FORMAT` to stderr; uvicorn's and Litestar's loggers pass
    their records on to it, the access log through :class:`RedactTokens`.
    """
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact_tokens": {"()": RedactTokens},
            "drop_piccolo_version": {"()": DropPiccoloVersion},
        },
        "formatters": {
            "default": {"()": "logging.Formatter", "fmt": LOG_FORMAT, "datefmt": LOG_DATE_FORMAT},
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": LOG_FORMAT,
                "datefmt": LOG_DATE_FORMAT,
                "use_colors": False,
            },
        },
        "handlers": {
            "default": {**handler, "formatter": "default"},
            "access": {**handler, "formatter": "access", "filters": ["redact_tokens"]},
        },
        "root": {"handlers": ["default"], "level": "INFO"},
        "loggers": {
            # uvicorn's own configuration would give these handlers of their own (another format).
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "piccolo.engine.base": {"filters": ["drop_piccolo_version"]},
        },
    }
    for name in QUIET_LOGGERS:
        config["loggers"][name] = {"level": "INFO"}
    # httpx logs every request's URL at INFO: the Zoom calls' URLs name the meeting.
    config["loggers"]["httpx"] = {"level": "WARNING"}
    return config


def configure_logging() -> None:
    """Use :func:`uvicorn_log_config` for this process; warnings become log lines, too."""
    logging.config.dictConfig(uvicorn_log_config())
    # Piccolo warns (about pools, versions) through the warnings module: same format.
    logging.captureWarnings(True)
