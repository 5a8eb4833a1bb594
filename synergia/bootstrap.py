"""Prefect settings that must be in place before anything imports prefect.

Prefect reads its settings once, when ``prefect`` is first imported: an
``os.environ`` default set later has no effect (that is why a first, cold
``synergia demo`` used to time out after Prefect's 20 s default). The
``synergia`` console script (``cli.main:main``) therefore calls
:func:`prefect_environment` and :func:`start_early_server` before it loads the
CLI; ``deploy.py`` and ``tests/conftest.py`` call :func:`prefect_environment`
first thing too.

This module imports nothing heavy, never imports prefect and never the CLI.

Where Prefect keeps its state (``PREFECT_HOME``):

- if the user configured Prefect themselves — ``PREFECT_HOME``,
  ``PREFECT_API_URL``, ``PREFECT_PROFILE`` or ``PREFECT_PROFILES_PATH`` set in
  the environment, or a ``~/.prefect/profiles.toml`` whose active profile is
  not Prefect's default ``ephemeral`` or sets any value — we leave it alone;
- otherwise it lives under the Synergia data dir (``<data dir>/prefect``), so
  the demo neither reads nor locks the ``~/.prefect`` database that other
  Prefect processes of the same user share.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path

#: Prefect's own default profile name (``prefect profile ls``).
DEFAULT_PROFILE = "ephemeral"

DEFAULTS = {
    # the temporary server needs more than Prefect's 20 s on a cold, busy 2-core machine
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    # analytics make the SQLite database "locked" under load; nothing leaves the machine
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
}


def user_configured_prefect(environ: MutableMapping[str, str], home: Path | None = None) -> bool:
    """Did the user point Prefect somewhere themselves (environment or a non-default profile)?"""
    if any(environ.get(k) for k in ("PREFECT_HOME", "PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH")):
        return True
    profiles = (home or Path.home()) / ".prefect" / "profiles.toml"
    if not profiles.is_file():
        return False
    try:
        import tomllib

        data = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True  # a file we cannot read is the user's business: do not hide it behind our own home
    active = data.get("active", DEFAULT_PROFILE)
    settings = (data.get("profiles") or {}).get(active) or {}
    return active != DEFAULT_PROFILE or bool(settings)


def data_dir(environ: MutableMapping[str, str], cwd: Path | None = None) -> Path:
    """``SYNERGIA_DATA_DIR`` as config.settings resolves it (environment, else ``.env``, else ``var``)."""
    value = environ.get("SYNERGIA_DATA_DIR")
    cwd = cwd or Path.cwd()
    if not value and (cwd / ".env").is_file():
        try:
            for line in (cwd / ".env").read_text(encoding="utf-8").splitlines():
                key, _, rest = line.strip().partition("=")
                if key.strip() == "SYNERGIA_DATA_DIR" and rest.strip():
                    value = rest.strip().strip("'\"")
        except OSError:
            pass
    path = Path(value or "var").expanduser()
    return path if path.is_absolute() else cwd / path


def prefect_environment(environ: MutableMapping[str, str] | None = None, *, home: Path | None = None) -> dict[str, str]:
    """Set Prefect defaults in ``environ`` (default ``os.environ``) without overriding the user; return what was set."""
    environ = os.environ if environ is None else environ
    added: dict[str, str] = {}
    for key, value in DEFAULTS.items():
        if key not in environ:
            environ[key] = added[key] = value
    if not user_configured_prefect(environ, home):
        environ["PREFECT_HOME"] = added["PREFECT_HOME"] = str(data_dir(environ) / "prefect")
    if added and "prefect" in sys.modules and environ is os.environ:
        # too late to matter; say so in development rather than silently time out later
        print("synergia.bootstrap: prefect was imported before its settings were set", file=sys.stderr)
    return added


#: Commands that run flows in this process and so need a Prefect API.
EARLY_SERVER_COMMANDS = frozenset({"demo", "run"})
_early: dict[str, object] = {}


def start_early_server(argv: list[str], environ: MutableMapping[str, str] | None = None) -> bool:
    """For ``demo`` / ``run`` without ``PREFECT_API_URL``: start the temporary Prefect server now,
    in parallel with loading the CLI and flows, and point ``PREFECT_API_URL`` at it.
    ``SYNERGIA_EARLY_PREFECT_SERVER=0`` leaves it to Prefect (its server starts when the first flow runs)."""
    import atexit
    import socket
    import subprocess

    environ = os.environ if environ is None else environ
    if (
        environ.get("PREFECT_API_URL")
        or environ.get("SYNERGIA_EARLY_PREFECT_SERVER", "1") == "0"
        or not argv
        or argv[0] not in EARLY_SERVER_COMMANDS
        or {"--help", "-h"} & set(argv)
    ):
        return False
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home = Path(environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    log = home / "temporary-server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "synergia.prefect_server", str(port), str(os.getpid())],
            env=dict(environ),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    environ.setdefault("PREFECT_UI_URL", "")  # this server has no UI: no dead "View at ..." links in the output
    _early.update(proc=proc, url=environ["PREFECT_API_URL"], log=log)
    atexit.register(stop_early_server)
    return True


def stop_early_server() -> None:
    proc = _early.pop("proc", None)
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except Exception:
        proc.kill()
        proc.wait()


class ServerDidNotAnswer(Exception):
    """The temporary Prefect server did not answer in time (or exited)."""


def wait_for_early_server(environ: MutableMapping[str, str] | None = None) -> None:
    """Before the first flow: wait until the early server answers (no-op without one)."""
    import urllib.error
    import urllib.request

    proc = _early.get("proc")
    if proc is None or _early.get("ready"):
        return
    environ = os.environ if environ is None else environ
    timeout = float(environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or 180)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerDidNotAnswer(f"exited with code {proc.returncode}; log: {_early['log']}")
        try:
            with urllib.request.urlopen(f"{_early['url']}/health", timeout=2) as reply:
                if reply.status == 200:
                    _early["ready"] = True
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise ServerDidNotAnswer(f"no answer in {timeout:.0f} s; log: {_early['log']}")
