"""``synergia serve``: the whole product on one machine — a local Prefect server plus every project's deployments.

Prefect is imported only after ``PREFECT_API_URL`` points at the server this
command started (Prefect reads its settings once, at import).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Annotated, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from config.settings import REPO_ROOT, get_settings

if TYPE_CHECKING:
    from types import ModuleType

console = Console()
err_console = Console(stderr=True)

STOP_GRACE_SECONDS = 20  # server shutdown after the runner stopped; the whole stop stays under 30 s


class _Stop(Exception):
    """SIGTERM before the runner took over signal handling."""


def _raise_stop(signum: int, frame: FrameType | None) -> NoReturn:
    raise _Stop()


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _healthy(api_url: str, timeout: float = 2.0) -> bool:
    import httpx

    try:
        return httpx.get(f"{api_url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def start_server(host: str, port: int, startup_timeout: float) -> tuple[subprocess.Popen, Path]:
    """``prefect server start`` in its own session; SQLite under the data dir unless
    ``PREFECT_API_DATABASE_CONNECTION_URL`` names another database (e.g. PostgreSQL)."""
    data = get_settings().resolved_data_dir
    (data / "prefect").mkdir(parents=True, exist_ok=True)
    log = data / "prefect" / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.setdefault("PREFECT_API_DATABASE_CONNECTION_URL", f"sqlite+aiosqlite:///{data / 'prefect' / 'server.db'}")
    database = "PostgreSQL" if env["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql") else "SQLite"
    console.print(f"Uruchamiam serwer Prefect (starting the Prefect server), baza / database: {database}; log: {log}")
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us only: the runner stops first, then the server
        )
    api = f"http://{host}:{port}/api"
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err_console.print(
                f"[red]Serwer Prefect zakończył się z kodem {proc.returncode}[/red] — zobacz {log} "
                f"(the Prefect server exited; see its log)."
            )
            raise typer.Exit(1)
        if _healthy(api):
            return proc, log
        time.sleep(0.5)
    stop_server(proc)
    err_console.print(
        f"[red]Serwer Prefect nie odpowiedział w {startup_timeout:.0f} s[/red] — zobacz {log}; "
        "spróbuj --startup-timeout 300 (the Prefect server did not answer in time; see its log)."
    )
    raise typer.Exit(1)


def stop_server(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def next_runs(deploy_module: ModuleType, files: list[Path], now: datetime | None = None) -> list[tuple[str, str, str, datetime]]:
    """(deployment, cron, time zone, next fire time) of every deployment, soonest first."""
    from cronsim import CronSim

    from config.project import load_project

    rows = []
    for path in files:
        project = load_project(path)
        for kind, (cron, tz) in deploy_module.schedules_of(project).items():
            start = (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz))
            rows.append((f"{project.slug}-{kind}", cron, tz, next(CronSim(cron, start.replace(second=0, microsecond=0)))))
    return sorted(rows, key=lambda r: r[3])


def _deploy_module() -> ModuleType:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    import deploy

    return deploy


def serve(
    port: Annotated[int, typer.Option(help="Port serwera Prefect (Prefect server port).")] = 4200,
    host: Annotated[str, typer.Option(help="Adres nasłuchu serwera; 0.0.0.0 = z sieci (listen address).")] = "127.0.0.1",
    project: Annotated[
        list[str] | None,
        typer.Option("--project", "-p", help="Tylko ten projekt (slug, powtarzalne); domyślnie wszystkie z config/projects/."),
    ] = None,
    startup_timeout: Annotated[float, typer.Option(help="Ile sekund czekać na serwer (seconds to wait for the server).")] = 180.0,
) -> None:
    """Produkcja na jednej maszynie: serwer Prefect + nocne i miesięczne przebiegi wszystkich projektów.

    Production on one machine. Without PREFECT_API_URL it starts a local Prefect
    server (SQLite in the data dir, or PostgreSQL when
    PREFECT_API_DATABASE_CONNECTION_URL is set) and serves each project's nightly
    and monthly deployment on its cron schedule (Europe/Warsaw); with
    PREFECT_API_URL it uses that server. At most one run per project and flow at
    a time. Ctrl-C / SIGTERM stops everything.

    Example:  synergia serve --port 4200
    """
    deploy = _deploy_module()
    files = deploy.project_files(project)
    if not files:
        err_console.print("[red]Brak projektów do uruchomienia[/red] (no project files matched) — sprawdź --project / config/projects/.")
        raise typer.Exit(2)
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    server = None
    try:
        api = os.environ.get("PREFECT_API_URL")
        if api:
            if not _healthy(api, timeout=10):
                err_console.print(
                    f"[red]Serwer Prefect pod PREFECT_API_URL nie odpowiada[/red]: {api} "
                    "(the Prefect server at PREFECT_API_URL does not answer; start it or unset the variable)."
                )
                raise typer.Exit(1)
            ui = api.removesuffix("/api")
        else:
            if not _port_free(host, port):
                err_console.print(f"[red]Port {port} jest zajęty[/red] — podaj inny: --port (port {port} is in use).")
                raise typer.Exit(2)
            server, _log = start_server(host, port, startup_timeout)
            shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
            api = f"http://{shown}:{port}/api"
            ui = f"http://{shown}:{port}"
            os.environ["PREFECT_API_URL"] = api  # before prefect is imported below
        deployments = deploy.build_deployments(files)
        table = Table(title="Zaplanowane przebiegi (scheduled runs)")
        for column in ("Wdrożenie (deployment)", "cron", "strefa (zone)", "następny (next)"):
            table.add_column(column)
        for name, cron, tz, when in next_runs(deploy, files):
            table.add_row(name, cron, tz, when.strftime("%Y-%m-%d %H:%M"))
        console.print(table)
        console.print(f"[green]Interfejs Prefect (UI):[/green] {ui}   API: {api}")
        console.print(
            f"{len(deployments)} wdrożeń, najwyżej jeden przebieg na projekt i przepływ naraz "
            "(deployments, at most one run per project and flow at a time). Zatrzymanie (stop): Ctrl-C / SIGTERM."
        )
        from prefect import serve as prefect_serve

        # not paused on shutdown: a restarted `synergia serve` (systemd) must find its schedules active
        prefect_serve(*deployments, print_starting_message=False, pause_on_shutdown=False)  # returns on Ctrl-C / SIGTERM
    except (_Stop, KeyboardInterrupt):
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM during shutdown must not skip the server's stop
        try:
            stop_server(server)
        finally:
            signal.signal(signal.SIGTERM, previous)
    console.print("Zatrzymano (stopped).")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
