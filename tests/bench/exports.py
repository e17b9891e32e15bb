"""The export benchmark: ``python -m tests.bench.exports [--count 10000]``.

Registrations are made one at a time by a generator (as a database cursor would hand them
over), so the peak memory traced is the export's own. For each size: the time of an untraced
run and the tracemalloc peak of a second, traced one, for the CSV (streamed, chunks thrown away
as a response would send them), the xlsx (openpyxl write-only, to a temporary file) and the
signature list PDF of 400 people. CSV memory should stay flat from 1,000 to 10,000 rows.

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

from app.domain.model import Registration
from app.exports.csv_export import csv_bytes
from app.exports.signature_list import write_signature_list
from app.exports.xlsx_export import write_xlsx
from tests.exports.factories import conference, registration


def _registrations(count: int) -> Iterator[Registration]:
    for number in range(1, count + 1):
        yield registration(number, first_name="Олена" if number % 2 else "Jürgen")


def _measure(work: Callable[[], int]) -> tuple[float, float, int]:
    # Timed untraced (tracemalloc slows allocation-heavy code several times), then run again
    # under tracemalloc for the peak.
    started = time.perf_counter()
    size = work()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 1024 / 1024, size


def _csv(count: int) -> int:
    return sum(len(chunk) for chunk in csv_bytes(conference(), _registrations(count)))


def _xlsx(count: int, folder: Path) -> int:
    path = folder / f"export-{count}.xlsx"
    with path.open("wb") as target:
        write_xlsx(conference(), _registrations(count), target)
    return path.stat().st_size


def _pdf(count: int, folder: Path) -> int:
    path = folder / f"signatures-{count}.pdf"
    with path.open("wb") as target:
        write_signature_list(conference(), _registrations(count), target)
    return path.stat().st_size


def main() -> None:
    """Run the benchmark and print one line per export and size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--pdf-count", type=int, default=400)
    args = parser.parse_args()
    sizes = sorted({1_000, args.count})
    print(f"{'export':<10} {'rows':>7} {'seconds':>9} {'peak MiB':>9} {'output KiB':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runs: list[tuple[str, int, Callable[[], int]]] = []
        for count in sizes:
            runs.append(("csv", count, functools.partial(_csv, count)))
        for count in sizes:
            runs.append(("xlsx", count, functools.partial(_xlsx, count, folder)))
        runs.append(("pdf", args.pdf_count, lambda: _pdf(args.pdf_count, folder)))
        for name, count, work in runs:
            elapsed, peak, size = _measure(work)
            print(f"{name:<10} {count:>7} {elapsed:>9.3f} {peak:>9.2f} {size / 1024:>11.0f}")


if __name__ == "__main__":
    main()
