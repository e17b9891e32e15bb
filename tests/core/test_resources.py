"""The shipped files are found through the package and checked at start-up, by name."""

from __future__ import annotations

import dataclasses
import shutil
import tomllib
from pathlib import Path

import pytest
import setuptools

from app.resources import (
    EMAILS_PACKAGE,
    TEMPLATES_PACKAGE,
    ResourceError,
    Resources,
    check_resources,
    package_folder,
)
from app.web.templating import TEMPLATES_DIR

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_files_pass() -> None:
    check_resources()
    check_resources(Resources.installed())


def test_the_templates_are_found_through_the_package() -> None:
    # Editable install: the package's folders are the repository's own.
    assert package_folder(TEMPLATES_PACKAGE) == ROOT / "templates"
    assert package_folder(EMAILS_PACKAGE) == ROOT / "emails"
    assert TEMPLATES_DIR == ROOT / "templates"


def test_a_package_that_is_not_installed_is_named() -> None:
    with pytest.raises(ResourceError, match=r"app\._nothing is not installed"):
        package_folder("app._nothing")


@pytest.fixture
def copy(tmp_path: Path) -> Resources:
    """The installed files, copied: each test breaks one."""
    installed = Resources.installed()

    def copied(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(getattr(installed, name), target)
        return target

    resources = dataclasses.replace(
        installed,
        templates=copied("templates"),
        emails=copied("emails"),
        static=copied("static"),
        locale=copied("locale"),
        fonts=copied("fonts"),
        roboto=copied("roboto"),
    )
    check_resources(resources)
    return resources


def test_a_missing_template_folder_is_named(copy: Resources) -> None:
    shutil.rmtree(copy.templates)
    with pytest.raises(ResourceError, match=f"page template folder missing: {copy.templates}$"):
        check_resources(copy)


def test_a_missing_page_template_is_named(copy: Resources) -> None:
    (copy.templates / "index.html").unlink()
    with pytest.raises(ResourceError, match=f"file missing: {copy.templates / 'index.html'}$"):
        check_resources(copy)


def test_a_missing_mail_template_is_named(copy: Resources) -> None:
    (copy.emails / "reminder.txt").unlink()
    with pytest.raises(ResourceError, match=f"file missing: {copy.emails / 'reminder.txt'}$"):
        check_resources(copy)


def test_an_unreadable_template_is_named(copy: Resources) -> None:
    broken = copy.templates / "organiser" / "dashboard.html"
    broken.unlink()
    broken.mkdir()
    with pytest.raises(ResourceError, match=f"file unreadable: {broken} "):
        check_resources(copy)


def test_a_template_that_is_not_utf8_is_named(copy: Resources) -> None:
    broken = copy.templates / "privacy.html"
    broken.write_bytes(b"\xff\xfe<p>")
    with pytest.raises(ResourceError, match=f"file is not UTF-8: {broken} "):
        check_resources(copy)


def test_a_missing_catalog_is_named(copy: Resources) -> None:
    catalog = copy.locale / "uk" / "LC_MESSAGES" / "emails.po"
    catalog.unlink()
    with pytest.raises(ResourceError, match=f"file missing: {catalog}$"):
        check_resources(copy)


def test_a_broken_catalog_is_named(copy: Resources) -> None:
    catalog = copy.locale / "en" / "LC_MESSAGES" / "pages.po"
    catalog.write_text('msgid "Anmelden"\nmsgstr "Sign in"\nsign out\n', encoding="utf-8")
    with pytest.raises(ResourceError, match=f"catalog unreadable: {catalog} "):
        check_resources(copy)


def test_a_missing_font_is_named(copy: Resources) -> None:
    font = copy.roboto / "Roboto-Bold.ttf"
    font.unlink()
    with pytest.raises(ResourceError, match=f"file missing: {font}$"):
        check_resources(copy)


def test_a_file_that_is_no_font_is_named(copy: Resources) -> None:
    font = copy.fonts / "NotoSansArabic-Regular.ttf"
    font.write_bytes(b"<html>not a font</html>")
    with pytest.raises(ResourceError, match=f"not a TrueType or OpenType file: {font}$"):
        check_resources(copy)


def test_every_package_of_app_is_in_the_wheel() -> None:
    # pyproject.toml lists the packages (templates/ and emails/ are mapped in), so a new
    # subpackage of app/ must be added there by hand: this test notices when it is not.
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    listed = set(setup["packages"])
    found = set(setuptools.find_packages(str(ROOT), include=["app", "app.*"]))
    assert found - listed == set()
    assert listed - found == {TEMPLATES_PACKAGE, EMAILS_PACKAGE}
    assert setup["package-dir"] == {TEMPLATES_PACKAGE: "templates", EMAILS_PACKAGE: "emails"}
