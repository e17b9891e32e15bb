"""The rules for what organisers publish after an event: report, recording, slides, photos.

Errors are codes per field, as everywhere: ``report``, ``report_translations.<language>``,
``recording_url``, ``slides.<n>.url``, ``slides.<n>.label`` and the same for ``photos``. Links
must be https: the pages link to them from a trusted site, and a ``javascript:`` or plain
``http:`` link has no place there.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from app.domain.errors import InvalidInput
from app.domain.event_rules import INVALID_URL, MAX_LONG, MAX_SHORT, text_error
from app.domain.model import TRANSLATABLE_LANGUAGES, EventMaterials, MaterialLink
from app.domain.validation import INVALID_TEXT, REQUIRED, TOO_LONG

#: A link that is not https (http, javascript:, data:, ftp …).
NOT_HTTPS = "not_https"
#: More slides or photo links than a page should list.
TOO_MANY = "too_many"
#: A translation for a language the product does not speak.
UNKNOWN_LANGUAGE = "unknown_language"

MAX_URL = 2_000
MAX_LINKS = 20
MAX_REPORT = MAX_LONG


@dataclass(frozen=True, slots=True)
class MaterialsDraft:
    """The materials as the organisers sent them, before the rules."""

    report: str = ""
    report_translations: Mapping[str, str] = field(default_factory=dict)
    recording_url: str = ""
    slides: tuple[MaterialLink, ...] = ()
    photos: tuple[MaterialLink, ...] = ()


#: Lone surrogates: no database, page or feed can store or write them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_error(value: str, *, limit: int, multiline: bool = False) -> str | None:
    code = text_error(value, limit=limit, multiline=multiline)
    if code is None and _SURROGATE.search(value):
        return INVALID_TEXT
    return code


def url_error(url: str) -> str | None:
    """The error code of a link (already trimmed), ``None`` when it is a usable https link."""
    if len(url) > MAX_URL:
        return TOO_LONG
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in url):
        return INVALID_URL
    try:
        parts = urlsplit(url)
    except ValueError:
        return INVALID_URL
    if parts.scheme.lower() != "https":
        return NOT_HTTPS
    if not parts.hostname:
        return INVALID_URL
    return None


def _clean_text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _links(
    name: str, links: tuple[MaterialLink, ...], errors: dict[str, str]
) -> tuple[MaterialLink, ...]:
    kept = tuple(
        MaterialLink(url=link.url.strip(), label=" ".join(link.label.split()))
        for link in links
        if link.url.strip() or link.label.strip()
    )
    if len(kept) > MAX_LINKS:
        errors[name] = TOO_MANY
        return kept
    for index, link in enumerate(kept):
        label_code = _text_error(link.label, limit=MAX_SHORT)
        if label_code is not None:
            errors[f"{name}.{index}.label"] = label_code
        url_code = url_error(link.url) if link.url else REQUIRED
        if url_code is not None:
            errors[f"{name}.{index}.url"] = url_code
    return kept


def build_materials(draft: MaterialsDraft, now: dt.datetime) -> EventMaterials:
    """Checked materials from ``draft``; :class:`InvalidInput` names every field that breaks."""
    errors: dict[str, str] = {}
    report = _clean_text(draft.report)
    code = _text_error(report, limit=MAX_REPORT, multiline=True)
    if code is not None:
        errors["report"] = code
    known = {language.value for language in TRANSLATABLE_LANGUAGES}
    translations: dict[str, str] = {}
    for language, text in draft.report_translations.items():
        name = f"report_translations.{language}"
        if language not in known:
            errors[name[:80]] = UNKNOWN_LANGUAGE
            continue
        cleaned = _clean_text(text)
        code = _text_error(cleaned, limit=MAX_REPORT, multiline=True)
        if code is not None:
            errors[name] = code
        elif cleaned:
            translations[language] = cleaned
    recording = draft.recording_url.strip()
    if recording:
        code = url_error(recording)
        if code is not None:
            errors["recording_url"] = code
    slides = _links("slides", draft.slides, errors)
    photos = _links("photos", draft.photos, errors)
    if errors:
        raise InvalidInput(errors)
    return EventMaterials(
        report=report,
        report_translations=translations,
        recording_url=recording,
        slides=slides,
        photos=photos,
        updated_at=now,
    )
