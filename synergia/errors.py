"""Errors that may leave a step: their text names a step, a type, a file, a row — never a person.

An exception raised deep down (a database driver, a library, a ``ValueError``
from a parser) may quote the data it was working on: SQLAlchemy quotes the
SQL parameters, a parser quotes the cell. Such text must not reach the
terminal, Prefect's logs, states, events or its result storage (which pickles a
failed flow's exception). ``sanitize`` turns any exception into one that is
safe to show and to pickle:

- our own errors whose messages we write (classes marked ``SafeMessage``)
  keep their message, minus any chained cause;
- a registry busy with another writer's lock becomes ``RegistryBusy``: one
  clear line;
- everything else becomes ``StepFailed``: step, exception type, database
  error code and the line of our code where it happened — no message.

Prefect code is not imported here; the task decorator in ``tasks._prefect``
applies ``sanitize`` at every task boundary.
"""

from __future__ import annotations

import traceback
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
_OUR_PACKAGES = ("synergia", "tasks", "flows", "config", "tests")


class SafeMessage:
    """Mixin for exceptions whose message is written by us and never carries personal data
    (it names a file, tab, column, row number or setting). Anything else is withheld."""


class RegistryBusy(SafeMessage, Exception):
    """Another process held the registry longer than ``SYNERGIA_DATABASE_BUSY_TIMEOUT``."""

    def __init__(self, message: str, *, step: str = "", timeout: float | None = None):
        super().__init__(message)
        self.step = step
        self.timeout = timeout

    @classmethod
    def after(cls, timeout: float, step: str = "") -> RegistryBusy:
        where = f" w kroku {step}" if step else ""
        return cls(
            f"Rejestr jest zajęty przez inny proces — czekano {timeout:g} s{where}; uruchom ponownie później "
            f"albo zwiększ SYNERGIA_DATABASE_BUSY_TIMEOUT (registry busy: another process held the database "
            f"for more than {timeout:g} s).",
            step=step,
            timeout=timeout,
        )


class StepFailed(SafeMessage, Exception):
    """A step failed with an exception whose message was withheld (it may quote personal data).

    ``cause_types`` are the qualified names of the original exception's classes, so a retry
    rule can still tell a permanent failure from a transient one without the original."""

    def __init__(self, message: str, *, step: str = "", kind: str = "", where: str = "", cause_types: tuple[str, ...] = ()):
        super().__init__(message)
        self.step = step
        self.kind = kind
        self.where = where
        self.cause_types = cause_types


def qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def cause_types(exc: BaseException) -> tuple[str, ...]:
    """Qualified class names an exception is an instance of (its own or, for StepFailed, the original's)."""
    if isinstance(exc, StepFailed):
        return exc.cause_types
    return tuple(qualified(c) for c in type(exc).__mro__ if issubclass(c, BaseException))


def is_instance(exc: BaseException, types: tuple[type[BaseException], ...]) -> bool:
    """``isinstance`` that also sees through a StepFailed to the type it replaced."""
    return isinstance(exc, types) or bool(set(cause_types(exc)) & {qualified(t) for t in types})


def our_location(exc: BaseException) -> str:
    """``file:line in function`` of the innermost frame of our own code in the traceback."""
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            rel = Path(frame.filename).resolve().relative_to(_REPO)
        except ValueError:
            continue
        if rel.parts and rel.parts[0] in _OUR_PACKAGES:
            found = f"{rel.as_posix()}:{frame.lineno} in {frame.name}"
    return found


def _db_code(exc: BaseException) -> str:
    """The database error code (SQLite error name, PostgreSQL SQLSTATE), never its message."""
    orig = getattr(exc, "orig", None)
    for attr in ("sqlite_errorname", "sqlstate", "pgcode"):
        value = getattr(orig, attr, None)
        if isinstance(value, str) and value.isascii() and len(value) <= 40:
            return value
    return ""


def _detach(exc: BaseException) -> BaseException:
    """Drop chained causes and notes (they may quote data) from an exception we keep."""
    exc.__cause__ = None
    exc.__context__ = None
    exc.__suppress_context__ = True
    if hasattr(exc, "__notes__"):
        del exc.__notes__
    return exc


def sanitize(exc: BaseException, step: str = "") -> BaseException:
    """An exception safe to log, show and pickle in place of ``exc`` (see module docstring)."""
    from synergia.registry.db import busy_timeout, is_busy  # lazy: keeps this module import-light

    if is_busy(exc):
        return RegistryBusy.after(busy_timeout(), step)
    if isinstance(exc, SafeMessage):
        return _detach(exc)
    kind = qualified(type(exc))
    orig = getattr(exc, "orig", None)
    if isinstance(orig, BaseException):
        kind += f" ({qualified(type(orig))})"
    code = _db_code(exc)
    where = our_location(exc)
    message = (
        f"Krok {step or '?'} nie powiódł się: {kind}{f' [{code}]' if code else ''}"
        f"{f' w {where}' if where else ''}; treść błędu pominięto, bo może zawierać dane osobowe "
        f"(step failed; the error's message is withheld as it may quote personal data)."
    )
    return StepFailed(message, step=step, kind=kind, where=where, cause_types=cause_types(exc))
