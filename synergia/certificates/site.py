"""The public verification site: one static page (and a JSON file) per verification code.

Whoever scans a certificate's QR code opens ``verification_url`` with the
revision's code, e.g. ``https://weryfikacja.example.org/z/<code>``. The site
is a folder of plain files that any static host serves as is:

* ``z/<code>/index.html`` — the page (a plain host answers ``/z/<code>`` with
  it, after the usual redirect to ``/z/<code>/``; ``--serve`` maps it directly);
* ``z/<code>.json`` — the same facts for machines;
* ``index.html`` and ``z/index.html`` — say nothing, so no host lists the codes;
* ``_headers`` — ``X-Robots-Tag: noindex`` for hosts that read it (Netlify, Cloudflare Pages).

The file layout mirrors the path of ``verification_url``, so the folder is
published at the root of the host in that address. The code (96 random bits)
is the secret: no page links to another code except a superseded revision to
its current one, there is no index, and every page says ``noindex``.

A page shows the status (``ważne`` / ``zastąpione nowszą wersją`` /
``unieważnione`` with date and reason *category*, never the staff's free-text
reason), number, training, dates and hours, organiser and funder with logos,
date of issue and the holder's name as the project chooses (initials by
default). A certificate withdrawn because its person was erased says only
"wycofane".

Publishing is incremental and atomic: every page is rendered from the
register, compared with the published file and written (temp file +
``os.replace`` in ``LocalStorage.put``) only when it differs; pages of codes
no longer in the register are removed. No timestamps of the build go into a
page, so an unchanged certificate means an unchanged file.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from config.settings import TEMPLATES_DIR
from synergia.certificates.register import public_status
from synergia.counts import Counts
from synergia.registry.tables_certificates import Certificate
from synergia.templating import environment

if TYPE_CHECKING:
    from config.project import ProjectConfig
    from config.settings import Settings
    from synergia.registry.db import Registry

SITE_TEMPLATES_DIR = TEMPLATES_DIR / "site"
PAGE_TEMPLATE = "verification.html.j2"
#: Shape of a verification code (URL-safe base64; ours are 16 characters) — used to recognise our own files.
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{11,64}$")
_SENTINEL = "SYNERGIACODE"

STATUS_LABELS = {
    "valid": "ważne",
    "superseded": "zastąpione nowszą wersją",
    "revoked": "unieważnione",
    "withdrawn": "wycofane",
}
#: Reason categories shown for a revocation (the staff's own reason text may name people: never published).
REASON_CATEGORIES = {
    "auto": ("attendance_corrected", "po korekcie list obecności szkolenie nie zostało ukończone"),
    "staff": ("organiser_decision", "decyzja organizatora"),
}
ROBOTS = "noindex, nofollow, noarchive"


class SiteError(Exception):
    """The verification site cannot be built from these settings (message in Polish and English)."""


class SiteFolder(Protocol):
    """What the site publisher needs from storage (``LocalStorage`` has it)."""

    def put(self, name: str, content: bytes, mime: str) -> str: ...
    def read(self, name: str) -> bytes | None: ...
    def names(self, under: str = "") -> list[str]: ...
    def delete(self, name: str) -> None: ...


# --- addresses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteLayout:
    """Where a code's page lives, derived from ``verification_url`` (``https://host/z/{code}``)."""

    verification_url: str
    pages_dir: str  # "z" (folder of the pages inside the site, "" when codes sit at the root)

    @classmethod
    def from_url(cls, verification_url: str) -> SiteLayout:
        try:
            sample = verification_url.format(code=_SENTINEL)
        except (KeyError, IndexError, ValueError):
            raise SiteError(
                "verification_url: błędny wzorzec (invalid pattern), oczekiwano np. https://weryfikacja.example.org/z/{code}"
            ) from None
        parts = urlsplit(sample)
        segments = parts.path.split("/")
        if (
            sample.count(_SENTINEL) != 1
            or parts.query
            or parts.fragment
            or segments[-1] != _SENTINEL
            or segments[0] != ""
            or any(s in ("", ".", "..") for s in segments[1:-1])
        ):
            raise SiteError(
                "verification_url: kod musi być ostatnim członem ścieżki, bez ?zapytania (the code must be the "
                "last path segment for a static site), np. https://weryfikacja.example.org/z/{code}"
            )
        return cls(verification_url, "/".join(segments[1:-1]))

    def url(self, code: str) -> str:
        """The public address printed on the certificate and in its QR code."""
        return self.verification_url.format(code=code)

    def path(self, code: str) -> str:
        """``/z/<code>``: the path part of the public address (what a local server is asked for)."""
        return urlsplit(self.url(code)).path

    def page_file(self, code: str) -> str:
        return f"{self.path(code).lstrip('/')}/index.html"

    def json_file(self, code: str) -> str:
        return f"{self.path(code).lstrip('/')}.json"

    def code_of(self, name: str) -> str | None:
        """The code if ``name`` is one of our per-code files (``z/<code>/index.html`` or ``z/<code>.json``)."""
        prefix = f"{self.pages_dir}/" if self.pages_dir else ""
        if not name.startswith(prefix):
            return None
        rest = name[len(prefix) :]
        code = rest[: -len("/index.html")] if rest.endswith("/index.html") else rest[:-5] if rest.endswith(".json") else ""
        return code if CODE_RE.match(code) else None


