"""Column roles: which columns LayerLab leaves out of the features by default, and why.

    left_out(frame, "species")   # {"id": "a running number (1, 2, 3, …): ...", ...}
    default_target(frame)        # ("species", "its name says it is the label")

A column is left out by default when it cannot help a network tell rows apart in a way that
carries over to new rows: a running number or id, a single value in every row, or text with
more categories than one-hot encoding keeps. `dataset.default_features` uses these rules; the
data page lists the same reasons with a way to put each column back. Numeric columns the user
treats as categories (DataSpec.categorical) follow the text rules.

No Streamlit here.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from gui.core.data.preprocess import is_numeric
from gui.core.spec.vocabulary import DATE_PART_NAMES, LABEL_NAMES, MAX_CATEGORIES, NOTE_NAMES

MIN_RUNNING = 10  # fewer rows than this are too few to call a column a running number
MAX_TARGET_EMPTY = 0.2  # a last column empty in more rows than this is no default target


def left_out(frame: pd.DataFrame, target: str, categorical=()) -> dict[str, str]:
    """{column: why it is left out, in words} for every column but `target` that the
    default features leave out."""
    reasons = {}
    for col in frame.columns:
        if col == target:
            continue
        reason = why_left_out(frame[col], col in set(categorical))
        if reason:
            reasons[col] = reason
    return reasons


def why_left_out(s: pd.Series, as_categories: bool = False) -> str:
    """Why the column `s` is left out by default, or "" when it is used."""
    count = int(s.count())  # values that are not missing
    if count == 0:
        return "it is empty in every row."
    if is_numeric(s) and not as_categories:
        low, high = s.min(), s.max()
        if low == high:
            return (f"it holds a single value ({_short(low)}) in every row, so it cannot tell "
                    "rows apart.")
        if count == len(s) and _running(s, low, high):
            return (f"a running number ({_short(low)}, {_short(low + 1)}, …, {_short(high)}): it "
                    "numbers the rows rather than describing them.")
        if _code_name(s.name) and bool(np.all(np.mod(s.dropna().to_numpy(dtype=float), 1) == 0)):
            return (f"a number that names rather than measures ({_short(s.dropna().iloc[0])}, "
                    "…: a customer number, a postcode): as a quantity it means nothing. If "
                    "its values stand for a few groups, treat it as categories.")
        return ""
    distinct = s.nunique(dropna=True)
    if distinct == 1:
        return (f"it holds a single value ({_short(s.dropna().iloc[0])}) in every row, so "
                "it cannot tell rows apart.")
    if distinct > MAX_CATEGORIES:
        if _dates(s):
            return (f"dates ({_short(s.dropna().iloc[0])}, …): a network takes numbers and "
                    "categories, not dates as they are. To use them, add columns such as the "
                    "year, the month or the day of the week to the file.")
        if distinct == len(s):
            return ("different in every row (an id or a name): one-hot encoding it would learn "
                    "nothing that carries over to new rows.")
        return (f"{distinct:,} different values, more than the {MAX_CATEGORIES} categories "
                "one-hot encoding keeps.")
    return ""


def _dates(s: pd.Series, sample: int = 50) -> bool:
    """Whether text column `s` holds dates (or times): nearly all of its first values, each
    with a digit, parse as one of a plausible year (codes such as "t1" or "M3" parse as
    dates in the year 1)."""
    values = s.dropna().astype(str).head(sample)
    if values.empty or not values.str.contains(r"\d").all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' "could not infer format" for mixed styles
        parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    plausible = parsed.notna() & parsed.dt.year.between(1000, 2999)
    return bool(plausible.mean() >= 0.9)


def _running(s: pd.Series, low, high) -> bool:
    """0, 1, 2, ... (or 1001, 1002, ...) in some order, in every row: an index or a running id."""
    if len(s) < MIN_RUNNING or high - low != len(s) - 1:
        return False  # the span rules out almost every column without a pass over it
    numbers = s.to_numpy(dtype=float)
    if np.any(np.mod(numbers, 1) != 0):
        return False
    # Whole numbers spanning exactly len(s) values are a running number if none repeats.
    return bool(np.all(np.bincount((numbers - low).astype(np.int64), minlength=len(s)) == 1))


def _short(value, limit: int = 24) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    text = str(value.item() if hasattr(value, "item") else value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _key(name) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def default_target(frame: pd.DataFrame, file_name: str = "") -> tuple[str, str]:
    """(the column to predict by default, why, in words).

    A column named like a label (vocabulary.LABEL_NAMES: target, label, class, y, species,
    survived, …, also with a note in brackets: "Default (1=yes, 2=no)") wins; then a column
    the file is named after (`tip` in tips.csv, `mpg` in mpg.csv: such tables are published
    to predict it); failing that, the last column, unless it looks like an id, a running
    number, a date part (year, month, day, …), a note about the row (vocabulary.NOTE_NAMES:
    notes, comment, …), a single value, or is empty in more than MAX_TARGET_EMPTY of the
    rows: then the last one that does not. A headerless file (column_1 … column_N) keeps its
    last column, as published teaching files put the label last.

        >>> default_target(pd.DataFrame({"species": ["a", "b"], "year": [2007, 2008]}))[0]
        'species'
        >>> default_target(pd.DataFrame({"x": [1.5, 2.5], "y2": [0.1, 0.2]}))[0]
        'y2'
        >>> default_target(pd.DataFrame({"x": [1, 2], "y": [3, 4], "depth": [5.0, 6.5],
        ...                              "magnitude": [2.1, 3.3]}))[0]  # y: a coordinate
        'magnitude'
    """
    columns = list(frame.columns)
    keys = {_key(c) for c in columns}
    for label in LABEL_NAMES:  # in the list's order: `target` before `class`
        if label == "y" and "x" in keys:
            continue  # y beside x: a coordinate (a map, a plot), not a label
        for col in columns:
            if _label_key(col) == _key(label) and not _unpredictable(frame[col]):
                return str(col), "its name says it is what to predict"
    named = _named_after(columns, file_name)
    if named is not None and not _unpredictable(frame[named]):
        return named, f"the file {file_name} is named after it"
    if all(str(c) == f"column_{i}" for i, c in enumerate(columns, 1)):
        return str(columns[-1]), "the last column of a file without a header row"
    date_parts = {_key(name) for name in DATE_PART_NAMES}
    skipped = []
    for col in reversed(columns):
        if _key(col) in date_parts:
            skipped.append(f"{col} is a date part")
        elif _id_name(col):
            skipped.append(f"{col} is an id")
        elif _unpredictable(frame[col]):
            skipped.append(f"{col}: {why_left_out(frame[col]).split(' (')[0].rstrip('.')}")
        elif _key(col) in NOTE_NAMES:
            skipped.append(f"{col} is a note about the row")
        elif frame[col].isna().mean() > MAX_TARGET_EMPTY:
            skipped.append(f"{col} is empty in {frame[col].isna().mean():.0%} of the rows")
        else:
            return str(col), ("the last column" if not skipped else
                              "the last column that can be predicted "
                              f"({'; '.join(reversed(skipped))})")
    return str(columns[-1]), "the last column"


def _code_name(name) -> bool:
    """Whether a column is named as a number that names something: "customer_number",
    "account no", "ZIP", "postcode", "phone" (not "number_of_rooms")."""
    return bool(re.search(r"(number|code|zip|phone)$", _key(name))
                or re.search(r"(?i)(?:^|[\s_.-])(no|nr|num)\.?$", str(name).strip()))


def _label_key(name) -> str:
    """A column's name as a label name is compared: without a note in brackets at its end
    ("Default (1=yes, 2=no)" → "default")."""
    return _key(re.sub(r"\s*[(\[].*$", "", str(name)) or name)


def _id_name(name) -> bool:
    """Whether a column is named as an id: "id", "store_id", "customerId", "Order ID"."""
    text = str(name).strip()
    return bool(re.fullmatch(r"(?i:id)|.*[_\s.-](?i:id)|.*[a-z0-9](Id|ID)", text))


def _unpredictable(s: pd.Series) -> bool:
    """Whether column `s` is an id, a running number, empty or one value: nothing to predict."""
    return why_left_out(s).startswith(("a running", "it holds a single", "it is empty",
                                       "different in every row", "a number that names"))


def _named_after(columns: list, file_name: str) -> str | None:
    """The column the file is named after (its name without the extension, in the singular
    or plural: tips.csv → tip, mpg.csv → mpg), or None."""
    stem = _key(file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]) if file_name else ""
    if len(stem) < 2:
        return None
    for col in columns:
        key = _key(col)
        if key and stem in (key, key + "s", key + "es"):
            return str(col)
    return None
