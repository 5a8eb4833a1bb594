"""Spreadsheet backends behind one seam; ``backend_for`` picks the one a project uses."""
from __future__ import annotations

from typing import TYPE_CHECKING

from synergia.sheets.base import SheetData, SpreadsheetBackend, SpreadsheetError

if TYPE_CHECKING:
    from config.project import ProjectConfig
    from config.settings import Settings

__all__ = ["SheetData", "SpreadsheetBackend", "SpreadsheetError", "backend_for"]


def backend_for(project: "ProjectConfig", settings: "Settings | None" = None) -> SpreadsheetBackend:
    """The project's own choice if it names one, else ``SYNERGIA_SHEETS_BACKEND``."""
    from config.settings import get_settings

    settings = settings or get_settings()
    kind = project.spreadsheet.backend or settings.sheets_backend
    if kind == "gsheets":
        from synergia.sheets.gsheets import GoogleSheetsBackend

        return GoogleSheetsBackend.from_settings(settings)
    from synergia.sheets.workbook import WorkbookBackend

    return WorkbookBackend(settings.resolved_data_dir)
