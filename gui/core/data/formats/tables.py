"""Any data file LayerLab reads, by one entry point: CSV/TSV/TXT, Excel (.xlsx), Parquet.

The data page, the training workers (through data_ref) and the CLI all call `read_table`,
so a file reads the same way everywhere: the same header decision (`header`: "auto",
"yes", "no") and the same sheet of a workbook (`sheet`, "" for the first).

Example:
    loaded = read_table(raw_bytes, "marks.xlsx", header="auto", sheet="2024")
    loaded.frame, loaded.header_note, loaded.layout()
"""

from __future__ import annotations

from pathlib import Path

from gui.core.data.formats import csv_io
from gui.core.data.formats.loaded import DataError, LoadedTable


def kind_of(name: str) -> str:
    """"xlsx", "parquet" or "csv", from the file's name."""
    suffix = Path(name).suffix.lower()
    return {".xlsx": "xlsx", ".parquet": "parquet"}.get(suffix, "csv")


def read_table(raw: bytes, name: str = "data.csv", header: str = "auto", sheet: str = "",
               min_rows: int | None = None, min_columns: int = 2, max_rows: int | None = None,
               ) -> LoadedTable:
    """Read and check an uploaded table; raises loaded.DataError with a message in words.

    Args:
        raw: the file's bytes.
        name: its name; the suffix picks the reader (.xls, a model and the like are
            refused with what they are, see csv_io.check_name; others read as text).
        header: does the first row name the columns: "auto" (detect), "yes" or "no". Parquet
            files always name their columns.
        sheet: the worksheet of an .xlsx ("" for the first).
        min_rows, min_columns, max_rows: the limits (defaults suit training data).
    """
    if Path(name).suffix.lower() in csv_io.OTHER_KINDS:
        csv_io.check_name(name)  # e.g. an .xls or a model: refused with what it is
    limits = {"min_rows": min_rows, "min_columns": min_columns, "max_rows": max_rows}
    kind = kind_of(name)
    try:
        if kind == "xlsx":
            from gui.core.data.formats.xlsx_io import read_xlsx

            return read_xlsx(raw, name, sheet=sheet, header=header, **limits)
        if kind == "parquet":
            from gui.core.data.formats.parquet_io import read_parquet

            return read_parquet(raw, name, **limits)
        return csv_io.read_csv(raw, name, header=header, **limits)
    except (DataError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a hostile file no reader foresaw: said in words
        raise DataError(f"{name} could not be read as a table ({type(exc).__name__}: {exc}). "
                        "Open it in the program that made it, save it again as CSV, Excel "
                        "(.xlsx) or Parquet, and upload that.") from None
