"""Parquet files in, a checked table out, safely.

The row and column counts are read from the file's footer and checked against the limits
before any column is read. Only flat columns are read (numbers, text, booleans, dates as ISO
text); nested ones (lists, structs, maps) and raw bytes are left out with a note. pandas
metadata in the file is ignored, so nothing stored in it is reconstructed or run.

Example:
    loaded = read_parquet(raw_bytes, "trips.parquet")
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from gui.core.data.formats import csv_io
from gui.core.data.formats.loaded import DataError, LoadedTable
from gui.core.data.formats.number_text import clean_values

PARQUET_MAGIC = b"PAR1"


def read_parquet(raw: bytes, name: str = "data.parquet", min_rows: int | None = None,
                 min_columns: int = 2, max_rows: int | None = None) -> LoadedTable:
    """Read a .parquet file like csv_io.read_csv (a Parquet file always names its columns)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    min_rows = csv_io.MIN_ROWS if min_rows is None else min_rows
    max_rows = csv_io.MAX_ROWS if max_rows is None else max_rows
    if len(raw) > csv_io.MAX_UPLOAD_MB * 2**20:
        raise DataError(f"The file is {len(raw) / 2**20:.0f} MB; the limit is "
                        f"{csv_io.MAX_UPLOAD_MB} MB. Upload a sample of the rows.")
    if not (raw.startswith(PARQUET_MAGIC) and raw.endswith(PARQUET_MAGIC)):
        raise DataError(f"{name} is not a Parquet file (it lacks Parquet's PAR1 marks). Export "
                        "the table as Parquet or CSV again and upload that.")
    try:
        file = pq.ParquetFile(io.BytesIO(raw))
        meta = file.metadata
        schema = file.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"{name} is damaged: it could not be read as Parquet ({exc}).") from None
    if meta.num_columns > csv_io.MAX_COLUMNS:
        raise DataError(f"The file has {meta.num_columns:,} columns; LayerLab handles up to "
                        f"{csv_io.MAX_COLUMNS:,}. Keep the columns you need and upload again.")
    if meta.num_rows > max_rows:
        raise DataError(f"The file has {meta.num_rows:,} rows, more than LayerLab's limit of "
                        f"{max_rows:,}. Upload a random sample of the rows.")
    flat, left_out = [], []
    for field in schema:
        kind = field.type
        nested = pa.types.is_nested(kind) or pa.types.is_binary(kind) or \
            pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind)
        (left_out if nested else flat).append(field.name)
    if "__index_level_0__" in flat:
        flat.remove("__index_level_0__")  # a pandas index saved beside the columns
    try:
        table = file.read(columns=flat, use_pandas_metadata=False)
        frame = table.to_pandas(ignore_metadata=True, date_as_object=True)
    except (pa.ArrowException, OSError, ValueError, MemoryError) as exc:
        raise DataError(f"{name} could not be read ({exc}). Export it again and upload that."
                        ) from None
    csv_io.check_unique(frame.columns)  # Parquet allows repeated names; a table cannot
    for column in frame.columns:
        series = frame[column]
        if series.dtype == object and _booleans(series):
            # a boolean column with nulls comes as objects: 1/0 as without nulls, not text
            frame[column] = series.map(lambda v: v if v is None else float(v)).astype(float)
        elif not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
                or pd.api.types.is_string_dtype(series)):
            frame[column] = series.map(lambda v: v if v is None else str(v))
        elif isinstance(series.dtype, pd.CategoricalDtype):
            frame[column] = series.astype(object)
    frame.columns = [str(c).strip() for c in frame.columns]
    csv_io.check_shape(frame, min_rows, min_columns, max_rows)
    frame, warnings = clean_values(frame)
    if left_out:
        shown = ", ".join(f"'{c}'" for c in left_out[:5])
        warnings.insert(0, f"Column(s) {shown} hold lists, records or raw bytes, which a "
                           "network cannot take as they are; they are left out.")
    return LoadedTable(frame=frame, name=name, encoding="", delimiter="", warnings=warnings,
                     header=True, header_note="", kind="parquet")


def _booleans(series: pd.Series) -> bool:
    """Whether every value of an object column is True, False or None."""
    present = series.dropna()
    return not present.empty and all(isinstance(v, (bool, np.bool_)) for v in present)
