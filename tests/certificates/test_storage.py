"""Local folder storage: round trip, atomic replace, no escaping the folder."""

from __future__ import annotations

import pytest

from config.settings import Settings
from synergia.runtime import storage as get_storage
from synergia.storage.base import Storage
from synergia.storage.local import LocalStorage


def test_put_get_round_trip_and_replace(tmp_path):
    store = LocalStorage(tmp_path / "certs")
    uri = store.put("proj/dt/a.pdf", b"%PDF-1 first", "application/pdf")
    assert uri.startswith("file://") and store.get(uri) == b"%PDF-1 first"
    assert store.put("proj/dt/a.pdf", b"%PDF-1 second", "application/pdf") == uri
    assert store.get(uri) == b"%PDF-1 second"
    assert sorted(p.name for p in (tmp_path / "certs" / "proj" / "dt").iterdir()) == ["a.pdf"]  # no temp files left


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    store = LocalStorage(tmp_path)
    uri = store.put("x.pdf", b"old", "application/pdf")

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr("synergia.storage.local.os.replace", boom)
    with pytest.raises(OSError):
        store.put("x.pdf", b"new", "application/pdf")
    assert store.get(uri) == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.pdf"]


@pytest.mark.parametrize("name", ["../evil.pdf", "/etc/passwd", "a/../../b.pdf", ""])
def test_names_cannot_escape_the_folder(tmp_path, name):
    with pytest.raises(ValueError):
        LocalStorage(tmp_path / "root").put(name, b"x", "application/pdf")


def test_get_refuses_files_outside_the_root(tmp_path):
    (tmp_path / "secret.txt").write_text("x")
    store = LocalStorage(tmp_path / "root")
    with pytest.raises(ValueError):
        store.get((tmp_path / "secret.txt").as_uri())


def test_default_backend_is_the_local_certificates_folder(tmp_path):
    store = get_storage(Settings(data_dir=tmp_path))
    assert isinstance(store, Storage) and isinstance(store, LocalStorage)
    uri = store.put("p/c.pdf", b"%PDF", "application/pdf")
    assert (tmp_path / "certificates" / "p" / "c.pdf").read_bytes() == b"%PDF" and store.get(uri) == b"%PDF"
