"""Run reports as Prefect artifacts: counts only, never personal data."""
from __future__ import annotations

from prefect.artifacts import create_table_artifact

from synergia import runtime
from synergia.registry.run_totals import totals_of_sync_run
from tasks._prefect import synergia_task

_LABELS = [
    ("rows", "Wiersze w źródłach"), ("accepted", "Przyjęte"), ("quarantined", "W kwarantannie"), ("empty", "Puste"),
    ("new", "Nowe"), ("changed", "Zmienione"), ("unchanged", "Bez zmian"), ("deactivated", "Wycofane"),
]


def merge_registry_totals(flat: dict, totals: dict[str, int], steps: dict[str, dict]) -> dict:
    """Counts of what the registry holds for this run replace a step's own counts (a step retried after
    a partial commit reports only its last attempt). Only for steps that ran and report that measure."""
    out = dict(flat)
    for key, value in totals.items():
        step, measure = key.split(".", 1)
        if measure in (steps.get(step) or {}):
            out[key] = value
    return out


@synergia_task
def publish_sync_report(project_path: str, counts: dict, steps: dict[str, dict] | None = None) -> dict:
    """One table: sync counts, then each later step's numeric counts (``step.measure``), the
    run's events (merges, certificates, e-mails) counted in the registry since this run's sync.
    Returns the same numbers as one flat dict — the nightly run's result."""
    project = runtime.project(project_path)
    flat = dict(counts)
    for step, result in (steps or {}).items():
        for key, value in result.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                flat[f"{step}.{key}"] = value
    if counts.get("sync_run_id"):
        with runtime.registry().session() as session:
            flat = merge_registry_totals(flat, totals_of_sync_run(session, counts["sync_run_id"]), steps or {})
    table = [{"Miara": label, "Liczba": counts.get(key, 0)} for key, label in _LABELS]
    for step, result in (steps or {}).items():
        for key in result:
            name = f"{step}.{key}"
            if name in flat and isinstance(flat[name], (int, float)) and not isinstance(flat[name], bool):
                table.append({"Miara": name, "Liczba": flat[name]})
    create_table_artifact(key=f"{project.slug}-nightly", table=table,
                          description=f"Synchronizacja nocna projektu {project.name} (same liczby, bez danych osobowych).")
    return flat
