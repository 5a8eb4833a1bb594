"""Spreadsheet backends behind one seam; ``backend_for`` picks the one a project uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from synergia.sheets.base import SheetData, SpreadsheetBackend, SpreadsheetError

if TYPE_CHECKING:
    from config.project import ProjectConfig
    from config.settings import Settings

__all__ = ["SheetData", "SpreadsheetBackend", "SpreadsheetError", "backend_for"]


def backend_for(project: ProjectConfig, settings: Settings | None = None) -> SpreadsheetBackend:
    """The project's backend, built from settings by ``synergia.runtime.sheets_backend`` (the one place)."""
    from synergia import runtime

    return runtime.sheets_backend(project, settings)
