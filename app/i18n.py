"""Translations: gettext catalogs for de, en and uk, and the language in use for a request or mail.

The source texts (``msgid``) are German: the templates and the code read as German, and German
is what every reader gets when a translation or a language is missing. The catalogs are the
``.po`` files in ``app/locale/<language>/LC_MESSAGES/`` (one per area: ``pages``, ``emails``,
``organiser`` …); they are compiled in memory on first use, so no ``.mo`` file is ever committed
or stale. ``python -m app.i18n_tools update`` extracts the texts and updates the catalogs.

The language in use is a context variable: the web layer sets it per request, the mail renderer
per mail (the registrant's stored language), so the same templates serve all three languages.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment

from app.resources import app_folder

#: The languages the product speaks, German first.
LANGUAGES = ("de", "en", "uk")
DEFAULT_LANGUAGE = "de"
#: The names in the language switcher, each in its own language.
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English", "uk": "Українська"}
#: Babel locales for dates and numbers.
LOCALES = {"de": "de_DE", "en": "en_GB", "uk": "uk_UA"}

LOCALE_DIR = app_folder("locale")

_current: ContextVar[str] = ContextVar("treffpunkt_language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:  # noqa: N802 - the conventional name of the marker
    """Mark ``message`` for extraction without translating it yet (translated where shown)."""
    return message


def supported(language: str | None) -> str:
    """``language`` if the product speaks it, else German (never an error)."""
    if language:
        short = language.strip().lower().replace("_", "-").split("-", 1)[0]
        if short in LANGUAGES:
            return short
    return DEFAULT_LANGUAGE


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an ``Accept-Language`` header; German when none fits."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        short = tag.strip().lower().split("-", 1)[0]
        if short in LANGUAGES and 0 < quality <= 1:
            ranked.append((-quality, position, short))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    """The merged catalogs of ``language``, compiled from the ``.po`` files on first use."""
    merged = Translations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    for po_file in sorted(folder.glob("*.po")) if folder.is_dir() else ():
        with po_file.open("rb") as source:
            catalog = read_po(source, locale=LOCALES[language])
        compiled = io.BytesIO()
        # Fuzzy entries are guesses by the update tool, not translations: left out.
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        loaded = Translations(fp=compiled)
        # merge() keeps the first catalog's plural rule, and the empty start has English's
        # (n != 1): Ukrainian's three forms would all collapse into two.
        merged.plural = loaded.plural
        merged.merge(loaded)
    return merged


def current_language() -> str:
    """The language of the request or mail being made."""
    return _current.get()


def current_locale() -> str:
    """The Babel locale of :func:`current_language`."""
    return LOCALES[_current.get()]


def set_language(language: str) -> None:
    """Use ``language`` (checked) from here on in this context (a request's task)."""
    _current.set(supported(language))


@contextlib.contextmanager
def use_language(language: str) -> Iterator[None]:
    """Use ``language`` inside the block, then the previous one again."""
    token = _current.set(supported(language))
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """``message`` in the current language (the German ``message`` when it has no translation)."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural of a message in the current language, by ``count``."""
    return translations(_current.get()).ngettext(singular, plural, count)


_ = gettext


def install(environment: Environment) -> None:
    """Give a Jinja environment ``_()``, ``{% trans %}`` and the current language."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=gettext, ngettext=ngettext, newstyle=True
    )
    environment.globals["current_language"] = current_language
    environment.globals["current_locale"] = current_locale
    environment.globals["language_names"] = LANGUAGE_NAMES
