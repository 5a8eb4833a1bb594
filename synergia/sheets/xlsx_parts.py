"""Replace one worksheet inside an XLSX file without touching anything else in it.

An XLSX is a zip of XML parts. Loading and re-saving it with openpyxl rewrites
every part and loses what openpyxl does not model (cached values of formulas,
extensions, some validation and styles). Here only the owned tab's part is
written:

* the tab exists: its ``xl/worksheets/sheetN.xml`` is replaced by a new part of
  inline-string cells (``t="inlineStr"``: no shared-strings table to touch;
  a string cell is never a formula). Its own ``_rels`` (comments, drawings
  staff may have added to our tab) is dropped with it. Every other member is
  copied as it is stored (its compressed bytes, not decompressed and compressed
  again), in its original order.
  Only if staff typed formulas into our tab is ``xl/calcChain.xml`` removed
  (with its relationship and content-type entry): it would point at cells that
  are now text, which Excel reports as a corrupt file; Excel rebuilds it.
* the tab is missing: a new part is added at the end, with its ``<sheet>`` in
  ``xl/workbook.xml``, its relationship in ``xl/_rels/workbook.xml.rels`` and
  its ``Override`` in ``[Content_Types].xml``. Those three are edited as text
  (one element inserted before the closing tag), so nothing else in them
  changes. ``docProps/app.xml`` (the list of titles shown in file properties)
  is left as it is: Excel and LibreOffice do not require it to list every sheet.

A tab name matches case-insensitively, as Excel compares sheet names.
"""

from __future__ import annotations

import copy
import io
import posixpath
import re
import struct
import time
import zipfile
from collections.abc import Sequence
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOCUMENT = NS_R + "/officeDocument"
REL_WORKSHEET = NS_R + "/worksheet"
REL_CALC_CHAIN = NS_R + "/calcChain"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
#: Excel's limit of characters in one cell; a longer text makes the file unreadable for Excel.
MAX_CELL_CHARS = 32767

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # else the text goes in as it is
_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


# --------------------------------------------------------------------------- the sheet part


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _xml_text(value: str) -> str:
    value = value[:MAX_CELL_CHARS]
    if not _NEEDS_ESCAPE.search(value):
        return value
    # XML 1.0 cannot carry most control characters: OOXML writes them as _xHHHH_ (Excel reads them so).
    value = _NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    # A literal CR would be read back as LF (XML line-end normalisation); a character reference is not.
    return escape(value).replace("\r", "&#13;")


def sheet_xml(rows: Sequence[Sequence[str]]) -> bytes:
    """A worksheet part holding ``rows`` as inline strings, header row frozen."""
    width = max((len(r) for r in rows), default=0)
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">',
        f'<dimension ref="{"A1" if not rows or not width else f"A1:{column_letters(width - 1)}{len(rows)}"}"/>',
        '<sheetViews><sheetView workbookViewId="0">',
    ]
    if len(rows) > 1:
        out.append(
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        )
    out.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>')
    letters = [column_letters(c) for c in range(width)]
    for r, row in enumerate(rows, start=1):
        cells = [
            f'<c r="{letters[c]}{r}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(v)}</t></is></c>'
            for c, v in enumerate(row)
            if v != ""
        ]
        if cells:
            out.append(f'<row r="{r}">' + "".join(cells) + "</row>")
    out.append('</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')
    return "".join(out).encode("utf-8")


# --------------------------------------------------------------------------- the package


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _relationships(xml: bytes) -> list[dict[str, str]]:
    root = ET.fromstring(xml)
    return [dict(el.attrib) for el in root if el.tag == f"{{{NS_PKG_REL}}}Relationship"]


def _insert_before_close(xml: bytes, local: str, fragment: str) -> bytes:
    """Insert ``fragment`` before the last ``</prefix:local>`` of ``xml`` (text edit, nothing else moves)."""
    matches = list(re.finditer(rb"</(\w+:)?" + local.encode() + rb"\s*>", xml))
    if not matches:
        raise ValueError(f"no </{local}> in part")
    m = matches[-1]
    prefix = (m.group(1) or b"").decode()
    text = fragment.replace("<~", "<" + prefix)
    return xml[: m.start()] + text.encode("utf-8") + xml[m.start() :]


