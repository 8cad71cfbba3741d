"""Bytes of an uploaded table in, a checked pandas DataFrame out, safely.

`read_csv` decodes (BOM, UTF-16, cp1252, charset detection), sniffs the delimiter, parses
with pandas and refuses what is not a usable table, each time with a message that says what
is wrong and how to fix it (`DataError`). Mostly-numeric text columns become numbers, and
values a float32 model cannot hold become missing, with a warning each.

Example:
    loaded = read_csv(raw_bytes, "iris.csv")
    loaded.frame, loaded.delimiter, loaded.encoding, loaded.warnings

No Keras and no Streamlit here: the data page must stay fast.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from itertools import islice
from pathlib import Path
from warnings import catch_warnings, simplefilter

import numpy as np
import pandas as pd

from gui.core.data.formats import header as header_rows
from gui.core.data.formats.loaded import DELIMITER_NAMES, DataError, LoadedTable
from gui.core.data.formats.number_text import clean_values

MAX_UPLOAD_MB = 200  # keep equal to server.maxUploadSize in .streamlit/config.toml
MAX_ROWS = 1_000_000
MAX_COLUMNS = 1_000
MIN_ROWS = 5
DELIMITERS = (",", ";", "\t", "|")
_PREFER_WINDOWS = {"mac_cyrillic": "cp1251", "mac_latin2": "cp1250", "mac_greek": "cp1253",
                   "mac_turkish": "cp1254", "mac_roman": "cp1252", "mac_iceland": "cp1252"}
_LATIN_DOS = {"cp437", "cp775", "cp850", "cp852", "cp857", "cp858", "cp860", "cp861", "cp863",
              "cp865"}


DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")
OTHER_KINDS = {  # what people drop on a data uploader by mistake, in words
    ".keras": "a Keras model", ".h5": "a Keras/HDF5 model", ".hdf5": "an HDF5 model",
    ".json": "a JSON file (a LayerLab spec loads on the Model page)",
    ".xls": "an old-format Excel workbook (.xls)", ".xlsm": "a macro-enabled Excel workbook",
    ".xlsb": "a binary Excel workbook", ".ods": "a spreadsheet",
    ".zip": "a zip archive", ".gz": "a compressed file",
    ".pdf": "a PDF document", ".py": "a Python script", ".ipynb": "a notebook",
    ".png": "an image", ".jpg": "an image", ".jpeg": "an image",
}


def is_data_name(name: str) -> bool:
    """Whether a file's name says it is a data table (CSV, TSV, TXT, XLSX, Parquet, or no
    suffix)."""
    suffix = Path(name).suffix.lower()
    return suffix in DATA_SUFFIXES or not suffix


def check_name(name: str) -> None:
    """Refuse, by its name, a file that is not a data table: say what it is and what fits."""
    if is_data_name(name):
        return
    suffix = Path(name).suffix.lower()
    kind = OTHER_KINDS.get(suffix, f"a {suffix} file")
    hint = " Models go on the Predict page." if "model" in kind else (
        " Save it as an Excel Workbook (.xlsx) or as CSV (File → Save as) and upload that."
        if "spread" in kind or "Excel" in kind else "")
    raise DataError(f"{name} is {kind}; this uploader takes data tables: CSV, TSV or TXT "
                    f"text files, Excel workbooks (.xlsx) or Parquet files.{hint}")


# ---- reading -------------------------------------------------------------------------------

def detect_encoding(raw: bytes) -> str:
    """The encoding the whole of `raw` decodes with; refuse binary files with a plain message.

    Checked a few megabytes at a time: a big file is never held as text beside its bytes.
    """
    if not raw or not raw.strip():
        raise DataError("The file is empty. Choose a CSV file with a header row and data rows.")
    boms = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
            (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
    for bom, encoding in boms:
        if raw.startswith(bom):
            if _decodes(raw, encoding):
                return encoding
            break
    head = raw[:4096]
    if head.startswith(b"PK\x03\x04"):
        raise DataError("This is a zip archive or an Excel workbook, not a CSV. In Excel use "
                        "File → Save As → CSV, then upload that file.")
    if head.startswith(b"PAR1") or head.startswith(b"\x89HDF") or head.startswith(b"%PDF"):
        raise DataError("This is a binary file (Parquet, HDF5 or PDF), not a CSV. Export the "
                        "table as CSV (comma- or semicolon-separated text) and upload that.")
    if b"\x00" in head:
        # UTF-16 without a BOM shows as every other byte NUL around ASCII text.
        for encoding, zeros in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
            if zeros and zeros.count(0) > 0.9 * len(zeros):
                if _decodes(raw, encoding):
                    return encoding
        raise DataError("This is a binary file, not a CSV (it contains NUL bytes). Upload a "
                        "text file with one row per line and values separated by commas.")
    if _decodes(raw, "utf-8"):
        return "utf-8"
    from charset_normalizer import from_bytes

    # charset_normalizer recognises e.g. Cyrillic cp1251 by its language; short Western text
    # (the usual case: an Excel export) has no clear language, and cp1252 is then right.
    found = from_bytes(raw[:200_000])
    best = found.best()
    trusted = [best.encoding] if best is not None and best.coherence >= 0.2 else []
    if trusted and any(m.encoding == "cp1252" and (m.chaos, m.coherence) == (
            best.chaos, best.coherence) for m in found):
        trusted = ["cp1252"]  # a tie (e.g. with cp1250 on a few French names): Excel's own
    # On short samples old Mac code pages tie with the Windows ones Excel actually writes;
    # a Latin DOS code page (cp775 reads "12 €" as "12 Ć": charset_normalizer counts many
    # "€" as chaos) is not what Excel writes either: cp1252 first, when it decodes the file.
    trusted = [_PREFER_WINDOWS.get(e, e) for e in trusted]
    if trusted and trusted[0] in _LATIN_DOS:
        trusted.insert(0, "cp1252")
    for encoding in trusted + ["cp1252", "latin-1"]:
        if _decodes(raw, encoding):
            return encoding
    raise DataError("Could not work out the text encoding.")  # latin-1 never fails


def _decodes(raw: bytes, encoding: str, chunk: int = 4 * 2**20) -> bool:
    """Whether all of `raw` decodes with `encoding` (an unknown name does not)."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        view = memoryview(raw)
        for start in range(0, len(view), chunk):
            decoder.decode(view[start:start + chunk])
        decoder.decode(b"", final=True)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _head_text(raw: bytes, encoding: str, lines: int = 51) -> str:
    """The start of the file as text: the whole lines of its first 64 KB or more, at least
    `lines` of them, or all of it."""
    size = 64 * 1024
    while True:
        text = codecs.getincrementaldecoder(encoding)().decode(
            memoryview(raw)[:size], final=size >= len(raw))
        if size >= len(raw):
            return text
        split = text.splitlines(keepends=True)
        if len(split) > lines:
            return "".join(split[:-1])
        size *= 4


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first lines into the most consistent columns."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delim)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (hits / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")) or (
        "<html" in head and "</" in head)


