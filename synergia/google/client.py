"""The one place where Google API clients are built.

A service-account key (``SYNERGIA_GOOGLE_CREDENTIALS``: JSON key path, or
``block:<name>`` of a Prefect Secret block) gives one ``GoogleSession``: an
``AuthorizedSession`` with request timeouts, our bounded retry, and the
endpoint override ``SYNERGIA_GOOGLE_API_URL`` which sends every Sheets and
Drive request to that base URL, keeping paths. The key's ``token_uri`` is used
as is for the JWT grant, as Google's libraries do. gspread and
google-api-python-client both ride on that session, so override, retry and
timeouts apply to every request, uploads included (``client_options`` alone
would not redirect Drive's ``/upload`` path, which comes from the discovery
document's rootUrl).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import service_account

from synergia.errors import SafeMessage
from synergia.google.retry import RetryPolicy, call_with_retry

if TYPE_CHECKING:
    import gspread
    from googleapiclient.discovery import Resource

log = logging.getLogger(__name__)

SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive")
#: Hosts whose requests the endpoint override redirects (the token host is not among them).
API_HOSTS = frozenset({"sheets.googleapis.com", "www.googleapis.com", "drive.googleapis.com"})


class _OverrideCredentials(service_account.Credentials):
    """With an endpoint override nothing may leave for Google: skip google-auth's background
    "regional access boundary" lookup (a GET to iamcredentials.googleapis.com after each refresh)."""

    def _is_regional_access_boundary_lookup_required(self) -> bool:
        return False


class GoogleConfigError(SafeMessage, Exception):
    """Credentials missing or unreadable. Never carries key material."""


def load_service_account_info(spec: str | None, *, read_secret: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """Key info from a JSON file path or ``block:<name>``, the JSON read by ``read_secret(name)``
    (a Prefect Secret block: the reader comes from tasks/ or cli/, this package never imports prefect)."""
    if not spec:
        raise GoogleConfigError("Brak SYNERGIA_GOOGLE_CREDENTIALS (no Google service-account key configured).")
    if spec.startswith("block:"):
        if read_secret is None:
            raise GoogleConfigError(
                "SYNERGIA_GOOGLE_CREDENTIALS=block:… czyta blok Prefect Secret tylko w przepływach "
                "i w poleceniu synergia (a Prefect Secret block is read by the flows and the CLI only)."
            )
        value = read_secret(spec[len("block:") :])
        info = value if isinstance(value, Mapping) else json.loads(value)
        return dict(info)
    path = Path(spec).expanduser()
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GoogleConfigError(f"Nie można odczytać klucza konta usługi: {path} ({type(exc).__name__}).") from None


def rewrite_url(url: str, api_url: str | None) -> str:
    """Send Sheets/Drive URLs to ``api_url`` keeping path and query; others unchanged."""
    if not api_url:
        return url
    parts = urlsplit(url)
    if parts.hostname not in API_HOSTS:
        return url
    base = api_url.rstrip("/")
    return base + parts.path + (f"?{parts.query}" if parts.query else "")


class _RetryMixin:
    policy: RetryPolicy
    default_timeout: float | tuple[float, float]
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def _with_retry(self, send: Callable[[], requests.Response], method: str, url: str) -> requests.Response:
        def note(attempt: int, reason: str) -> None:
            # Path only: no query strings or bodies in logs.
            log.warning("Google API %s %s: retry %d after %s", method, urlsplit(url).path.split("/values")[0], attempt, reason)

        return call_with_retry(send, self.policy, sleep=self.sleep, rng=random.Random(), on_retry=note)


class RetryingSession(_RetryMixin, requests.Session):
    """Plain session for the token endpoint: timeouts and bounded retry."""

    def __init__(self, policy: RetryPolicy, timeout: float):
        super().__init__()
        self.policy, self.default_timeout = policy, timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        given = kwargs.get("timeout")
        # google-auth asks for 120 s on token calls; never wait longer than our own timeout.
        if given is None or (isinstance(given, (int, float)) and given > self.default_timeout):
            kwargs["timeout"] = self.default_timeout
        return self._with_retry(lambda: requests.Session.request(self, method, url, *args, **kwargs), method, url)


class GoogleSession(_RetryMixin, AuthorizedSession):
    """Authorized session with endpoint override, default timeout and bounded retry."""

    def __init__(
        self,
        credentials: service_account.Credentials,
        *,
        api_url: str | None,
        timeout: float,
        policy: RetryPolicy,
        auth_session: requests.Session,
    ):
        super().__init__(credentials, auth_request=Request(auth_session))
        self.api_url, self.default_timeout, self.policy = api_url, timeout, policy
        self.request_count = 0

    def request(
        self,
        method: str,
        url: str,
        data: object = None,
        headers: Mapping[str, str] | None = None,  # type: ignore[override]
        max_allowed_time: float | None = None,
        timeout: float | tuple[float, float] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        target = rewrite_url(url, self.api_url)
        timeout = self.default_timeout if timeout is None else timeout

        def send() -> requests.Response:
            self.request_count += 1
            return AuthorizedSession.request(
                self, method, target, data=data, headers=headers, max_allowed_time=max_allowed_time, timeout=timeout, **kwargs
            )

        return self._with_retry(send, method, target)


@dataclass
class GoogleClients:
    session: GoogleSession

    def gspread(self) -> gspread.Client:
        import gspread

        client = gspread.Client(auth=self.session.credentials, session=self.session)
        client.set_timeout(self.session.default_timeout)
        return client

    def sheets(self) -> Resource:
        return _build("sheets", "v4", self.session)

    def drive(self) -> Resource:
        return _build("drive", "v3", self.session)


def _build(name: str, version: str, session: GoogleSession) -> Resource:
    from googleapiclient.discovery import build

    from synergia.google.httplib2_shim import RequestsHttp

    # Static discovery docs shipped with the library: never fetched from the network.
    return build(name, version, http=RequestsHttp(session), static_discovery=True, cache_discovery=False)


def make_clients(
    info: Mapping[str, Any],
    *,
    api_url: str | None = None,
    timeout: float = 30.0,
    policy: RetryPolicy | None = None,
    mount: Callable[[requests.Session], Any] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> GoogleClients:
    """Build clients from key ``info``. ``mount`` lets tests attach a transport adapter (the
    in-process emulator) to both the API and the token session."""
    policy = policy or RetryPolicy()
    try:
        cls = _OverrideCredentials if api_url else service_account.Credentials
        creds = cls.from_service_account_info(dict(info), scopes=list(SCOPES))
    except (ValueError, KeyError) as exc:
        raise GoogleConfigError(f"Niepoprawny klucz konta usługi ({type(exc).__name__}).") from None
    auth_session = RetryingSession(policy, timeout)
    session = GoogleSession(creds, api_url=api_url, timeout=timeout, policy=policy, auth_session=auth_session)
    if sleep is not None:
        auth_session.sleep = session.sleep = sleep  # type: ignore[method-assign]
    if mount is not None:
        mount(auth_session)
        mount(session)
    return GoogleClients(session)