def _remove_element(xml: bytes, pattern: bytes) -> bytes:
    return re.sub(pattern, b"", xml, count=1)


def replace_sheet(source: bytes, tab: str, rows: Sequence[Sequence[str]]) -> bytes:
    """The XLSX ``source`` with worksheet ``tab`` holding ``rows`` (created if absent)."""
    zin = zipfile.ZipFile(io.BytesIO(source))
    names = zin.namelist()
    root_rels = _relationships(zin.read("_rels/.rels"))
    wb_part = next((_resolve("", r["Target"]) for r in root_rels if r.get("Type") == REL_OFFICE_DOCUMENT), "xl/workbook.xml")
    wb_rels_part = _rels_path(wb_part)
    wb_xml = zin.read(wb_part)
    wb_rels_xml = zin.read(wb_rels_part)
    rels = {r["Id"]: r for r in _relationships(wb_rels_xml)}
    wb_root = ET.fromstring(wb_xml)
    sheets_el = wb_root.find(f"{{{NS_MAIN}}}sheets")
    if sheets_el is None:  # e.g. "Strict Open XML" (other namespaces): refuse rather than guess
        raise ValueError("no transitional <sheets> in workbook part")
    sheets = list(sheets_el)

    replaced: dict[str, bytes] = {}
    dropped: set[str] = set()
    added: list[tuple[str, bytes]] = []
    new_part = sheet_xml(rows)

    existing = next((s for s in sheets if (s.get("name") or "").casefold() == tab.casefold()), None)
    if existing is not None:
        rel = rels.get(existing.get(f"{{{NS_R}}}id") or "")
        if rel is None or rel.get("Type") != REL_WORKSHEET:
            raise ValueError("owned tab is not a worksheet part")
        part = _resolve(wb_part, rel["Target"])
        old = zin.read(part)
        replaced[part] = new_part
        if _rels_path(part) in names:
            dropped.add(_rels_path(part))
        if _FORMULA_ELEMENT.search(old):
            _drop_calc_chain(zin, names, wb_part, rels, replaced, dropped)
    else:
        k = 1
        while f"xl/worksheets/sheet{k}.xml" in names:
            k += 1
        part = f"xl/worksheets/sheet{k}.xml"
        n = 1
        while f"rId{n}" in rels:
            n += 1
        rid = f"rId{n}"
        sheet_id = max((int(s.get("sheetId") or 0) for s in sheets), default=0) + 1
        # Declared on the element itself: a prefix bound elsewhere may be scoped to another element.
        r_attr = f'xmlns:r="{NS_R}" r:id={quoteattr(rid)}'
        replaced[wb_part] = _insert_before_close(
            replaced.get(wb_part, wb_xml), "sheets", f'<~sheet name={quoteattr(tab)} sheetId="{sheet_id}" {r_attr}/>'
        )
        target = posixpath.relpath(part, posixpath.dirname(wb_part))
        replaced[wb_rels_part] = _insert_before_close(
            replaced.get(wb_rels_part, wb_rels_xml),
            "Relationships",
            f'<~Relationship Id={quoteattr(rid)} Type="{REL_WORKSHEET}" Target={quoteattr(target)}/>',
        )
        ct = replaced.get("[Content_Types].xml", zin.read("[Content_Types].xml"))
        replaced["[Content_Types].xml"] = _insert_before_close(
            ct, "Types", f'<~Override PartName={quoteattr("/" + part)} ContentType="{CT_WORKSHEET}"/>'
        )
        added.append((part, new_part))

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            if info.filename in dropped:
                continue
            data = replaced.get(info.filename)
            if data is not None:
                zout.writestr(info, data)
            elif not _copy_raw(source, info, zout):
                zout.writestr(info, zin.read(info.filename))
        for name, data in added:
            info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
    return out.getvalue()


_LOCAL_HEADER = struct.Struct(zipfile.structFileHeader)  # the zip format's local file header (30 bytes)
_ZIP64_EXTRA = 0x0001


