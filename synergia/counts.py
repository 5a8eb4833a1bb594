"""One base for every step's counts: numbers only, ``as_dict`` and the labels they are shown with.

A step's counts class names its step on the class line::

    @dataclass
    class SyncCounts(Counts, step="sync"): ...

and finds its Polish (English) labels here, in :data:`LABELS` — the one place
the terminal, the ``synergia mail send`` table and the Prefect artifact take
them from. The nightly run's result is one flat dict: sync counts as they are,
a later step's as ``step.measure`` (``dedupe.persons_merged``);
:func:`label` names either.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

#: Each step's title, prefixed to its labels in the nightly report (``Poczta: wysłane (sent)``).
TITLES: dict[str, str] = {
    "sync": "Synchronizacja",
    "dedupe": "Deduplikacja",
    "certificates": "Zaświadczenia",
    "mail": "Poczta",
    "retention": "Retencja",
    "site": "Strona weryfikacji",
}

#: Polish (English) label of each measure a person reads, per step, in the order shown.
LABELS: dict[str, dict[str, str]] = {
    "sync": {
        "rows": "Wiersze w źródłach (rows read)",
        "accepted": "przyjęte (accepted)",
        "quarantined": "w kwarantannie (quarantined)",
        "empty": "puste (empty)",
        "new": "nowe (new)",
        "changed": "zmienione (changed)",
        "unchanged": "bez zmian (unchanged)",
        "deactivated": "wycofane (deactivated)",
    },
    "dedupe": {
        "persons_merged": "osoby połączone (persons merged)",
        "reviews_open": "pary do sprawdzenia (pairs for staff review)",
        "decisions_recorded": "decyzje personelu (staff decisions read)",
        "applications_split": "poprawione zgłoszenia odłączone (corrected rows split off)",
    },
    "certificates": {
        "eligible": "spełniają regułę (eligible)",
        "not_eligible": "poniżej progu (below the rule)",
        "issued_new": "nowe (issued)",
        "reissued": "poprawione (re-issued)",
        "revoked": "unieważnione (revoked)",
    },
    "mail": {
        "picked": "wzięte do wysyłki (picked)",
        "sent": "wysłane (sent)",
        "failed": "błędy stałe (failed)",
        "deferred": "odłożone (deferred)",
        "recovered": "ponowione po awarii (resent after a crash)",
        "retries": "ponowienia w przebiegu (retries)",
        "connections": "połączenia SMTP (connections)",
        "still_pending": "czeka na jutro (pending)",
        "cap_remaining": "zostało w limicie dnia (daily cap left)",
    },
}

#: What the nightly report shows of each later step (the rest stays in its artifact and result).
NIGHTLY: dict[str, tuple[str, ...]] = {
    "dedupe": ("persons_merged", "reviews_open", "decisions_recorded", "applications_split"),
    "certificates": ("eligible", "not_eligible", "issued_new", "reissued", "revoked"),
    "mail": ("sent", "failed", "deferred", "still_pending"),
}


def label(key: str) -> str:
    """``rows`` → its sync label; ``mail.sent`` → ``Poczta: wysłane (sent)``; an unknown key is itself."""
    step, _, measure = key.rpartition(".")
    if not step:
        return LABELS["sync"].get(key, key)
    text = LABELS.get(step, {}).get(measure)
    return f"{TITLES.get(step, step)}: {text}" if text else key


def nightly_keys() -> list[str]:
    """The ``step.measure`` keys the nightly report prints, in order."""
    return [f"{step}.{measure}" for step, measures in NIGHTLY.items() for measure in measures]


@dataclass
class Counts:
    """Numbers only: safe for logs, Prefect results and artifacts."""

    step: ClassVar[str] = ""
    #: dict fields whose entries join the top level of ``as_dict`` (open-ended extra counts)
    merged: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, step: str = "", merged: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.step = step or cls.step
        cls.merged = tuple(merged) or cls.merged

    def as_dict(self) -> dict:
        out = asdict(self)
        for name in self.merged:
            out.update(out.pop(name) or {})
        return out

    @classmethod
    def labels(cls) -> dict[str, str]:
        """This step's measures and their Polish (English) labels, in the order shown."""
        return dict(LABELS.get(cls.step, {}))

    def rows(self) -> list[tuple[str, Any]]:
        """(label, value) of every labelled measure, in order."""
        data = self.as_dict()
        return [(text, data[key]) for key, text in self.labels().items() if key in data]
