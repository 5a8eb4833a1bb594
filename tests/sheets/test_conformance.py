"""The emulator answers like Google: replay of 124 recorded gspread sessions (real Google answers).

Values endpoints are compared exactly; metadata and batchUpdate replies on the fields the
project reads. Interactions that depend on things the emulator does not model (formula
evaluation, grid formats, Drive CSV imports, spreadsheets that existed before the recording)
are skipped with a reason; a mismatch anywhere fails.
"""

from __future__ import annotations

import os

import pytest

from tests.sheets.replay import FIXTURES, replay_all

if not FIXTURES.is_dir() and os.environ.get("CI"):  # CI always has shared/ beside the clone: never skip there
    raise RuntimeError(f"recorded Google fixtures missing at {FIXTURES}")
pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared/fixtures/google-recorded not present")


@pytest.fixture(scope="module")
def report():
    return replay_all()


def test_every_compared_interaction_matches_google(report):
    mismatches = [o for o in report.outcomes if o.verdict == "mismatch"]
    print("\n" + report.summary())
    assert not mismatches, "\n".join(f"{o.file}#{o.index} {o.endpoint}: {o.detail}" for o in mismatches[:10])


def test_replay_covers_the_endpoints_the_project_uses(report):
    assert len(report.outcomes) == 1508  # every recorded Sheets interaction is accounted for
    compared = report.by("match") + report.by("mismatch")
    # The project's own calls: metadata GET, values:batchGet, values:batchUpdate, batchUpdate(addSheet).
    for endpoint in (
        "spreadsheets.get",
        "values.batchGet",
        "values.batchUpdate",
        "spreadsheets.batchUpdate",
        "values.get",
        "values.update",
        "values.clear",
        "values.append",
    ):
        assert compared[endpoint] > 0, endpoint
    # Coverage must not silently erode: at the time of writing 1331 of 1508 are compared.
    assert sum(compared.values()) >= 1325, report.summary()
    skipped = report.by("skip", "reason")
    assert all(reason for reason in skipped), "every skip carries a reason"
