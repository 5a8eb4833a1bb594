"""The verification site: built from a real SQLite register, served by the real local server,
opened in headless Chromium, reached from the QR code printed in the real PDF."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlalchemy import select

from synergia.certificates.pdf import CertificateRenderer
from synergia.certificates.register import revoke_number, verify, withdraw_for_erasure
from synergia.certificates.service import issue_certificates, today_in
from synergia.certificates.site import SiteError, SiteLayout, build_site_in, holder_name, initials
from synergia.certificates.site_server import make_server
from synergia.formatting import pl_formal_date
from synergia.registry.tables_certificates import Certificate, CertificateRevision
from synergia.storage.local import LocalStorage
from tests.indicators.test_visual import CHROMIUM_FLAGS, chromium

REPO = Path(__file__).resolve().parents[2]
DAY = date(2026, 4, 20)


@pytest.fixture(scope="module")
def renderer(project):
    return CertificateRenderer(project)


@pytest.fixture
def store(tmp_path):
    return LocalStorage(tmp_path / "pdf")


@pytest.fixture
def site_dir(tmp_path) -> Path:
    return tmp_path / "site"


@pytest.fixture
def people(seed):
    """Two people in the 'dt' cycle (5 sessions, rule 80 %), one in the 6-hour 'rada' workshop."""
    bozena = seed.person("Bożena", "Ćwierć-Łapińska", "bozena.cw@example.net", "K")
    seed.attend(bozena, "dt-1", [1, 2])
    seed.attend(bozena, "dt-2", [1, 2, 3])
    grzegorz = seed.person("Grzegorz", "Źdźbłowski", "g.zdz@example.net", "M")
    seed.attend(grzegorz, "dt-1", [1])  # 3 of 5 sessions: below the rule, no certificate
    seed.attend(grzegorz, "dt-2", [2, 3])
    halina = seed.person("Halina", "Ożóg", None, "K")
    seed.attend(halina, "rada", [1], data={"first_name": "Halina", "last_name": "Ożóg", "phone": "600 700 800", "pesel": "85030412345"})
    return {"bozena": bozena, "grzegorz": grzegorz, "halina": halina}


def certify(registry, project, store, renderer, on=DAY):
    return issue_certificates(registry, project, store, renderer=renderer, issue_date=on)


def codes_by_person(registry) -> dict[int, list[str]]:
    """Every verification code of each person, oldest revision first."""
    with registry.session() as s:
        rows = s.execute(
            select(Certificate.person_id, CertificateRevision.verification_code)
            .join(Certificate)
            .order_by(Certificate.person_id, CertificateRevision.revision)
        ).all()
    out: dict[int, list[str]] = {}
    for pid, code in rows:
        out.setdefault(pid, []).append(code)
    return out


def number_of(registry, person_id: int) -> str:
    with registry.session() as s:
        return s.scalars(select(Certificate.number).where(Certificate.person_id == person_id)).one()


def page(site_dir: Path, code: str) -> str:
    return (site_dir / "z" / code / "index.html").read_text(encoding="utf-8")


def page_json(site_dir: Path, code: str) -> dict:
    return json.loads((site_dir / "z" / f"{code}.json").read_text(encoding="utf-8"))


@contextmanager
def serving(folder: Path):
    server = make_server(folder, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def get(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # 127.0.0.1 only
            return resp.status, dict(resp.headers), resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


# --- addresses and names -----------------------------------------------------------------------


def test_layout_mirrors_the_path_of_verification_url():
    layout = SiteLayout.from_url("https://weryfikacja.example.org/z/{code}")
    assert layout.pages_dir == "z"
    assert layout.url("Ab_9-xYz01234567") == "https://weryfikacja.example.org/z/Ab_9-xYz01234567"
    assert layout.path("Ab_9-xYz01234567") == "/z/Ab_9-xYz01234567"
    assert layout.page_file("Ab_9-xYz01234567") == "z/Ab_9-xYz01234567/index.html"
    assert layout.json_file("Ab_9-xYz01234567") == "z/Ab_9-xYz01234567.json"
    assert layout.code_of("z/Ab_9-xYz01234567.json") == "Ab_9-xYz01234567"
    assert layout.code_of("z/index.html") is None and layout.code_of("index.html") is None
    deep = SiteLayout.from_url("https://ngo.example.pl/weryfikacja/zaswiadczenia/{code}")
    assert deep.page_file("Q1w2e3r4t5y6u7i8") == "weryfikacja/zaswiadczenia/Q1w2e3r4t5y6u7i8/index.html"
    root = SiteLayout.from_url("https://v.example.pl/{code}")
    assert root.pages_dir == "" and root.json_file("Q1w2e3r4t5y6u7i8") == "Q1w2e3r4t5y6u7i8.json"
    for bad in (
        "https://v.example.pl/verify?kod={code}",
        "https://v.example.pl/z/{code}/pdf",
        "https://v.example.pl/z/{code}#x",
        "https://v.example.pl/z/x{code}",
    ):
        with pytest.raises(SiteError, match="ostatnim członem"):
            SiteLayout.from_url(bad)


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Bożena Ćwierć-Łapińska", "B. Ć.-Ł."),
        ("Anna Maria  Ożóg", "A. M. O."),
        ("łucja żak", "Ł. Ż."),
        ("Jean-Luc de Vries", "J.-L. D. V."),
        ("", ""),
    ],
)
def test_initials(name, short):
    assert initials(name) == short
    assert holder_name(name, "initials") == short
    assert holder_name(name, "full") == " ".join(name.split())


# --- building ----------------------------------------------------------------------------------


def test_site_has_one_page_and_json_per_code_and_nothing_personal(registry, project, store, renderer, people, site_dir):
    certify(registry, project, store, renderer)
    counts = build_site_in(registry, project, site_dir)
    codes = codes_by_person(registry)
    assert set(codes) == {people["bozena"], people["halina"]}
    all_codes = [c for cs in codes.values() for c in cs]
    assert counts.codes == len(all_codes) == 2 and counts.per_status == {"valid": 2}

    html = page(site_dir, codes[people["bozena"]][0])
    assert number_of(registry, people["bozena"]) in html
    assert "Status: ważne" in html and "B. Ć.-Ł." in html
    assert "„Design Thinking w samorządzie”" in html and "12, 19 i 26 marca 2026 r.; 2 i 9 kwietnia 2026 r." in html
    assert "20 godz." in html and "20 kwietnia 2026 r." in html
    assert "Stowarzyszenie Przykładowe „Współpraca”" in html and "NIW-CRSO" in html
    assert html.count('src="data:image/png;base64,') == 2  # both logos, inline
    assert '<meta name="robots" content="noindex' in html
    data = page_json(site_dir, codes[people["bozena"]][0])
    assert (data["status"], data["holder"], data["number"], data["hours"]) == (
        "valid",
        "B. Ć.-Ł.",
        number_of(registry, people["bozena"]),
        20,
    )
    assert data["url"] == f"https://weryfikacja.example.org/z/{codes[people['bozena']][0]}"

    published = [p for p in site_dir.rglob("*") if p.is_file()]
    for path in published:
        text = path.read_text(encoding="utf-8")
        for personal in ("Bożena", "Łapińska", "Halina", "Ożóg", "example.net", "85030412345", "600 700 800", "600700800"):
            assert personal not in text, (path.name, personal)
        assert oct(path.stat().st_mode & 0o777) == "0o644"  # readable by a web server after rsync
    for blank in ("index.html", "z/index.html"):  # no index of codes anywhere
        text = (site_dir / blank).read_text(encoding="utf-8")
        assert not any(c in text for c in all_codes) and "noindex" in text


def test_full_name_when_the_project_chooses_it(registry, project, store, renderer, people, site_dir):
    certify(registry, project, store, renderer)
    full = project.model_copy(update={"certificates": project.certificates.model_copy(update={"holder_name": "full"})})
    build_site_in(registry, full, site_dir)
    html = page(site_dir, codes_by_person(registry)[people["bozena"]][0])
    assert "Bożena Ćwierć-Łapińska" in html and "bozena.cw@example.net" not in html


def test_unchanged_pages_are_not_rewritten_and_revocation_rewrites_only_its_own(registry, project, store, renderer, people, site_dir):
    certify(registry, project, store, renderer)
    first = build_site_in(registry, project, site_dir)
    assert (first.written, first.unchanged) == (2 * 2 + 3, 0)  # page + JSON of 2 codes, 2 blank index.html, _headers
    stamps = {p: p.stat().st_mtime_ns for p in site_dir.rglob("*") if p.is_file()}
    again = build_site_in(registry, project, site_dir)
    assert (again.written, again.unchanged, again.removed) == (0, 7, 0)
    assert {p: p.stat().st_mtime_ns for p in site_dir.rglob("*") if p.is_file()} == stamps

    halina = codes_by_person(registry)[people["halina"]][0]
    with registry.session() as s:
        revoke_number(
            s, project=project.slug, number=number_of(registry, people["halina"]), reason="Halina Ożóg zrezygnowała, tel. 600 700 800"
        )
    after = build_site_in(registry, project, site_dir)
    assert (after.written, after.per_status) == (2, {"valid": 1, "revoked": 1})
    changed = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file() and p.stat().st_mtime_ns != stamps[p])
    assert changed == [f"z/{halina}.json", f"z/{halina}/index.html"]
    html = page(site_dir, halina)
    assert "Status: unieważnione" in html and "decyzja organizatora" in html
    assert "zrezygnowała" not in html and "600 700 800" not in html  # the staff's reason text is never published
    data = page_json(site_dir, halina)
    assert data["status"] == "revoked" and data["revocation_reason"] == "organiser_decision"
    assert data["revoked_on"] == today_in("Europe/Warsaw").isoformat()  # local date of the revocation
    assert f"Unieważniono {pl_formal_date(today_in('Europe/Warsaw'))} — powód: decyzja organizatora" in html
    assert not list(site_dir.rglob(".tmp-*"))


def test_reissue_points_the_old_page_to_the_new_one(registry, project, store, renderer, seed, people, site_dir):
    certify(registry, project, store, renderer)
    build_site_in(registry, project, site_dir)
    seed.rename(people["bozena"], "Bożena", "Ćwierć-Łapińska-Nowak")  # a correction → revision 2, same number
    assert certify(registry, project, store, renderer, on=date(2026, 4, 27)).reissued == 1
    build_site_in(registry, project, site_dir)
    old, new = codes_by_person(registry)[people["bozena"]]
    old_html, new_html = page(site_dir, old), page(site_dir, new)
    assert "Status: zastąpione nowszą wersją" in old_html
    assert f'href="/z/{new}"' in old_html and "Zobacz aktualne zaświadczenie" in old_html
    assert "Status: ważne" in new_html and "B. Ć.-Ł.-N." in new_html and "27 kwietnia 2026 r." in new_html
    assert old not in new_html  # the current page does not point back
    assert page_json(site_dir, old)["current_url"] == f"https://weryfikacja.example.org/z/{new}"


def test_no_page_lists_other_codes(registry, project, store, renderer, seed, people, site_dir):
    certify(registry, project, store, renderer)
    seed.rename(people["halina"], "Halina", "Ożóg-Kępa")
    certify(registry, project, store, renderer, on=date(2026, 5, 2))
    build_site_in(registry, project, site_dir)
    codes = codes_by_person(registry)
    every = {c for cs in codes.values() for c in cs}
    assert len(every) == 3
    links = {cs[0]: cs[1] for cs in codes.values() if len(cs) > 1}
    for path in site_dir.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        own = path.name.removesuffix(".json") if path.suffix == ".json" else path.parent.name
        allowed = {own, links.get(own)} & every
        assert {c for c in every if c in text} == allowed, path.relative_to(site_dir)
        hrefs = set(re.findall(r'href="([^"]*)"', text))
        assert hrefs <= {f"/z/{own}.json", f"/z/{links.get(own)}"}, hrefs


def test_erased_person_page_says_only_withdrawn(registry, project, store, renderer, people, site_dir):
    certify(registry, project, store, renderer)
    code = codes_by_person(registry)[people["halina"]][0]
    number = number_of(registry, people["halina"])
    with registry.session() as s:
        assert len(withdraw_for_erasure(s, project=project.slug, person_id=people["halina"])) == 1
    with registry.session() as s:
        assert verify(s, code).status == "withdrawn" and verify(s, code).number is None
        rev = s.scalars(select(CertificateRevision).where(CertificateRevision.verification_code == code)).one()
        assert rev.data == {"erased": True}  # name, gender, e-mail gone from the register too
    build_site_in(registry, project, site_dir)
    html = page(site_dir, code)
    assert "Status: wycofane" in html and "To zaświadczenie zostało wycofane." in html
    for gone in (number, "H. O.", "Warsztat dla rad seniorów", "godz.", "NIW-CRSO", "data:image"):
        assert gone not in html
    assert page_json(site_dir, code) == {"code": code, "status": "withdrawn", "status_label": "wycofane"}
    # the attendance is still in the registry (the eraser removes it later): no reinstatement meanwhile
    assert certify(registry, project, store, renderer).kept_revoked == 1
    build_site_in(registry, project, site_dir)
    assert "Status: wycofane" in page(site_dir, code)


def test_pages_of_codes_no_longer_in_the_register_are_removed(registry, project, store, renderer, people, site_dir):
    certify(registry, project, store, renderer)
    stale = site_dir / "z" / "Zz9_staleCode-01"
    stale.mkdir(parents=True)
    (stale / "index.html").write_text("stara strona", encoding="utf-8")
    (site_dir / "z" / "Zz9_staleCode-01.json").write_text("{}", encoding="utf-8")
    (site_dir / "README.txt").write_text("nie moje", encoding="utf-8")
    counts = build_site_in(registry, project, site_dir)
    assert counts.removed == 2 and not stale.exists() and not (site_dir / "z" / "Zz9_staleCode-01.json").exists()
    assert (site_dir / "README.txt").exists()  # files the site does not own are left alone


def test_a_bad_verification_url_is_reported(registry, project, site_dir):
    bad = project.model_copy(
        update={"certificates": project.certificates.model_copy(update={"verification_url": "https://v.example.pl/sprawdz?kod={code}"})}
    )
    with pytest.raises(SiteError, match="verification_url"):
        build_site_in(registry, bad, site_dir)


def test_builds_from_postgresql(pg_url, project, store, renderer, tmp_path):
    from synergia.registry.db import Registry
    from tests.certificates.conftest import Seeder

    registry = Registry(pg_url)
    try:
        seed = Seeder(registry, project="cert-test")
        pid = seed.person("Żaneta", "Gąsior", "zg@example.net", "K")
        seed.attend(pid, "rada", [1])
        certify(registry, project, store, renderer)
        counts = build_site_in(registry, project, tmp_path / "pg-site")
        code = codes_by_person(registry)[pid][0]
        assert counts.codes >= 1 and "Ż. G." in page(tmp_path / "pg-site", code)
    finally:
        registry.dispose()


# --- serving, QR, browser ----------------------------------------------------------------------


def test_local_server_maps_codes_hides_folders_and_says_noindex(registry, project, store, renderer, people, site_dir):
    certify(registry, project, store, renderer)
    build_site_in(registry, project, site_dir)
    code = codes_by_person(registry)[people["bozena"]][0]
    (site_dir / "z" / "pusty").mkdir()
    (site_dir / ".ukryty").write_text("x", encoding="utf-8")
    with serving(site_dir) as base:
        for path in (f"/z/{code}", f"/z/{code}/"):
            status, headers, body = get(base + path)
            assert status == 200 and "Status: ważne" in body, path
            assert headers["X-Robots-Tag"].startswith("noindex") and headers["Content-Type"].startswith("text/html")
        status, headers, body = get(f"{base}/z/{code}.json")
        assert status == 200 and json.loads(body)["code"] == code and "json" in headers["Content-Type"]
        for listing in ("/", "/z/", "/z"):
            status, headers, body = get(base + listing)
            assert status == 200 and code not in body and "noindex" in headers["X-Robots-Tag"]
        for missing in ("/z/pusty/", "/z/NieMaTakiegoKodu", "/.ukryty", "/../../etc/passwd", "/z/%2e%2e/%2e%2e/etc/passwd"):
            status, headers, _ = get(base + missing)
            assert status == 404 and "noindex" in headers["X-Robots-Tag"], missing


def qr_urls(pdf: bytes) -> list[str]:
    image = pdfium.PdfDocument(pdf)[0].render(scale=2).to_pil()
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_qr_in_the_pdf_opens_its_page_and_revocation_shows_on_it(registry, project, store, renderer, people, site_dir):
    certify(registry, project, store, renderer)
    build_site_in(registry, project, site_dir)
    with registry.session() as s:
        rev = s.scalars(select(CertificateRevision).join(Certificate).where(Certificate.person_id == people["bozena"])).one()
        uri, number = rev.storage_uri, rev.certificate.number
    [url] = qr_urls(store.get(uri))
    assert url.startswith("https://weryfikacja.example.org/z/")
    with serving(site_dir) as base:
        status, _, body = get(base + urlsplit(url).path)
        assert status == 200 and number in body and "Status: ważne" in body
        with registry.session() as s:
            revoke_number(s, project=project.slug, number=number, reason="błąd w danych")
        build_site_in(registry, project, site_dir)
        status, _, body = get(base + urlsplit(url).path)
        assert status == 200 and "Status: unieważnione" in body and number in body


@pytest.mark.chromium
def test_page_in_headless_chromium_at_phone_width(registry, project, store, renderer, seed, people, site_dir, tmp_path):
    certify(registry, project, store, renderer)
    seed.rename(people["bozena"], "Bożena", "Ćwierć")
    certify(registry, project, store, renderer, on=date(2026, 4, 28))
    build_site_in(registry, project, site_dir)
    old, new = codes_by_person(registry)[people["bozena"]]
    number = number_of(registry, people["bozena"])
    browser = chromium()
    with serving(site_dir) as base:
        shot = tmp_path / "strona-390.png"
        common = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
        proc = subprocess.run(
            [*common, f"--screenshot={shot}", "--window-size=390,900", f"{base}/z/{old}"], capture_output=True, text=True, timeout=120
        )
        assert shot.exists(), proc.stderr[-2000:]
        dom = subprocess.run([*common, "--dump-dom", f"{base}/z/{old}"], capture_output=True, text=True, timeout=120).stdout
    assert shot.stat().st_size > 20_000
    if os.environ.get("KEEP_SITE_SCREENSHOT"):
        Path(os.environ["KEEP_SITE_SCREENSHOT"]).write_bytes(shot.read_bytes())
    text = re.sub(r"<[^>]+>", " ", dom)
    assert number in text and "Status: zastąpione nowszą wersją" in text and "B. Ć.-Ł." in text
    assert f'href="/z/{new}"' in dom
    for personal in ("Bożena", "Ćwierć", "example.net", "85030412345", "600 700 800"):
        assert personal not in dom
    import numpy as np
    from matplotlib import image as mpimg

    pixels = (mpimg.imread(shot)[..., :3] * 255).round().astype(np.uint8)
    assert pixels.shape[1] == 390
    amber = np.array([0xFF, 0xF4, 0xD6])  # the "superseded" status panel is drawn
    assert (np.abs(pixels.astype(int) - amber).max(axis=-1) <= 6).sum() > 2000


# --- command line ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_cli_builds_into_the_default_folder_revoke_refreshes_and_serve_answers(tmp_path, synergia_env, project):
    from typer.testing import CliRunner

    from cli.app import app
    from synergia import runtime
    from tests.certificates.conftest import PROJECT_YAML, Seeder

    registry = runtime.registry(migrate=True)
    seed = Seeder(registry)
    pid = seed.person("Wiesława", "Kęsik", "wk@example.net", "K")
    seed.attend(pid, "rada", [1])
    issue_certificates(registry, project, LocalStorage(tmp_path / "c"))
    code = codes_by_person(registry)[pid][0]
    number = number_of(registry, pid)
    runner = CliRunner()

    built = runner.invoke(app, ["certificates", "site", "-p", str(PROJECT_YAML)])
    assert built.exit_code == 0, built.output
    folder = synergia_env / "site" / "cert-test"
    assert "Status: ważne" in page(folder, code) and "kodów 1" in built.output and code not in built.output
    out = tmp_path / "publish"
    assert runner.invoke(app, ["certificates", "site", "-p", str(PROJECT_YAML), "--out", str(out)]).exit_code == 0
    assert (out / "z" / code / "index.html").exists()

    revoked = runner.invoke(app, ["certificates", "revoke", number, "-p", str(PROJECT_YAML), "--reason", "duplikat"])
    assert revoked.exit_code == 0 and "Strona weryfikacji odświeżona" in revoked.output
    assert "Status: unieważnione" in page(folder, code)  # the same moment, not only after the nightly run
    assert runner.invoke(app, ["certificates", "site"]).exit_code == 2

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cli.app import app; app()",
            "certificates",
            "site",
            "--out",
            str(folder),
            "--serve",
            "--port",
            str(port),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, headers, body = get(f"http://127.0.0.1:{port}/z/{code}")
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() is not None else "timeout"
                time.sleep(0.3)
        assert status == 200 and "Status: unieważnione" in body and "noindex" in headers["X-Robots-Tag"]
        assert get(f"http://127.0.0.1:{port}/z/")[0] == 200 and code not in get(f"http://127.0.0.1:{port}/z/")[2]
    finally:
        proc.terminate()
        try:
            _, log = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, log = proc.communicate()
    assert code not in log  # the access log shows no codes


def test_holder_name_option_is_validated():
    from pydantic import ValidationError

    from config.certificates import CertificatesConfig

    cycle = {"id": "c", "title": "T", "events": ["e"], "rule": {"min_hours": 1}}
    assert CertificatesConfig(cycles=[cycle]).holder_name == "initials"
    assert CertificatesConfig(cycles=[cycle], holder_name="full").holder_name == "full"
    with pytest.raises(ValidationError, match="holder_name"):
        CertificatesConfig(cycles=[cycle], holder_name="nazwisko")
