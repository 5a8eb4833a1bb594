"""Google API plumbing: credentials, endpoint override, timeouts and bounded retry in one place."""

from synergia.google.client import GoogleClients, GoogleConfigError, load_service_account_info, make_clients, rewrite_url
from synergia.google.retry import RetryPolicy

__all__ = ["GoogleClients", "GoogleConfigError", "RetryPolicy", "load_service_account_info", "make_clients", "rewrite_url"]
