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
def publish_sync_report(project_path: str, counts: dict, steps: dict[str, dict] | None = None) -> dict:
    """One table: sync counts, then each later step's numeric counts (``step.measure``).
    Returns the same numbers as one flat dict — the nightly run's result."""
    project = runtime.project(project_path)
    table = [{"Miara": label, "Liczba": counts.get(key, 0)} for key, label in _LABELS]
    flat = dict(counts)
    for step, result in (steps or {}).items():
        for key, value in result.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                table.append({"Miara": f"{step}.{key}", "Liczba": value})
                flat[f"{step}.{key}"] = value
    create_table_artifact(key=f"{project.slug}-nightly", table=table,
                          description=f"Synchronizacja nocna projektu {project.name} (same liczby, bez danych osobowych).")
    return flat
