"""First contact: Prefect settings before prefect is imported, a cold `synergia demo` on a busy machine, one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from synergia import bootstrap

REPO = Path(__file__).resolve().parents[2]


def test_defaults_never_override_the_user_and_prefect_home_goes_to_the_data_dir(tmp_path: Path) -> None:
    env = {"SYNERGIA_DATA_DIR": str(tmp_path / "dane"), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "45"}
    added = bootstrap.prefect_environment(env, home=tmp_path / "home")
    assert env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "45"
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" not in added
    assert env["PREFECT_HOME"] == str(tmp_path / "dane" / "prefect")
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    again = dict(env)
    assert bootstrap.prefect_environment(again, home=tmp_path / "home") == {} and again == env  # idempotent


@pytest.mark.parametrize("setting", ["PREFECT_HOME", "PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH"])
def test_a_user_who_configured_prefect_keeps_their_prefect_home(tmp_path: Path, setting: str) -> None:
    env = {setting: "/srv/prefect-of-the-user"}
    bootstrap.prefect_environment(env, home=tmp_path)
    assert env.get("PREFECT_HOME") in (None, "/srv/prefect-of-the-user")


@pytest.mark.parametrize(
    ("profiles", "configured"),
    [
        ('active = "ephemeral"\n\n[profiles.ephemeral]\n', False),
        ('active = "ephemeral"\n\n[profiles.ephemeral]\nPREFECT_API_URL = "http://10.0.0.5:4200/api"\n', True),
        ('active = "fundacja"\n\n[profiles.fundacja]\n', True),
        ("this is [not toml", True),
    ],
)
def test_a_profiles_file_counts_when_it_chooses_something(tmp_path: Path, profiles: str, configured: bool) -> None:
    (tmp_path / ".prefect").mkdir()
    (tmp_path / ".prefect" / "profiles.toml").write_text(profiles, encoding="utf-8")
    assert bootstrap.user_configured_prefect({}, tmp_path) is configured
    env = {"SYNERGIA_DATA_DIR": str(tmp_path / "d")}
    bootstrap.prefect_environment(env, home=tmp_path)
    assert ("PREFECT_HOME" in env) is not configured


def test_the_data_dir_comes_from_dotenv_when_the_environment_has_none(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SYNERGIA_MAIL_BACKEND=smtp\nSYNERGIA_DATA_DIR='/var/lib/synergia'\n", encoding="utf-8")
    assert bootstrap.data_dir({}, tmp_path) == Path("/var/lib/synergia")
    assert bootstrap.data_dir({"SYNERGIA_DATA_DIR": "inne"}, tmp_path) == tmp_path / "inne"


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["check-config", "x.yaml"], {}),
        (["demo", "--help"], {}),
        (["demo"], {"PREFECT_API_URL": "http://127.0.0.1:4200/api"}),
        (["run", "nightly", "-p", "demo"], {"SYNERGIA_EARLY_PREFECT_SERVER": "0"}),
        ([], {}),
    ],
)
def test_no_early_server_where_none_is_needed(argv: list[str], env: dict) -> None:
    before = dict(env)
    assert bootstrap.start_early_server(argv, env) is False
    assert env == before


def _cold_env(data: Path, **extra: str) -> dict[str, str]:
    from benchmarks.demo import demo_env

    return demo_env(data, cold=True, extra=extra)


@pytest.mark.server  # the run tries to start Prefect's temporary server (and is told to give up after 1 s)
def test_a_server_that_does_not_answer_gives_one_line_not_a_traceback(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir()
    env = _cold_env(data, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="1")
    result = subprocess.run(
        [sys.executable, "-m", "cli", "run", "nightly", "-p", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" in result.stderr and "synergia serve" in result.stderr


@pytest.mark.slow
@pytest.mark.timeout(900)  # the demo itself may take 400 s with both cores busy
def test_cold_demo_with_both_cores_busy_exits_0(tmp_path: Path) -> None:
    """A fresh copy of the sources (nothing of the project compiled), fresh data dir and PREFECT_HOME, a burner per core."""
    from benchmarks.demo import Burners, copy_sources, run_demo

    source = copy_sources(tmp_path / "clone")
    assert not list(source.rglob("*.pyc"))
    with Burners():
        seconds, result = run_demo(tmp_path / "var", source=source, cold=True, timeout=400)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "przyjęte + kwarantanna + puste = wiersze" in result.stdout
    assert (tmp_path / "var" / "prefect" / "prefect.db").exists()  # its own Prefect database, not ~/.prefect
    assert not list(source.rglob("*.pyc"))  # it really ran uncompiled
    print(f"cold demo, both cores busy: {seconds:.1f} s")
