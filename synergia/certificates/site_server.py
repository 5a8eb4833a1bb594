"""``synergia certificates site --serve``: the verification site from a local folder, for trying it out.

A stdlib ``http.server`` on 127.0.0.1 that behaves like a careful static host:
``/z/<code>`` answers with ``z/<code>/index.html`` (no redirect needed), files
are served as is, folders never list their contents (404 unless they have an
``index.html``), hidden and temporary files are not served, and every answer
carries ``X-Robots-Tag: noindex``. The access log shows no codes.
"""

from __future__ import annotations

import posixpath
import sys
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from synergia.certificates.site import ROBOTS

if TYPE_CHECKING:
    import os
    from typing import BinaryIO


class VerificationHandler(SimpleHTTPRequestHandler):
    server_version = "synergia-site"
    sys_version = ""
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".json": "application/json; charset=utf-8",
        "": "text/plain; charset=utf-8",
    }

    def _target(self) -> Path | None:
        """The file a request path names, or None (outside the root, hidden, or a folder without index.html)."""
        path = posixpath.normpath(unquote(urlsplit(self.path).path))
        parts = [p for p in path.split("/") if p]
        if any(p.startswith(".") for p in parts):
            return None
        root = Path(self.directory).resolve()
        target = root.joinpath(*parts).resolve()
        if not target.is_relative_to(root):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def send_head(self) -> BinaryIO | None:
        target = self._target()
        if target is None:
            self.send_error(HTTPStatus.NOT_FOUND, "Nie znaleziono (not found)")
            return None
        try:
            fh = open(target, "rb")  # noqa: SIM115 - the base class closes it after copying
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "Nie znaleziono (not found)")
            return None
        size = target.stat().st_size
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(str(target)))
        self.send_header("Content-Length", str(size))
        self.end_headers()
        return fh

    def list_directory(self, path: str | os.PathLike) -> None:
        self.send_error(HTTPStatus.NOT_FOUND, "Nie znaleziono (not found)")
        return None

    def end_headers(self) -> None:
        self.send_header("X-Robots-Tag", ROBOTS)
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_POST(self) -> None:
        self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)

    def log_message(self, format: str, *args: object) -> None:
        """Method, status and size only: a request path carries a certificate's secret code."""
        request = getattr(self, "requestline", "").split(" ")[0]
        if format.startswith('"%s" %s'):
            sys.stderr.write(f"{self.log_date_time_string()} {request} {args[1]}\n")


def make_server(directory: Path | str, port: int = 8000, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server for ``directory`` (not started: call ``serve_forever``). ``port=0`` picks a free port."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"brak folderu strony weryfikacji (no such site folder): {directory}")
    return ThreadingHTTPServer((host, port), partial(VerificationHandler, directory=str(directory)))
