"""One Counts base with its labels; runtime turns Settings into adapters; a step's context builds them lazily."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from config.settings import PROJECTS_DIR, Settings
from synergia import runtime
from synergia.counts import LABELS, NIGHTLY, Counts, label, nightly_keys


def _counts_classes() -> dict[str, type[Counts]]:
    from synergia.certificates.service import IssueCounts
    from synergia.dedupe.store import DedupeCounts
    from synergia.mail.deliveries import DeliveryReport
    from synergia.registry.sync import SyncCounts

    return {c.step: c for c in (SyncCounts, DedupeCounts, IssueCounts, DeliveryReport)}


def test_every_label_names_a_field_of_its_steps_counts() -> None:
    classes = _counts_classes()
    assert set(LABELS) == set(classes)
    for step, labels in LABELS.items():
        fields = {f.name for f in dataclasses.fields(classes[step])}
        assert set(labels) <= fields, (step, set(labels) - fields)
        assert all(text.endswith(")") and " (" in text for text in labels.values())  # Polish (English)
    for step, keys in NIGHTLY.items():
        assert set(keys) <= set(LABELS[step])


def test_labels_of_flat_keys_and_the_nightly_selection() -> None:
    assert label("rows") == "Wiersze w źródłach (rows read)"
    assert label("mail.sent") == "Poczta: wysłane (sent)"
    assert label("dedupe.review_rows") == "dedupe.review_rows"  # unlabelled measures show their key
    assert nightly_keys()[0] == "dedupe.persons_merged" and nightly_keys()[-1] == "mail.still_pending"


def test_as_dict_merges_open_ended_counts_and_rows_follow_the_labels() -> None:
    classes = _counts_classes()
    dedupe = classes["dedupe"](persons_merged=3)
    dedupe.extra.update(review_rows=2)
    out = dedupe.as_dict()
    assert out["persons_merged"] == 3 and out["review_rows"] == 2 and "extra" not in out
    report = classes["mail"](sent=5, failed=1)
    assert report.rows()[:3] == [("wzięte do wysyłki (picked)", 0), ("wysłane (sent)", 5), ("błędy stałe (failed)", 1)]
    assert report.as_dict()["locked"] is False  # as_dict keeps every field, labelled or not


def test_adapters_come_from_the_settings_given(tmp_path: Path) -> None:
    from synergia.mail.transports import OutboxTransport, SmtpTransport
    from synergia.sheets.workbook import WorkbookBackend
    from synergia.storage.local import LocalStorage

    settings = Settings(data_dir=tmp_path / "d")
    ctx = runtime.context(PROJECTS_DIR / "demo.yaml", settings=settings)
    assert ctx.project.slug == "demo" and ctx.settings is settings
    assert "storage" not in vars(ctx)  # built on first use only
    assert isinstance(ctx.storage, LocalStorage) and isinstance(ctx.transport, OutboxTransport)
    assert isinstance(ctx.sheets, WorkbookBackend)
    assert ctx.registry.url == f"sqlite:///{tmp_path / 'd' / 'synergia.db'}"
    smtp = runtime.mail_transport(
        Settings(data_dir=tmp_path, mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=2526, smtp_security="none")
    )
    assert isinstance(smtp, SmtpTransport)
    from sqlalchemy import text

    slow = runtime.registry(Settings(data_dir=tmp_path / "e", database_busy_timeout=7.5))
    with slow.engine.connect() as conn:  # the registry engine waits as long as the settings say
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 7500


def test_a_secret_block_key_needs_the_reader_the_upper_layers_install() -> None:
    from synergia.google.client import GoogleConfigError, load_service_account_info

    with pytest.raises(GoogleConfigError, match="Prefect"):
        load_service_account_info("block:klucz")
    seen = []
    info = load_service_account_info("block:klucz", read_secret=lambda name: seen.append(name) or '{"type": "x"}')
    assert info == {"type": "x"} and seen == ["klucz"]
