"""Tables written for spreadsheets without smuggling formulas (CSV injection).

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

    Plain numbers written as text ("-3.5", "+2") stay as they are.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _NUMBER.match(value.strip()) and value[0] in "+-":
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
