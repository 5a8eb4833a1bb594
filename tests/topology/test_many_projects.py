"""Many projects on Prefect's self-hosted production topology, as processes on this machine.

PostgreSQL (Prefect's database through asyncpg, and the registry), ``prefect server start``, a process
work pool, ``deploy.py --work-pool`` for all six projects, two ``prefect worker start`` processes, a real
SMTP server (aiosmtpd). One demo night is killed twice:

1. the worker running it gets SIGKILL (its flow-run process notices the lost worker and reports Crashed);
2. the worker *and* its flow-run process get SIGKILL while an e-mail is in flight (a worker machine losing
   power): only the heartbeat automation that ``deploy.py`` creates can mark that run Crashed.

Then every project's nightly run is triggered at once, plus a second demo run: all complete, no two runs of
one project overlap, and the demo project ends with exactly the certificates and e-mails of an uninterrupted
night computed separately (nothing lost), each certificate once and each e-mail received once (nothing doubled).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.topology.stack import POOL, REPO, Topology, descendants, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PROJECTS = sorted(p.stem for p in (REPO / "config" / "projects").glob("*.yaml"))
CRASHED_PROJECT = "demo"
HEARTBEAT_SECONDS = 30  # Prefect's minimum
CRASH_AFTER = 75  # the automation's silence window: 2.5 heartbeats

REFERENCE = textwrap.dedent("""
    # the nightly steps as plain functions (no Prefect), uninterrupted, on a copy of the same workbook
    import json, sys
    from prefect.logging import disable_run_logger
    from sqlalchemy import create_engine, text
    from tasks.certificates import issue_certificates
    from tasks.dedupe import cluster_participants
    from tasks.mail import send_mail
    from tasks.registry import prepare_registry, upsert_registry
    from tasks.sources import read_sources
    from tasks.validate import validate_rows
    from tasks.writeback import write_quarantine_tab
    path = sys.argv[1]
    with disable_run_logger():
        prepare_registry.fn(path)
        batch = validate_rows.fn(path, read_sources.fn(path))
        upsert_registry.fn(path, batch)
        write_quarantine_tab.fn(path, batch.owned_tabs.get("Odrzucone"))
        cluster_participants.fn(path, batch.owned_tabs.get("Do sprawdzenia"))
        issue_certificates.fn(path)
        send_mail.fn(path)
    engine = create_engine(sys.argv[2])
    with engine.connect() as c:
        print(json.dumps({
            "certificates": c.execute(text("select count(*) from certificates")).scalar(),
            "mail": c.execute(text("select count(*) from mail_deliveries")).scalar(),
            "sent": c.execute(text("select count(*) from mail_deliveries where status = 'sent'")).scalar()}))
""")


class StallingHandler:
    """aiosmtpd handler: records each message; once ``stall_at`` messages have arrived, the next RCPT waits
    (the message is in flight, not yet accepted) until ``release`` — so a kill lands mid-mail, deterministically."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.stall_at: int | None = None
        self.stalled = False
        self.generation = 0

    def release(self) -> None:
        self.stall_at, self.stalled = None, False
        self.generation += 1

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stall_at is not None and len(self.received) >= self.stall_at:
            self.stalled, generation = True, self.generation
            while self.generation == generation:
                await asyncio.sleep(0.2)
            return "421 closing"  # the client gave up or died by now
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(bytes(envelope.original_content or envelope.content), policy=policy.default)
        self.received.append(str(message["Message-ID"]).strip("<>"))
        return "250 Message accepted for delivery"


def _registry(url: str, sql: str, **params: object) -> list[tuple]:
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sqlalchemy.text(sql), params)]
    except sqlalchemy.exc.ProgrammingError:  # tables not migrated yet
        return []
    finally:
        engine.dispose()


def _count(url: str, table: str, project: str = CRASHED_PROJECT, where: str = "") -> int:
    rows = _registry(url, f"select count(*) from {table} where project = :p {where}", p=project)
    return rows[0][0] if rows else 0


def _runner_of(topo: Topology, names: list[str], timeout: float = 300) -> str:
    """The worker whose process tree holds a flow-run process now."""
    return topo.wait(
        lambda: next((n for n in names if topo.procs[n].poll() is None and descendants(topo.procs[n].pid)), None),
        timeout,
        "a worker to start the flow run",
        interval=0.3,
    )


