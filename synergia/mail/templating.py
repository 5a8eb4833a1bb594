"""Polish mail templates: ``<name>_subject.txt.j2``, ``<name>.txt.j2``, ``<name>.html.j2``.

Staff edit the templates under ``config/templates/mail/`` without touching
Python. HTML is autoescaped (names like "O'Brien & Syn" stay intact), text
and subject are not. Filters ``data`` / ``data_czas`` format dates the Polish
way ("21 listopada 2026"); the environment and its filters are
``synergia.templating``'s, shared with certificates, the site and the summary.
"""

from __future__ import annotations

from pathlib import Path

from config.settings import TEMPLATES_DIR
from synergia.templating import environment

MAIL_TEMPLATES_DIR = TEMPLATES_DIR / "mail"


def render_mail(name: str, context: dict, *, directory: str | Path | None = None) -> tuple[str, str, str]:
    """Render (subject, text, html) of template set ``name``; the subject is folded to one line."""
    env = environment(directory or MAIL_TEMPLATES_DIR)
    subject = " ".join(env.get_template(f"{name}_subject.txt.j2").render(context).split())
    text = env.get_template(f"{name}.txt.j2").render(context)
    html = env.get_template(f"{name}.html.j2").render(context)
    return subject, text, html
