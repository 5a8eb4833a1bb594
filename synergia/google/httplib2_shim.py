"""Let google-api-python-client send through our ``requests`` session (override, retry, timeouts)."""

from __future__ import annotations

import httplib2
import requests


class RequestsHttp:
    """The subset of ``httplib2.Http`` that googleapiclient calls."""

    def __init__(self, session: requests.Session):
        self.session = session
        self.timeout = getattr(session, "default_timeout", None)

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        redirections: int = 5,
        connection_type: object = None,
    ) -> tuple[httplib2.Response, bytes]:
        resp = self.session.request(method, uri, data=body, headers=headers)
        info = {k.lower(): v for k, v in resp.headers.items()}
        info["status"] = str(resp.status_code)
        return httplib2.Response(info), resp.content

    def close(self) -> None:
        pass
