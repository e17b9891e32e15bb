"""The wheel, installed as a user installs it, serves and mails from any directory.

One wheel is built from a copy of the checkout and installed with its dependencies into a fresh
venv (once per test session); every server here runs from a temporary directory with no
``PYTHONPATH``, so nothing of the checkout can stand in for what the wheel lacks.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
#: What the wheel is built from; everything else in the checkout stays out of the build.
SOURCES = ("app", "templates", "emails", "piccolo_conf.py", "pyproject.toml", "README.md")
#: The online sample: its form asks for nothing beyond the basic fields.
SAMPLE_SLUG = "beispiel-kommunale-partnerschaften-mit-der-ukraine-aber-wie-genau"

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Installed:
    """A venv with the wheel installed, and a working directory outside the checkout."""

    python: Path
    site_packages: Path
    workdir: Path

    def env(self, **settings: str) -> dict[str, str]:
        """The process environment, without anything that could import the checkout."""
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "BASE_URL", "SECRET_KEY"}
            and not name.startswith(("DATABASE_", "MAIL_", "SMTP_", "TEST_"))
        }
        return {**env, **settings}


def _run(command: list[str], cwd: Path, timeout: float = 600) -> str:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel of this checkout, installed into a fresh venv."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    # A copy: building in the checkout would leave build/ behind, whose stale files a later
    # build would package.
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), "."], source)
    [wheel] = dist.glob("treffpunkt-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], base)
    python = venv / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)], base
    )
    site_packages = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], base
        ).strip()
    )
    workdir = base / "elsewhere"
    workdir.mkdir()
    return Installed(python=python, site_packages=site_packages, workdir=workdir)


@pytest.fixture
def server(installed: Installed, tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    """``python -m app serve --port P`` of the installed wheel: (base URL, mail folder, log)."""
    port = free_port()
    mail_dir = tmp_path / "mail"
    log_file = tmp_path / "serve.log"
    env = installed.env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'treffpunkt.sqlite3'}",
        MAIL_DIR=str(mail_dir),
        DEBUG="1",
        MAIL_POLL_SECONDS="0.1",
    )
    log: list[str] = []
    with log_file.open("w") as output:
        process = subprocess.Popen(
            [str(installed.python), "-m", "app", "serve", "--port", str(port)],
            cwd=installed.workdir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log_file.read_text()
            assert time.monotonic() < deadline, "serve did not answer within 90 s"
            time.sleep(0.2)
        yield base, mail_dir, log
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.extend(log_file.read_text().splitlines())


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    found = _run(
        [
            str(installed.python),
            "-c",
            "import app, piccolo_conf\n"
            "from piccolo.conf.apps import Finder\n"
            "print(app.__file__)\n"
            "print(piccolo_conf.__file__)\n"
            "print(Finder().get_app_config('treffpunkt').migrations_folder_path)\n"
            # The sample events are package data, read from the wheel.
            "import datetime as dt\n"
            "from importlib import resources\n"
            "from app.services import samples\n"
            "print(resources.files(samples.SAMPLES_PACKAGE) / samples.SAMPLES_FILE)\n"
            "now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)\n"
            "print(' | '.join(event.title for event in samples.sample_events(now)))\n",
        ],
        installed.workdir,
        timeout=120,
    ).splitlines()
    *paths, titles = found
    assert [Path(line).is_relative_to(installed.site_packages) for line in paths] == [True] * 4
    assert Path(paths[3]).name == "events.toml"
    assert titles.split(" | ") == [
        "Kommunale Partnerschaften mit der Ukraine – aber wie genau?",
        "Auftaktveranstaltung Reallabor Kommunaler Aufbaupartnerschaften NRW – Ukraine",
        "Landkreise als internationale Akteure vor dem Hintergrund der Ukraine-Hilfe",
    ]
    migrations = sorted(Path(found[2]).glob("treffpunkt_*.py"))
    assert [path.name for path in migrations] == sorted(
        path.name for path in (ROOT / "app" / "db" / "piccolo_migrations").glob("treffpunkt_*.py")
    )
    shipped = installed.site_packages / "app"
    for relative in (
        "_templates/index.html",
        "_templates/organiser/dashboard.html",
        "_emails/confirmation.txt",
        "static/site.css",
        "locale/uk/LC_MESSAGES/pages.po",
        "exports/fonts/NotoSansArabic-Regular.ttf",
        "privacy/de.md",
        "samples/events.toml",
        "samples/translations.toml",
    ):
        assert (shipped / relative).is_file(), relative


def test_the_wheel_serves_pages_and_sends_the_mail_from_another_directory(
    server: tuple[str, Path, list[str]],
) -> None:
    base, mail_dir, log = server
    with httpx.Client(base_url=base, timeout=10) as client:
        home = client.get("/")
        assert home.status_code == 200, home.text
        assert SAMPLE_SLUG in home.text
        assert client.get("/privacy").status_code == 200
        assert client.get("/static/site.css").status_code == 200
        page = client.get(f"/events/{SAMPLE_SLUG}")
        assert page.status_code == 200, page.text
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token, "no CSRF field on the event page"
        answer = client.post(
            f"/events/{SAMPLE_SLUG}/register",
            data={
                "first_name": "Olena",
                "last_name": "Koval",
                "email": "olena@stadt.example",
                "organisation": "Stadt Dortmund",
                "consent": "on",
                "_csrf_token": token.group(1),
            },
            follow_redirects=True,
        )
        assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 30
    while not list(mail_dir.glob("*.eml")):
        assert time.monotonic() < deadline, "no mail file within 30 s"
        time.sleep(0.1)
    [mail_file] = mail_dir.glob("*.eml")
    mail = email.message_from_bytes(mail_file.read_bytes(), policy=email.policy.default)
    assert [address.addr_spec for address in mail["To"].addresses] == ["olena@stadt.example"]
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    # BASE_URL is not set: the mail's links carry the port the server listens on.
    assert f"{base}/" in text.get_content()
    assert "Traceback" not in "\n".join(log)


@pytest.mark.parametrize(
    ("broken", "damage"),
    [
        ("app/_templates/index.html", "remove"),
        ("app/_emails/confirmation.html", "remove"),
        ("app/locale/uk/LC_MESSAGES/pages.po", "garble"),
        ("app/exports/fonts/NotoSansHebrew-Bold.ttf", "garble"),
    ],
)
def test_a_broken_installation_stops_serve_naming_the_file(
    installed: Installed, tmp_path: Path, broken: str, damage: str
) -> None:
    path = installed.site_packages / broken
    kept = tmp_path / "kept"
    shutil.copy2(path, kept)
    try:
        if damage == "remove":
            path.unlink()
        else:
            path.write_bytes(b'msgid "unfinished\n\x00\xff')
        result = subprocess.run(
            [str(installed.python), "-m", "app", "serve", "--port", str(free_port())],
            cwd=installed.workdir,
            env=installed.env(
                DATABASE_URL=f"sqlite:///{tmp_path / 'treffpunkt.sqlite3'}",
                MAIL_DIR=str(tmp_path / "mail"),
                DEBUG="1",
            ),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        shutil.copy2(kept, path)
    assert result.returncode == 1, result.stderr
    assert "start-up error: " in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr
    # Stopped before the database was touched.
    assert not (tmp_path / "treffpunkt.sqlite3").exists()
