"""The storage seam: put bytes under a name, get them back by the returned URI."""
from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Storage(Protocol):
    def put(self, name: str, content: bytes, mime: str) -> str:
        """Store ``content`` under ``name`` (``a/b/c.pdf``; replaces an existing one) and return its URI."""
        ...

    def get(self, uri: str) -> bytes:
        """Content of a URI returned by ``put``."""
        ...


def get_storage(settings=None) -> Storage:  # noqa: ANN001
    """The backend chosen by ``SYNERGIA_STORAGE_BACKEND`` (local folder unless told otherwise)."""
    from config.settings import get_settings

    settings = settings or get_settings()
    if settings.storage_backend == "gdrive":
        from synergia.storage.gdrive import GoogleDriveStorage  # written by the Sheets/Drive concern

        return GoogleDriveStorage.from_settings(settings)
    from synergia.storage.local import LocalStorage

    return LocalStorage(settings.certificates_dir)
