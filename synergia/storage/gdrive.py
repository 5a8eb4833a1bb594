"""Google Drive folder behind the storage seam: ``put(name, content, mime) -> 'gdrive://<file id>'``.

One multipart upload per file (metadata + bytes in a single request) through
google-api-python-client on the shared Google session, so the endpoint
override, timeouts and bounded retry apply to uploads too.
"""

from __future__ import annotations

import io
from typing import Any

from synergia.errors import SafeMessage

URI_PREFIX = "gdrive://"


class StorageError(SafeMessage, Exception):
    """An upload failed. Carries the file name (a certificate number), never personal data."""


class GoogleDriveStorage:
    name = "gdrive"

    def __init__(self, drive_service: Any, folder_id: str):
        self.drive = drive_service
        self.folder_id = folder_id

    def put(self, name: str, content: bytes, mime: str) -> str:
        """Upload into the folder; a file of the same name there is replaced (same id), as the seam promises.

        ``name`` is used as the Drive file name as is (``a/b.pdf`` stays one name: Drive
        folders are not paths)."""
        from googleapiclient.errors import HttpError
        from googleapiclient.http import MediaIoBaseUpload

        media = MediaIoBaseUpload(io.BytesIO(content), mimetype=mime, resumable=False)
        try:
            existing = self._find(name)
            if existing is not None:
                done = (
                    self.drive.files()
                    .update(fileId=existing, body={"mimeType": mime}, media_body=media, fields="id", supportsAllDrives=True)
                    .execute()
                )
            else:
                done = (
                    self.drive.files()
                    .create(body={"name": name, "parents": [self.folder_id]}, media_body=media, fields="id", supportsAllDrives=True)
                    .execute()
                )
        except HttpError as exc:
            raise StorageError(f"Nie udało się wysłać pliku {name} na Dysk Google (Drive API {exc.resp.status}).") from None
        return URI_PREFIX + done["id"]

    def _find(self, name: str) -> str | None:
        quoted = name.replace("\\", "\\\\").replace("'", "\\'")
        q = f"name = '{quoted}' and '{self.folder_id}' in parents and trashed = false"
        found = (
            self.drive.files().list(q=q, fields="files(id)", pageSize=1, supportsAllDrives=True, includeItemsFromAllDrives=True).execute()
        )
        files = found.get("files", [])
        return files[0]["id"] if files else None

    def get(self, uri: str) -> bytes:
        """Download a stored file (for checks and re-sending)."""
        file_id = uri[len(URI_PREFIX) :] if uri.startswith(URI_PREFIX) else uri
        return self.drive.files().get_media(fileId=file_id, supportsAllDrives=True).execute()
