"""The PDF itself: Polish text in the embedded font, number, QR that decodes to the verification URL, layout edits."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from synergia.certificates.layout import LayoutError, check_polish_glyphs
from synergia.certificates.pdf import CertificateContent, CertificateRenderer
from synergia.formatting import pl_dates, pl_number


def content(**kw) -> CertificateContent:
    base = dict(
        number="SYN/2026/0042",
        revision=1,
        verification_code="Qx7-kP2_aa9ZZtY1",
        issue_date=date(2026, 4, 10),
        verification_url="https://weryfikacja.example.org/z/Qx7-kP2_aa9ZZtY1",
        name="Łucja Źdźbło-Gęsiorowska",
        gender="K",
        title="Design Thinking w samorządzie",
        dates=(date(2026, 3, 12), date(2026, 3, 19), date(2026, 4, 2)),
        hours=20,
        programme=("Empatia", "Prototypowanie"),
        places=("Lublin",),
    )
    base.update(kw)
    return CertificateContent(**base)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def qr_codes(pdf: bytes) -> list[str]:
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil()
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.fixture(scope="module")
def renderer(project):
    return CertificateRenderer(project)


def test_pdf_text_has_the_name_with_diacritics_number_and_training(renderer):
    text = text_of(renderer.render(content()))
    assert "Łucja Źdźbło-Gęsiorowska" in text
    assert "SYN/2026/0042" in text
    assert "ZAŚWIADCZENIE" in text and "ukończyła szkolenie" in text
    assert "„Design Thinking w samorządzie”" in text
    assert "12 i 19 marca 2026 r.; 2 kwietnia 2026 r." in text
    assert "20 godz." in text and "Lublin, 10 kwietnia 2026 r." in text
    assert "Narodowego Instytutu Wolności" in text  # funding line from the project config


def test_project_logos_are_embedded_once_per_file(renderer):
    pdfs = renderer.render_batch([content(), content(name="Ktoś Inny")])
    for pdf in pdfs:
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        assert len(page.images) == 2  # organiser + funder from config/templates/logos/


def test_font_is_embedded_lato_subset(renderer):
    reader = PdfReader(io.BytesIO(renderer.render(content())))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descendants = [f.get_object()["/DescendantFonts"][0].get_object() for f in fonts.values()]
    assert descendants and all("Lato" in str(d["/BaseFont"]) for d in descendants)
    for d in descendants:
        program = d["/FontDescriptor"]["/FontFile2"].get_object().get_data()
        assert 1000 < len(program) < 60_000  # embedded, and much smaller than the 75 kB full face


def test_gendered_wording_follows_the_registry(renderer):
    assert "ukończył szkolenie" in text_of(renderer.render(content(gender="M", name="Jan Nowak")))
    assert "ukończył(a) szkolenie" in text_of(renderer.render(content(gender=None, name="Alex Nowak")))


def test_revision_is_printed_after_the_first(renderer):
    assert "wydanie" not in text_of(renderer.render(content()))
    assert "nr SYN/2026/0042 (wydanie 3)" in text_of(renderer.render(content(revision=3)))


def test_qr_decodes_to_the_verification_url(renderer):
    assert qr_codes(renderer.render(content())) == ["https://weryfikacja.example.org/z/Qx7-kP2_aa9ZZtY1"]


@pytest.mark.slow
def test_batch_split_gives_each_person_only_their_own_page(renderer):
    people = [
        content(name=f"Osoba Żółta {i}", number=f"SYN/2026/{i:04d}", verification_url=f"https://weryfikacja.example.org/z/code{i}")
        for i in range(1, 6)
    ]
    pdfs = renderer.render_batch(people)
    assert len(pdfs) == 5
    for i, pdf in enumerate(pdfs, start=1):
        text = text_of(pdf)
        assert f"Osoba Żółta {i}" in text and f"SYN/2026/{i:04d}" in text
        others = {f"Osoba Żółta {j}" for j in range(1, 6) if j != i}
        assert not any(o in text for o in others)
        assert qr_codes(pdf) == [f"https://weryfikacja.example.org/z/code{i}"]
        assert PdfReader(io.BytesIO(pdf)).metadata.title == f"Zaświadczenie SYN/2026/{i:04d}"


def test_polish_formatting_helpers():
    assert pl_dates([date(2026, 3, 26), date(2026, 3, 12), date(2026, 3, 19)]) == "12, 19 i 26 marca 2026 r."
    assert pl_dates([date(2025, 12, 30), date(2026, 1, 2)]) == "30 grudnia 2025 r.; 2 stycznia 2026 r."
    assert (pl_number(16), pl_number(7.5), pl_number(2.25)) == ("16", "7,5", "2,25")
    assert check_polish_glyphs("Lato") == [] and check_polish_glyphs("LatoBold") == []


def test_staff_edited_layout_and_logos_are_used(project, tmp_path):
    for name, colour in (("org.png", (200, 30, 30)), ("fund.png", (30, 30, 200))):
        Image.new("RGB", (300, 100), colour).save(tmp_path / name)
    (tmp_path / "certificate.yaml").write_text(
        "page: {format: A5, orientation: L}\n"
        "blocks:\n"
        "  - {type: logos, y: 5, h: 15}\n"
        "  - {type: text, y: 40, text: 'CERTYFIKAT dla {{ name | upper }}', size: 18}\n"
        "  - {type: text, when: 'revision > 1', text: 'to się nie pojawi'}\n"
        "  - {type: qr, x: 10, y: 80, h: 40}\n",
        encoding="utf-8",
    )
    proj = project.model_copy(
        update={
            "organiser": project.organiser.model_copy(update={"logo": "org.png"}),
            "funder": project.funder.model_copy(update={"logo": "fund.png"}),
        }
    )
    pdf = CertificateRenderer(proj, templates_dir=tmp_path).render(content())
    text = text_of(pdf)
    assert "CERTYFIKAT dla ŁUCJA ŹDŹBŁO-GĘSIOROWSKA" in text and "nie pojawi" not in text
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 420  # A5 landscape
    assert len(page.images) == 2
    image = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB")
    w = image.width
    assert image.getpixel((int(w * 0.05), 25))[0] > 150  # organiser logo on the left (red)
    assert image.getpixel((int(w * 0.95), 25))[2] > 150  # funder logo on the right (blue)
    assert qr_codes(pdf) == [content().verification_url]


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("blocks: []\n", "blocks"),
        ("blocks:\n  - {type: circle}\n", "type"),
        ("blocks:\n  - {text: '{{ name '}\n", "Jinja2"),
        ("fonts: {regular: Comic}\nblocks:\n  - {text: x}\n", "Comic"),
        ("blocks: [\n", "YAML"),
    ],
)
def test_broken_layout_is_reported_in_polish(project, tmp_path, yaml_text, message):
    (tmp_path / "certificate.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(LayoutError, match=re.escape(message)):
        CertificateRenderer(project, templates_dir=tmp_path)


def test_unknown_variable_in_a_block_is_a_layout_error(project, tmp_path):
    (tmp_path / "certificate.yaml").write_text("blocks:\n  - {text: 'Dla {{ imie_nazwisko }}'}\n", encoding="utf-8")
    no_logos = project.model_copy(
        update={
            "organiser": project.organiser.model_copy(update={"logo": None}),
            "funder": project.funder.model_copy(update={"logo": None}),
        }
    )
    with pytest.raises(LayoutError, match="imie_nazwisko") as info:
        CertificateRenderer(no_logos, templates_dir=tmp_path).render(content())
    assert "Łucja" not in str(info.value)


def test_missing_logo_file_is_reported(project, tmp_path):
    (tmp_path / "certificate.yaml").write_text("blocks:\n  - {text: x}\n", encoding="utf-8")
    proj = project.model_copy(update={"organiser": project.organiser.model_copy(update={"logo": "nie-ma.png"})})
    with pytest.raises(LayoutError, match="nie-ma.png"):
        CertificateRenderer(proj, templates_dir=tmp_path)


def test_long_programme_goes_overleaf_and_pages_stay_with_their_person(renderer):
    long = tuple(f"Moduł {i}: współpraca międzysektorowa" for i in range(1, 10))
    pdfs = renderer.render_batch(
        [content(programme=long, name="Anna Długa", number="SYN/2026/0001"), content(name="Piotr Krótki", number="SYN/2026/0002")]
    )
    first = PdfReader(io.BytesIO(pdfs[0]))
    assert len(first.pages) == 2
    front, back = (" ".join(p.extract_text().split()) for p in first.pages)
    assert "Anna Długa" in front and "Moduł 1" not in front
    assert "Moduł 1: współpraca międzysektorowa" in back and "Moduł 9" in back and "SYN/2026/0001" in back
    assert "Piotr Krótki" not in front + back
    assert "Piotr Krótki" in text_of(pdfs[1]) and "Empatia" in text_of(pdfs[1])  # short programme on the front


def test_overlapping_blocks_are_reported_but_the_default_layout_has_none(project, tmp_path):
    from synergia.certificates.preview import render_preview

    _, problems = render_preview(project, tmp_path / "ok.pdf")
    assert problems == []
    long = tuple(f"Temat numer {i} o współpracy" for i in range(1, 6))  # five items stay on the front page
    renderer = CertificateRenderer(project)
    renderer.render(content(programme=long, title="Bardzo długi tytuł szkolenia " * 4))
    assert renderer.layout_problems == set()

    (tmp_path / "certificate.yaml").write_text(
        "blocks:\n"
        "  - {type: text, y: 100, text: 'Pierwszy blok'}\n"
        "  - {type: text, y: 101, text: 'Drugi blok na pierwszym'}\n"
        "  - {type: qr, x: 150, y: 280, h: 40}\n",
        encoding="utf-8",
    )
    no_logos = project.model_copy(
        update={
            "organiser": project.organiser.model_copy(update={"logo": None}),
            "funder": project.funder.model_copy(update={"logo": None}),
        }
    )
    bad = CertificateRenderer(no_logos, templates_dir=tmp_path)
    bad.render(content())
    assert bad.layout_problems == {
        "bloki 1 i 2 nachodzą na siebie (blocks 1 and 2 overlap)",
        "blok 3 wychodzi poza stronę (block 3 runs off the page)",
    }