def stored_span(source: bytes, info: zipfile.ZipInfo) -> tuple[int, int, int] | None:
    """Where member ``info`` of the zip ``source`` is stored as it is: (start of its local header,
    start of its compressed bytes, end after its data descriptor). Only the plain case (no
    encryption, no ZIP64, a local header naming the same member); None otherwise."""
    if info.flag_bits & 0x1 or max(info.file_size, info.compress_size, info.header_offset) >= zipfile.ZIP64_LIMIT:
        return None
    if _has_zip64_extra(info.extra):
        return None
    start = info.header_offset
    head = source[start : start + _LOCAL_HEADER.size]
    if len(head) < _LOCAL_HEADER.size:
        return None
    fields = _LOCAL_HEADER.unpack(head)
    if fields[0] != zipfile.stringFileHeader:
        return None
    name_len, extra_len = fields[-2], fields[-1]
    name = source[start + _LOCAL_HEADER.size : start + _LOCAL_HEADER.size + name_len]
    try:
        expected = info.filename.encode("utf-8" if info.flag_bits & 0x800 else "ascii")
    except UnicodeEncodeError:
        return None
    if name != expected or _has_zip64_extra(
        source[start + _LOCAL_HEADER.size + name_len : start + _LOCAL_HEADER.size + name_len + extra_len]
    ):
        return None
    begin = start + _LOCAL_HEADER.size + name_len + extra_len
    end = begin + info.compress_size
    if info.flag_bits & 0x8:  # a data descriptor follows: crc, sizes (12 bytes), after an optional signature
        end += 16 if source[end : end + 4] == b"PK\x07\x08" else 12
    if end > len(source):
        return None
    return start, begin, end


def stored_bytes(source: bytes, info: zipfile.ZipInfo) -> memoryview | None:
    """Member ``info``'s compressed bytes inside the zip ``source`` (None: read it the slow way)."""
    span = stored_span(source, info)
    return None if span is None else memoryview(source)[span[1] : span[1] + info.compress_size]


def _copy_raw(source: bytes, info: zipfile.ZipInfo, zout: zipfile.ZipFile) -> bool:
    """Append member ``info`` of the zip ``source`` to ``zout`` as it is stored (its local header,
    compressed bytes and data descriptor copied, not decompressed and compressed again: the parts
    of a 13 MB workbook took 1.4 s to recompress). The central directory entry ``zout`` writes on
    closing comes from ``info`` (read from the source's central directory).

    Only the plain case is copied so (``stored_span``); False leaves it to the caller (decompress
    and write)."""
    span = stored_span(source, info)
    if span is None:
        return False
    start, _, end = span
    # zipfile has no public call to add a member's stored bytes: what ``writestr`` does after writing them
    copied = copy.copy(info)
    copied.header_offset = zout.fp.tell()
    zout.fp.write(memoryview(source)[start:end])
    zout.filelist.append(copied)
    zout.NameToInfo[copied.filename] = copied
    zout.start_dir = zout.fp.tell()
    zout._didModify = True
    return True


def _has_zip64_extra(extra: bytes) -> bool:
    pos = 0
    while pos + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, pos)
        if kind == _ZIP64_EXTRA:
            return True
        pos += 4 + size
    return False


def _drop_calc_chain(
    zin: zipfile.ZipFile, names: list[str], wb_part: str, rels: dict[str, dict[str, str]], replaced: dict[str, bytes], dropped: set[str]
) -> None:
    for rid, rel in rels.items():
        if rel.get("Type") != REL_CALC_CHAIN:
            continue
        part = _resolve(wb_part, rel["Target"])
        if part in names:
            dropped.add(part)
        rels_part = _rels_path(wb_part)
        replaced[rels_part] = _remove_element(
            replaced.get(rels_part, zin.read(rels_part)),
            rb"<(?:\w+:)?Relationship\b[^>]*\bId=[\"']" + re.escape(rid.encode()) + rb"[\"'][^>]*/>",
        )
        ct = replaced.get("[Content_Types].xml", zin.read("[Content_Types].xml"))
        replaced["[Content_Types].xml"] = _remove_element(
            ct, rb"<(?:\w+:)?Override\b[^>]*\bPartName=[\"']/" + re.escape(part.encode()) + rb"[\"'][^>]*/>"
        )


def new_workbook_bytes(tab: str, rows: Sequence[Sequence[str]]) -> bytes:
    """A new workbook with the one owned tab (nothing of the staff's to keep)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = tab
    buf = io.BytesIO()
    wb.save(buf)
    return replace_sheet(buf.getvalue(), tab, rows)