# --- names ----------------------------------------------------------------------------------


def initials(name: str) -> str:
    """``Maria Bąk`` → ``M. B.``; ``Anna-Maria Kowalska-Nowak`` → ``A.-M. K.-N.``."""
    words = []
    for word in name.split():
        parts = [p for p in word.split("-") if p]
        if parts:
            words.append("-".join(f"{p[0].upper()}." for p in parts))
    return " ".join(words)


def holder_name(name: str | None, form: str) -> str:
    name = " ".join((name or "").split())
    return name if form == "full" else initials(name)


# --- what a page says (plain data) ----------------------------------------------------------


@dataclass(frozen=True)
class PageFacts:
    """Everything one verification page shows; nothing else about the person is ever read."""

    code: str
    status: str  # valid | superseded | revoked | withdrawn
    number: str | None = None
    revision: int | None = None
    current_revision: int | None = None
    holder: str | None = None
    title: str | None = None
    dates: tuple[date, ...] = ()
    hours: float | None = None
    issued_on: date | None = None
    current_code: str | None = None  # superseded: the code of the current revision
    revoked_on: date | None = None
    reason: str | None = None  # category key, see REASON_CATEGORIES


def _local_date(moment: datetime | None, tz: str) -> date | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).date()


def page_facts(certs: Iterable[Certificate], *, name_form: str, tz: str) -> list[PageFacts]:
    """One ``PageFacts`` per revision of each certificate (loaded with its revisions)."""
    out = []
    for cert in certs:
        current = next((r for r in cert.revisions if r.revision == cert.revision), None)
        for rev in cert.revisions:
            status = public_status(cert, rev)
            if status == "withdrawn":
                out.append(PageFacts(rev.verification_code, status))
                continue
            c = (rev.data or {}).get("content", {})
            reason = REASON_CATEGORIES.get(cert.revoked_by or "", REASON_CATEGORIES["staff"])[0] if status == "revoked" else None
            out.append(
                PageFacts(
                    code=rev.verification_code,
                    status=status,
                    number=cert.number,
                    revision=rev.revision,
                    current_revision=cert.revision,
                    holder=holder_name(c.get("name"), name_form),
                    title=c.get("title"),
                    dates=tuple(date.fromisoformat(d) for d in c.get("dates", ())),
                    hours=c.get("hours"),
                    issued_on=rev.issued_on,
                    current_code=current.verification_code if status == "superseded" and current is not None else None,
                    revoked_on=_local_date(cert.revoked_at, tz) if status == "revoked" else None,
                    reason=reason,
                )
            )
    return out


def collect(session: Session, project: ProjectConfig) -> list[PageFacts]:
    certs = session.scalars(
        select(Certificate).where(Certificate.project == project.slug).options(selectinload(Certificate.revisions)).order_by(Certificate.id)
    ).all()
    return page_facts(certs, name_form=project.certificates.holder_name, tz=project.timezone)


# --- rendering ------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _logo_data_uri(path: str, mtime: float, max_height: int = 112) -> str:
    """The logo for a phone (2× its displayed height, 256 colours: a few kB) as a PNG data URI,
    so a page needs no other file and works wherever it is copied."""
    from PIL import Image

    with Image.open(path) as img:
        img = img.convert("RGBA")
    if img.height > max_height:
        img = img.resize((max(1, round(img.width * max_height / img.height)), max_height), Image.LANCZOS)
    img = img.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _logo(templates_dir: Path, rel: str | None) -> str | None:
    if not rel:
        return None
    path = (templates_dir / rel).resolve()
    if not path.is_file():
        raise SiteError(f"brak pliku logo '{rel}' w {templates_dir} (logo file not found)")
    return _logo_data_uri(str(path), path.stat().st_mtime)


