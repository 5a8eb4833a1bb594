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
