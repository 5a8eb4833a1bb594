"""Socket mode: the emulator behind a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .app import SheetsEmulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    emulator: SheetsEmulator

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.emulator.handle(self.command, self.path, dict(self.headers.items()), body)  # type: ignore[attr-defined]
        if reply.timeout:
            time.sleep(self.server.emulator.timeout_delay)  # type: ignore[attr-defined]
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:  # request lines may carry sheet titles; stay quiet
        pass


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, emulator: SheetsEmulator, host: str = "127.0.0.1", port: int = 0):
        super().__init__((host, port), _Handler)
        self.emulator = emulator

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def serve(emulator: SheetsEmulator, host: str = "127.0.0.1", port: int = 0) -> tuple[EmulatorServer, threading.Thread]:
    """Start serving in a daemon thread; ``server.url`` is the base URL; stop with ``server.shutdown()``."""
    server = EmulatorServer(emulator, host, port)
    thread = threading.Thread(target=server.serve_forever, name="sheets-emulator", daemon=True)
    thread.start()
    return server, thread
