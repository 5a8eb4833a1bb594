"""Certificate settings in the project file: formats that would break numbering or verification are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.certificates import CertificatesConfig

CYCLE = {"id": "dt", "title": "Szkolenie", "events": ["e1"], "rule": {"min_attendance_ratio": 0.8}}


@pytest.mark.parametrize(
    "override, message",
    [
        ({"number_format": "{prefix}/{seq:04d}"}, "{year}"),
        ({"number_format": "{prefix}/{year}"}, "{seq}"),
        ({"number_format": "{prefix}/{year}/{nr}"}, "number_format"),
        ({"verification_url": "https://example.org/z/"}, "{code}"),
        ({"cycles": [CYCLE, CYCLE]}, "duplicate cycle"),
        ({"cycles": [dict(CYCLE, rule={})]}, "min_attendance_ratio"),
        ({"auto_revoke_limit": 0}, "auto_revoke_limit"),
    ],
)
def test_bad_settings_are_refused(override, message):
    with pytest.raises(ValidationError, match=message):
        CertificatesConfig.model_validate({"cycles": [CYCLE], **override})


def test_defaults_number_per_year():
    cfg = CertificatesConfig.model_validate({"cycles": [CYCLE], "prefix": "ZS"})
    assert cfg.number_format.format(prefix=cfg.prefix, year=2026, seq=7) == "ZS/2026/0007"
    assert cfg.template == "certificate.yaml" and cfg.revoke_when_ineligible and cfg.auto_revoke_limit == 0.2
