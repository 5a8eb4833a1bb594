from __future__ import annotations

import pytest

from tests.mail.smtpd import Handler, start_server


@pytest.fixture
def smtp_server():
    ctl = start_server(Handler())
    yield ctl
    ctl.stop()
