"""Shared fixtures: the test project and helpers to seed people and attendance (``registry`` is tests/conftest.py's)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from config.project import load_project
from synergia.registry.db import Registry
from synergia.registry.tables import Application, Attendance, Person

PROJECT_YAML = Path(__file__).with_name("project.yaml")


@pytest.fixture(scope="session")
def project():
    return load_project(PROJECT_YAML)


_rows = itertools.count(2)


class Seeder:
    """Writes persons, applications and attendance the way the sync and dedupe steps leave them."""

    def __init__(self, registry: Registry, project: str = "cert-test"):
        self.registry = registry
        self.project = project

    def person(self, first: str, last: str, email: str | None = None, gender: str | None = None) -> int:
        with self.registry.session() as s:
            p = Person(project=self.project)
            s.add(p)
            s.flush()
            data = {"first_name": first, "last_name": last}
            if email:
                data["email"] = email
            if gender:
                data["gender"] = gender
            s.add(self._app(p.id, "recruitment", "rekrutacja", data))
            return p.id

    def _app(self, person_id: int | None, kind: str, source: str, data: dict) -> Application:
        return Application(
            project=self.project,
            source_id=source,
            spreadsheet="demo.xlsx",
            worksheet=source,
            row_number=next(_rows),
            kind=kind,
            content_hash=str(next(_rows)),
            data=data,
            person_id=person_id,
        )

    def attend(self, person_id: int, event: str, sessions: list[int], hours: float | None = None, data: dict | None = None) -> int:
        """One attendance-list row of the person with presence at ``sessions``; returns the application id."""
        with self.registry.session() as s:
            app = self._app(person_id, "attendance", "obecnosc", data or {"first_name": "x", "last_name": "y"})
            s.add(app)
            s.flush()
            for n in sessions:
                s.add(Attendance(project=self.project, application_id=app.id, event_id=event, session_no=n, hours=hours))
            return app.id

    def rename(self, person_id: int, first: str, last: str) -> None:
        from sqlalchemy import select

        with self.registry.session() as s:
            app = s.scalars(select(Application).where(Application.person_id == person_id, Application.kind == "recruitment")).one()
            app.data = {**app.data, "first_name": first, "last_name": last}

    def deactivate(self, application_id: int) -> None:
        with self.registry.session() as s:
            s.get(Application, application_id).active = False


@pytest.fixture
def seed(registry) -> Seeder:
    return Seeder(registry)
