"""The files the service ships inside its package, found through the import system.

Page templates, mail templates, static files, catalogs, fonts and the privacy notice are
package data, so a wheel installed anywhere serves and mails from any working directory. The
repository keeps ``templates/`` and ``emails/`` at its top level; pyproject.toml maps them into
the package as ``app._templates`` and ``app._emails`` (each carries an ``__init__.py`` only so
that an editable install can map them, too).

:func:`check_resources` reads every one of them once at start-up, so a missing or unreadable
file stops the service with its name instead of answering 500 on the first request.
"""

from __future__ import annotations

import functools
import importlib.util
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

#: The packages the repository's ``templates/`` and ``emails/`` become (see pyproject.toml).
TEMPLATES_PACKAGE = "app._templates"
EMAILS_PACKAGE = "app._emails"
#: The fonts of the signature list: Roboto from the font-roboto package, Noto for Arabic and
#: Hebrew names from ``app/exports/fonts``.
ROBOTO_FILES = ("Roboto-Regular.ttf", "Roboto-Bold.ttf")
NOTO_FILES = (
    "NotoSansArabic-Regular.ttf",
    "NotoSansArabic-Bold.ttf",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansHebrew-Bold.ttf",
)
#: Where the catalogs of each language live below the locale folder, one ``.po`` per area.
CATALOG_AREAS = ("pages", "organiser", "emails")
#: The two start bytes of a TrueType font, and OpenType's ``OTTO``.
_FONT_SIGNATURES = (b"\x00\x01\x00\x00", b"OTTO", b"true")


class ResourceError(RuntimeError):
    """A file the service ships with is missing or unreadable: it cannot start."""


def package_folder(package: str) -> Path:
    """The folder of the installed ``package``.

    The data packages are located, not imported: importing would compile their ``__init__.py``
    into a ``__pycache__`` folder among the templates.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ResourceError(
            f"{package} is not installed: reinstall the package (pip install -e . or the wheel)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def app_folder(name: str) -> Path:
    """A folder shipped inside the ``app`` package (``static``, ``locale``, ``privacy`` …)."""
    # pip unpacks wheels, so the package is a real folder (Jinja and the static router need one).
    return Path(str(resources.files("app") / name))


def roboto_folder() -> Path:
    """The folder of the Roboto fonts of the font-roboto package."""
    return Path(str(resources.files("font_roboto") / "files"))


@dataclass(frozen=True, slots=True)
class Resources:
    """Where the shipped files are; :meth:`installed` for the ones of this installation."""

    templates: Path
    emails: Path
    static: Path
    locale: Path
    fonts: Path
    roboto: Path
    languages: tuple[str, ...]
    mail_kinds: tuple[str, ...]

    @classmethod
    def installed(cls) -> Resources:
        """The files of the installed package."""
        from app.domain.mail import MailKind
        from app.i18n import LANGUAGES

        return cls(
            templates=package_folder(TEMPLATES_PACKAGE),
            emails=package_folder(EMAILS_PACKAGE),
            static=app_folder("static"),
            locale=app_folder("locale"),
            fonts=app_folder("exports") / "fonts",
            roboto=roboto_folder(),
            languages=LANGUAGES,
            mail_kinds=tuple(kind.value for kind in MailKind),
        )

    def required_files(self) -> list[Path]:
        """Every file the service needs, in the order they are checked."""
        files = [self.templates / "base.html", self.templates / "index.html"]
        files += [
            self.emails / f"{kind}.{suffix}"
            for kind in self.mail_kinds
            for suffix in ("txt", "html")
        ]
        files += [self.static / "site.css", self.static / "site.js"]
        files += [
            self.locale / language / "LC_MESSAGES" / f"{area}.po"
            for language in self.languages
            for area in CATALOG_AREAS
        ]
        files += [self.roboto / name for name in ROBOTO_FILES]
        files += [self.fonts / name for name in NOTO_FILES]
        return files


def check_resources(shipped: Resources | None = None) -> None:
    """Read every shipped file once; raise :class:`ResourceError` naming the first bad one.

    Besides the required files, every page and mail template must be readable, every catalog
    must parse and every font must look like one. The installed files are checked once per
    process (a passing check is remembered).
    """
    if shipped is None:
        _check_installed()
    else:
        _check(shipped)


@functools.cache
def _check_installed() -> None:
    # A failure raises, so only a passing check is remembered.
    _check(Resources.installed())


def _check(shipped: Resources) -> None:
    for folder, what in (
        (shipped.templates, "page template folder"),
        (shipped.emails, "mail template folder"),
        (shipped.static, "static folder"),
        (shipped.locale, "catalog folder"),
        (shipped.fonts, "font folder"),
        (shipped.roboto, "Roboto font folder"),
    ):
        if not folder.is_dir():
            raise ResourceError(f"{what} missing: {folder}")
    for path in shipped.required_files():
        _read(path)
    for path in sorted((*shipped.templates.rglob("*.html"), *shipped.emails.glob("*.*"))):
        if path.suffix in {".html", ".txt"}:
            _read_text(path)
    for path in sorted(shipped.locale.glob("*/LC_MESSAGES/*.po")):
        _parse_catalog(path)
    for path in (*(shipped.roboto / name for name in ROBOTO_FILES), *shipped.fonts.glob("*.ttf")):
        if not _read(path).startswith(_FONT_SIGNATURES):
            raise ResourceError(f"font is not a TrueType or OpenType file: {path}")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ResourceError(f"file missing: {path}") from None
    except OSError as error:
        raise ResourceError(f"file unreadable: {path} ({error.strerror})") from None


def _read_text(path: Path) -> str:
    try:
        return _read(path).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ResourceError(f"file is not UTF-8: {path} ({error.reason})") from None


def _parse_catalog(path: Path) -> None:
    from babel.messages.pofile import PoFileError, read_po

    try:
        read_po(io.BytesIO(_read(path)), abort_invalid=True)
    except (PoFileError, ValueError, UnicodeDecodeError) as error:
        raise ResourceError(f"catalog unreadable: {path} ({error})") from None
