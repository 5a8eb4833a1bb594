"""Run reports as Prefect artifacts: counts only, never personal data."""
from __future__ import annotations

from prefect.artifacts import create_table_artifact

from synergia import runtime
from tasks._prefect import synergia_task

_LABELS = [
    ("rows", "Wiersze w źródłach"), ("accepted", "Przyjęte"), ("quarantined", "W kwarantannie"), ("empty", "Puste"),
    ("new", "Nowe"), ("changed", "Zmienione"), ("unchanged", "Bez zmian"), ("deactivated", "Wycofane"),
]


@synergia_task
def publish_sync_report(project_path: str, counts: dict, extra: dict | None = None) -> None:
    project = runtime.project(project_path)
    table = [{"Miara": label, "Liczba": counts.get(key, 0)} for key, label in _LABELS]
    for key, value in (extra or {}).items():
        table.append({"Miara": key, "Liczba": value})
    create_table_artifact(key=f"{project.slug}-nightly", table=table,
                          description=f"Synchronizacja nocna projektu {project.name} (same liczby, bez danych osobowych).")
