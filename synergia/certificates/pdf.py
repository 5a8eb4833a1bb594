"""Certificate PDFs drawn from the staff-editable layout (``synergia.certificates.layout``).

Block texts are Jinja2 templates of the one environment (``synergia.templating``).
Text uses Lato (OFL, from the ``font-lato`` package), embedded and subset by fpdf2; the QR code of the verification URL is drawn as vector
rectangles from segno's matrix (sharp at any zoom, no image codec on the hot
path).

Speed: fpdf2 subsets and compiles each embedded font when a document is
written, which costs tens of milliseconds. A batch is therefore laid out as
one multi-page document and split into one single-page PDF per certificate
with pypdf, so the font work is paid once per batch, not once per person.
Every split file carries only its own page and the shared font and logos.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import TemplateError

from config.settings import TEMPLATES_DIR
from synergia.certificates.layout import Block, LayoutError, check_polish_glyphs, font_file, load_layout
from synergia.templating import environment

if TYPE_CHECKING:
    from fpdf import FPDF

    from config.project import ProjectConfig

_PT_TO_MM = 25.4 / 72


@dataclass(frozen=True)
class CertificateContent:
    """Everything printed on one certificate (personal data: never log it)."""

    number: str
    revision: int
    verification_code: str
    verification_url: str
    issue_date: date
    name: str
    title: str
    dates: tuple[date, ...]
    hours: float
    programme: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    gender: str | None = None  # "K" / "M" / None: lets the template choose ukończyła / ukończył / ukończył(a)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Logo:
    path: Path
    aspect: float  # width / height


def _logo(templates_dir: Path, rel: str | None) -> _Logo | None:
    if not rel:
        return None
    from PIL import Image

    path = (templates_dir / rel).resolve()
    if not path.is_file():
        raise LayoutError(f"brak pliku logo '{rel}' w {templates_dir} (logo file not found)")
    with Image.open(path) as img:
        w, h = img.size
    return _Logo(path, w / h)


class CertificateRenderer:
    """Renders certificates of one project; build once, reuse for every batch."""

    def __init__(self, project: ProjectConfig, templates_dir: Path = TEMPLATES_DIR, layout_path: Path | None = None):
        self.project = project
        certs = project.certificates
        self.templates_dir = Path(templates_dir)
        layout_path = layout_path or self.templates_dir / (certs.template if certs else "certificate.yaml")
        self.layout = load_layout(layout_path)
        fonts = self.layout.fonts
        self._faces = {"": fonts.regular, "B": fonts.bold, "I": fonts.italic}
        for face in set(self._faces.values()):
            missing = check_polish_glyphs(face)
            if missing:
                raise LayoutError(f"krój '{face}' nie ma znaków {''.join(missing)} (font lacks Polish letters)")
        env = environment()
        try:
            self._texts = [env.from_string(b.text) for b in self.layout.blocks]
            self._whens = [env.compile_expression(b.when) if b.when else None for b in self.layout.blocks]
        except TemplateError as exc:
            raise LayoutError(f"{layout_path}: błąd w tekście Jinja2 (Jinja2 template error): {exc}") from None
        self._lines: dict[tuple, list[str]] = {}
        #: Overlapping / off-page blocks seen while rendering (numbered as in the layout file, from 1).
        self.layout_problems: set[str] = set()
        self._organiser_logo = _logo(self.templates_dir, project.organiser.logo)
        self._funder_logo = _logo(self.templates_dir, project.funder.logo)
        self._static = {
            "organiser": project.organiser.model_dump(),
            "funder": project.funder.model_dump(),
            "project_name": project.name,
            "place_of_issue": (certs.place_of_issue if certs else None) or "",
            "signatory": (certs.signatory if certs else None) or "",
            "signatory_role": (certs.signatory_role if certs else None) or "",
        }

    # -- public API ---------------------------------------------------------------------------

    def render(self, content: CertificateContent) -> bytes:
        return self.render_batch([content])[0]

    def render_batch(self, contents: Sequence[CertificateContent]) -> list[bytes]:
        """One PDF per content, in order (one page unless the layout has a ``page_break``)."""
        if not contents:
            return []
        pdf = self._document()
        starts = []
        for content in contents:
            starts.append(pdf.page)  # pages so far; this certificate starts on the next one
            self._page(pdf, content)
        from pypdf import PdfReader, PdfWriter  # here, not at import: a night with nothing to render never loads it

        whole = PdfReader(io.BytesIO(bytes(pdf.output())))
        ends = [*starts[1:], len(whole.pages)]
        out = []
        for content, start, end in zip(contents, starts, ends, strict=True):
            writer = PdfWriter()
            for page in whole.pages[start:end]:
                writer.add_page(page)
            writer.add_metadata({"/Title": f"Zaświadczenie {content.number}", "/Producer": "Synergia (fpdf2, pypdf)"})
            buf = io.BytesIO()
            writer.write(buf)
            out.append(buf.getvalue())
        return out

    def context(self, c: CertificateContent) -> dict[str, Any]:
        return {
            **self._static,
            "number": c.number,
            "revision": c.revision,
            "verification_code": c.verification_code,
            "verification_url": c.verification_url,
            "issue_date": c.issue_date,
            "name": c.name,
            "gender": c.gender or "",
            "title": c.title,
            "dates": list(c.dates),
            "hours": c.hours,
            "programme": list(c.programme),
            "places": list(c.places),
            **c.extra,
        }

    # -- drawing ------------------------------------------------------------------------------

    def _document(self) -> FPDF:
        page = self.layout.page
        with warnings.catch_warnings():  # "Dimensions for page format A5 were fixed in 2.8.5": informational
            warnings.simplefilter("ignore", UserWarning)
            pdf = _pdf_class()(orientation=page.orientation, format=page.format)
        pdf.set_margins(page.margin, page.margin, page.margin)
        pdf.set_auto_page_break(False)
        pdf.set_creator("Synergia")
        for style, face in self._faces.items():
            pdf.add_font("cert", style, font_file(face))
        return pdf

    def _page(self, pdf: FPDF, c: CertificateContent) -> None:
        try:
            self._draw(pdf, c)
        except TemplateError as exc:  # e.g. a misspelt variable: names the variable, never a value
            raise LayoutError(f"Szablon zaświadczenia: błąd w tekście bloku (template text error): {exc}") from None

    def _draw(self, pdf: FPDF, c: CertificateContent) -> None:
        pdf.add_page()
        ctx = self.context(c)
        margin = self.layout.page.margin
        cursor = margin
        boxes: list[tuple[int, float, float, float, float]] = []  # block no., x0, y0, x1, y1 on this page
        for no, (block, text_tpl, when) in enumerate(zip(self.layout.blocks, self._texts, self._whens, strict=True), 1):
            if when is not None and not when(**ctx):
                continue
            if block.type == "page_break":  # e.g. the programme overleaf
                self._check_boxes(boxes, pdf.h)
                boxes = []
                pdf.add_page()
                cursor = margin
                continue
            if block.y is not None:
                cursor = block.y if block.y >= 0 else pdf.h + block.y
            x = margin if block.x is None else block.x
            w = block.w if block.w is not None else pdf.w - x - margin
            pdf.set_text_color(*(int(block.color[i : i + 2], 16) for i in (1, 3, 5)))
            pdf.set_font("cert", block.style, block.size)
            line_h = block.size * _PT_TO_MM * block.line_height
            if block.type == "spacer":
                cursor += block.h or line_h
                continue
            top, left, right = cursor, x, x + w
            if block.type == "text":
                text = text_tpl.render(ctx).strip()
                if not text:
                    continue
                cursor = self._text(pdf, x, cursor, w, line_h, text, block) + block.space_after
            elif block.type == "list":
                items = [str(i) for i in (ctx.get(block.items or "", None) or [])]
                heading = text_tpl.render(ctx).strip()
                if not items:
                    continue
                if heading:
                    cursor = self._text(pdf, x, cursor, w, line_h, heading, block)
                for item in items:
                    cursor = self._text(pdf, x, cursor, w, line_h, f"•  {item}", block, align="L" if block.align == "J" else None)
                cursor += block.space_after
            elif block.type == "qr":
                size = block.h or block.w or 30
                qx = block.x if block.x is not None else pdf.w - margin - size
                self._qr(pdf, text_tpl.render(ctx).strip() or c.verification_url, qx, cursor, size)
                left, right = qx, qx + size
                cursor += size + block.space_after
            elif block.type == "logos":
                h = block.h or 18
                self._logos(pdf, x, cursor, w, h)
                cursor += h + block.space_after
            elif block.type == "line":
                pdf.set_draw_color(*(int(block.color[i : i + 2], 16) for i in (1, 3, 5)))
                pdf.set_line_width(0.3)
                pdf.line(x, cursor, x + w, cursor)
                cursor += block.space_after
            boxes.append((no, left, top, right, cursor - block.space_after))
        self._check_boxes(boxes, pdf.h)

    def _check_boxes(self, boxes: list[tuple[int, float, float, float, float]], page_h: float) -> None:
        """Remember blocks that overlap or run off the page (shown by the preview; rendering goes on)."""
        for i, (a, ax0, ay0, ax1, ay1) in enumerate(boxes):
            if ay1 > page_h:
                self.layout_problems.add(f"blok {a} wychodzi poza stronę (block {a} runs off the page)")
            for b, bx0, by0, bx1, by1 in boxes[i + 1 :]:
                if min(ax1, bx1) - max(ax0, bx0) > 0.5 and min(ay1, by1) - max(ay0, by0) > 0.5:
                    self.layout_problems.add(f"bloki {a} i {b} nachodzą na siebie (blocks {a} and {b} overlap)")

    def _text(self, pdf: FPDF, x: float, y: float, w: float, line_h: float, text: str, block: Block, align: str | None = None) -> float:
        """Write wrapped text at (x, y) and return the y below it.

        fpdf2's word wrapping re-measures the line for every character, which
        dominated rendering; most texts (funding line, programme, headings) are
        the same on every certificate, so their wrapped lines are cached.
        """
        align = align or block.align
        if align == "J":
            pdf.set_xy(x, y)
            pdf.multi_cell(w, line_h, text, align="J")
            return pdf.get_y()
        key = (text, w, block.style, block.size, block.line_height, align)
        lines = self._lines.get(key)
        if lines is None:
            if "\n" not in text and pdf.get_string_width(text) <= w - 2 * pdf.c_margin:
                lines = [text]  # fits on one line: skip the word-wrapping pass
            else:
                lines = pdf.multi_cell(w, line_h, text, align=align, dry_run=True, output="LINES")
            if len(self._lines) < 4096:
                self._lines[key] = lines
        for line in lines:
            pdf.set_xy(x, y)
            pdf.cell(w, line_h, line, align=align)
            y += line_h
        return y

    @staticmethod
    def _qr(pdf: Any, url: str, x: float, y: float, size: float) -> None:
        """Dark runs of each row as filled rectangles (quiet zone of 2 modules included in ``size``)."""
        import segno

        matrix = segno.make(url, error="m", micro=False).matrix
        n = len(matrix)
        border = 2
        module = size / (n + 2 * border)
        rects = []
        for r, row in enumerate(matrix):
            col = 0
            while col < n:
                if row[col]:
                    start = col
                    while col < n and row[col]:
                        col += 1
                    rects.append((x + (start + border) * module, y + (r + border) * module, (col - start) * module, module))
                else:
                    col += 1
        pdf.filled_rects(rects)

    def _logos(self, pdf: FPDF, x: float, y: float, w: float, h: float) -> None:
        """Organiser logo on the left, funder logo on the right (or alone in the centre)."""
        logos = [lg for lg in (self._organiser_logo, self._funder_logo) if lg]
        if len(logos) == 1:
            lw = h * logos[0].aspect
            pdf.image(str(logos[0].path), x=x + (w - lw) / 2, y=y, h=h)
            return
        if self._organiser_logo:
            pdf.image(str(self._organiser_logo.path), x=x, y=y, h=h)
        if self._funder_logo:
            lw = h * self._funder_logo.aspect
            pdf.image(str(self._funder_logo.path), x=x + w - lw, y=y, h=h)


@cache
def _pdf_class() -> type[FPDF]:
    """fpdf2's document with ``filled_rects``; made on first use, so importing this module (the
    service, an unchanged night) does not load fpdf2 (~1 s in a fresh process)."""
    from fpdf import FPDF

    class _CertificatePDF(FPDF):
        def filled_rects(self, rects: list[tuple[float, float, float, float]]) -> None:
            """Fill many black rectangles as one path.

            ``FPDF.rect`` costs ~20 µs per call and a QR code needs ~300 of them;
            one ``re`` operator each plus a single fill, wrapped in q/Q so fpdf2's
            colour state is untouched, draws the same thing in a fraction.
            """
            if not rects:
                return
            k, h = self.k, self.h
            ops = " ".join(f"{x * k:.2f} {(h - y) * k:.2f} {w * k:.2f} {-rh * k:.2f} re" for x, y, w, rh in rects)
            self._out(f"q 0 g {ops} f Q")

    return _CertificatePDF
