"""The rows and columns a DataSpec picks from a table, kept while only the split changes,
and the preprocessing fitted on some of its rows without taking them.

A new test fraction or split seed on the Data page prepares the same selected table again.
Taking 80,000 rows of every column (text columns above all) and counting each text column's
values again cost most of such a change; instead each column is coded once per Selection
(numbers as float, text as codes of its distinct values, the target as codes) and a split
reads only the codes at its row positions: the same fills, categories and classes as
`Preprocessor.fit` on the rows themselves. The rows are taken when first asked for
(`Rows`): for training, for evaluation.

No Keras and no Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from gui.core.data.preprocess import Preprocessor, code_text, is_missing

# The DataSpec fields that `select` reads: a change of any other (the split, the scaling)
# can prepare again from the same Selection.
SELECTION_SETTINGS = ("target", "features", "task", "text", "missing", "categorical")


@dataclass(frozen=True)
class Selection:
    """The rows and columns a DataSpec picks from a table, and the task, before the split.

    Its columns' codes are made when a split first needs them and kept with it."""

    data: pd.DataFrame  # feature columns + target, rows with a target (and no gaps: drop)
    warnings: tuple[str, ...]
    task: str
    target: str = ""
    _codes: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def _kept(self, key: tuple, make: Callable):
        if key not in self._codes:
            self._codes[key] = make()
        return self._codes[key]

    def numbers(self, column) -> np.ndarray:
        """A numeric column as float64 (what `fit` reads of it; a float64 column's own
        values, not a copy)."""
        return self._kept(("numbers", column),
                          lambda: self.data[column].astype(float).to_numpy())

    def numbers_at(self, columns: list, at: np.ndarray) -> pd.DataFrame:
        """The numeric `columns` at positions `at`, as float64, in one block (as pandas
        keeps a table's float columns: the same statistics)."""
        block = np.empty((len(columns), len(at)))
        for i, column in enumerate(columns):
            np.take(self.numbers(column), at, out=block[i])
        return pd.DataFrame(block.T, columns=columns, copy=False)

    def categories(self, column, as_codes: bool) -> tuple[np.ndarray, pd.Index]:
        """A category column's values as text (`as_codes`: a numeric column's codes, as
        Preprocessor.category_values reads it): one code per row (-1: missing) and the
        distinct values in the order they first appear."""
        def make():
            values = self.data[column]
            values = code_text(values) if as_codes else values
            missing = is_missing(values).to_numpy()
            found, distinct = pd.factorize(values[~missing].astype(str))
            codes = np.full(len(values), -1, dtype=np.int32)
            codes[~missing] = found
            return codes, distinct
        return self._kept(("categories", column, as_codes), make)

    def target_codes(self) -> tuple[np.ndarray, pd.Index]:
        """The target as codes of its distinct values (every selected row has a target)."""
        return self._kept(("target",), lambda: pd.factorize(self.data[self.target]))

    def class_counts(self) -> pd.Series:
        """Rows per target value (value_counts)."""
        return self._kept(("class_counts",), lambda: self.data[self.target].value_counts())

    def classes_in(self, rows: np.ndarray) -> int:
        """How many distinct target values these rows hold."""
        codes, distinct = self.target_codes()
        return int(np.count_nonzero(np.bincount(codes[rows], minlength=len(distinct))))


class Rows:
    """Some rows of a table by position (all with `at` None), taken when first asked for."""

    def __init__(self, table: pd.DataFrame, at: np.ndarray | None = None):
        self.table, self.at = table, at
        self._frame: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.table) if self.at is None else len(self.at)

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = self.table if self.at is None else self.table.iloc[self.at]
        return self._frame

    @property
    def positions(self) -> np.ndarray:
        return np.arange(len(self.table)) if self.at is None else self.at

    @property
    def index(self) -> pd.Index:
        return self.table.index if self.at is None else self.table.index[self.at]

    def columns(self, names: list) -> pd.DataFrame:
        return self.frame[names]

    def forget(self) -> None:
        """Let the taken rows go (the positions stay)."""
        self._frame = None


def fit(prep: Preprocessor, selection: Selection, features: list, rows: Rows) -> Preprocessor:
    """`prep.fit(rows' features, rows' target)`, read from the selection's codes at the rows'
    positions (`rows` is of `selection.data`)."""
    at = rows.positions
    numeric = [c for c in features if prep.is_number_column(selection.data[c])]
    numbers = partial(selection.numbers_at, numeric, at)
    counts = {}
    for column in features:
        if column in numeric:
            continue
        codes, distinct = selection.categories(column, column in prep.spec.categorical)
        taken = codes[at]
        taken = taken[taken >= 0]
        first = pd.unique(taken)  # value_counts' order before sorting: first appearance
        counts[column] = pd.Series(np.bincount(taken, minlength=len(distinct))[first],
                                   index=distinct[first]).sort_values(ascending=False,
                                                                      kind="stable")
    if prep.task == "regression":
        target = pd.Series(selection.numbers(selection.target)[at])
    else:
        codes, distinct = selection.target_codes()
        target = pd.Series(distinct[np.bincount(codes[at], minlength=len(distinct)) > 0])
    return prep.fit_parts(list(features), numeric, numbers, counts, target,
                          partial(Rows.columns, rows, list(features)))


def encode_target(prep: Preprocessor, selection: Selection, at: np.ndarray) -> np.ndarray:
    """`prep.encode_target` of the selection's target at positions `at`, from its codes."""
    if prep.task == "regression":
        values = selection.numbers(selection.target)[at]
        return ((values - prep.target_min_) / prep.target_range_).astype(np.float32)
    codes, distinct = selection.target_codes()
    taken = codes[at]
    present = np.flatnonzero(np.bincount(taken, minlength=len(distinct)))
    table = np.full(len(distinct), -1, dtype=np.int32)
    table[present] = prep.class_codes(pd.Series(distinct[present]))
    labels = table[taken]
    if (labels < 0).any():  # a value that is not a class: encode_target says which, in words
        return prep.encode_target(selection.data[selection.target].iloc[at])
    return labels
