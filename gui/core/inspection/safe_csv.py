"""Tables written for spreadsheets (CSV, .xlsx) without smuggling formulas (CSV injection).

A text cell starting with =, +, -, @, a tab or a carriage return would run as a formula in
Excel or LibreOffice; it gets a leading apostrophe. Plain numbers written as text stay.
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe.

    Plain numbers written as text ("-3.5", "+2") and dashes alone ("-", "--", a blank's
    mark) stay as they are.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _NUMBER.match(value.strip()) and value[0] in "+-":
        return value
    if value.strip() and set(value.strip()) <= {"-"}:  # "-", "--": a blank mark, no formula
        return value
    return "'" + value


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with every text cell and header neutralised (see `neutralise`)."""
    out = table.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        series = out[col]
        if not pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            out[col] = series.map(neutralise)
    return out


def safe_csv_bytes(table: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV that cannot smuggle spreadsheet formulas."""
    return safe_table(table).to_csv(index=False).encode("utf-8")


def safe_xlsx_bytes(table: pd.DataFrame, sheet: str = "predictions") -> bytes:
    """The table as an Excel workbook (one sheet) that cannot smuggle formulas: openpyxl
    would write a text cell starting with '=' as a formula, so cells are neutralised as for
    CSV, and the control characters a workbook cannot hold are dropped."""
    import io

    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    out = safe_table(table)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v)
                                    if isinstance(v, str) else v)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        out.to_excel(writer, index=False, sheet_name=sheet)
    return buffer.getvalue()
