"""Rows to predict on, read from an uploaded file — every format the Data page reads
(CSV/TSV/TXT, Excel .xlsx with a sheet choice, Parquet) through the same reader
(formats.tables.read_table): one row and one column are enough."""

from __future__ import annotations

from collections.abc import Iterable

from gui.core.data.formats.loaded import DataError, LoadedTable
from gui.core.data.formats.tables import read_table

MAX_PREDICT_ROWS = 200_000


def read_rows(raw: bytes, name: str = "rows.csv", sheet: str = "",
              needs: Iterable[str] = ()) -> LoadedTable:
    """Decode and parse a file of rows to predict: like the Data page's reader, but one row
    (and one column) is enough. `sheet`: a workbook's sheet; "" for the first that holds
    the columns the model `needs` (else the first that holds a table), as training chose
    its sheet. Raises DataError with a plain message (a file that is not a table says what
    it is)."""
    table = _read(raw, name, sheet)
    needs = {str(c) for c in needs}
    if sheet or not needs or len(table.sheets) < 2:
        return table
    if needs <= _columns(table):
        return _said(table) if table.sheet != table.sheets[0] else table
    for other in table.sheets:
        if other == table.sheet:
            continue
        try:
            candidate = _read(raw, name, other)
        except DataError:
            continue
        if needs <= _columns(candidate):
            return _said(candidate)
    return table


def _said(table: LoadedTable) -> LoadedTable:
    """`table`, read from a sheet other than the workbook's first because it holds the
    model's columns: said so, in place of the reader's note on the sheet it chose."""
    table.warnings = [w for w in table.warnings if not w.startswith("Read the sheet '")]
    table.warnings.insert(0, f"The sheet '{table.sheet}' holds the model's columns, so it is "
                             "the one read (choose another sheet to read it).")
    return table


def _read(raw: bytes, name: str, sheet: str) -> LoadedTable:
    return read_table(raw, name, sheet=sheet, min_rows=1, min_columns=1,
                      max_rows=MAX_PREDICT_ROWS)


def _columns(table: LoadedTable) -> set[str]:
    return {str(c) for c in table.frame.columns}
