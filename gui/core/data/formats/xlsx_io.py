"""Excel workbooks (.xlsx) in, a checked table out, safely.

An .xlsx is a zip of XML files, so it is checked as a zip first: its size, its number of
entries and how far it expands (a zip bomb is refused from the zip's directory, before a
byte is decompressed). The sheet's stated size is checked against the row and column limits
before its rows are read. openpyxl then streams the rows (read-only), with formulas read as
the values Excel saved (data_only), no external links and no macros. Empty rows and columns
around the table and a title row above it are skipped; merged cells show their value in every
cell they cover; two header rows under merged cells are joined into one name per column.

Example:
    loaded = read_xlsx(raw_bytes, "marks.xlsx", sheet="2024")
    loaded.frame, loaded.sheet, loaded.sheets, loaded.header_note
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from xml.etree import ElementTree

import pandas as pd

from gui.core.data.formats import csv_io
from gui.core.data.formats import header as header_rows
from gui.core.data.formats.loaded import DataError, LoadedTable
from gui.core.data.formats.number_text import clean_values

MAX_ZIP_ENTRIES = 2_000
MAX_EXPANDED_MB = 1_500   # all entries together, decompressed
MAX_RATIO = 200           # expanded size / compressed size of an entry over 10 MB
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected workbook
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
_NO_CACHED_VALUE = re.compile(rb"(?:</f>|<f\b[^>]*/>)\s*(?:<v\s*/>|<v>\s*</v>|</c>)")
_ROW = re.compile(rb"<(?:\w+:)?row\b")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+[0-9]+(?::([A-Z]+)([0-9]+))?"')


def check_zip(raw: bytes, name: str) -> zipfile.ZipFile:
    """The workbook as a zip, once its directory shows nothing dangerous; DataError if not."""
    if raw.startswith(OLE2_MAGIC):
        raise DataError(f"{name} is a password-protected workbook or an old Excel 97–2003 "
                        "(.xls) file, which LayerLab cannot open. In Excel remove the password "
                        "(File → Info → Protect Workbook) and save as Excel Workbook (.xlsx).")
    if not raw.startswith(b"PK"):
        looks = "text (perhaps a CSV renamed to .xlsx; then rename it back to .csv)" if (
            b"\x00" not in raw[:4096]) else "not a workbook"
        raise DataError(f"{name} is not an Excel workbook: its content is {looks}. Save the "
                        "table from Excel as Excel Workbook (.xlsx) and upload that.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise DataError(f"{name} is damaged: it could not be opened as an Excel workbook "
                        f"({exc}). Open it in Excel, save it again and upload that.") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise DataError(f"{name} holds {len(entries):,} files inside; a workbook has a few "
                        f"dozen and LayerLab opens up to {MAX_ZIP_ENTRIES:,}. Copy the table to "
                        "a new workbook and upload that.")
    expanded = sum(e.file_size for e in entries)
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > 10 * 2**20 and ratio > MAX_RATIO:
            raise DataError(f"{name} expands {ratio:,.0f} times ({entry.filename}: "
                            f"{entry.compress_size / 2**20:.1f} MB to "
                            f"{entry.file_size / 2**20:,.0f} MB): it looks like a zip bomb, "
                            "not a workbook, and is refused.")
    if expanded > MAX_EXPANDED_MB * 2**20:
        raise DataError(f"{name} expands to {expanded / 2**20:,.0f} MB; LayerLab opens "
                        f"workbooks up to {MAX_EXPANDED_MB:,} MB expanded. Save the table as "
                        "CSV, or keep fewer rows, and upload that.")
    if "xl/workbook.xml" not in archive.namelist():
        raise DataError(f"{name} is a zip file but not an Excel workbook (it has no "
                        "xl/workbook.xml). Save the table from Excel as Excel Workbook (.xlsx).")
    return archive


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: the zip entry of its XML}, from xl/workbook.xml and its relationships."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if _local(r.tag) ==
               "Relationship"}
    parts = {}
    for sheet in book.iter():
        if _local(sheet.tag) != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
        target = targets.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else str(
            PurePosixPath("xl") / target)
        parts[sheet.get("name", "")] = path
    return parts


@dataclass
class _Scan:
    """What a fast pass over a sheet's XML finds, before openpyxl reads it."""

    merges: list[str] = field(default_factory=list)  # merged ranges such as "B1:D1"
    uncached: int = 0  # formula cells without a saved value
    rows: int = 0      # the rows it spans: its stated dimension, or its <row> elements
    columns: int = 0   # the columns its stated dimension spans (0: not stated)