def test_six_projects_two_workers_one_killed_mid_run(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    from config.project import load_project
    from devtools.demo.generator import generate_workbook

    topo = Topology(tmp_path / "topology", heartbeat_seconds=HEARTBEAT_SECONDS)
    handler = StallingHandler()
    smtp_port = free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    topo.extra_env = {
        "SYNERGIA_MAIL_BACKEND": "smtp",
        "SYNERGIA_SMTP_HOST": "127.0.0.1",
        "SYNERGIA_SMTP_PORT": str(smtp_port),
        "SYNERGIA_SMTP_SECURITY": "none",
        "SYNERGIA_SMTP_TIMEOUT": "20",
    }
    workers = ["worker-1", "worker-2"]
    try:
        topo.start_postgres()
        for slug in PROJECTS:
            project = load_project(REPO / "config" / "projects" / f"{slug}.yaml")
            generate_workbook(project, topo.data / project.spreadsheet.id, seed=17)
        pristine = tmp_path / "pristine.xlsx"
        demo_book = topo.data / load_project(REPO / "config" / "projects" / "demo.yaml").spreadsheet.id
        shutil.copy(demo_book, pristine)

        topo.start_server(timeout=300)
        topo.create_pool()
        topo.deploy(crash_after=600)
        deployments = topo.deploy(crash_after=CRASH_AFTER)  # run again (a project changed): updated, not doubled
        assert {d["name"] for d in deployments} == {f"{s}-{k}" for s in PROJECTS for k in ("nightly", "monthly")}
        for d in deployments:
            assert d["work_pool_name"] == POOL
            assert d["global_concurrency_limit"]["limit"] == 1
            assert d["concurrency_options"]["collision_strategy"] == "ENQUEUE"
            assert list(d["parameters"]) == ["project_path"]  # a path, never personal data
        automations = topo.api_post("/automations/filter")
        assert [a["trigger"]["within"] for a in automations if a["name"].startswith("synergia:")] == [CRASH_AFTER]
        nightly = {d["name"].removesuffix("-nightly"): d["id"] for d in deployments if d["name"].endswith("-nightly")}
        for name in workers:
            topo.start_worker(name, limit=2)
        topo.wait_workers_online(workers)
        all_runs: dict[str, list[str]] = {slug: [] for slug in PROJECTS}

        # 1. SIGKILL the worker running the demo night, once certificates are being issued
        #    (mail stalls from the 1st message, so the run cannot end before the kill)
        handler.stall_at = 0
        first = topo.trigger(nightly[CRASHED_PROJECT])
        all_runs[CRASHED_PROJECT].append(first)
        owner = _runner_of(topo, workers)
        topo.wait(lambda: _count(topo.registry_url, "certificates") > 0, 600, "the first certificates", watch=[owner], interval=0.2)
        assert topo.runs([first])[0]["state"]["type"] == "RUNNING"
        topo.kill(owner)
        crashed = topo.wait_finished([first], 300)[first]
        assert crashed["state"]["type"] == "CRASHED", crashed["state"]
        handler.release()
        topo.start_worker(owner, limit=2)  # what systemd's Restart=on-failure does

        # 2. SIGKILL worker and flow-run process (the machine dies) while the 4th e-mail of the next demo night is in flight
        sent_before = len(handler.received)
        handler.stall_at = sent_before + 3
        second = topo.trigger(nightly[CRASHED_PROJECT])
        all_runs[CRASHED_PROJECT].append(second)
        topo.wait_workers_online(workers)
        owner = _runner_of(topo, workers)
        topo.wait(lambda: handler.stalled, 600, "the 4th e-mail to be in flight", watch=[owner], interval=0.3)
        killed_at = time.time()
        killed = topo.kill_tree(owner)
        assert len(killed) >= 2  # the worker and its flow-run process
        handler.release()
        in_flight = _count(topo.registry_url, "mail_deliveries", where="and status = 'sending'")
        assert in_flight == 1 and len(handler.received) == sent_before + 3
        crashed = topo.wait_finished([second], CRASH_AFTER + 240)[second]
        assert crashed["state"]["type"] == "CRASHED", crashed["state"]
        assert "heartbeat" in crashed["state"]["message"]
        assert time.time() - killed_at >= CRASH_AFTER - HEARTBEAT_SECONDS  # marked by the automation, not by the run
        topo.start_worker(owner, limit=2)
        topo.wait_workers_online(workers)

        # 3. every project's night at once, plus a second demo night that must wait for the first
        #    (the two demo runs first, so that both are among the first four the workers take)
        for slug in [CRASHED_PROJECT, CRASHED_PROJECT] + [s for s in PROJECTS if s != CRASHED_PROJECT]:
            all_runs[slug].append(topo.trigger(nightly[slug]))
        night = [ids[-1] for ids in all_runs.values()] + [all_runs[CRASHED_PROJECT][-2]]
        finished = topo.wait_finished(night, 1800, watch=workers)
        assert {r["name"]: r["state"]["type"] for r in finished.values()} == {r["name"]: "COMPLETED" for r in finished.values()}, "\n".join(
            topo.log(w, 3000) for w in workers
        )

        # one project's runs never overlap (the crashed ones included: their end is when Prefect marked them)
        runs = {r["id"]: r for r in topo.runs([i for ids in all_runs.values() for i in ids])}
        for slug, ids in all_runs.items():
            spans = sorted((runs[i]["start_time"], runs[i]["end_time"]) for i in ids)
            for (_, end), (start, _) in itertools.pairwise(spans):
                assert end <= start, f"two runs of {slug} overlapped"
        waited = [[s["name"] for s in topo.states(i)] for i in all_runs[CRASHED_PROJECT][-2:]]
        assert any("AwaitingConcurrencySlot" in names for names in waited), waited
        assert len({runs[i]["work_queue_name"] for ids in all_runs.values() for i in ids}) == 1

        # nothing lost: the same as an uninterrupted night on the same workbook, computed apart
        ref_dir = tmp_path / "reference"
        (ref_dir / demo_book.relative_to(topo.data)).parent.mkdir(parents=True)
        shutil.copy(pristine, ref_dir / demo_book.relative_to(topo.data))
        ref_db = f"sqlite:///{ref_dir / 'synergia.db'}"
        env = topo.env(SYNERGIA_DATA_DIR=str(ref_dir), SYNERGIA_DATABASE_URL=ref_db, SYNERGIA_MAIL_BACKEND="outbox")
        done = subprocess.run(
            [sys.executable, "-c", REFERENCE, str(REPO / "config" / "projects" / "demo.yaml"), ref_db],
            check=False,
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        reference = json.loads(done.stdout.strip().splitlines()[-1])
        assert reference["certificates"] > 3 and reference["sent"] == reference["mail"] > 3

        url = topo.registry_url
        assert _count(url, "certificates") == reference["certificates"]
        assert _count(url, "mail_deliveries") == reference["mail"]
        assert _count(url, "mail_deliveries", where="and status = 'sent'") == reference["sent"]
        revisions = _registry(
            url,
            "select count(*) from certificate_revisions r join certificates c on c.id = r.certificate_id where c.project = :p",
            p=CRASHED_PROJECT,
        )[0][0]
        assert revisions == reference["certificates"]  # no certificate re-issued
        pdfs = list((topo.data / "certificates" / CRASHED_PROJECT).rglob("*.pdf"))
        assert len(pdfs) == reference["certificates"]

        # nothing doubled: every e-mail of the project arrived exactly once, the one in flight at the kill included
        ours = {
            mid.strip("<>") for (mid,) in _registry(url, "select message_id from mail_deliveries where project = :p", p=CRASHED_PROJECT)
        }
        arrived = Counter(m for m in handler.received if m in ours)
        assert set(arrived) == ours
        assert {m: n for m, n in arrived.items() if n > 1} == {}
        recovered = _registry(url, "select sum(recoveries) from mail_deliveries where project = :p", p=CRASHED_PROJECT)[0][0]
        assert recovered >= 1  # the e-mail caught "sending" by the machine's death was found, then sent once

        # every project: all its e-mail sent, each received once
        every = _registry(url, "select message_id, status from mail_deliveries")
        assert {status for _, status in every} == {"sent"}
        assert Counter(handler.received) == Counter(mid.strip("<>") for mid, _ in every)
        assert all(_count(url, "sync_runs", slug) >= 1 for slug in PROJECTS)
    finally:
        handler.release()
        topo.close()
        smtp.stop()
