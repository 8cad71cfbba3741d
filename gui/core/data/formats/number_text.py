"""Numbers written as text, read the one way every reader and every prediction reads them.

Spreadsheets and exports write numbers in many forms: "1,234.5" (thousands separators, in
quotes in a comma-separated file), "12%", "$1,200" or "1 200 €", "True"/"False", and "-",
"?" or "n/a" for a missing value; a semicolon-separated file from a European spreadsheet
writes "1.234,5". `read_numbers` reads one column's values as floats; `clean_values` turns
each mostly-numeric text column of a table just read into numbers, and says what it did.

    read_numbers(pd.Series(["1,234", "12%", "$1,200", "(1,200)", "True", "-"]))
    # 1234.0, 12.0, 1200.0, -1200.0, 1.0, NaN

A percentage is read as the number written (12% → 12), so predictions come back in the
file's own figures. `read_numbers` uses nothing from this module but its imports: the
exported predict.py carries its source (saving/model_formats.STUBS), so a model taken away
reads new rows as the app does.

No Keras and no Streamlit here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gui.core.data.formats.header import MISSING_MARKS

FLOAT32_MAX = float(np.finfo(np.float32).max)
NUMERIC_SHARE = 0.95  # a text column becomes numbers when at least this share reads as one


def read_numbers(values: pd.Series, decimal_comma: bool = False) -> pd.Series:
    """A number column's values as floats, as training read them: numbers; True/False in any
    case as 1/0 (a column of True/False trains as 1/0); numbers with thousands separators
    ("1,234.5", "1 234", "1'234"), a percent sign ("12%" → 12) or a currency sign ("$1,200",
    "1200 €"), a negative in an accountant's brackets ("(1,200)" → -1200); anything else
    (the missing marks "-", "?", "n/a" too) is NaN.

    With `decimal_comma` (a file not separated by commas), "1,5" and "1.234,5" are 1.5 and
    1234.5, and in a column that writes such numbers "1.234" is 1234 too; a column that
    writes "1,234.5" keeps commas for thousands."""
    numbers = pd.to_numeric(values, errors="coerce")
    gaps = numbers.isna() & values.notna()
    if not gaps.any():
        return numbers
    numbers = numbers.astype(float)
    text = values[gaps].astype(str).str.strip().str.replace(r"^\((.+)\)$", r"-\1", regex=True)
    words = text.str.lower().map({"true": 1.0, "false": 0.0})
    bare = text.str.replace(r"^([-+]?)\s*[$€£¥₹]\s*|\s*[$€£¥₹%]$", r"\1", regex=True)
    if decimal_comma and bare.str.fullmatch(r"[-+]?\d{1,3}(?:,\d{3})+\.\d+").any():
        decimal_comma = False  # "1,234.5": this column's commas are thousands
    if decimal_comma:
        comma = bare.str.fullmatch(r"[-+]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+")
        bare = bare.where(~comma, bare.str.replace(".", "", regex=False)
                          .str.replace(",", ".", regex=False))
        if comma.any():  # the column's dots are thousands: "1.234" beside "5,5" is 1234
            shown = values.astype(str).str.strip()
            dots = ~gaps & shown.str.fullmatch(r"[-+]?\d{1,3}(?:\.\d{3})+")
            numbers[dots] = pd.to_numeric(shown[dots].str.replace(".", "", regex=False))
    else:
        commas = bare.str.fullmatch(r"[-+]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")
        bare = bare.where(~commas, bare.str.replace(",", "", regex=False))
    spaces = bare.str.fullmatch(r"[-+]?[1-9]\d{0,2}(?:[ '\u00a0\u202f]\d{3})+(?:[.,]\d+)?")
    bare = bare.where(~spaces, bare.str.replace(r"[ '\u00a0\u202f]", "", regex=True)
                      .str.replace(",", ".", regex=False))
    numbers[gaps] = words.fillna(pd.to_numeric(bare, errors="coerce")).astype(float)
    return numbers


def missing_marks(values: pd.Series) -> pd.Series:
    """Which values are a missing-value mark ("-", "?", "n/a", "null", …)."""
    return values.astype(str).str.strip().str.lower().isin(MISSING_MARKS)


def clean_values(frame: pd.DataFrame, decimal_comma: bool = False,
                 ) -> tuple[pd.DataFrame, list[str]]:
    """Turn mostly-numeric text columns into numbers and non-finite values into missing.

    A text column becomes numbers when at least NUMERIC_SHARE of its values that are not a
    missing mark read as one (the marks and the few others become missing, said in a
    warning); numbers written in another form are said with an example.
    Changes `frame` in place (each reader passes the frame it has just made): a copy of a
    million rows would only add to the peak memory.
    """
    warnings: list[str] = []
    for col in frame.columns:
        series = frame[col]
        if not pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            series = _as_numbers(frame, col, series, decimal_comma, warnings)
        if pd.api.types.is_bool_dtype(series):
            frame[col] = series.astype(float)
        elif pd.api.types.is_numeric_dtype(series):
            values = series.astype(float)
            huge = ~np.isfinite(values) & values.notna() | (values.abs() > FLOAT32_MAX)
            if huge.any():
                warnings.append(f"Column '{col}': {int(huge.sum())} infinite or too large "
                                f"value(s) (beyond ±3.4e38) are treated as missing.")
                frame[col] = values.mask(huge)
    return frame, warnings


def _as_numbers(frame, col, series: pd.Series, decimal_comma: bool, warnings: list[str]):
    """The text column `col` as numbers when it mostly holds them (written into `frame`),
    else `series` as it was. The missing marks count as missing, not against the share."""
    present = series.dropna()
    plain = pd.to_numeric(present, errors="coerce")
    failing = plain.isna().to_numpy()
    if present.empty or (failing.sum() > (1 - NUMERIC_SHARE) * len(present)
                         and not _numbers_in(present[failing].head(200))):
        return series  # text: the first values that are no plain number are no number at all
    marks = np.zeros(len(present), dtype=bool)
    marks[failing] = missing_marks(present[failing]).to_numpy()
    kept = present.where(~marks)
    numbers = read_numbers(kept, decimal_comma)
    bad = (numbers.isna().to_numpy() & ~marks)
    counted = len(present) - int(marks.sum())
    if counted == 0 or bad.sum() > (1 - NUMERIC_SHARE) * counted:
        return series
    if bad.any():
        examples = ", ".join(repr(v) for v in present[bad].unique()[:3])
        warnings.append(f"Column '{col}': {int(bad.sum())} value(s) that are not numbers "
                        f"({examples}) are treated as missing.")
    if marks.any():
        examples = ", ".join(repr(v) for v in present[marks].unique()[:3])
        warnings.append(f"Column '{col}': {int(marks.sum())} value(s) marked as missing "
                        f"({examples}) are treated as missing.")
    read = numbers.to_numpy(dtype=float, na_value=np.nan)
    other_form = ~np.isnan(read) & ~(read == plain.to_numpy(dtype=float, na_value=np.nan))
    if decimal_comma and other_form.any():  # a decimal comma is the file's way: said with it
        alone = read_numbers(kept).to_numpy(dtype=float, na_value=np.nan)
        other_form &= (alone == read) | ~np.isnan(plain.to_numpy(dtype=float, na_value=np.nan))
    if other_form.any():
        first = int(np.argmax(other_form))
        warnings.append(f"Column '{col}': numbers written as text, such as "
                        f"{present.iloc[first]!r} → {_shown(read[first])}, were read as "
                        "numbers.")
    out = np.full(len(series), np.nan)
    out[np.flatnonzero(series.notna().to_numpy())] = read
    frame[col] = out
    return frame[col]


def _numbers_in(values: pd.Series) -> bool:
    """Whether some of `values` (text that is no plain number) is a number in another form
    or a missing mark."""
    return bool((missing_marks(values) | read_numbers(values, True).notna()
                 | read_numbers(values).notna()).any())


def _shown(value: float) -> str:
    return f"{value:.15g}"  # 1344912, not 1.34491e+06
