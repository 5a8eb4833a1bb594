"""Polish mail templates: ``<name>_subject.txt.j2``, ``<name>.txt.j2``, ``<name>.html.j2``.

Staff edit the templates under ``config/templates/mail/`` without touching
Python. HTML is autoescaped (names like "O'Brien & Syn" stay intact), text
and subject are not. Filters ``data`` / ``data_czas`` format dates the Polish
way with babel ("21 listopada 2026").
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from config.settings import TEMPLATES_DIR

MAIL_TEMPLATES_DIR = TEMPLATES_DIR / "mail"


def pl_date(value: date | datetime | None, fmt: str = "d MMMM y") -> str:
    return "" if value is None else format_date(value, fmt, locale="pl_PL")


def pl_datetime(value: datetime | None, fmt: str = "d MMMM y, HH:mm") -> str:
    return "" if value is None else format_datetime(value, fmt, locale="pl_PL")


@lru_cache(maxsize=8)
def environment(directory: str | None = None) -> Environment:
    env = Environment(
        loader=FileSystemLoader(directory or str(MAIL_TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False, default=False),
        undefined=StrictUndefined,  # a typo in a template fails loudly instead of mailing blanks
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["data"] = pl_date
    env.filters["data_czas"] = pl_datetime
    return env


def render_mail(name: str, context: dict, *, directory: str | Path | None = None) -> tuple[str, str, str]:
    """Render (subject, text, html) of template set ``name``; the subject is folded to one line."""
    env = environment(str(directory) if directory else None)
    subject = " ".join(env.get_template(f"{name}_subject.txt.j2").render(context).split())
    text = env.get_template(f"{name}.txt.j2").render(context)
    html = env.get_template(f"{name}.html.j2").render(context)
    return subject, text, html
