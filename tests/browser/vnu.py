"""The W3C Nu Html Checker (``vnu.jar``, npm package ``vnu-jar``), run with the machine's Java.

:func:`validate` checks many documents in one JVM run (a JVM per file would take seconds each)
and returns the errors. ``vnu.jar`` is looked for in ``VNU_JAR``, then in npm's global folder
(``npm install -g vnu-jar``, as ``.ci/run`` does), then in ``node_modules`` of the repository.
Without Java or the jar the tests are skipped locally and fail under ``CI``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
#: Where the npm package keeps the jar.
JAR_IN_PACKAGE = Path("vnu-jar/build/dist/vnu.jar")
#: One run checks all files; a guard against a hung JVM, not a measurement.
RUN_LIMIT_SECONDS = 600


def _unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason} (CI needs the validator: failing, not skipping)")
    pytest.skip(reason)


def _npm_root() -> Path | None:
    npm = shutil.which("npm")
    if npm is None:
        return None
    result = subprocess.run(
        [npm, "root", "-g"], capture_output=True, text=True, timeout=60, check=False
    )
    return Path(result.stdout.strip()) if result.returncode == 0 and result.stdout.strip() else None


def find_vnu() -> tuple[str, Path]:
    """Java and ``vnu.jar``, or a skip (locally) or failure (CI) saying what is missing."""
    java = shutil.which("java")
    if java is None:
        _unavailable("no java for the Nu Html Checker (apt-get install default-jre-headless)")
    candidates = []
    if os.environ.get("VNU_JAR", "").strip():
        candidates.append(Path(os.environ["VNU_JAR"].strip()))
    npm_root = _npm_root()
    if npm_root is not None:
        candidates.append(npm_root / JAR_IN_PACKAGE)
    candidates.append(ROOT / "node_modules" / JAR_IN_PACKAGE)
    for jar in candidates:
        if jar.is_file():
            return java, jar
    _unavailable(
        "no vnu.jar (npm install -g vnu-jar, or set VNU_JAR); looked in "
        + ", ".join(str(jar) for jar in candidates)
    )


def validate(documents: dict[str, str], folder: Path) -> list[str]:
    """The validator's errors over ``documents`` (name to HTML), as ``name:line: message``."""
    java, jar = find_vnu()
    paths = []
    for name, html in documents.items():
        path = folder / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(str(path))
    result = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", "--errors-only", *paths],
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT_SECONDS,
        check=False,
    )
    # JSON on stderr; exit 1 when there are errors, anything else is the checker failing.
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stderr)
    errors = []
    for message in report["messages"]:
        if message["type"] not in ("error", "non-document-error"):
            continue
        # file:/tmp/…/name.html: the document's name.
        name = Path(unquote(urlsplit(message.get("url", "")).path)).stem
        errors.append(f"{name}:{message.get('lastLine', '?')}: {message['message']}")
    assert result.returncode == 0 or errors, result.stderr
    return errors