class SiteRenderer:
    """Renders the files of one project's verification site; build once per run."""

    def __init__(self, project: ProjectConfig, templates_dir: Path = TEMPLATES_DIR):
        if project.certificates is None:
            raise SiteError(f"projekt '{project.slug}' nie ma sekcji 'certificates' (project has no certificates section)")
        self.project = project
        self.layout = SiteLayout.from_url(project.certificates.verification_url)
        templates_dir = Path(templates_dir)
        self.template = environment(templates_dir / "site").get_template(PAGE_TEMPLATE)
        self.static = {
            "organiser": {"name": project.organiser.name, "logo": _logo(templates_dir, project.organiser.logo)},
            "funder": {
                "name": project.funder.name,
                "programme": project.funder.programme,
                "funding_line": project.funder.funding_line,
                "logo": _logo(templates_dir, project.funder.logo),
            },
            "robots": ROBOTS,
        }

    def page(self, facts: PageFacts) -> bytes:
        label = STATUS_LABELS[facts.status]
        reason = next((text for key, text in REASON_CATEGORIES.values() if key == facts.reason), None)
        html = self.template.render(
            **self.static,
            f=facts,
            status_label=label,
            reason_text=reason,
            json_path=self.layout.path(facts.code) + ".json",
            current_path=self.layout.path(facts.current_code) if facts.current_code else None,
        )
        return html.encode("utf-8")

    def json(self, facts: PageFacts) -> bytes:
        data: dict = {"code": facts.code, "status": facts.status, "status_label": STATUS_LABELS[facts.status]}
        if facts.status != "withdrawn":
            data.update(
                url=self.layout.url(facts.code),
                number=facts.number,
                revision=facts.revision,
                current_revision=facts.current_revision,
                holder=facts.holder,
                title=facts.title,
                dates=[d.isoformat() for d in facts.dates],
                hours=facts.hours,
                issued_on=facts.issued_on.isoformat() if facts.issued_on else None,
                organiser=self.project.organiser.name,
                funder=self.project.funder.name,
                current_url=self.layout.url(facts.current_code) if facts.current_code else None,
                revoked_on=facts.revoked_on.isoformat() if facts.revoked_on else None,
                revocation_reason=facts.reason,
            )
        return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    def blank(self) -> bytes:
        """The root and folder ``index.html``: no listing, no links, nothing to find."""
        return (
            '<!DOCTYPE html>\n<html lang="pl"><head><meta charset="utf-8">'
            f'<meta name="robots" content="{ROBOTS}"><meta name="referrer" content="no-referrer">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Weryfikacja zaświadczeń</title></head>\n<body><p>Aby sprawdzić zaświadczenie, zeskanuj kod QR "
            "albo wpisz adres wydrukowany na zaświadczeniu.</p></body></html>\n"
        ).encode()

    def files(self, pages: Iterable[PageFacts]) -> dict[str, tuple[bytes, str]]:
        """name → (content, mime) of every file of the site."""
        out: dict[str, tuple[bytes, str]] = {
            "index.html": (self.blank(), "text/html"),
            "_headers": (f"/*\n  X-Robots-Tag: {ROBOTS}\n  Referrer-Policy: no-referrer\n".encode(), "text/plain"),
        }
        if self.layout.pages_dir:
            out[f"{self.layout.pages_dir}/index.html"] = (self.blank(), "text/html")
        for facts in pages:
            out[self.layout.page_file(facts.code)] = (self.page(facts), "text/html")
            out[self.layout.json_file(facts.code)] = (self.json(facts), "application/json")
        return out


# --- publishing -----------------------------------------------------------------------------


@dataclass
class SiteCounts(Counts, step="site"):
    """Numbers only (safe for logs and Prefect results)."""

    codes: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    per_status: dict[str, int] = field(default_factory=dict)
    folder: str = ""


def publish(files: dict[str, tuple[bytes, str]], folder: SiteFolder, layout: SiteLayout) -> SiteCounts:
    """Write what changed (atomically, through ``folder.put``); remove per-code files no longer in the register."""
    counts = SiteCounts()
    for name, (content, mime) in sorted(files.items()):
        if folder.read(name) == content:
            counts.unchanged += 1
            continue
        folder.put(name, content, mime)
        counts.written += 1
    for name in folder.names(layout.pages_dir):
        if name not in files and layout.code_of(name):
            folder.delete(name)
            counts.removed += 1
    return counts


def default_site_dir(settings: Settings, slug: str) -> Path:
    """``<data_dir>/site/<slug>/``: the folder the nightly run keeps up to date."""
    return settings.resolved_data_dir / "site" / slug


def build_site(
    sessions: Callable,
    project: ProjectConfig,
    folder: SiteFolder,
    *,
    renderer: SiteRenderer | None = None,
) -> SiteCounts:
    """Render every code's page from the register and publish the changes; returns counts only."""
    renderer = renderer or SiteRenderer(project)
    with sessions() as session:
        pages = collect(session, project)
    counts = publish(renderer.files(pages), folder, renderer.layout)
    counts.codes = len(pages)
    for p in pages:
        counts.per_status[p.status] = counts.per_status.get(p.status, 0) + 1
    root = getattr(folder, "root", None)
    counts.folder = str(root) if root is not None else ""
    return counts


def build_site_in(registry: Registry, project: ProjectConfig, out_dir: Path | str) -> SiteCounts:
    """``build_site`` into a local folder (created if needed)."""
    from synergia.storage.local import LocalStorage

    Path(out_dir).mkdir(parents=True, exist_ok=True)
    # world-readable (0644), unlike the PDFs: a web server or rsync to a host must be able to read the pages
    return build_site(registry.session, project, LocalStorage(out_dir, file_mode=0o644))
