"""Local folder storage: atomic writes so a crash never leaves half a PDF behind."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath


class LocalStorage:
    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    def _path(self, name: str) -> Path:
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise ValueError(f"niedozwolona nazwa pliku (invalid storage name): {name!r}")
        return self.root.joinpath(*rel.parts)

    def put(self, name: str, content: bytes, mime: str) -> str:  # noqa: ARG002  (mime matters for Drive only)
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path.as_uri()

    def get(self, uri: str) -> bytes:
        if not uri.startswith("file://"):
            raise ValueError(f"to nie jest plik lokalny (not a local storage URI): {uri!r}")
        from urllib.parse import unquote, urlparse

        path = Path(unquote(urlparse(uri).path)).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError("URI poza katalogiem magazynu (URI outside the storage root)")
        return path.read_bytes()
