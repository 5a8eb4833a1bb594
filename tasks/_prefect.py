"""The one way tasks are declared here: no result persistence, no input hashing.

Persisted task results are plain cloudpickle files and cache keys hash inputs;
our tasks move personal data in memory, so neither may happen. Tasks return
counts or opaque in-memory objects, and take a project *path* as parameter.
"""
from __future__ import annotations

from typing import Any, Callable

from prefect import task
from prefect.cache_policies import NO_CACHE


def retry_unless(*permanent: type[BaseException]) -> Callable:
    """A ``retry_condition_fn``: retry transient failures, never these (a missing
    spreadsheet stays missing however often we ask)."""

    def condition(task, task_run, state) -> bool:  # noqa: ANN001
        try:
            state.result()
        except permanent:
            return False
        except BaseException:  # noqa: BLE001 - any other failure may be transient
            return True
        return True

    return condition


def synergia_task(fn: Callable | None = None, **options: Any):
    options.setdefault("persist_result", False)
    options.setdefault("cache_policy", NO_CACHE)
    options.setdefault("log_prints", False)
    if fn is None:
        return lambda f: task(f, **options)
    return task(fn, **options)
