"""Does a table's first row name its columns, or is it the first row of data?

Published teaching files (Pima Indians diabetes, UCI Sonar) come without a header row. The
first row is a header when it holds names above values (text above a column of numbers, or
numbers above a column of text), or numbers that read as names: distinct whole numbers in
order (years 2019, 2020, 2021), whole numbers above columns of decimals, or numbers outside
the range of every column below. It is data when its cells are of the same kind as the rows
below (numbers where the columns hold numbers). A file of text only keeps its first row as
the header: nothing says otherwise.

Example:
    decision = decide([["6", "148", "72"], ["1", "85", "66"], ...], "auto")
    decision.has_header, decision.note   # False, "No header row found: ..."

Cells may be text (a CSV) or typed values (a spreadsheet). No pandas here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

SAMPLE_ROWS = 200  # rows read to decide
MISSING_MARKS = {"", "na", "n/a", "nan", "null", "none", "?", "-", "--",
                 # a spreadsheet's error values, as an export or a workbook's cache writes them
                 "#div/0!", "#n/a", "#value!", "#ref!", "#name?", "#num!", "#null!",
                 "#calc!", "#spill!"}
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")


@dataclass(frozen=True)
class HeaderDecision:
    """Whether the first row is the header, and that said in one sentence."""

    has_header: bool
    note: str


def column_names(count: int) -> list[str]:
    """The names of a headerless table's columns: column_1 … column_N."""
    return [f"column_{i}" for i in range(1, count + 1)]


def _number(value) -> float | None:
    """The value as a number, None when it is text (or missing: see _kind)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip()
    if _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _kind(value) -> str:
    """"empty", "number" or "text"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "empty"
    if isinstance(value, str) and value.strip().lower() in MISSING_MARKS:
        return "empty"
    return "number" if _number(value) is not None else "text"


@dataclass
class _Column:
    """What the rows below the first hold in one column."""

    kind: str          # "number", "text", "mixed" or "empty"
    low: float = 0.0
    high: float = 0.0
    decimals: bool = False  # at least a fifth of its numbers have a fractional part


def _column(values: list) -> _Column:
    present = [v for v in values if _kind(v) != "empty"]
    numbers = [n for n in map(_number, present) if n is not None]
    if not present:
        return _Column("empty")
    share = len(numbers) / len(present)
    kind = "number" if share >= 0.9 else "text" if share <= 0.5 else "mixed"
    if not numbers:
        return _Column(kind)
    fractional = sum(1 for n in numbers if not n.is_integer())
    return _Column(kind, min(numbers), max(numbers), fractional >= 0.2 * len(numbers))


def _numbers_read_as_names(first: list, columns: list[_Column], body_rows: int) -> bool:
    """First-row numbers that name columns: years in order, whole numbers above decimals, or
    numbers outside the range of every column below."""
    pairs = [(_number(v), c) for v, c in zip(first, columns, strict=False)
             if _kind(v) == "number" and c.kind == "number"]
    values = [n for n, _ in pairs]
    if len(values) < 2 or len(set(values)) < len(values):
        return False  # a row of data repeats values; names never do
    written = [v for v, c in zip(first, columns, strict=False)
               if _kind(v) == "number" and c.kind == "number"]
    if all(n.is_integer() for n in values) and not any(_written_as_decimal(v) for v in written):
        start = values[0]
        if values == [start + i for i in range(len(values))]:
            return True  # 2019, 2020, 2021 or 1, 2, 3, …
        if sum(1 for _, c in pairs if c.decimals) * 2 >= len(pairs):
            return True  # whole numbers above columns of decimals
    outside = sum(1 for n, c in pairs if n < c.low or n > c.high)
    return body_rows >= 10 and outside >= 0.8 * len(pairs)


def _written_as_decimal(value) -> bool:
    """A cell of text that writes a whole number as a decimal ("0.0", "1e3"): a value, as a
    column's name never is."""
    return isinstance(value, str) and bool(re.search(r"[.eE]", value.strip()))


def detect(rows: Sequence[Sequence]) -> tuple[bool, str]:
    """(is the first row a header, why in words) from the first rows of a table."""
    rows = [list(r) for r in rows[:SAMPLE_ROWS]]
    if not rows:
        return True, "the file is empty"
    first, body = rows[0], rows[1:]
    kinds = [_kind(v) for v in first]
    if not body:
        has_numbers = "number" in kinds
        return (not has_numbers, "a single row of numbers is data" if has_numbers
                else "the only row holds names")
    columns = [_column([r[j] if j < len(r) else None for r in body]) for j in range(len(first))]
    pairs = list(zip(kinds, columns, strict=True))
    if any(k == "text" and c.kind == "number" for k, c in pairs):
        return True, "it holds names above columns of numbers"
    if any(k == "number" and c.kind == "text" for k, c in pairs):
        return True, "it holds numbers above columns of text"
    if not any(k == "number" and c.kind == "number" for k, c in pairs):
        return True, "it holds text like a header"
    if _numbers_read_as_names(first, columns, len(body)):
        return True, "its numbers read as column names, not as values like the rows below"
    what = "numbers" if "text" not in kinds else "values"
    return False, f"the first row holds {what} like the rows below"


def _names_text(count: int) -> str:
    names = column_names(count)
    if count <= 3:
        return ", ".join(names)
    return f"{names[0]} … {names[-1]}"


def decide(rows: Sequence[Sequence], choice: str = "auto") -> HeaderDecision:
    """Whether the first of `rows` is the header: `choice` "yes" or "no" says so, "auto"
    detects; the note says what was decided in one sentence."""
    width = len(rows[0]) if rows else 0
    named = (f"the columns are named {_names_text(width)}; column_{width} is likely the "
             "target.")
    if choice == "yes":
        return HeaderDecision(True, "The first row is read as the header, as chosen.")
    if choice == "no":
        return HeaderDecision(False, f"The first row is read as data, as chosen, so {named}")
    has_header, why = detect(rows)
    if has_header:
        return HeaderDecision(True, f"The first row is the header: {why}.")
    return HeaderDecision(False, f"No header row found: {why}, so {named}")
