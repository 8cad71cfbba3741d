"""What every table reader returns (`LoadedTable`) and how it refuses a file (`DataError`).

The CSV, Excel and Parquet readers (csv_io, xlsx_io, parquet_io) all return a LoadedTable, so
the pages, the workers and the CLI never need to know which format a table came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class DataError(ValueError):
    """A problem with the user's data; the message says what is wrong and how to fix it."""


@dataclass
class LoadedTable:
    """A parsed table (CSV, workbook sheet or Parquet file) and what was learned reading it."""

    frame: pd.DataFrame
    name: str
    encoding: str
    delimiter: str
    warnings: list[str] = field(default_factory=list)
    header: bool = True          # the first row named the columns (else column_1 … column_N)
    header_note: str = ""        # what was decided about the header, in one sentence
    kind: str = "csv"            # "csv", "xlsx" or "parquet"
    sheet: str = ""              # the sheet read, for a workbook
    sheets: list[str] = field(default_factory=list)  # all of a workbook's sheets

    def layout(self, quote=lambda name: f"'{name}'") -> str:
        """How the file was read, for a caption: "comma-separated · utf-8", "sheet 'Data'";
        `quote` shows the sheet's name (e.g. as inline code in Markdown)."""
        if self.kind == "xlsx":
            return f"Excel workbook, sheet {quote(self.sheet)}"
        if self.kind == "parquet":
            return "Parquet file"
        return f"{DELIMITER_NAMES.get(self.delimiter, self.delimiter)}-separated · {self.encoding}"
