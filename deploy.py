"""Prefect deployments of every project: nightly sync and monthly summary on cron (Europe/Warsaw).

Two ways to run them for real (Prefect's no-server mode never fires schedules):

  1. One machine:   prefect server start            # in one terminal (SQLite or PostgreSQL)
                    PREFECT_API_URL=http://127.0.0.1:4200/api python deploy.py --serve
  2. A work pool:   prefect work-pool create synergia --type process
                    PREFECT_API_URL=... python deploy.py --work-pool synergia
                    PREFECT_API_URL=... prefect worker start --pool synergia   # on each worker machine

Schedules and time zone come from each project's ``schedules:`` section.
Parameters carry only the project file path — never personal data.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))

from synergia.bootstrap import prefect_environment  # noqa: E402

prefect_environment()  # before anything imports prefect: it reads its settings once, at import

from config.project import ConfigError, ProjectConfig, load_project  # noqa: E402
from config.settings import PROJECTS_DIR  # noqa: E402


def project_files(selected: list[str] | None = None) -> list[Path]:
    files = sorted(PROJECTS_DIR.glob("*.yaml"))
    if selected:
        files = [f for f in files if f.stem in selected or str(f) in selected]
    return files


def schedules_of(project: ProjectConfig) -> dict[str, tuple[str, str]]:
    s = project.schedules
    return {"nightly": (s.nightly, s.timezone), "monthly": (s.monthly, s.timezone)}


def one_at_a_time():
    """At most one run per project and flow: a second trigger waits in ``AwaitingConcurrencySlot`` (shown in the UI)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    return ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)


def build_deployments(files: list[Path]):
    """RunnerDeployments for ``flow.serve``-style local serving (no API call here); ``synergia serve`` uses them too."""
    from prefect.schedules import Cron

    from flows.monthly import monthly
    from flows.nightly import nightly

    flows = {"nightly": nightly, "monthly": monthly}
    deployments = []
    for path in files:
        project = load_project(path)
        for kind, (cron, tz) in schedules_of(project).items():
            deployments.append(flows[kind].to_deployment(
                name=f"{project.slug}-{kind}",
                schedules=[Cron(cron, timezone=tz)],
                parameters={"project_path": str(path.resolve())},
                tags=["synergia", project.slug, kind],
                description=f"{kind} — {project.name}",
                concurrency_limit=one_at_a_time(),
            ))
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
            ids.append(str(remote.deploy(
                name=f"{project.slug}-{kind}", work_pool_name=pool,
                schedules=[Cron(cron, timezone=tz)],
                parameters={"project_path": str(path.resolve())},
                tags=["synergia", project.slug, kind],
                concurrency_limit=one_at_a_time(),
            )))
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", action="store_true", help="serve all deployments from this process (needs PREFECT_API_URL)")
    parser.add_argument("--work-pool", help="register deployments in this work pool instead of serving")
    parser.add_argument("--project", action="append", help="only this project slug (repeatable); default: all")
    parser.add_argument("--list", action="store_true", help="print deployments and schedules, then exit")
    args = parser.parse_args(argv)
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
        return 0
    from prefect import serve

    serve(*build_deployments(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
