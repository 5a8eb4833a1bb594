from __future__ import annotations

from pathlib import Path

import pytest

from synergia.registry.db import Registry
from tests.mail.smtpd import Handler, start_server


@pytest.fixture
def smtp_server():
    ctl = start_server(Handler())
    yield ctl
    ctl.stop()


@pytest.fixture
def registry(tmp_path: Path):
    reg = Registry(f"sqlite:///{tmp_path / 'registry.db'}")
    yield reg
    reg.dispose()
