"""One plain-text PDF page setup (embedded Lato) for the RODO documents: the export and the register."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF


def new_document() -> FPDF:
    """An A4 FPDF with Lato regular/bold, automatic page breaks and its first page added."""
    from fpdf import FPDF

    from synergia.certificates.layout import font_file

    pdf = FPDF()
    pdf.add_font("lato", "", font_file("Lato"))
    pdf.add_font("lato", "B", font_file("LatoBold"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    return pdf


def paragraph(pdf: FPDF, h: float, txt: str) -> None:
    """A full-width paragraph, the cursor back at the left margin on the next line."""
    pdf.multi_cell(0, h, txt, new_x="LMARGIN", new_y="NEXT")
