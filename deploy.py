"""Prefect deployments of every project: nightly sync and monthly summary on cron (Europe/Warsaw).

Two ways to run them for real (Prefect's no-server mode never fires schedules):

  1. One machine:   prefect server start            # in one terminal (SQLite or PostgreSQL)
                    PREFECT_API_URL=http://127.0.0.1:4200/api python deploy.py --serve
  2. A work pool:   prefect work-pool create synergia --type process
                    PREFECT_API_URL=... python deploy.py --work-pool synergia
                    PREFECT_API_URL=... PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30 \
                        prefect worker start --pool synergia   # on each worker machine
     ``--work-pool`` also creates (once) the automation that marks a flow run whose heartbeats stopped
     (its worker machine died) as Crashed, so the project's concurrency slot is freed and the next run
     starts; see README "Many projects".

Schedules and time zone come from each project's ``schedules:`` section.
Parameters carry only the project file path — never personal data.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))

from synergia.bootstrap import prefect_environment  # noqa: E402

prefect_environment()  # before anything imports prefect: it reads its settings once, at import

from config.project import ConfigError, ProjectConfig, load_project  # noqa: E402
from config.settings import PROJECTS_DIR  # noqa: E402

if TYPE_CHECKING:
    from prefect.automations import Automation
    from prefect.client.schemas.objects import ConcurrencyLimitConfig
    from prefect.deployments.runner import RunnerDeployment


def project_files(selected: list[str] | None = None) -> list[Path]:
    files = sorted(PROJECTS_DIR.glob("*.yaml"))
    if selected:
        files = [f for f in files if f.stem in selected or str(f) in selected]
    return files


def schedules_of(project: ProjectConfig) -> dict[str, tuple[str, str]]:
    s = project.schedules
    return {"nightly": (s.nightly, s.timezone), "monthly": (s.monthly, s.timezone)}


def one_at_a_time() -> ConcurrencyLimitConfig:
    """At most one run per project and flow: a second trigger waits in ``AwaitingConcurrencySlot`` (shown in the UI)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    return ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)


def build_deployments(files: list[Path]) -> list[RunnerDeployment]:
    """RunnerDeployments for ``flow.serve``-style local serving (no API call here); ``synergia serve`` uses them too."""
    from prefect.schedules import Cron

    from flows.monthly import monthly
    from flows.nightly import nightly

    flows = {"nightly": nightly, "monthly": monthly}
    deployments = []
    for path in files:
        project = load_project(path)
        for kind, (cron, tz) in schedules_of(project).items():
            deployments.append(
                flows[kind].to_deployment(
                    name=f"{project.slug}-{kind}",
                    schedules=[Cron(cron, timezone=tz)],
                    parameters={"project_path": str(path.resolve())},
                    tags=["synergia", project.slug, kind],
                    description=f"{kind} — {project.name}",
                    concurrency_limit=one_at_a_time(),
                )
            )
    return deployments


def deploy_to_pool(files: list[Path], pool: str) -> list[str]:
    """Register deployments whose code is this checkout, for process workers of ``pool``."""
    from prefect import flow as prefect_flow
    from prefect.schedules import Cron

    ids = []
    for path in files:
        project = load_project(path)
        for kind, (cron, tz) in schedules_of(project).items():
            remote = prefect_flow.from_source(source=str(REPO), entrypoint=f"flows/{kind}.py:{kind}")
            ids.append(
                str(
                    remote.deploy(
                        name=f"{project.slug}-{kind}",
                        work_pool_name=pool,
                        schedules=[Cron(cron, timezone=tz)],
                        parameters={"project_path": str(path.resolve())},
                        tags=["synergia", project.slug, kind],
                        concurrency_limit=one_at_a_time(),
                    )
                )
            )
    return ids


#: Name of the automation that marks flow runs without heartbeats as Crashed (Prefect's "zombie flows" recipe).
CRASH_AUTOMATION = "synergia: flow run without heartbeat -> Crashed"


def crash_detection(within_seconds: int) -> Automation:
    """Prefect's self-hosted recipe (docs "Detect zombie flows"): a flow run that sent a heartbeat and then
    neither another heartbeat nor a final state within ``within_seconds`` is set to Crashed. Needs workers
    started with ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` (seconds, >= 30) well below ``within_seconds``."""
    from datetime import timedelta

    from prefect.automations import Automation
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    return Automation(
        name=CRASH_AUTOMATION,
        description="Synergia (deploy.py): a worker that died mid-run leaves its flow run Crashed, not Running forever.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=within_seconds),
        ),
        actions=[
            ChangeFlowRunState(state=StateType.CRASHED, message=f"Brak sygnału życia od {within_seconds} s (no heartbeat: the worker died)")
        ],
    )


def ensure_crash_detection(within_seconds: int) -> str:
    """Create the crash-detection automation, or update it to ``within_seconds``; returns its id."""
    from prefect.automations import Automation

    wanted = crash_detection(within_seconds)
    try:
        existing = Automation.read(name=CRASH_AUTOMATION)
    except ValueError:
        return str(wanted.create().id)
    existing.trigger, existing.actions, existing.description = wanted.trigger, wanted.actions, wanted.description
    existing.update()
    return str(existing.id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", action="store_true", help="serve all deployments from this process (needs PREFECT_API_URL)")
    parser.add_argument("--work-pool", help="register deployments in this work pool instead of serving")
    parser.add_argument(
        "--crash-after",
        type=int,
        default=120,
        metavar="SECONDS",
        help="with --work-pool: a run silent this long (no heartbeat) is marked Crashed (default 120; "
        "workers need PREFECT_FLOWS_HEARTBEAT_FREQUENCY well below it, e.g. 30)",
    )
    parser.add_argument("--project", action="append", help="only this project slug (repeatable); default: all")
    parser.add_argument("--list", action="store_true", help="print deployments and schedules, then exit")
    args = parser.parse_args(argv)
    if args.crash_after < 60:
        parser.error("--crash-after: co najmniej 60 s, dwa sygnały życia (at least 60 s: two heartbeats of 30 s)")
    try:
        files = project_files(args.project)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not files:
        print("Brak projektów do wdrożenia (no project files matched).", file=sys.stderr)
        return 2
    if args.list or not (args.serve or args.work_pool):
        for path in files:
            project = load_project(path)
            for kind, (cron, tz) in schedules_of(project).items():
                print(f"{project.slug}-{kind}\t{cron}\t{tz}\t{path}")
        return 0
    if args.work_pool:
        for deployment_id in deploy_to_pool(files, args.work_pool):
            print(deployment_id)
        print(f"crash detection: {ensure_crash_detection(args.crash_after)}", file=sys.stderr)
        return 0
    from prefect import serve

    serve(*build_deployments(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
