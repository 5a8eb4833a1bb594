"""The one way tasks are declared here: no result persistence, no input hashing, no data in errors.

Persisted task results are plain cloudpickle files and cache keys hash inputs;
our tasks move personal data in memory, so neither may happen. Tasks return
counts or opaque in-memory objects, and take a project *path* as parameter.

An exception leaving a task is logged by Prefect with its traceback, stored in
the task's and the flow's state message and events, and the flow's exception
is pickled into Prefect's result storage (``$PREFECT_HOME/storage``) even with
``persist_result=False``. So every task re-raises a sanitized exception
(``synergia.errors.sanitize``: our own message, ``RegistryBusy`` or a
``StepFailed`` naming step, type and code line) with no chained original.
A busy registry is never retried by Prefect: the busy timeout was the wait.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError

from synergia import runtime
from synergia.errors import RegistryBusy, is_instance, sanitize
from tasks.secrets import read_secret_block

if TYPE_CHECKING:
    from prefect.client.schemas.objects import State, TaskRun

runtime.use_secret_reader(read_secret_block)  # SYNERGIA_GOOGLE_CREDENTIALS=block:<name> inside a flow


def retry_unless(*permanent: type[BaseException]) -> Callable:
    """A ``retry_condition_fn``: retry transient failures, never these (a missing
    spreadsheet stays missing however often we ask) nor a busy registry."""

    def condition(task: Task, task_run: TaskRun, state: State) -> bool:
        try:
            state.result()
        except BaseException as exc:
            return not is_instance(exc, (RegistryBusy, *permanent))
        return True

    return condition


def sanitized(fn: Callable, step: str | None = None) -> Callable:
    """``fn`` re-raising any ``Exception`` as ``sanitize(exc)``, raised outside the ``except``
    block so the original (whose message and locals may hold personal data) is not chained."""
    name = step or fn.__name__

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            failure = sanitize(exc, name)
        raise failure

    return wrapper


def synergia_task(fn: Callable | None = None, **options: Any) -> Task | Callable[[Callable], Task]:
    options.setdefault("persist_result", False)
    options.setdefault("cache_policy", NO_CACHE)
    options.setdefault("log_prints", False)
    if options.get("retries") and "retry_condition_fn" not in options:
        options["retry_condition_fn"] = retry_unless()

    def declare(f: Callable) -> Task:
        return task(sanitized(f), **{"name": f.__name__, **options})

    if fn is None:
        return declare
    return declare(fn)


def step_context(project_path: str) -> runtime.Context:
    """A step's context (``synergia.steps``) for the project file, logging to this task run's Prefect logger
    (silent when a task's function is called outside a run, as benchmarks do)."""
    try:
        log = get_run_logger()
    except MissingContextError:
        log = None
    return runtime.context(project_path, log=log)
