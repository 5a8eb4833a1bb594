"""Deployments: cron schedules in Europe/Warsaw for every project, and a real served run through `prefect server`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.settings import PROJECTS_DIR

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_each_project_gets_nightly_and_monthly_on_warsaw_cron() -> None:
    import deploy

    files = deploy.project_files()
    deployments = deploy.build_deployments(files)
    assert len(deployments) == 2 * len(files) >= 2
    by_name = {d.name: d for d in deployments}
    nightly, monthly = by_name["demo-nightly"], by_name["demo-monthly"]
    assert nightly.schedules[0].schedule.cron == "0 2 * * *"
    assert monthly.schedules[0].schedule.cron == "0 6 1 * *"
    assert {d.schedules[0].schedule.timezone for d in deployments} == {"Europe/Warsaw"}
    assert nightly.parameters == {"project_path": str((PROJECTS_DIR / "demo.yaml").resolve())}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(url)


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.timeout(1200)  # server start (240 s) + the triggered run (420 s)
def test_served_deployment_runs_against_a_real_prefect_server(tmp_path: Path) -> None:
    """`prefect server start` + `deploy.py --serve`, then trigger the nightly deployment like the scheduler would."""
    port = _port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SYNERGIA_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        SYNERGIA_DATA_DIR=str(tmp_path / "data"),
        PREFECT_API_URL=api,
    )
    from config.project import load_project
    from devtools.demo.generator import generate_workbook

    project = load_project(PROJECTS_DIR / "demo.yaml")
    generate_workbook(project, tmp_path / "data" / project.spreadsheet.id, seed=3, people=40)
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [str(bin_dir / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={k: v for k, v in env.items() if k != "PREFECT_API_URL"},
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    served = None
    try:
        _wait_http(f"{api}/health", 240)  # a fresh server database on a busy 2-core machine
        served = subprocess.Popen(
            [sys.executable, str(REPO / "deploy.py"), "--serve", "--project", "demo"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        code = (
            "from prefect.deployments import run_deployment\n"
            "from prefect.exceptions import ObjectNotFound\n"
            "import time\n"
            "for _ in range(120):\n"
            "    try:\n"
            "        run = run_deployment('synergia-nightly/demo-nightly', timeout=300); break\n"
            "    except ObjectNotFound:\n"
            "        time.sleep(1)  # deploy.py --serve has not registered it yet\n"
            "print(run.state.type.value)\n"
        )
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=420, cwd=REPO)
        assert result.stdout.strip().endswith("COMPLETED"), result.stdout[-2000:] + result.stderr[-2000:]
        assert (tmp_path / "data" / "synergia.db").exists()
    finally:
        for proc in (served, server):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