def read_csv(raw: bytes, name: str = "data.csv", min_rows: int | None = None,
             min_columns: int = 2, max_rows: int | None = None, header: str = "auto",
             ) -> LoadedTable:
    """Decode, sniff and parse an uploaded CSV; check it is a usable table.

    The defaults suit training data; rows to predict need only one row and one column.
    `header` says whether the first row names the columns: "yes", "no" or "auto" (detect,
    gui/core/header.py). Raises DataError for every problem the user must fix.
    """
    min_rows = MIN_ROWS if min_rows is None else min_rows
    max_rows = MAX_ROWS if max_rows is None else max_rows
    if len(raw) > MAX_UPLOAD_MB * 1024 * 1024:
        raise DataError(f"The file is {len(raw) / 2**20:.0f} MB; the limit is {MAX_UPLOAD_MB} "
                        "MB. Upload a sample of the rows.")
    encoding = detect_encoding(raw)
    text = _head_text(raw, encoding)  # the whole file is parsed from its bytes, below
    if _looks_like_html(text):
        raise DataError("This file is a web page (HTML), not a CSV. If you saved it from a "
                        "website, download the raw CSV file instead.")
    text = text.lstrip("\ufeff")
    head = text[:4096]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(2, 0.02 * len(head)):
        raise DataError("This file holds control characters a CSV never has: it looks like a "
                        "binary file. Upload a text file with one row per line and values "
                        "separated by commas.")
    delimiter = sniff_delimiter(text)
    try:
        rows = list(islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                           header_rows.SAMPLE_ROWS))
    except csv.Error as exc:
        raise DataError(f"The header row could not be read ({exc}). Check that the first line "
                        "holds the column names, separated by commas.") from None
    decision = header_rows.decide(rows, header)
    header = [h.strip() for h in rows[0]] if rows else []
    if not decision.has_header:
        header = header_rows.column_names(len(header))
    if len(header) > MAX_COLUMNS:
        raise DataError(f"The file has {len(header):,} columns; LayerLab handles up to "
                        f"{MAX_COLUMNS:,}. Keep the columns you need (e.g. in a spreadsheet) "
                        "and upload again.")
    check_unique(header)
    trailing = _longer_rows(rows[1:] if decision.has_header else rows, len(header), delimiter,
                            decision.has_header)
    try:
        frame = _parse(raw, encoding, delimiter, max_rows + 1,
                       {} if decision.has_header else {"header": None, "names": header},
                       trailing)
    except pd.errors.EmptyDataError:
        raise DataError("The file has no columns. Choose a CSV file with a header row.") from None
    except pd.errors.ParserError as exc:
        raise DataError(_ragged_message(str(exc), delimiter)) from None
    except (ValueError, OverflowError, MemoryError) as exc:
        raise DataError(f"The file could not be read as a table ({exc}). Check that it is a "
                        "CSV with one header row.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    check_shape(frame, min_rows, min_columns, max_rows)
    frame, warnings = clean_values(frame, decimal_comma=delimiter != ",")
    if trailing:
        warnings.append(f"The rows end with a {DELIMITER_NAMES[delimiter]} after their last "
                        "value (the header does not): that empty last value was ignored.")
    return LoadedTable(frame=frame, name=name, encoding=encoding, delimiter=delimiter,
                     warnings=warnings, header=decision.has_header, header_note=decision.note)


def check_unique(names) -> None:
    """Refuse column names that repeat (after surrounding spaces are dropped: "a" and "a "
    are one name to a reader), in words."""
    counts = Counter(str(n).strip() for n in names)
    duplicates = sorted(n for n, c in counts.items() if c > 1)
    if duplicates:
        shown = ", ".join(f"'{d}'" if d else "an empty name" for d in duplicates[:5])
        raise DataError(f"Column names must be unique; these appear more than once: {shown}. "
                        "Rename the repeated columns in the header row and upload again.")


def check_shape(frame: pd.DataFrame, min_rows: int, min_columns: int, max_rows: int,
                where: str = "") -> None:
    """Refuse a table with too many rows, too few columns or too few rows, in words.
    `where` names the part of the file read (a workbook's sheet); "" for a CSV."""
    if len(frame) > max_rows:
        raise DataError(f"The file has more than {max_rows:,} rows, LayerLab's limit. Upload a "
                        "random sample of the rows.")
    if frame.shape[1] < min_columns:
        fix = (f" Choose the sheet that holds the table, or add the columns to {where}."
               if where else " If the values are separated by something other than , ; tab "
               "or |, save the file as a comma-separated CSV.")
        raise DataError(f"{where[:1].upper() + where[1:] if where else 'The file'} has only one "
                        "column. LayerLab needs a target column and at least one feature "
                        f"column.{fix}")
    if len(frame) == 0:
        raise DataError("The file has a header row but no data rows. Add rows of data below the "
                        "header and upload again.")
    if len(frame) < min_rows:
        raise DataError(f"The file has only {len(frame)} data row(s); LayerLab needs at least "
                        f"{min_rows} to train and test a model. Add more rows.")


def _longer_rows(rows: list[list[str]], columns: int, delimiter: str, header: bool) -> bool:
    """Whether the first rows hold more values than the header names columns only because
    they end with a separator (an empty last value, as some exporters write): True. Other
    extra values are refused in words: pandas would make the first values of such rows the
    row index and shift every column one place, silently."""
    longer = [(i, row) for i, row in enumerate(rows) if len(row) > columns]
    for i, row in longer:
        if any(value.strip() for value in row[columns:]):
            names = "the header names" if header else "the first row has"
            raise DataError(_ragged_message(
                f"C error: line {i + 1 + header} has {len(row):,} values, but {names} "
                f"{columns:,} columns", delimiter))
    return bool(longer)


def _parse(raw: bytes, encoding: str, delimiter: str, nrows: int, header: dict,
           trailing: bool = False) -> pd.DataFrame:
    """pandas' C parser on the bytes, in chunks of rows (its low_memory mode: about half the
    peak memory of parsing all rows at once). A column whose chunks disagree on its type
    comes back as mixed objects; then the file is parsed again in one piece, so each column
    has one type from all its values, as a spreadsheet would.

    The first column is never the row index (`index_col=False`): a row with more values than
    the header then has its extra values cut. That is what `trailing` rows need (their last
    value is empty); in any other file such a row, further down than `_longer_rows` looked,
    is refused (ParserError)."""
    options = dict(encoding=encoding, sep=delimiter, engine="c", skipinitialspace=True,
                   nrows=nrows, index_col=False, **header)
    with catch_warnings():
        simplefilter("ignore", pd.errors.DtypeWarning)
        simplefilter("ignore" if trailing else "error", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(io.BytesIO(raw), low_memory=True, **options)
            if any(dtype is np.dtype(object) for dtype in frame.dtypes):
                del frame
                frame = pd.read_csv(io.BytesIO(raw), low_memory=False, **options)
        except pd.errors.ParserWarning:
            raise pd.errors.ParserError(
                "C error: a row further down has more values than the header names columns"
            ) from None
    return frame


def _ragged_message(error: str, delimiter: str) -> str:
    # pandas: "Error tokenizing data. C error: Expected 3 fields in line 5, saw 4"
    detail = error.split("C error:")[-1].strip().rstrip(".")
    return (f"Rows have different numbers of values ({detail}). Each row needs one value per "
            f"column, separated by a {DELIMITER_NAMES[delimiter]}. Fix that row, or put text "
            "that contains the separator in double quotes.")
