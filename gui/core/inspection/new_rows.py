"""Rows to predict on, read from an uploaded file: one row and one column are enough."""

from __future__ import annotations

from gui.core.data.formats import csv_io
from gui.core.data.formats.loaded import LoadedTable

MAX_PREDICT_ROWS = 200_000


def read_rows(raw: bytes, name: str = "rows.csv") -> LoadedTable:
    """Decode and parse a CSV of rows to predict: like csv_io.read_csv, but one row (and one
    column) is enough. Raises DataError with a plain message."""
    return csv_io.read_csv(raw, name, min_rows=1, min_columns=1, max_rows=MAX_PREDICT_ROWS)
