"""The privacy notice: its texts from ``PRIVACY_NOTICE_DIR``, its version, and its history.

The notice is Markdown, one file per language (``de.md`` required, ``en.md`` and ``uk.md``
optional: German stands in for a missing one). ``{{ controller }}`` and ``{{ retention_days }}``
in the files are filled from ``PRIVACY_CONTROLLER`` and ``RETENTION_DAYS``. The version is
``PRIVACY_NOTICE_VERSION`` or, when that is empty, the start of the SHA-256 of the filled texts:
any change of what a reader is shown, in any language, is a new version without anyone having
to remember to count up.

Every version in force is recorded once in ``privacy_notice`` (on start-up, and at the latest
before the first registration consents to it), with its texts and since when it was in force;
the rows are never changed, so what someone agreed to can always be read again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.db.database import Database
from app.db.tables import PrivacyNotice as PrivacyNoticeTable
from app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from app.settings import Settings, SettingsError

logger = logging.getLogger("treffpunkt")

#: Characters of the SHA-256 (hex) that make a derived version: 48 bits, no collisions in
#: practice among the few versions a service ever has.
DERIVED_VERSION_LENGTH = 12
_PLACEHOLDER = re.compile(r"\{\{\s*(controller|retention_days)\s*\}\}")
_VERSION_SHAPE = re.compile(r"[A-Za-z0-9._-]{1,50}")


@dataclass(frozen=True, slots=True)
class PrivacyNotice:
    """One version of the notice: Markdown per language; ``first_published_at`` once recorded."""

    version: str
    texts: Mapping[str, str]
    first_published_at: dt.datetime | None = None

    def text(self, language: str) -> str:
        """The text in ``language``, German when the notice has none in it."""
        return self.texts.get(language) or self.texts[DEFAULT_LANGUAGE]


def derive_version(texts: Mapping[str, str]) -> str:
    """The version of ``texts``: the start of the SHA-256 over every language's text."""
    digest = hashlib.sha256()
    for language in sorted(texts):
        digest.update(f"{language}\0{texts[language]}\0".encode())
    return digest.hexdigest()[:DERIVED_VERSION_LENGTH]


def load_notice(settings: Settings) -> PrivacyNotice:
    """The notice ``settings`` configure; :class:`SettingsError` without a readable ``de.md``."""
    folder = Path(settings.privacy_notice_dir)
    values = {
        "controller": settings.privacy_controller.strip(),
        "retention_days": str(settings.retention_days),
    }
    texts: dict[str, str] = {}
    for language in LANGUAGES:
        path = folder / f"{language}.md"
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            if language == DEFAULT_LANGUAGE:
                raise SettingsError(f"PRIVACY_NOTICE_DIR: {path} is missing") from None
            continue
        except (OSError, UnicodeDecodeError) as error:
            raise SettingsError(f"PRIVACY_NOTICE_DIR: {path} is unreadable: {error}") from error
        text = _PLACEHOLDER.sub(lambda match: values[match.group(1)], raw).strip()
        if text:
            texts[language] = text + "\n"
    if DEFAULT_LANGUAGE not in texts:
        raise SettingsError(f"PRIVACY_NOTICE_DIR: {folder / 'de.md'} is empty")
    version = settings.privacy_notice_version.strip() or derive_version(texts)
    if not _VERSION_SHAPE.fullmatch(version):
        raise SettingsError("PRIVACY_NOTICE_VERSION: at most 50 letters, digits, '.', '-', '_'")
    return PrivacyNotice(version=version, texts=texts)


def _from_row(row: Mapping[str, Any]) -> PrivacyNotice:
    texts = row["texts"]
    if isinstance(texts, str):
        texts = json.loads(texts)
    published = row["first_published_at"]
    if published.tzinfo is None:
        published = published.replace(tzinfo=dt.UTC)
    return PrivacyNotice(
        version=row["version"],
        texts={str(k): str(v) for k, v in texts.items()},
        first_published_at=published.astimezone(dt.UTC),
    )


async def find(version: str) -> PrivacyNotice | None:
    """The recorded notice ``version``, or ``None``."""
    if not _VERSION_SHAPE.fullmatch(version):
        return None
    row = await PrivacyNoticeTable.select().where(PrivacyNoticeTable.version == version).first()
    return None if row is None else _from_row(row)


async def versions() -> list[PrivacyNotice]:
    """Every recorded version, the newest first (texts included)."""
    rows = await PrivacyNoticeTable.select().order_by(
        PrivacyNoticeTable.first_published_at, ascending=False
    )
    return [_from_row(row) for row in rows]


async def record(db: Database, notice: PrivacyNotice, now: dt.datetime) -> PrivacyNotice:
    """Record ``notice`` as in force since ``now`` unless its version is recorded already.

    Idempotent, and safe when several processes start at once: the unique version decides, and
    the losers' inserts do nothing. Returns the recorded notice: a version recorded earlier keeps
    its texts and date (a text changed under an unchanged ``PRIVACY_NOTICE_VERSION`` is logged
    and not taken: the recorded text is what people agreed to).
    """
    del db  # one statement, atomic on its own; the tables are bound to ``db`` already
    await PrivacyNoticeTable.insert(
        PrivacyNoticeTable(
            version=notice.version,
            texts=json.dumps(dict(notice.texts), ensure_ascii=False),
            first_published_at=now,
        )
    ).on_conflict(target=PrivacyNoticeTable.version, action="DO NOTHING")
    stored = await find(notice.version)
    assert stored is not None
    if dict(stored.texts) != dict(notice.texts):
        logger.warning(
            "privacy notice %s is recorded with other texts; the recorded ones stay in force "
            "(set a new PRIVACY_NOTICE_VERSION to publish the changed text)",
            notice.version,
        )
    return stored


class CurrentNotice:
    """The notice in force for one app: loaded from the settings, recorded once per process."""

    def __init__(self, notice: PrivacyNotice) -> None:
        self.notice = notice
        self._recorded: PrivacyNotice | None = None

    @property
    def version(self) -> str:
        """The version new registrations consent to."""
        return self.notice.version

    async def consent_version(self, db: Database, now: dt.datetime) -> str:
        """The version a registration made now consents to, recorded before it is used."""
        return (await self.recorded(db, now)).version

    async def recorded(self, db: Database, now: dt.datetime) -> PrivacyNotice:
        """The notice as recorded (with its date), recording it first if this process has not."""
        if self._recorded is None:
            self._recorded = await record(db, self.notice, now)
        return self._recorded
