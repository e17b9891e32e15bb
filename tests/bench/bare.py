"""Serve a bare Litestar app under the uvicorn settings of ``python -m app serve``.

``python -m tests.bench.bare tests.bench.hello:app --port 8123``. The ceilings of the benchmark
(hello, the bare render, the bare insert) must differ from Treffpunkt in nothing but the work
their handler does, so they get what ``app.__main__.serve`` hands to ``uvicorn.run``: the
same logging (the access log included), proxy headers, one process, uvicorn's default loop and
HTTP parser.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from app.logs import uvicorn_log_config


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the app named on the command line until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bare", description=__doc__)
    parser.add_argument("app", help="module:attribute of a Litestar app")
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args(argv)
    uvicorn.run(
        arguments.app,
        host="127.0.0.1",
        port=arguments.port,
        log_level="info",
        log_config=uvicorn_log_config(),
        proxy_headers=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
