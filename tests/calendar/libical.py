"""libical's RFC 5546 restriction check, run from the tests.

libical (the C library behind Evolution, KDE and many servers) checks a VCALENDAR against the
iTIP table of its METHOD: which properties a VEVENT must, may and must not carry for PUBLISH,
REQUEST or CANCEL (``icalrestriction_check``). A small C program
(``icalrestriction_check.c``) is compiled once per test session against Debian's
``libical-dev`` with gcc and then checks many files in one run. Without gcc or libical the
tests are skipped locally and fail under ``CI``, whose ``.ci/run`` installs them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

from tests.conftest import IN_CI

SOURCE = Path(__file__).with_name("icalrestriction_check.c")


def _unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason} (CI needs libical's check: failing, not skipping)")
    pytest.skip(reason)


def build_checker(folder: Path) -> Path:
    """The compiled checker in ``folder``; a skip (locally) or failure (CI) without the tools."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    pkg_config = shutil.which("pkg-config")
    if compiler is None or pkg_config is None:
        _unavailable("no gcc or pkg-config (apt-get install gcc pkg-config libical-dev)")
    flags = subprocess.run(
        [pkg_config, "--cflags", "--libs", "libical"],
        capture_output=True,
        text=True,
        check=False,
    )
    if flags.returncode != 0:
        _unavailable("no libical for pkg-config (apt-get install libical-dev)")
    binary = folder / "icalrestriction_check"
    built = subprocess.run(
        [compiler, "-O1", "-o", str(binary), str(SOURCE), *flags.stdout.split()],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, f"compiling {SOURCE.name} failed:\n{built.stderr}"
    return binary


def restriction_problems(checker: Path, files: dict[str, bytes], folder: Path) -> list[str]:
    """What libical finds wrong with each of ``files`` (name to content), in one run."""
    paths = []
    for name, content in files.items():
        path = folder / f"{name}.ics"
        path.write_bytes(content)
        paths.append(str(path))
    result = subprocess.run(
        [str(checker), *paths], capture_output=True, text=True, timeout=60, check=False
    )
    problems = [line.replace(f"{folder}/", "") for line in result.stdout.splitlines() if line]
    assert (result.returncode == 0) == (problems == []), result.stderr
    return problems
