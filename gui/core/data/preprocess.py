"""The fitted preprocessing: raw columns → model input, and target values ↔ labels.

`Preprocessor` is fitted on the training rows only (imputation fills, one-hot categories,
class names, the target's scale and the feature scaling's statistics) and round-trips as
plain JSON, so it travels with a saved model and nothing is unpickled on load.

Example:
    prep = Preprocessor(data_spec, "multiclass")
    X, y = prep.fit_transform(train[features], train[target])
    prep.encode(new_rows)                      # float32, unscaled: the model scales
    Preprocessor.from_dict(prep.to_dict())     # the same preprocessing

No Keras and no Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict

import numpy as np
import pandas as pd

from gui.core.data.formats.loaded import DataError
from gui.core.data.formats.number_text import FLOAT32_MAX
from gui.core.spec.schema import DataSpec
from gui.core.spec.vocabulary import MAX_CATEGORIES

ENCODE_VALUES = 2**20  # numbers encoded per block of rows (8 MB as float64)


def is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def encoded_names(numeric: list, text: list, categories: dict) -> list[str]:
    """The model's input names: numeric columns, then one `column=category` per category."""
    return list(numeric) + [f"{c}={v}" for c in text for v in categories[c]]


class Preprocessor:
    """Raw columns → model input (impute, one-hot), and target ↔ labels.

    Fitted on the training rows only. Its learned state ends in `_` and round-trips through
    `to_dict` / `from_dict` as plain JSON, so it travels with a saved model and nothing is
    unpickled on load. Feature *scaling* parameters are learned here too (`scaling_`) but
    applied by the model's first layer (see build.py).

    Args:
        spec: the DataSpec choices (missing, scaling, scale_target, text handling).
        task: the resolved task (regression / binary / multiclass).
    """

    def __init__(self, spec: DataSpec, task: str):
        self.spec = spec
        self.task = task
        self._scaling: dict | None = None
        self._fill: dict = {}
        self._numbers = None  # fit's numeric columns (or what takes them), until fill_ is asked
        # fit's rows (or what takes them), until scaling_ is asked
        self._scaling_rows: pd.DataFrame | Callable[[], pd.DataFrame] | None = None

    # fit ---------------------------------------------------------------------------------
    def fit_transform(self, X: pd.DataFrame, y: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Fit on the training rows; return their encoded features and targets."""
        self.fit(X, y)
        encoded = self.encode(X)
        self.fit_scaling(encoded)
        return encoded, self.encode_target(y)

    def fit(self, X: pd.DataFrame, y: pd.Series) -> Preprocessor:
        """Fit on the training rows without encoding them: the fills, categories, classes and
        target scale at once; the feature scaling (which needs the rows encoded) when first
        asked for (`scaling_`), or from the encoded rows given to `fit_scaling`."""
        numeric = [c for c in X.columns if self.is_number_column(X[c])]
        counts = {c: present(self.category_values(X, c)).astype(str).value_counts()
                  for c in X.columns if c not in numeric}
        target = y if self.task == "regression" else pd.Series(pd.unique(y))
        return self.fit_parts(list(X.columns), numeric, X[numeric].astype(float), counts,
                              target, X)

    def is_number_column(self, values: pd.Series) -> bool:
        """Is this feature column encoded as a number (else: as categories)?"""
        return is_numeric(values) and values.name not in self.spec.categorical

    def fit_parts(self, columns: list, numeric: list,
                  numbers: pd.DataFrame | Callable[[], pd.DataFrame],
                  counts: dict[str, pd.Series], target: pd.Series,
                  rows: pd.DataFrame | Callable[[], pd.DataFrame]) -> Preprocessor:
        """`fit` from what it reads of the training rows (gui.core.data.selection finds the
        same from codes kept per table, without taking the rows): `numeric` the numeric
        columns, `numbers` their values as float (or what takes them: their fills are
        computed when first asked for, so a page that only counts rows skips them); `counts`
        each other column's present values' counts, as `value_counts` orders them; `target`
        the regression target's values, or the distinct class values; `rows` the training
        rows' features (or what takes them), for the scaling."""
        self.numeric_ = list(numeric)
        self.text_ = [c for c in columns if c not in self.numeric_]
        self._fill, self._numbers = {}, (numbers if self.numeric_ else None)
        self.categories_ = {}
        for col in self.text_:
            found = counts[col]
            self._fill[col] = str(found.index[0]) if len(found) else ""
            self.categories_[col] = sorted(found.index[:MAX_CATEGORIES].tolist())
        self.feature_names_ = list(columns)
        self.encoded_names_ = encoded_names(self.numeric_, self.text_, self.categories_)
        self._scaling, self._scaling_rows = None, rows
        if self.task == "regression":
            self.classes_ = []
            values = target.to_numpy(dtype=float)
            # Standardised (mean 0, std 1) when scale_target: target_min_ is the offset (the
            # mean) and target_range_ the scale (the std) that the model's last layer applies.
            spread = float(values.std())
            self.target_min_ = float(values.mean()) if self.spec.scale_target else 0.0
            self.target_range_ = (spread if spread > 0 else 1.0) if self.spec.scale_target \
                else 1.0
        else:
            # LabelEncoder's classes_ (sorted distinct labels), via pandas' hash-based unique:
            # sorting 100k strings to find a handful of classes costs ~50 ms.
            self.classes_ = sorted(plain(c) for c in pd.unique(label_values(target)))
            self.target_min_, self.target_range_ = 0.0, 1.0
        return self

    @property
    def fill_(self) -> dict:
        """The value that fills a missing cell, per column: the numeric columns' from the
        training rows when first asked for, the same statistics as sklearn's SimpleImputer
        (most_frequent: the smallest mode), from pandas, ~10x faster than its masked-array
        median."""
        if self._numbers is not None:
            numbers = self._numbers() if callable(self._numbers) else self._numbers
            strategy = self.spec.missing if self.spec.missing != "drop" else "median"
            stats = (numbers.mode().min() if strategy == "most_frequent"
                     else getattr(numbers, strategy)())
            self._fill = {**{c: float(v) if np.isfinite(v) else 0.0 for c, v in stats.items()},
                          **self._fill}
            self._numbers = None
        return self._fill

    @fill_.setter
    def fill_(self, value: dict) -> None:
        self._fill, self._numbers = dict(value), None

    def fit_scaling(self, encoded: np.ndarray) -> None:
        """The feature scaling, from the fitted rows as `encode` gives them (once)."""
        if self._scaling is None:
            self.scaling_ = self._fit_scaling(encoded)

    @property
    def scaling_(self) -> dict:
        """The feature scaling's parameters (for the model's first layer)."""
        if self._scaling is None and self._scaling_rows is not None:
            rows = self._scaling_rows
            self.fit_scaling(self.encode(rows() if callable(rows) else rows))
        return self._scaling

    @scaling_.setter
    def scaling_(self, value: dict) -> None:
        self._scaling, self._scaling_rows = value, None

    def _fit_scaling(self, X: np.ndarray) -> dict:
        """The scaling fitted on the training rows → the parameters the model layer needs."""
        kind = self.spec.scaling
        # A block of rows at a time: the same statistics as sklearn's scalers (numpy, not
        # sklearn: the first page prepares data) without float64 copies of a million rows.
        rows = max(1, ENCODE_VALUES // max(1, X.shape[1]))
        blocks = [X[start:start + rows] for start in range(0, max(len(X), 1), rows)]
        if kind == "standard":
            mean, variance = mean_and_variance(blocks)
            return {"kind": kind, "mean": mean.tolist(), "variance": variance.tolist()}
        if kind == "minmax":
            low, span = minimum_and_range(blocks)
            span = np.where(span > 0, span, 1.0)
            # (x - min) / range is Normalization(mean=min, variance=range²).
            return {"kind": kind, "mean": low.tolist(), "variance": (span ** 2).tolist()}
        return {"kind": kind}

    # transform ---------------------------------------------------------------------------
    def encode(self, X: pd.DataFrame) -> np.ndarray:
        """Impute and one-hot raw feature columns → float32 model input (unscaled)."""
        missing = [c for c in self.feature_names_ if c not in X.columns]
        if missing:
            raise DataError(f"Missing column(s): {', '.join(missing)}. The rows need the same "
                            f"feature columns as the training data: "
                            f"{', '.join(self.feature_names_)}.")
        width = len(self.numeric_) + sum(len(self.categories_[c]) for c in self.text_)
        out = np.empty((len(X), width), dtype=np.float32)  # filled in place: no stacked copies
        if self.numeric_:
            num = X[self.numeric_]
            if not all(is_numeric(num[c]) for c in self.numeric_):  # typed-in or uploaded rows
                num = num.apply(pd.to_numeric, errors="coerce")
            fill = np.array([self.fill_[c] for c in self.numeric_], dtype=float)
            rows = max(1, ENCODE_VALUES // len(self.numeric_))  # a million rows: bounded memory
            for start in range(0, len(num), rows):
                # NumPy on a block of rows: wide tables are fast
                values = num.iloc[start:start + rows].to_numpy(dtype=float, na_value=np.nan)
                bad = ~np.isfinite(values) | (np.abs(values) > FLOAT32_MAX)
                out[start:start + rows, :len(self.numeric_)] = np.where(bad, fill, values)
        at = len(self.numeric_)
        for col in self.text_:
            raw = self.category_values(X, col)
            values = raw.astype(object).where(~is_missing(raw), self.fill_[col]).astype(str)
            cats = self.categories_[col]
            onehot = (values.to_numpy()[:, None] == np.array(cats, dtype=object)[None, :])
            out[:, at:at + len(cats)] = onehot
            at += len(cats)
        return out

    def category_values(self, X: pd.DataFrame, col: str) -> pd.Series:
        """A text column as it is, a numeric column treated as categories as code text; so is
        a text column that new rows hold as numbers (a file of only "3" and "4" is read as
        3.0 and 4.0, which are the categories "3" and "4")."""
        numbers = pd.api.types.is_numeric_dtype(X[col])
        return code_text(X[col]) if col in self.spec.categorical or numbers else X[col]

    def encode_target(self, y: pd.Series) -> np.ndarray:
        """Target values → what the network learns: class indices, or (scaled) numbers."""
        if self.task == "regression":
            values = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
            return ((values - self.target_min_) / self.target_range_).astype(np.float32)
        # Each distinct value's label once (a handful), not every row's text: 100k rows' text
        # looked up among the names cost ~0.1 s on each change of the Data page.
        codes, distinct = pd.factorize(y, use_na_sentinel=False)
        labels = self.class_codes(pd.Series(distinct))[codes]
        if (labels < 0).any():
            unknown = sorted({str(v) for v, i in zip(y, labels, strict=True) if i < 0})
            raise DataError(f"Target value(s) {', '.join(unknown[:5])} were not in the training "
                            f"data (classes: {', '.join(map(str, self.classes_))}).")
        return labels.astype(np.int32)

    def class_codes(self, distinct: pd.Series) -> np.ndarray:
        """Each of these distinct target values' class index (-1: not a class)."""
        names = [str(c) for c in self.classes_]
        return pd.Categorical(label_text(distinct), categories=names).codes

    def decode_target(self, values: np.ndarray) -> np.ndarray:
        """The network's (scaled) regression output → the target's own units."""
        return np.asarray(values, dtype=float) * self.target_range_ + self.target_min_

    @property
    def scales_target(self) -> bool:
        """Whether the network was trained on a standardised regression target, which only
        the deployable model's last layer returns to the target's units."""
        return self.task == "regression" and bool(self.spec.scale_target)

    @property
    def n_inputs(self) -> int:
        return len(self.encoded_names_)

    # persistence -------------------------------------------------------------------------
    STATE = ("numeric_", "text_", "fill_", "categories_", "feature_names_", "encoded_names_",
             "scaling_", "classes_", "target_min_", "target_range_")

    def to_dict(self) -> dict:
        """The state, and for a reader of preprocessing.json the target's scaling in words
        (`target_min` and `target_range` hold the offset and scale it applies)."""
        out = {"task": self.task, "data": asdict(self.spec),
               **{k.rstrip("_"): getattr(self, k) for k in self.STATE}}
        if self.scales_target:
            out["target_scaling"] = {
                "kind": "standardised", "mean": self.target_min_, "std": self.target_range_,
                "training_target": "(y - mean) / std",
                "units": "output * std + mean (the model's last layer does this)"}
        return out

    @classmethod
    def from_dict(cls, state: dict) -> Preprocessor:
        out = cls(DataSpec(**state["data"]), state["task"])
        for key in cls.STATE:
            setattr(out, key, state[key.rstrip("_")])
        return out


def is_missing(values: pd.Series) -> pd.Series:
    """Missing category values: NaN / None, and the empty string (how a model that takes
    the raw columns is given a missing text value: raw_model.py)."""
    return values.isna() | (values.astype(object) == "")


def present(values: pd.Series) -> pd.Series:
    """The values of a category column that are not missing (see is_missing)."""
    return values[~is_missing(values)]


def label_values(y: pd.Series) -> pd.Series:
    """Class labels as LayerLab keeps them: whole numbers as int, other numbers as float,
    anything else as text (so 1.0 and 1 are the same class, 1)."""
    if is_numeric(y):
        values = y.to_numpy(dtype=float)
        if np.isfinite(values).all() and np.all(np.mod(values, 1) == 0):
            return pd.Series(values.astype(np.int64), index=y.index)
        return pd.Series(values, index=y.index)
    return y.astype(str)


def code_text(values: pd.Series) -> pd.Series:
    """Codes of a numeric column treated as categories, as text: 3.0 and "3" are "3", 2.5 is
    "2.5" (so a form's "3" and a file's 3.0 are the same category); other text stays as it
    is and missing values stay missing."""
    numbers = pd.to_numeric(values, errors="coerce")
    out = values.astype(object).where(values.isna(), values.astype(str))
    known = numbers.notna() & np.isfinite(numbers)
    whole = known & (np.mod(numbers.where(known, 0), 1) == 0) & (numbers.abs() < 2**53)
    out[whole] = numbers[whole].astype(np.int64).astype(str)
    out[known & ~whole] = numbers[known & ~whole].astype(str)
    return out


def label_text(y: pd.Series) -> pd.Series:
    return label_values(y).astype(str)


def plain(value):
    """NumPy scalars → Python values, so class names serialise to JSON."""
    return value.item() if hasattr(value, "item") else value


def mean_and_variance(blocks: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """StandardScaler's `mean_` and `scale_ ** 2` over row blocks (float64 per block, blocks
    combined as Chan et al.); a constant column's variance is 1, as StandardScaler's scale."""
    count, mean, m2 = 0, None, None
    for block in blocks:
        values = np.asarray(block, dtype=np.float64)
        n = len(values)
        if n == 0:
            continue
        block_mean = values.mean(axis=0)
        block_m2 = ((values - block_mean) ** 2).sum(axis=0)
        if mean is None:
            count, mean, m2 = n, block_mean, block_m2
            continue
        delta = block_mean - mean
        total = count + n
        mean = mean + delta * n / total
        m2 = m2 + block_m2 + delta ** 2 * count * n / total
        count = total
    if mean is None:
        raise ValueError("No rows to fit the scaling on.")
    variance = m2 / count
    eps = np.finfo(np.float64).eps
    constant = variance <= count * eps * variance + (count * mean * eps) ** 2
    return mean, np.where(constant, 1.0, variance)


def minimum_and_range(blocks: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """MinMaxScaler's `data_min_` and `data_range_` over row blocks."""
    low = high = None
    for block in blocks:
        values = np.asarray(block)
        if len(values) == 0:
            continue
        block_low, block_high = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
        low = block_low if low is None else np.minimum(low, block_low)
        high = block_high if high is None else np.maximum(high, block_high)
    if low is None:
        raise ValueError("No rows to fit the scaling on.")
    low, high = low.astype(np.float64), high.astype(np.float64)
    return low, high - low