def _scan_sheet(archive: zipfile.ZipFile, part: str) -> _Scan:
    """Stream the sheet's XML once (a megabyte at a time, C-speed regular expressions)."""
    from openpyxl.utils.cell import column_index_from_string

    scan, tail, counted = _Scan(), b"", 0
    if part not in archive.namelist():
        return scan
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(2**20)
            buffer = tail + chunk
            if not tail and (found := _DIMENSION.search(buffer)) and found.group(1):
                scan.columns = column_index_from_string(found.group(1).decode())
                scan.rows = int(found.group(2))
            cut = len(buffer) if not chunk else max(len(buffer) - 300, 0)
            scan.merges += [m.group(1).decode() for m in _MERGE.finditer(buffer, 0, cut)]
            scan.uncached += sum(1 for _ in _NO_CACHED_VALUE.finditer(buffer, 0, cut))
            counted += sum(1 for _ in _ROW.finditer(buffer, 0, cut))
            if not chunk:
                scan.rows = max(scan.rows, counted)
                return scan
            tail = buffer[cut:]


def _cell(value):
    """A cell as the table holds it: numbers and text as they are, dates as ISO text."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return value


def _name(value, index: int) -> str:
    if value is None or str(value).strip() == "":
        return f"column_{index + 1}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(_cell(value)).strip()


def _empty(row) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _open(raw: bytes, name: str):
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True,
                                      keep_links=False, keep_vba=False)
    except Exception as exc:  # hostile input: any failure to open is "damaged", in words
        raise DataError(f"{name} could not be opened as an Excel workbook ({type(exc).__name__}"
                        f": {exc}). Open it in Excel, save it as Excel Workbook (.xlsx) and "
                        "upload that.") from None


def _rows(worksheet, merges: list[str], max_rows: int, max_columns: int,
          ) -> tuple[list[list], int]:
    """(the sheet's rows as lists, merged cells filled, without the empty rows above; the
    sheet's row number of the first)."""
    from openpyxl.utils.cell import range_boundaries

    # (min_row, min_col, max_col, max_row), by first row: each is active over its own rows
    spans = sorted((b[1], b[0], b[2], b[3]) for b in map(range_boundaries, merges))
    active: list[tuple[int, int, int, int]] = []
    values: dict[tuple[int, int], object] = {}
    rows: list[list] = []
    first = 1
    for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if len(row) > max_columns:
            row = row[:max_columns + 1]
        row = [_cell(v) for v in row]
        while spans and spans[0][0] <= number:
            active.append(spans.pop(0))
        active = [span for span in active if span[3] >= number]
        for r0, c0, c1, _ in active:
            if number == r0 and c0 <= len(row):
                values[(c0, r0)] = row[c0 - 1]
            row += [None] * (c1 - len(row))
            for col in range(c0, c1 + 1):
                row[col - 1] = values.get((c0, r0))
        if not rows and _empty(row):
            first = number + 1
            continue
        rows.append(row)
        if len(rows) > max_rows + 10:
            raise DataError(f"The sheet '{worksheet.title}' has more than {max_rows:,} rows, "
                            "LayerLab's limit. Keep a random sample of the rows and upload "
                            "again.")
    while rows and _empty(rows[-1]):
        rows.pop()
    return rows, first


def _trim_columns(rows: list[list]) -> list[list]:
    """Drop empty columns at the left and right of the table; pad rows to one width."""
    filled = [i for row in rows for i in (_first(row), _last(row)) if i is not None]
    if not filled:
        return []
    left, right = min(filled), max(filled)
    return [(row + [None] * (right + 1 - len(row)))[left:right + 1] for row in rows]


def _first(row) -> int | None:
    return next((i for i, v in enumerate(row) if not _empty([v])), None)


def _last(row) -> int | None:
    return next((i for i in range(len(row) - 1, -1, -1) if not _empty([row[i]])), None)


MAX_TITLE_ROWS = 5  # a title, a subtitle, a date, a source line…


def _skip_titles(rows: list[list]) -> tuple[list[list], list[str]]:
    """Leave out title rows above the table: up to MAX_TITLE_ROWS rows of one filled cell
    (blank rows between them) above a row of several."""
    titles, at = [], 0
    while at < len(rows) and len(titles) <= MAX_TITLE_ROWS:
        filled = [v for v in rows[at] if not _empty([v])]
        if len(filled) >= 2:
            break
        if len(filled) == 1:
            titles.append(str(filled[0]))
        at += 1
    if not titles or len(titles) > MAX_TITLE_ROWS or len(rows[0]) < 2 or len(rows) - at < 2:
        return rows, []
    return rows[at:], titles


def _merged_header(merges: list[str], header_row: int) -> bool:
    """Whether a merged cell spans several columns of the header row."""
    from openpyxl.utils.cell import range_boundaries

    for ref in merges:
        c0, r0, c1, r1 = range_boundaries(ref)
        if r0 <= header_row <= r1 and c1 > c0:
            return True
    return False


def read_xlsx(raw: bytes, name: str = "data.xlsx", sheet: str = "", header: str = "auto",
              min_rows: int | None = None, min_columns: int = 2, max_rows: int | None = None,
              ) -> LoadedTable:
    """Read one sheet of an .xlsx like csv_io.read_csv: `sheet`, or when it is "" the largest
    sheet that holds a table (a workbook often opens on a sheet of notes, or a summary)."""
    min_rows = csv_io.MIN_ROWS if min_rows is None else min_rows
    max_rows = csv_io.MAX_ROWS if max_rows is None else max_rows
    if len(raw) > csv_io.MAX_UPLOAD_MB * 2**20:
        raise DataError(f"The file is {len(raw) / 2**20:.0f} MB; the limit is "
                        f"{csv_io.MAX_UPLOAD_MB} MB. Upload a sample of the rows.")
    archive = check_zip(raw, name)
    try:
        parts = _sheet_parts(archive)
    except (KeyError, ElementTree.ParseError):
        raise DataError(f"{name} is damaged: its list of sheets could not be read. Open it in "
                        "Excel, save it again and upload that.") from None
    if not parts:
        raise DataError(f"{name} has no worksheets. Put the table on a worksheet and save.")
    if sheet and sheet not in parts:
        listed = ", ".join(f"'{s}'" for s in parts)
        raise DataError(f"{name} has no sheet called '{sheet}'; its sheets are {listed}.")
    limits = {"header": header, "min_rows": min_rows, "min_columns": min_columns,
              "max_rows": max_rows}
    if sheet:
        return _read_sheet(raw, name, archive, parts, sheet, **limits)
    scans = {s: _scan_sheet(archive, part) for s, part in parts.items()}
    first_error = None
    for chosen in sorted(parts, key=lambda s: -_cells(scans[s])):  # largest first; ties: order
        try:
            loaded = _read_sheet(raw, name, archive, parts, chosen, scans[chosen], **limits)
        except DataError as exc:
            first_error = first_error or exc
            continue
        first = next(iter(parts))
        if chosen != first:  # not the sheet the workbook opens on: said
            loaded.warnings.insert(0, f"Read the sheet '{chosen}', the largest of the "
                                      f"workbook's {len(parts)} sheets that holds a table, not "
                                      f"the first ('{first}'); to read another, choose it "
                                      "under Sheet (the CLI's --sheet).")
        return loaded
    raise first_error


def _cells(scan: _Scan) -> int:
    """A sheet's size for choosing one: the cells its rows and columns span."""
    return scan.rows * max(scan.columns, 1)


def _read_sheet(raw: bytes, name: str, archive: zipfile.ZipFile, parts: dict[str, str],
                chosen: str, scan: _Scan | None = None, *, header: str, min_rows: int,
                min_columns: int, max_rows: int) -> LoadedTable:
    """Read the sheet `chosen` of the checked workbook (`scan`: its scan, when made)."""
    scan = scan or _scan_sheet(archive, parts[chosen])
    if scan.rows > max_rows + 100 or scan.columns > csv_io.MAX_COLUMNS + 100:
        raise DataError(f"The sheet '{chosen}' spans {scan.rows:,} rows × {scan.columns:,} "
                        f"columns; LayerLab handles up to {max_rows:,} rows and "
                        f"{csv_io.MAX_COLUMNS:,} columns. Delete the rows and columns you do "
                        "not need (empty ones too) and save again.")
    merges, uncached = scan.merges, scan.uncached
    book = _open(raw, name)
    try:
        worksheet = book[chosen]
        try:
            rows, first = _rows(worksheet, merges, max_rows, csv_io.MAX_COLUMNS)
        except DataError:
            raise
        except Exception as exc:  # a damaged sheet: say so in words
            raise DataError(f"The sheet '{chosen}' of {name} could not be read ({exc}). Open "
                            "the file in Excel, save it again and upload that.") from None
    finally:
        book.close()
    return _table(rows, first, merges, uncached, name=name, sheet=chosen, sheets=list(parts),
                  header=header, min_rows=min_rows, min_columns=min_columns, max_rows=max_rows)


def _table(rows, first, merges, uncached, *, name, sheet, sheets, header, min_rows, min_columns,
           max_rows) -> LoadedTable:
    """The sheet's rows as a checked table."""
    count = len(rows)
    rows, titles = _skip_titles(_trim_columns(rows))
    if not rows:
        raise DataError(f"The sheet '{sheet}' is empty. Choose the sheet that holds the table.")
    if len(rows[0]) > csv_io.MAX_COLUMNS:
        raise DataError(f"The sheet '{sheet}' has more than {csv_io.MAX_COLUMNS:,} columns, "
                        "LayerLab's limit. Keep the columns you need and upload again.")
    decision = header_rows.decide(rows[:header_rows.SAMPLE_ROWS], header)
    notes = [f"The title row{'s' if len(titles) > 1 else ''} above the table "
             f"{'were' if len(titles) > 1 else 'was'} skipped ("
             + ", ".join(f"'{t}'" for t in titles) + ")."] if titles else []
    if decision.has_header:
        names = [_name(v, i) for i, v in enumerate(rows[0])]
        body = rows[1:]
        header_row = first + count - len(rows)  # the header's row number in the sheet
        if _merged_header(merges, header_row) or len(set(names)) < len(names) and merges:
            below = header_rows.detect(body[:header_rows.SAMPLE_ROWS])[0] if body else False
            if not below:
                raise DataError(f"The header row of sheet '{sheet}' has merged cells, so some "
                                "columns share a name. Unmerge them and give each column its "
                                "own name in one header row, then upload again.")
            names = [over if _empty([sub]) or _name(sub, i) == over
                     else f"{over} {_name(sub, i)}"
                     for i, (over, sub) in enumerate(zip(names, body[0], strict=True))]
            body = body[1:]
            notes.append("The two header rows (merged cells above) are joined into one name "
                         f"per column, such as '{next((n for n in names if ' ' in n), names[0])}'.")
    else:
        names = header_rows.column_names(len(rows[0]))
        body = rows
    csv_io.check_unique(names)
    frame = pd.DataFrame(body, columns=names).infer_objects()
    csv_io.check_shape(frame, min_rows, min_columns, max_rows, where=f"the sheet '{sheet}'")
    frame, warnings = clean_values(frame)
    if uncached:
        warnings.insert(0, f"{uncached:,} formula cell(s) have no saved result (the file was "
                           "not last saved by a spreadsheet program), so they are read as "
                           "missing. Open the file in Excel or LibreOffice, save it, and upload "
                           "again.")
    return LoadedTable(frame=frame, name=name, encoding="", delimiter="", warnings=notes + warnings,
                     header=decision.has_header, header_note=decision.note, kind="xlsx",
                     sheet=sheet, sheets=sheets)
