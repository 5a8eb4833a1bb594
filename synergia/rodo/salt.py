"""The secret salt of erasure tombstones: ``SYNERGIA_RODO_SALT``, else a file made once in the data dir (0600)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.settings import Settings

SALT_FILE = ".rodo-salt"


def load_salt(data_dir: Path, configured: str | None = None) -> bytes:
    """The salt; created (32 random bytes, mode 0600, never overwritten) on first use."""
    if configured:
        return configured.encode("utf-8")
    path = Path(data_dir) / SALT_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_hex(32).encode("ascii"))
    return path.read_bytes().strip()


def salt_from_settings(settings: Settings = None) -> bytes:
    from config.settings import get_settings

    settings = settings or get_settings()
    configured = os.environ.get("SYNERGIA_RODO_SALT") or None
    return load_salt(settings.resolved_data_dir, configured)


def digest(salt: bytes, kind: str, value: str) -> str:
    """HMAC-SHA256 of ``kind:value`` (a normalised identifier) under the salt, hex."""
    return hmac.new(salt, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
