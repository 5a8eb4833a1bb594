"""Bounded retry for Google API calls: 408/429/5xx and connection errors, exponential backoff with
full jitter, capped by attempts *and* total time (gspread's BackOffHTTPClient never gives up)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5  # including the first try
    base_delay: float = 0.5  # seconds; attempt n waits uniform(0, min(cap, base * 2**n))
    max_delay: float = 8.0
    max_total: float = 60.0  # no new attempt starts after this many seconds
    statuses: frozenset[int] = field(default=RETRY_STATUSES)

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def call_with_retry(
    send: Callable[[], requests.Response],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    on_retry: Callable[[int, str], None] | None = None,
) -> requests.Response:
    """Run ``send`` until it returns a non-retryable response or the caps are reached.

    The last retryable response is returned as is (the caller turns it into an
    error); a transport exception is re-raised after the last attempt.
    """
    rng = rng or random.Random()
    start = clock()
    attempt = 0
    while True:
        try:
            response = send()
            reason = str(response.status_code) if response.status_code in policy.statuses else None
            error: Exception | None = None
        except (requests.ConnectionError, requests.Timeout) as exc:
            response, reason, error = None, type(exc).__name__, exc
        if reason is None:
            return response  # type: ignore[return-value]
        attempt += 1
        wait = policy.delay(attempt - 1, rng)
        if response is not None:
            hinted = retry_after_seconds(response)
            if hinted is not None:
                wait = min(max(wait, hinted), policy.max_delay)
        if attempt >= policy.max_attempts or clock() - start + wait > policy.max_total:
            if error is not None:
                raise error
            return response  # type: ignore[return-value]
        if on_retry is not None:
            on_retry(attempt, reason)
        sleep(wait)
