"""`synergia serve` end to end: its own Prefect server, every project's two deployments, one run at a time, SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.settings import PROJECTS_DIR

REPO = Path(__file__).resolve().parents[2]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(method: str, url: str, **kwargs: object):
    """One API call, retried on 503 as Prefect's own client does: the server answers 503 while its SQLite is busy."""
    import httpx

    for attempt in range(30):
        response = httpx.request(method, url, timeout=30, **kwargs)
        if response.status_code != 503:
            break
        time.sleep(min(1 + attempt, 5))
    response.raise_for_status()
    return response.json()


def _post(url: str, body: dict | None = None):
    return _call("POST", url, json=body or {})


def _wait(predicate: Callable[[], Any], timeout: float, what: str, proc: subprocess.Popen, log: Path) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"synergia serve exited with {proc.returncode}: {log.read_text()[-3000:]}"
        try:
            value = predicate()
        except Exception:  # the server may not answer yet
            value = None
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}: {log.read_text()[-3000:]}")


def test_next_runs_are_cron_times_in_warsaw_soonest_first() -> None:
    import deploy
    from cli.commands_serve import next_runs

    warsaw = ZoneInfo("Europe/Warsaw")
    before = datetime(2026, 12, 1, 0, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 in Warsaw
    rows = next_runs(deploy, [PROJECTS_DIR / "demo.yaml"], now=before)
    assert [(name, when) for name, _cron, _tz, when in rows] == [
        ("demo-nightly", datetime(2026, 12, 1, 2, 0, tzinfo=warsaw)),
        ("demo-monthly", datetime(2026, 12, 1, 6, 0, tzinfo=warsaw)),  # the 1st, 06:00
    ]
    after = datetime(2026, 12, 1, 2, 0, 30, tzinfo=warsaw)
    later = {name: when for name, _cron, _tz, when in next_runs(deploy, [PROJECTS_DIR / "demo.yaml"], now=after)}
    assert later == {"demo-nightly": datetime(2026, 12, 2, 2, 0, tzinfo=warsaw), "demo-monthly": datetime(2026, 12, 1, 6, 0, tzinfo=warsaw)}


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.timeout(1200)  # waits up to 360 s for the deployments and 400 s for the runs
def test_serve_registers_every_project_runs_one_at_a_time_and_stops_on_sigterm(tmp_path: Path) -> None:
    from config.project import load_project
    from devtools.demo.generator import generate_workbook

    data = tmp_path / "data"
    project = load_project(PROJECTS_DIR / "demo.yaml")
    generate_workbook(project, data / project.spreadsheet.id, seed=11, people=30)
    port = _port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SYNERGIA_"))}
    env.update(SYNERGIA_DATA_DIR=str(data), PYTHONPATH=str(REPO))  # PREFECT_HOME: the bootstrap puts it in the data dir
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port), "--startup-timeout", "300"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        expected = {f"{p.stem}-{kind}" for p in PROJECTS_DIR.glob("*.yaml") for kind in ("nightly", "monthly")}
        assert len(expected) == 12
        deployments = _wait(
            lambda: (d := _post(f"{api}/deployments/filter")) and {x["name"] for x in d} == expected and d, 360, "12 deployments", proc, log
        )
        for d in deployments:
            assert d["global_concurrency_limit"]["limit"] == 1
            assert d["concurrency_options"]["collision_strategy"] == "ENQUEUE"
        text = log.read_text()
        assert f"http://127.0.0.1:{port}" in text and "demo-nightly" in text and "0 2 * * *" in text
        assert (data / "prefect" / "server.db").exists()  # the server's SQLite lives in the data dir

        nightly = next(d for d in deployments if d["name"] == "demo-nightly")
        # two runs due at the same instant (the schedule firing twice): the runner fetches and starts
        # both at once, so the second always meets the first's slot. Two runs due "now", created one
        # after the other, may fall into two of the runner's polls; on a fast machine the first was
        # then done before the second was fetched, and nothing ever waited.
        due = (datetime.now(UTC) + timedelta(seconds=25)).isoformat()
        scheduled = {"state": {"type": "SCHEDULED", "name": "Scheduled", "state_details": {"scheduled_time": due}}}
        first = _post(f"{api}/deployments/{nightly['id']}/create_flow_run", scheduled)["id"]
        second = _post(f"{api}/deployments/{nightly['id']}/create_flow_run", scheduled)["id"]

        def finished():
            runs = _post(f"{api}/flow_runs/filter", {"flow_runs": {"id": {"any_": [first, second]}}})
            return (
                runs
                if len(runs) == 2 and all(r["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") for r in runs)
                else None
            )

        runs = {r["id"]: r for r in _wait(finished, 400, "both runs to finish", proc, log)}
        assert [runs[i]["state"]["type"] for i in (first, second)] == ["COMPLETED", "COMPLETED"], log.read_text()[-3000:]
        a, b = sorted(runs.values(), key=lambda r: r["start_time"])
        assert a["end_time"] <= b["start_time"], "two nightly runs of one project overlapped"
        history = _call("GET", f"{api}/flow_run_states/", params={"flow_run_id": b["id"]})
        assert "AwaitingConcurrencySlot" in {s["name"] for s in history}  # what the UI shows for the waiting run
        assert (data / "synergia.db").exists()

        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert time.monotonic() - started < 30
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, "the Prefect server outlived synergia serve"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
