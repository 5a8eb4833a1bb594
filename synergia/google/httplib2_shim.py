"""Let google-api-python-client send through our ``requests`` session (override, retry, timeouts)."""
from __future__ import annotations

import httplib2
import requests


class RequestsHttp:
    """The subset of ``httplib2.Http`` that googleapiclient calls."""

    def __init__(self, session: requests.Session):
        self.session = session
        self.timeout = getattr(session, "default_timeout", None)

    def request(self, uri, method="GET", body=None, headers=None, redirections=5, connection_type=None):
        resp = self.session.request(method, uri, data=body, headers=headers)
        info = {k.lower(): v for k, v in resp.headers.items()}
        info["status"] = str(resp.status_code)
        return httplib2.Response(info), resp.content

    def close(self) -> None:
        pass
