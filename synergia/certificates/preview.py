"""A sample certificate from a project's real layout and training data, with an invented person.

Staff use it to check a template edit without a registry or real personal data.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from config.settings import TEMPLATES_DIR
from synergia.certificates.pdf import CertificateContent, CertificateRenderer
from synergia.certificates.register import format_number, new_verification_code

if TYPE_CHECKING:
    from config.project import ProjectConfig

SAMPLE_NAME = "Zofia Łęcka-Źródłowska"


def sample_content(project: ProjectConfig, *, issue_date: date | None = None, cycle_id: str | None = None) -> CertificateContent:
    from synergia.certificates.cycles import cycle_specs, training_content

    issue_date = issue_date or date.today()
    certs = project.certificates
    if certs is not None:
        specs = cycle_specs(project)
        chosen = next((s for s in specs if s[0].id == cycle_id), specs[0]) if cycle_id else specs[0]
        training = training_content(chosen[1], chosen[2])
        number = format_number(certs.number_format, prefix=certs.prefix, year=issue_date.year, seq=1)
        url_format = certs.verification_url
    else:  # a project without certificates still previews the layout
        training = {
            "title": "Szkolenie przykładowe",
            "dates": [issue_date.isoformat()],
            "hours": 8,
            "programme": ["Współpraca samorządu z organizacjami pozarządowymi"],
            "places": [],
        }
        number = f"SYN/{issue_date.year}/0001"
        url_format = "https://weryfikacja.example.org/z/{code}"
    code = new_verification_code()
    return CertificateContent(
        number=number,
        revision=1,
        verification_code=code,
        verification_url=url_format.format(code=code),
        issue_date=issue_date,
        name=SAMPLE_NAME,
        gender="K",
        title=training["title"],
        dates=tuple(date.fromisoformat(d) for d in training["dates"]),
        hours=training["hours"],
        programme=tuple(training["programme"]),
        places=tuple(training["places"]),
    )


def render_preview(
    project: ProjectConfig,
    output: Path,
    *,
    templates_dir: Path = TEMPLATES_DIR,
    cycle_id: str | None = None,
) -> tuple[Path, list[str]]:
    """Write the sample PDF; return its path and the layout problems seen (overlapping blocks)."""
    renderer = CertificateRenderer(project, templates_dir=templates_dir)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(renderer.render(sample_content(project, cycle_id=cycle_id)))
    return output, sorted(renderer.layout_problems)
