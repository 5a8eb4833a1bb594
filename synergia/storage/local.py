"""Local folder storage: atomic writes so a crash never leaves half a PDF behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath


class LocalStorage:
    def __init__(self, root: str | Path, file_mode: int | None = None):
        """``file_mode``: permissions of written files (default: the temp file's 0600, private)."""
        self.root = Path(root).resolve()
        self.file_mode = file_mode

    def _path(self, name: str) -> Path:
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise ValueError(f"niedozwolona nazwa pliku (invalid storage name): {name!r}")
        return self.root.joinpath(*rel.parts)

    def put(self, name: str, content: bytes, mime: str) -> str:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
                if self.file_mode is not None:
                    os.fchmod(fh.fileno(), self.file_mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path.as_uri()

    def read(self, name: str) -> bytes | None:
        """Content stored under ``name``, or None (lets a publisher skip writing what did not change)."""
        path = self._path(name)
        return path.read_bytes() if path.is_file() else None

    def names(self, under: str = "") -> list[str]:
        """Names of the files stored under folder ``under`` (``a/b``), recursively; temp files left out."""
        base = self._path(under) if under else self.root
        if not base.is_dir():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file() and not p.name.startswith(".tmp-"))

    def delete(self, name: str) -> None:
        """Remove ``name`` and the folders it leaves empty (up to the root)."""
        path = self._path(name)
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == self.root or not parent.is_relative_to(self.root):
                break
            try:
                parent.rmdir()
            except OSError:  # not empty
                break

    def get(self, uri: str) -> bytes:
        if not uri.startswith("file://"):
            raise ValueError(f"to nie jest plik lokalny (not a local storage URI): {uri!r}")
        from urllib.parse import unquote, urlparse

        path = Path(unquote(urlparse(uri).path)).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError("URI poza katalogiem magazynu (URI outside the storage root)")
        return path.read_bytes()
