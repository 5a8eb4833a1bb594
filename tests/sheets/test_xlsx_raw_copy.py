"""An owned-tab write copies the staff's parts as they are stored (no recompression), and the
file stays a valid workbook: every other part's bytes are identical (stored and decompressed),
openpyxl and calamine open it, zipfile's own check passes, and the result holds the same parts
as the write that decompressed and compressed every part again."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from synergia.sheets import xlsx_parts
from synergia.sheets.xlsx_parts import replace_sheet
from tests.field.staff_workbook import FORM_TAB, LOOKUP_TAB, build

ROWS = [["Źródło", "Opis"], ["rekrutacja", "'=SUMA(A1)"], ["lista", "zażółć gęślą jaźń"]]


def _stored(data: bytes) -> dict[str, bytes]:
    """Each member's local record as stored: header fields after the offset-free part, compressed bytes."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            start = info.header_offset
            name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
            body = start + 30 + name_len + extra_len
            out[info.filename] = data[start : body + info.compress_size]
    return out


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {n: z.read(n) for n in z.namelist()}


def _repacked(data: bytes, level: int = 1) -> bytes:
    """The same parts compressed at another level than zipfile's default (as another program
    would): compressing them again would change their stored bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info), compresslevel=level)
    return out.getvalue()


def _recompressed(source: bytes, tab: str, rows: list[list[str]], monkeypatch: pytest.MonkeyPatch) -> bytes:
    with monkeypatch.context() as m:
        m.setattr(xlsx_parts, "_copy_raw", lambda *_a: False)
        return replace_sheet(source, tab, rows)


def _opens(data: bytes, tmp_path: Path, tabs: list[str]) -> dict[str, list[list]]:
    path = tmp_path / "out.xlsx"
    path.write_bytes(data)
    wb = load_workbook(path)
    assert set(tabs) <= set(wb.sheetnames)
    cal = CalamineWorkbook.from_path(str(path))
    assert set(tabs) <= set(cal.sheet_names)
    return {t: cal.get_sheet_by_name(t).to_python() for t in tabs}


@pytest.mark.parametrize("owned", [(), ("Odrzucone",)], ids=["new-tab", "existing-tab"])
def test_other_parts_keep_their_stored_bytes_and_the_file_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, owned: tuple) -> None:
    staff = build(tmp_path / "biuro.xlsx", people=30, owned_tabs=owned)
    source = _repacked(staff.path.read_bytes())
    before_stored, before = _stored(source), _members(source)

    result = replace_sheet(source, "Odrzucone", ROWS)

    after_stored, after = _stored(result), _members(result)
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed, "the owned tab's part changes"
    for name in set(before) - changed:
        assert after_stored[name] == before_stored[name], name  # copied as stored, not recompressed
    assert after == _members(_recompressed(source, "Odrzucone", ROWS, monkeypatch))
    values = _opens(result, tmp_path, [FORM_TAB, LOOKUP_TAB, "Odrzucone"])
    assert values["Odrzucone"] == ROWS
    assert _opens(source, tmp_path / "..", [FORM_TAB])[FORM_TAB] == values[FORM_TAB]


def _streamed_zip(parts: dict[str, tuple[bytes, int]]) -> bytes:
    """A zip written to a stream that cannot seek: every member gets a data descriptor."""

    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self.buf = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:
            self.buf += b
            return len(b)

    stream = Stream()
    with zipfile.ZipFile(stream, "w") as z:
        for name, (data, method) in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2020, 1, 2, 3, 4, 6)), data, compress_type=method)
    return bytes(stream.buf)


def test_members_with_data_descriptors_stored_and_utf8_names_are_copied_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    staff = build(tmp_path / "biuro.xlsx", people=5, owned_tabs=("Do sprawdzenia",))
    with zipfile.ZipFile(staff.path) as z:
        parts = {n: (z.read(n), zipfile.ZIP_DEFLATED) for n in z.namelist()}
    parts["customXml/notatka-łódź.xml"] = (b"<n>" + "żółw ".encode() * 50 + b"</n>", zipfile.ZIP_DEFLATED)
    parts["docProps/custom-stored.bin"] = (bytes(range(256)) * 3, zipfile.ZIP_STORED)
    source = _streamed_zip(parts)
    with zipfile.ZipFile(io.BytesIO(source)) as z:
        assert all(i.flag_bits & 0x8 for i in z.infolist())  # the case under test

    result = replace_sheet(source, "Do sprawdzenia", ROWS)

    before, after = _members(source), _members(result)
    assert set(after) == set(before)
    changed = [n for n in before if before[n] != after[n]]
    assert len(changed) == 1 and changed[0].startswith("xl/worksheets/sheet")  # the owned tab's part only
    before_stored, after_stored = _stored(source), _stored(result)
    assert all(after_stored[n] == before_stored[n] for n in before if n not in changed)
    assert after["customXml/notatka-łódź.xml"] == parts["customXml/notatka-łódź.xml"][0]
    assert after["docProps/custom-stored.bin"] == parts["docProps/custom-stored.bin"][0]
    assert after == _members(_recompressed(source, "Do sprawdzenia", ROWS, monkeypatch))
    assert _opens(result, tmp_path, ["Do sprawdzenia"])["Do sprawdzenia"] == ROWS


def test_a_member_that_cannot_be_copied_as_stored_goes_the_old_way(tmp_path: Path) -> None:
    """A local header that does not name its member (a damaged file) is not copied blindly: the
    member is read as before, and zipfile refuses the file as it did (the backend turns that into
    one error naming the workbook)."""
    staff = build(tmp_path / "biuro.xlsx", people=5)
    source = bytearray(staff.path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(source))) as z:
        info = z.getinfo("docProps/app.xml")
    source[info.header_offset + 30] ^= 0x20  # the local name now differs from the central directory's
    damaged = bytes(source)
    with zipfile.ZipFile(io.BytesIO(damaged)) as z:
        assert xlsx_parts._copy_raw(damaged, z.getinfo("docProps/app.xml"), zipfile.ZipFile(io.BytesIO(), "w")) is False
    with pytest.raises(zipfile.BadZipFile):
        replace_sheet(damaged, "Odrzucone", ROWS)
