"""Keep the catalogs in step with the code: ``python -m app.i18n_tools update|check [area …]``.

``update`` extracts every marked text (``_()``, ``gettext``, ``ngettext``, ``N_`` in Python;
``{{ _() }}`` and ``{% trans %}`` in templates and emails) into the catalogs of its area, adds
new texts, drops texts no longer used, and fills German with the source text itself. ``check``
lists what is missing or untranslated and exits 1 if anything is (the tests call it too).
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from app.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALE_DIR, LOCALES

ROOT = Path(__file__).resolve().parents[1]
#: ``pgettext(context, text)`` tells apart one German text meaning two things (``Abmelden``).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "pgettext": ((1, "c"), 2),
}
_JINJA = "jinja2.ext:babel_extract"
_JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


@dataclass(frozen=True, slots=True)
class Area:
    """One catalog (``<name>.po``): the folders and file patterns its texts come from."""

    name: str
    #: (folder relative to the repository, method map for babel's extract_from_dir)
    sources: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


#: Each text belongs to the catalog of the file it is written in; the first pattern that
#: matches a file decides (``ignore`` leaves it to another area).
AREAS = (
    Area(
        "pages",
        (
            ("templates", (("organiser/**.html", "ignore"), ("**.html", _JINJA))),
            (
                "app",
                (
                    # ``*`` stands for one character or more: organiser.py needs its own line.
                    ("web/controllers/organiser.py", "ignore"),
                    ("web/controllers/organiser*.py", "ignore"),
                    ("web/organiser_*.py", "ignore"),
                    ("web/**.py", "python"),
                    ("domain/**.py", "python"),
                    ("formatting.py", "python"),
                ),
            ),
        ),
    ),
    Area(
        "organiser",
        (
            ("templates/organiser", (("**.html", _JINJA),)),
            ("app/web/controllers", (("organiser.py", "python"), ("organiser*.py", "python"))),
            ("app/web", (("organiser_*.py", "python"),)),
            ("app/services", (("organiser_mail.py", "python"),)),
            ("app/exports", (("**.py", "python"),)),
        ),
    ),
    Area(
        "emails",
        (
            ("emails", (("**.txt", _JINJA), ("**.html", _JINJA))),
            ("app", (("mail/**.py", "python"), ("calendar/**.py", "python"))),
        ),
    ),
)


def extract(area: Area) -> Catalog:
    """Every text marked in ``area``'s sources, as a catalog template."""
    template = Catalog(locale=None, project="Treffpunkt", fuzzy=False)
    for folder, method_map in area.sources:
        path = ROOT / folder
        if not path.is_dir():
            continue
        options = {pattern: _JINJA_OPTIONS for pattern, method in method_map if method == _JINJA}
        for filename, lineno, message, comments, context in extract_from_dir(
            path, method_map=method_map, options_map=options, keywords=KEYWORDS
        ):
            template.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def _po_path(language: str, area: Area) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{area.name}.po"


def _read(path: Path, language: str) -> Catalog:
    if not path.is_file():
        return Catalog(locale=LOCALES[language], project="Treffpunkt", fuzzy=False)
    with path.open("rb") as source:
        return read_po(source, locale=LOCALES[language])


def update(areas: Iterable[Area] = AREAS) -> None:
    """Bring every catalog in step with the sources."""
    for area in areas:
        template = extract(area)
        for language in LANGUAGES:
            path = _po_path(language, area)
            catalog = _read(path, language)
            created = catalog.creation_date
            # Catalog.update adds the template's own Message objects for new texts: each
            # language gets copies, or filling in German below would fill en and uk too.
            catalog.update(
                copy.deepcopy(template), no_fuzzy_matching=True, update_header_comment=False
            )
            if path.is_file():
                catalog.creation_date = created  # no churn in the header on every update
            catalog.obsolete.clear()
            if language == DEFAULT_LANGUAGE:
                for message in catalog:
                    # A plural's string is a tuple of empty strings until filled: German's two
                    # forms are the msgid's singular and plural.
                    strings = message.string if isinstance(message.string, tuple) else ()
                    if message.id and (not message.string or (strings and not all(strings))):
                        message.string = message.id
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as target:
                write_po(target, catalog, width=100, sort_output=True, include_lineno=False)


def problems(areas: Iterable[Area] = AREAS) -> list[str]:
    """What keeps the catalogs from covering the sources, one line per missing translation."""
    found: list[str] = []
    for area in areas:
        template = extract(area)
        for language in LANGUAGES:
            path = _po_path(language, area)
            catalog = _read(path, language)
            for message in template:
                if not message.id:
                    continue
                entry = catalog.get(message.id, message.context)
                strings = (
                    entry.string
                    if entry and isinstance(entry.string, tuple)
                    else ((entry.string,) if entry else ())
                )
                if entry is None:
                    found.append(f"{language}/{area.name}.po lacks {message.id!r}")
                elif entry.fuzzy or not strings or not all(strings):
                    found.append(f"{language}/{area.name}.po has no translation of {message.id!r}")
    return found


def main(argv: Sequence[str]) -> int:
    """``update`` or ``check``."""
    command = argv[0] if argv else "check"
    # Optional area names after the command: only those catalogs.
    chosen = [area for area in AREAS if area.name in argv[1:]] or list(AREAS)
    if command == "update":
        update(chosen)
        return 0
    if command == "check":
        listed = problems(chosen)
        for line in listed:
            print(line)
        return 1 if listed else 0
    print(
        "usage: python -m app.i18n_tools update|check [pages|organiser|emails ...]", file=sys.stderr
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
