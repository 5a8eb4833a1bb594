"""A project's certificate settings as pure specs: which events make a cycle, what its rule is,
and the training part printed on every certificate of the cycle (no registry, no people)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from synergia.certificates.eligibility import CycleEvent, CycleSpec, Rule
from synergia.errors import SafeMessage

if TYPE_CHECKING:
    from config.certificates import TrainingCycle
    from config.project import ProjectConfig


class CertificatesConfigError(SafeMessage, Exception):
    """The project's certificate settings cannot be used (message in Polish and English)."""


def cycle_specs(project: ProjectConfig) -> list[tuple[CycleSpec, object, list]]:
    """(spec, TrainingCycle, [Event]) per cycle, from the cycle's ``events`` list.

    An event's own ``cycle`` field must agree with that list: the indicators
    count completions from the same lists, and a silent disagreement would make
    "people who completed" differ from "certificates issued".
    """
    certs = project.certificates
    if certs is None:
        raise CertificatesConfigError(f"projekt '{project.slug}' nie ma sekcji 'certificates' (project has no certificates section)")
    events = {e.id: e for e in project.events}
    out = []
    cycle_ids = {c.id for c in certs.cycles}
    for e in project.events:
        if e.cycle and e.cycle not in cycle_ids:
            raise CertificatesConfigError(
                f"wydarzenie '{e.id}' należy do cyklu '{e.cycle}', którego nie ma w certificates.cycles (unknown cycle)"
            )
    for cycle in certs.cycles:
        ids = list(dict.fromkeys(cycle.events))
        unknown = [i for i in ids if i not in events]
        if unknown:
            raise CertificatesConfigError(f"cykl '{cycle.id}' wskazuje nieistniejące wydarzenia {unknown} (cycle names unknown events)")
        stray = [e.id for e in project.events if e.cycle == cycle.id and e.id not in ids]
        other = [i for i in ids if events[i].cycle not in (None, cycle.id)]
        if stray or other:
            raise CertificatesConfigError(
                f"cykl '{cycle.id}': lista events i pole 'cycle' wydarzeń się nie zgadzają {sorted(stray + other)} "
                f"(cycle event list and the events' cycle field disagree)"
            )
        evs = [events[i] for i in ids]
        spec = CycleSpec(
            id=cycle.id,
            events=tuple(CycleEvent(e.id, e.sessions, e.hours) for e in evs),
            rule=Rule(cycle.rule.min_attendance_ratio, cycle.rule.min_hours),
        )
        out.append((spec, cycle, evs))
    return out


def training_content(cycle: TrainingCycle, events: Sequence) -> dict:
    """The training part of a certificate (same for everyone in the cycle)."""
    dates = sorted({d for e in events for d in e.dates})
    programme = list(dict.fromkeys(p for e in events for p in e.programme))
    places = list(dict.fromkeys(e.place for e in events if e.place))
    return {
        "cycle": cycle.id,
        "title": cycle.title,
        "dates": [d.isoformat() for d in dates],
        "hours": round(sum(e.hours for e in events), 2),
        "programme": programme,
        "places": places,
    }
