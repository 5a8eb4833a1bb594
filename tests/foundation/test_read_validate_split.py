"""The read shared with a worker tab by tab (``WorkbookBackend.read_tabs_split``, ``read._read_split``),
the worker also validating its rows (``validation.batch.prevalidation``): the snapshot and the
validated batch are those of one process reading and validating everything, whichever tabs the
worker takes, with a worker that dies or hangs, and prevalidated outcomes are used only under
the same context with nothing reused. Hostile values of our own (../shared/field-behaviours.md)."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from config.project import ProjectConfig
from synergia import parallel
from synergia.sheets import read as read_module
from synergia.sheets import workbook as workbook_module
from synergia.sheets.read import read_project_sources
from synergia.sheets.workbook import WorkbookBackend
from synergia.validation import batch as batch_module
from synergia.validation.batch import prevalidation, validate_snapshot
from synergia.validation.row import Accepted, Rejected
from tests.field._build import FORM_COLUMNS, good_values, project_data

HEADERS = list(FORM_COLUMNS)
FORMS = {"formularz": "Odpowiedzi", "drugi": "Formularz 2", "trzeci": "Trzeci – zapisy", "wspolny-a": "Wspólna", "wspolny-b": "Wspólna"}


def _row(**overrides: str) -> list:
    values = good_values(**overrides)
    return [values[h] for h in HEADERS]


def _hostile(seed: int) -> list[list]:
    """A form tab: consent words, PESEL/phone/postcode spellings, invisible characters in names,
    a double submission, wrong system times, a blank row in the middle, uncached formulas, an error cell."""
    rows = [
        _row(),
        _row(**{"Imię": "Ewa\u200b", "Nazwisko": "Nowak\u00a0Kowalska", "Zgoda na przetwarzanie danych": "tak, wyrażam zgodę"}),
        _row(
            **{
                "Imię": "Zoe\u0301",
                "Nazwisko": "\u202eKamińska",
                "PESEL": "71 09 03 123 45",
                "Zgoda na przetwarzanie danych": "Nie wyrażam zgody.",
            }
        ),
        _row(**{"Telefon": "+48 (512) 340-987", "Kod pocztowy": "58500", "Zgoda na przetwarzanie danych": "?"}),
        _row(
            **{
                "Sygnatura czasowa": "01.01.1900 00:00:00",
                "Adres e-mail": "  B.Wroblewska@Przyklad.ORG.pl ",
                "Data urodzenia": "1971-09-03",
            }
        ),
        _row(**{"Sygnatura czasowa": "31.12.2099 23:59:59", "Imię": "🙂", "Data urodzenia": "31.09.1980"}),
        [""] * len(HEADERS),  # a blank row staff inserted between groups
        _row(**{"Imię": "Jan " * 80, "Zgoda na przetwarzanie danych": "TAK "}),
        _row(**{"Adres e-mail": '=LOWER("X@Y.PL")', "Zgoda na przetwarzanie danych": "brak zgody"}),
        _row(**{"PESEL": "44051401458", "Płeć": "Mężczyzna", "Data urodzenia": ""}),
        _row(**{"Telefon": "#N/A"}),
    ]
    rows.append(list(rows[0]))  # the same submission twice
    out = [HEADERS + ["Uwagi biura", "Imię "]]
    for i in range(3 + seed):
        for j, row in enumerate(rows):
            extra = [f"=LEN(B{len(out) + 1})" if j % 3 == 0 else "sprawdzone", "" if j % 2 else f"Ola{i}"]
            out.append([v.replace("Bożena", f"Bożena{i}") for v in row] + extra)
    out.append(_row(**{"Imię": "Krótki"})[:5])  # a short row (trailing cells omitted)
    return out


def _workbook(path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for seed, tab in enumerate(dict.fromkeys(FORMS.values())):
        ws = wb.create_sheet(tab)
        for r, row in enumerate(_hostile(seed), start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                if value == "#N/A":
                    cell.data_type = "e"
                elif isinstance(value, str) and not value.startswith("="):
                    cell.data_type = "s"
    wb.create_sheet("Odrzucone").append(["Źródło", "Wiersz"])
    wb.save(path)
    return path


def _project() -> ProjectConfig:
    sources = []
    for sid, tab in list(FORMS.items())[1:]:
        sources.append({"id": sid, "kind": "recruitment", "worksheet": tab, "columns": dict(FORM_COLUMNS), "required_consents": ["rodo"]})
    sources.append({"id": "brak", "kind": "recruitment", "worksheet": "Nie ma takiej", "columns": dict(FORM_COLUMNS)})
    return ProjectConfig.model_validate(project_data(extra_sources=sources))


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _workbook(tmp_path_factory.mktemp("split") / "pole.xlsx")


def _snap_view(snap) -> tuple:
    rows = {
        sid: [(r.ref, r.ref.identity and r.ref.identity.__dict__, list(r.values.items()), r.uncached, r.content_digest) for r in rs]
        for sid, rs in snap.rows.items()
    }
    return (
        rows,
        list(snap.rows),
        snap.headers,
        list(snap.headers),
        snap.locales,
        sorted(snap.read_worksheets),
        snap.missing,
        snap.owned_tabs,
    )


def _batch_view(batch) -> tuple:
    outs = []
    for o in batch.outcomes:
        if isinstance(o, Accepted):
            outs.append(("A", o.ref, o.kind, o.content_hash, list(o.data.items())))
        elif isinstance(o, Rejected):
            outs.append(("R", o.ref, o.content_hash, o.reasons, o.message))
        else:
            outs.append(("E", o.ref))
    return (
        outs,
        batch.summary(),
        batch.reused,
        batch.source_errors,
        batch.source_warnings,
        batch.formula_rows,
        sorted(batch.read_worksheets),
    )


@pytest.fixture
def split_small(monkeypatch: pytest.MonkeyPatch):
    """Any workbook splits (no size floor); returns the list of split results (None: not split)."""
    monkeypatch.setattr(workbook_module, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(workbook_module, "FORK_BYTES", 0)
    seen: list = []
    original = WorkbookBackend.read_tabs_split

    def spy(self, *args, **kwargs):
        seen.append(result := original(self, *args, **kwargs))
        return result

    monkeypatch.setattr(WorkbookBackend, "read_tabs_split", spy)
    return seen


def _serial(project: ProjectConfig, book: Path, today: date):
    snap = read_project_sources(project, WorkbookBackend(book.parent), processes=1)
    return snap, validate_snapshot(project, snap, today=today, processes=1)


@pytest.mark.parametrize("share", [0.2, 0.45, 0.7, 1.0])
@pytest.mark.parametrize("pre", [False, True])
def test_split_read_and_prevalidated_outcomes_equal_serial(book, split_small, monkeypatch, share: float, pre: bool) -> None:
    project, today = _project(), date(2026, 6, 1)
    snap1, batch1 = _serial(project, book, today)
    monkeypatch.setattr(workbook_module, "WORKER_SHARE", share)
    pv = prevalidation(project, snap1.locales, today) if pre else None
    snap2 = read_project_sources(project, WorkbookBackend(book.parent), processes=2, prevalidate=pv)
    assert split_small and split_small[-1] is not None and split_small[-1][1]  # the worker read at least one tab
    moved = set(split_small[-1][1])
    assert "Wspólna" not in moved  # a tab two sources read stays here
    assert _snap_view(snap2) == _snap_view(snap1)
    # the worker validates its first rows until this process is done (how many: a race; see below)
    assert set(snap2.prevalidated) <= ({sid for sid, tab in FORMS.items() if tab in moved} if pre else set())
    assert _batch_view(validate_snapshot(project, snap2, today=today, processes=2)) == _batch_view(batch1)
    assert _batch_view(validate_snapshot(project, snap2, today=today, processes=1)) == _batch_view(batch1)


def test_prevalidated_outcomes_only_under_the_same_key(book, split_small, monkeypatch) -> None:
    """Another date bound or rows to reuse: the step validates itself (tampered outcomes would show)."""
    project, today = _project(), date(2026, 6, 1)
    snap = read_project_sources(
        project, WorkbookBackend(book.parent), processes=2, prevalidate=prevalidation(project, {s.id: None for s in project.sources}, today)
    )
    assert snap.prevalidated
    for packed in snap.prevalidated.values():  # every outcome now says "empty"
        packed[:] = [None] * len(packed)
    tampered = validate_snapshot(project, snap, today=today, processes=1)
    assert tampered.summary()["empty"] > _batch_view(_serial(project, book, today)[1])[1]["empty"]  # taken: same key
    later = date(2026, 6, 2)
    assert _batch_view(validate_snapshot(project, snap, today=later, processes=1)) == _batch_view(_serial(project, book, later)[1])
    plain = {r.ref for rs in snap.rows.values() for r in rs if not r.uncached}
    first = next(o for o in _serial(project, book, today)[1].outcomes if isinstance(o, Accepted) and o.ref in plain)
    known = {(first.ref.source_id, first.content_hash): (first.kind, dict(first.data))}
    reused = validate_snapshot(project, snap, today=today, known=known, processes=1)
    assert reused.reused >= 1 and reused.summary() == _serial(project, book, today)[1].summary()


@pytest.mark.parametrize("late", [False, True])
@pytest.mark.parametrize("how", ["dies", "raises", "hangs"])
def test_a_failed_worker_is_redone_here(book, split_small, monkeypatch, how: str, late: bool) -> None:
    project, today = _project(), date(2026, 6, 1)
    snap1, batch1 = _serial(project, book, today)
    parent, real = os.getpid(), parallel.fork_until_done

    def failing(mine, theirs, first, **kwargs):
        def bad(done_here, send):
            if os.getpid() != parent:
                if late:  # its first part sent and used, then it fails
                    theirs(done_here, send)
                if how == "dies":
                    os._exit(3)
                if how == "hangs":
                    time.sleep(30)
                raise RuntimeError("worker broke")
            assert done_here()  # redone here: nothing optional
            return theirs(done_here, send)

        return real(mine, bad, first, **kwargs, patience=0.5) if how == "hangs" else real(mine, bad, first, **kwargs)

    monkeypatch.setattr(workbook_module, "fork_until_done", failing)
    snap2 = read_project_sources(
        project, WorkbookBackend(book.parent), processes=2, prevalidate=prevalidation(project, {s.id: None for s in project.sources}, today)
    )
    assert split_small[-1] is not None and not snap2.prevalidated  # redone here: validated in the step
    assert _snap_view(snap2) == _snap_view(snap1)
    assert _batch_view(validate_snapshot(project, snap2, today=today)) == _batch_view(batch1)


def test_no_split_below_the_floor_or_serial(book, monkeypatch) -> None:
    project = _project()
    assert workbook_module._worker_tabs(book.read_bytes(), list(FORMS.values()), set(FORMS.values())) == []  # a small workbook: no fork
    called: list = []
    monkeypatch.setattr(read_module, "_read_split", lambda *a: called.append(a))
    read_project_sources(project, WorkbookBackend(book.parent), processes=1)
    assert not called


@pytest.mark.parametrize("share", [0.0, 0.13, 0.5, 0.81, 1.0])
def test_any_prevalidated_prefix_and_any_cut_give_the_serial_outcomes(book, split_small, monkeypatch, share: float) -> None:
    """The read's worker stops validating when this process is done (any number of rows); the step
    validates the rest, split with its worker at ``PARENT_SHARE`` (cut inside a tab or at its edge)."""
    project, today = _project(), date(2026, 6, 1)
    snap1, batch1 = _serial(project, book, today)
    monkeypatch.setattr(read_module, "PREVALIDATE_BLOCK", 7)
    monkeypatch.setattr(batch_module, "FORK_MIN", 0)
    monkeypatch.setattr(batch_module, "PARENT_SHARE", share)
    key, validate = prevalidation(project, snap1.locales, today)
    snap = read_project_sources(project, WorkbookBackend(book.parent), processes=2, prevalidate=(key, validate))
    by_id = {s.id: s for s in project.sources}
    full = {sid: validate(by_id[sid], None, rows) for sid, rows in snap.rows.items()}  # what a worker sends, for every tab
    for k in (0, 1, 7, 30, 10**6):
        snap.prevalidated = {sid: p[:k] for sid, p in full.items()}
        assert _batch_view(validate_snapshot(project, snap, today=today, processes=2)) == _batch_view(batch1)


def test_the_worker_stops_validating_when_this_process_is_done(book, split_small, monkeypatch) -> None:
    project, today = _project(), date(2026, 6, 1)
    monkeypatch.setattr(read_module, "PREVALIDATE_BLOCK", 1)
    slow = read_module._rows

    def slow_rows(tabs, processes):  # this process's own tabs take long: the worker validates them all
        time.sleep(1.5)
        return slow(tabs, processes)

    monkeypatch.setattr(read_module, "_rows", slow_rows)
    snap = read_project_sources(
        project, WorkbookBackend(book.parent), processes=2, prevalidate=prevalidation(project, snap_locales(project), today)
    )
    assert snap.prevalidated and all(len(p) == len(snap.rows[sid]) for sid, p in snap.prevalidated.items())
    monkeypatch.setattr(read_module, "_rows", slow)
    real = batch_module._Tab.pack

    def slow_pack(self, start, stop):  # the worker's validation is slow: this process is done first
        time.sleep(0.3)
        return real(self, start, stop)

    monkeypatch.setattr(batch_module._Tab, "pack", slow_pack)
    snap = read_project_sources(
        project, WorkbookBackend(book.parent), processes=2, prevalidate=prevalidation(project, snap_locales(project), today)
    )
    assert all(len(p) < len(snap.rows[sid]) for sid, p in snap.prevalidated.items())  # stopped early: the rest in the step
    assert _batch_view(validate_snapshot(project, snap, today=today)) == _batch_view(_serial(project, book, today)[1])


def snap_locales(project: ProjectConfig) -> dict:
    return {s.id: None for s in project.sources}
