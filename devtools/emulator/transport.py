"""In-process mode: a ``requests`` transport adapter answering from a ``SheetsEmulator``.

Mount it on gspread's session (and on the token session) for the Google hosts;
requests then go through the real ``requests``/``gspread``/``google-auth`` stack
except the socket.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from .app import SheetsEmulator

GOOGLE_HOSTS = (
    "https://sheets.googleapis.com",
    "https://www.googleapis.com",
    "https://oauth2.googleapis.com",
    # google-auth looks up a "regional access boundary" here after each token refresh.
    "https://iamcredentials.googleapis.com",
)


class EmulatorAdapter(BaseAdapter):
    def __init__(self, emulator: SheetsEmulator):
        super().__init__()
        self.emulator = emulator

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        reply = self.emulator.handle(request.method or "GET", request.url or "", dict(request.headers), request.body)
        if reply.timeout:
            raise requests.exceptions.ReadTimeout(f"emulated timeout (read timeout={timeout})", request=request)
        resp = requests.Response()
        resp.status_code = reply.status
        resp.headers = CaseInsensitiveDict(reply.headers)
        resp._content = reply.body
        resp.encoding = "utf-8"
        resp.url = request.url or ""
        resp.request = request
        resp.reason = "OK" if reply.status < 400 else "Error"
        return resp

    def close(self) -> None:
        pass

    def __deepcopy__(self, memo: dict[int, object]) -> EmulatorAdapter:
        # google-auth deep-copies the token session for a background lookup; share the emulator.
        return self

    def mount_on(self, session: requests.Session, prefixes: tuple[str, ...] = GOOGLE_HOSTS) -> requests.Session:
        for prefix in prefixes:
            session.mount(prefix, self)
        return session
