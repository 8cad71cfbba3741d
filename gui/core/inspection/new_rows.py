"""Rows to predict on, read from an uploaded file — every format the Data page reads
(CSV/TSV/TXT, Excel .xlsx with a sheet choice, Parquet) through the same reader
(formats.tables.read_table): one row and one column are enough."""

from __future__ import annotations

from gui.core.data.formats.loaded import LoadedTable
from gui.core.data.formats.tables import read_table

MAX_PREDICT_ROWS = 200_000


def read_rows(raw: bytes, name: str = "rows.csv", sheet: str = "") -> LoadedTable:
    """Decode and parse a file of rows to predict: like the Data page's reader, but one row
    (and one column) is enough. `sheet`: a workbook's sheet ("" for the first). Raises
    DataError with a plain message (a file that is not a table says what it is)."""
    return read_table(raw, name, sheet=sheet, min_rows=1, min_columns=1,
                      max_rows=MAX_PREDICT_ROWS)
