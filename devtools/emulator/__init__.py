"""A local Google Sheets v4 / Drive v3 / OAuth token emulator for tests and offline runs.

Pure Python, no Prefect. In-process via ``EmulatorAdapter`` mounted on a
``requests`` session, or over a socket via ``serve`` / ``python -m devtools.emulator``.
"""

from .app import Fault, SheetsEmulator
from .server import EmulatorServer, serve
from .store import MODELLED_REQUESTS, PRESENTATION_REQUESTS, ApiError
from .transport import GOOGLE_HOSTS, EmulatorAdapter

__all__ = [
    "ApiError",
    "EmulatorAdapter",
    "EmulatorServer",
    "Fault",
    "GOOGLE_HOSTS",
    "MODELLED_REQUESTS",
    "PRESENTATION_REQUESTS",
    "SheetsEmulator",
    "serve",
]
