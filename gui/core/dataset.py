"""CSV in, clean training arrays out.

Three steps, each usable alone:

    loaded = read_csv(raw_bytes, "iris.csv")          # decode, sniff, parse, check
    prepared = prepare(loaded.frame, data_spec)       # target, features, split, fit
    prepared.X_train, prepared.y_train                # float32 arrays for Keras

Every problem a person can fix is raised as `DataError` with a message that says what is
wrong and how to fix it; things LayerLab fixes itself come back as `warnings`.
Scaling is *fitted* here (on the training part only) but applied inside the Keras model
(see build.py), so a downloaded model takes raw feature values.

No Keras and no Streamlit here: the data page must stay fast.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gui.core.spec import MISSING, SCALINGS, TASKS, TEXT_HANDLING, DataSpec

MAX_UPLOAD_MB = 200  # keep equal to server.maxUploadSize in .streamlit/config.toml
MAX_ROWS = 1_000_000
MAX_COLUMNS = 1_000
MIN_ROWS = 5
MAX_CLASSES = 100
MAX_CATEGORIES = 30  # one-hot keeps the most frequent categories; rarer ones encode as all-zero
FLOAT32_MAX = float(np.finfo(np.float32).max)
DELIMITERS = (",", ";", "\t", "|")
_PREFER_WINDOWS = {"mac_cyrillic": "cp1251", "mac_latin2": "cp1250", "mac_greek": "cp1253",
                   "mac_turkish": "cp1254", "mac_roman": "cp1252", "mac_iceland": "cp1252"}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class DataError(ValueError):
    """A problem with the user's data; the message says what is wrong and how to fix it."""


@dataclass
class LoadedCSV:
    """A parsed CSV and what was learned while reading it."""

    frame: pd.DataFrame
    name: str
    encoding: str
    delimiter: str
    warnings: list[str] = field(default_factory=list)


# ---- reading -------------------------------------------------------------------------------

def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Return (text, encoding name); refuse binary files with a plain message."""
    if not raw or not raw.strip():
        raise DataError("The file is empty. Choose a CSV file with a header row and data rows.")
    boms = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
            (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
    for bom, encoding in boms:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    head = raw[:4096]
    if head.startswith(b"PK\x03\x04"):
        raise DataError("This is a zip archive or an Excel workbook, not a CSV. In Excel use "
                        "File → Save As → CSV, then upload that file.")
    if head.startswith(b"PAR1") or head.startswith(b"\x89HDF") or head.startswith(b"%PDF"):
        raise DataError("This is a binary file (Parquet, HDF5 or PDF), not a CSV. Export the "
                        "table as CSV (comma- or semicolon-separated text) and upload that.")
    if b"\x00" in head:
        # UTF-16 without a BOM shows as every other byte NUL around ASCII text.
        for encoding, zeros in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
            if zeros and zeros.count(0) > 0.9 * len(zeros):
                try:
                    return raw.decode(encoding), encoding
                except UnicodeDecodeError:
                    pass
        raise DataError("This is a binary file, not a CSV (it contains NUL bytes). Upload a "
                        "text file with one row per line and values separated by commas.")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # charset_normalizer recognises e.g. Cyrillic cp1251 by its language; short Western text
    # (the usual case: an Excel export) has no clear language, and cp1252 is then right.
    best = from_bytes(raw[:200_000]).best()
    trusted = [best.encoding] if best is not None and best.coherence >= 0.2 else []
    # On short samples old Mac code pages tie with the Windows ones Excel actually writes.
    trusted = [_PREFER_WINDOWS.get(e, e) for e in trusted]
    for encoding in trusted + ["cp1252", "latin-1"]:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    raise DataError("Could not work out the text encoding.")  # latin-1 never fails


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first lines into the most consistent columns."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delim)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (hits / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")) or (
        "<html" in head and "</" in head)


def read_csv(raw: bytes, name: str = "data.csv", min_rows: int | None = None,
             min_columns: int = 2, max_rows: int | None = None) -> LoadedCSV:
    """Decode, sniff and parse an uploaded CSV; check it is a usable table.

    The defaults suit training data; rows to predict need only one row and one column.
    Raises DataError for every problem the user must fix.
    """
    min_rows = MIN_ROWS if min_rows is None else min_rows
    max_rows = MAX_ROWS if max_rows is None else max_rows
    if len(raw) > MAX_UPLOAD_MB * 1024 * 1024:
        raise DataError(f"The file is {len(raw) / 2**20:.0f} MB; the limit is {MAX_UPLOAD_MB} "
                        "MB. Upload a sample of the rows.")
    text, encoding = decode_bytes(raw)
    if _looks_like_html(text):
        raise DataError("This file is a web page (HTML), not a CSV. If you saved it from a "
                        "website, download the raw CSV file instead.")
    text = text.lstrip("\ufeff")
    head = text[:4096]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(2, 0.02 * len(head)):
        raise DataError("This file holds control characters a CSV never has: it looks like a "
                        "binary file. Upload a text file with one row per line and values "
                        "separated by commas.")
    delimiter = sniff_delimiter(text)
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error as exc:
        raise DataError(f"The header row could not be read ({exc}). Check that the first line "
                        "holds the column names, separated by commas.") from None
    header = [h.strip() for h in header]
    if len(header) > MAX_COLUMNS:
        raise DataError(f"The file has {len(header):,} columns; LayerLab handles up to "
                        f"{MAX_COLUMNS:,}. Keep the columns you need (e.g. in a spreadsheet) "
                        "and upload again.")
    duplicates = sorted(n for n, c in Counter(header).items() if c > 1)
    if duplicates:
        shown = ", ".join(f"'{d}'" for d in duplicates[:5])
        raise DataError(f"Column names must be unique; these appear more than once: {shown}. "
                        "Rename the repeated columns in the header row and upload again.")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, engine="c", skipinitialspace=True,
                            nrows=max_rows + 1, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError("The file has no columns. Choose a CSV file with a header row.") from None
    except pd.errors.ParserError as exc:
        raise DataError(_ragged_message(str(exc), delimiter)) from None
    except (ValueError, OverflowError, MemoryError) as exc:
        raise DataError(f"The file could not be read as a table ({exc}). Check that it is a "
                        "CSV with one header row.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) > max_rows:
        raise DataError(f"The file has more than {max_rows:,} rows, LayerLab's limit. Upload a "
                        "random sample of the rows.")
    if frame.shape[1] < min_columns:
        raise DataError("The file has only one column. LayerLab needs a target column and at "
                        "least one feature column. If the values are separated by something "
                        "other than , ; tab or |, save the file as a comma-separated CSV.")
    if len(frame) == 0:
        raise DataError("The file has a header row but no data rows. Add rows of data below the "
                        "header and upload again.")
    if len(frame) < min_rows:
        raise DataError(f"The file has only {len(frame)} data row(s); LayerLab needs at least "
                        f"{min_rows} to train and test a model. Add more rows.")
    frame, warnings = _clean_values(frame, decimal_comma=delimiter != ",")
    return LoadedCSV(frame=frame, name=name, encoding=encoding, delimiter=delimiter,
                     warnings=warnings)


def _ragged_message(error: str, delimiter: str) -> str:
    # pandas: "Error tokenizing data. C error: Expected 3 fields in line 5, saw 4"
    detail = error.split("C error:")[-1].strip().rstrip(".")
    return (f"Rows have different numbers of values ({detail}). Each row needs one value per "
            f"column, separated by a {DELIMITER_NAMES[delimiter]}. Fix that row, or put text "
            "that contains the separator in double quotes.")


def _to_numbers(values: pd.Series, decimal_comma: bool) -> pd.Series:
    """Text → numbers; with `decimal_comma`, "1,5" (a European spreadsheet's 1.5) too."""
    numbers = pd.to_numeric(values, errors="coerce")
    if decimal_comma and numbers.isna().any():
        text = values.astype(str).str.strip()
        comma = text.str.fullmatch(r"[-+]?\d+,\d+")
        if comma.any():
            numbers = numbers.where(~comma, pd.to_numeric(text.str.replace(",", ".", regex=False),
                                                          errors="coerce"))
    return numbers


def _clean_values(frame: pd.DataFrame, decimal_comma: bool = False,
                  ) -> tuple[pd.DataFrame, list[str]]:
    """Turn mostly-numeric text columns into numbers and non-finite values into missing."""
    warnings: list[str] = []
    frame = frame.copy()
    for col in frame.columns:
        series = frame[col]
        if not pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            present = series.dropna()
            numbers = _to_numbers(present, decimal_comma)
            bad = numbers.isna()
            if len(present) and bad.sum() <= 0.05 * len(present) and bad.sum() < len(present):
                if bad.any():
                    examples = ", ".join(repr(v) for v in present[bad].unique()[:3])
                    warnings.append(f"Column '{col}': {int(bad.sum())} value(s) that are not "
                                    f"numbers ({examples}) are treated as missing.")
                frame[col] = numbers.reindex(series.index).astype(float)
                series = frame[col]
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


# ---- describing ----------------------------------------------------------------------------

def is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def profile(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per column: kind, missing count, distinct values and basic statistics."""
    numeric = frame.select_dtypes("number")
    stats = numeric.agg(["mean", "std", "min", "max"]).T if numeric.shape[1] else None
    rows = []
    for col in frame.columns:
        s = frame[col]
        row = {"column": col, "type": "number" if is_numeric(s) else "text",
               "missing": int(s.isna().sum()), "distinct": int(s.nunique(dropna=True))}
        if stats is not None and col in stats.index:
            row.update({k: float(stats.at[col, k]) for k in ("mean", "std", "min", "max")})
        else:
            top = s.mode(dropna=True)
            row["most common"] = str(top.iloc[0]) if len(top) else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("column")


def detect_task(target: pd.Series) -> str:
    """regression, binary or multiclass, from the target's values."""
    values = target.dropna()
    distinct = values.nunique()
    if distinct <= 2:
        return "binary"
    if not is_numeric(values):
        return "multiclass"
    integral = bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
    if integral and distinct <= min(20, max(3, len(values) // 10)):
        return "multiclass"
    return "regression"


def default_features(frame: pd.DataFrame, target: str) -> list[str]:
    """All columns but the target, minus those that identify rows rather than describe them:
    text with too many categories (names, ids) and row numbers (0, 1, 2, ... in some order)."""
    others = [col for col in frame.columns if col != target]
    describing = [col for col in others if not _identifies_rows(frame[col])]
    return describing or others  # with nothing else left, let the user see what there is


def _identifies_rows(s: pd.Series) -> bool:
    if not is_numeric(s):
        return s.nunique() > MAX_CATEGORIES  # one-hot of names or ids learns nothing
    values = s.dropna().to_numpy(dtype=float)
    if len(values) < 10 or values.size != len(s) or np.any(np.mod(values, 1) != 0):
        return False
    ordered = np.sort(values)
    return bool(np.all(np.diff(ordered) == 1))  # an index column or a running id


# ---- the fitted preprocessing --------------------------------------------------------------

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

    # fit ---------------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: pd.Series) -> Preprocessor:
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: pd.DataFrame, y: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Fit on the training rows; return their encoded features and targets."""
        self.numeric_ = [c for c in X.columns if is_numeric(X[c])]
        self.text_ = [c for c in X.columns if c not in self.numeric_]
        strategy = self.spec.missing if self.spec.missing != "drop" else "median"
        self.fill_ = {}
        if self.numeric_:
            # The same statistics as sklearn's SimpleImputer (most_frequent: the smallest mode),
            # from pandas, which is ~10x faster than SimpleImputer's masked-array median.
            num = X[self.numeric_].astype(float)
            stats = (num.mode().min() if strategy == "most_frequent"
                     else getattr(num, strategy)())
            self.fill_.update({c: float(v) if np.isfinite(v) else 0.0
                               for c, v in stats.items()})
        self.categories_ = {}
        for col in self.text_:
            counts = X[col].dropna().astype(str).value_counts()
            self.fill_[col] = str(counts.index[0]) if len(counts) else ""
            self.categories_[col] = sorted(counts.index[:MAX_CATEGORIES].tolist())
        self.feature_names_ = list(X.columns)
        self.encoded_names_ = list(self.numeric_) + [
            f"{c}={v}" for c in self.text_ for v in self.categories_[c]]
        encoded = self.encode(X)
        self.scaling_ = self._fit_scaling(encoded)
        if self.task == "regression":
            self.classes_ = []
            values = y.to_numpy(dtype=float)
            low, high = float(values.min()), float(values.max())
            self.target_min_ = low if self.spec.scale_target else 0.0
            span = high - low
            self.target_range_ = (span if span > 0 else 1.0) if self.spec.scale_target else 1.0
        else:
            # LabelEncoder's classes_ (sorted distinct labels), via pandas' hash-based unique:
            # sorting 100k strings to find a handful of classes costs ~50 ms.
            self.classes_ = sorted(_plain(c) for c in pd.unique(_label_values(y)))
            self.target_min_, self.target_range_ = 0.0, 1.0
        return encoded, self.encode_target(y)

    def _fit_scaling(self, X: np.ndarray) -> dict:
        """sklearn scaler fitted on the training rows → the parameters the model layer needs."""
        from sklearn.preprocessing import MinMaxScaler, StandardScaler

        kind = self.spec.scaling
        if kind == "standard":
            scaler = StandardScaler().fit(X)
            return {"kind": kind, "mean": scaler.mean_.tolist(),
                    "variance": (scaler.scale_ ** 2).tolist()}
        if kind == "minmax":
            scaler = MinMaxScaler().fit(X)
            span = np.where(scaler.data_range_ > 0, scaler.data_range_, 1.0)
            # (x - min) / range is Normalization(mean=min, variance=range²).
            return {"kind": kind, "mean": scaler.data_min_.tolist(),
                    "variance": (span ** 2).tolist()}
        return {"kind": kind}

    # transform ---------------------------------------------------------------------------
    def encode(self, X: pd.DataFrame) -> np.ndarray:
        """Impute and one-hot raw feature columns → float32 model input (unscaled)."""
        missing = [c for c in self.feature_names_ if c not in X.columns]
        if missing:
            raise DataError(f"Missing column(s): {', '.join(missing)}. The rows need the same "
                            f"feature columns as the training data: "
                            f"{', '.join(self.feature_names_)}.")
        parts = []
        if self.numeric_:
            num = X[self.numeric_]
            if not all(is_numeric(num[c]) for c in self.numeric_):  # typed-in or uploaded rows
                num = num.apply(pd.to_numeric, errors="coerce")
            values = num.to_numpy(dtype=float, na_value=np.nan)  # NumPy: wide tables are fast
            fill = np.array([self.fill_[c] for c in self.numeric_], dtype=float)
            bad = ~np.isfinite(values) | (np.abs(values) > FLOAT32_MAX)
            parts.append(np.where(bad, fill, values).astype(np.float32))
        for col in self.text_:
            values = X[col].astype(object).where(X[col].notna(), self.fill_[col]).astype(str)
            cats = self.categories_[col]
            onehot = (values.to_numpy()[:, None] == np.array(cats, dtype=object)[None, :])
            parts.append(onehot.astype(np.float32))
        if not parts:
            return np.zeros((len(X), 0), dtype=np.float32)
        return np.hstack(parts).astype(np.float32)

    def scale(self, X: np.ndarray) -> np.ndarray:
        """The scaling the model's first layer applies, in NumPy (for previews and tests)."""
        kind = self.scaling_["kind"]
        if kind in ("standard", "minmax"):
            return ((X - np.array(self.scaling_["mean"])) /
                    np.sqrt(np.array(self.scaling_["variance"]))).astype(np.float32)
        if kind == "l2":
            from sklearn.preprocessing import Normalizer
            return Normalizer(norm="l2").fit_transform(X).astype(np.float32)
        return X

    def encode_target(self, y: pd.Series) -> np.ndarray:
        """Target values → what the network learns: class indices, or (scaled) numbers."""
        if self.task == "regression":
            values = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
            return ((values - self.target_min_) / self.target_range_).astype(np.float32)
        names = [str(c) for c in self.classes_]
        labels = pd.Categorical(_as_label_text(y), categories=names).codes
        if (labels < 0).any():
            unknown = sorted({str(v) for v, i in zip(y, labels, strict=True) if i < 0})
            raise DataError(f"Target value(s) {', '.join(unknown[:5])} were not in the training "
                            f"data (classes: {', '.join(map(str, self.classes_))}).")
        return labels.astype(np.int32)

    def decode_target(self, values: np.ndarray) -> np.ndarray:
        """The network's (scaled) regression output → the target's own units."""
        return np.asarray(values, dtype=float) * self.target_range_ + self.target_min_

    @property
    def n_inputs(self) -> int:
        return len(self.encoded_names_)

    # persistence -------------------------------------------------------------------------
    STATE = ("numeric_", "text_", "fill_", "categories_", "feature_names_", "encoded_names_",
             "scaling_", "classes_", "target_min_", "target_range_")

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return {"task": self.task, "data": asdict(self.spec),
                **{k.rstrip("_"): getattr(self, k) for k in self.STATE}}

    @classmethod
    def from_dict(cls, state: dict) -> Preprocessor:
        out = cls(DataSpec(**state["data"]), state["task"])
        for key in cls.STATE:
            setattr(out, key, state[key.rstrip("_")])
        return out


def _label_values(y: pd.Series) -> pd.Series:
    """Class labels as LayerLab keeps them: whole numbers as int, other numbers as float,
    anything else as text (so 1.0 and 1 are the same class, 1)."""
    if is_numeric(y):
        values = y.to_numpy(dtype=float)
        if np.isfinite(values).all() and np.all(np.mod(values, 1) == 0):
            return pd.Series(values.astype(np.int64), index=y.index)
        return pd.Series(values, index=y.index)
    return y.astype(str)


def _as_label_text(y: pd.Series) -> pd.Series:
    return _label_values(y).astype(str)


def _plain(value):
    """NumPy scalars → Python values, so class names serialise to JSON."""
    return value.item() if hasattr(value, "item") else value


# ---- preparing -----------------------------------------------------------------------------

@dataclass
class PreparedData:
    """Training and test arrays plus the fitted preprocessing that made them."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    preprocessor: Preprocessor
    task: str
    raw_test: pd.DataFrame  # the test rows as read (features + target), for evaluation
    warnings: list[str] = field(default_factory=list)
    train_index: pd.Index | None = None  # which rows of the CSV are the training rows

    @property
    def class_names(self) -> list:
        return self.preprocessor.classes_

    @property
    def n_classes(self) -> int:
        return len(self.preprocessor.classes_)

    @property
    def n_inputs(self) -> int:
        return self.preprocessor.n_inputs


def check_spec(frame: pd.DataFrame, spec: DataSpec) -> None:
    for name, value, allowed in (("scaling", spec.scaling, SCALINGS),
                                 ("missing", spec.missing, MISSING),
                                 ("text", spec.text, TEXT_HANDLING),
                                 ("task", spec.task, TASKS + ("auto",))):
        if value not in allowed:
            raise DataError(f"Unknown {name} option {value!r}; choose one of "
                            f"{', '.join(allowed)}.")
    if spec.target not in frame.columns:
        raise DataError(f"The target column '{spec.target}' is not in the data. Choose one of: "
                        f"{', '.join(map(str, frame.columns[:20]))}.")
    missing = [c for c in spec.features if c not in frame.columns]
    if missing:
        raise DataError(f"Feature column(s) not in the data: {', '.join(missing)}.")
    if not 0 < spec.test_fraction < 1:
        raise DataError(f"The test fraction must be between 0 and 1; received "
                        f"{spec.test_fraction}.")


def resolve_task(target: pd.Series, spec: DataSpec) -> str:
    """The task to train for: the user's override, checked against the target's values."""
    values = target.dropna()
    name = target.name
    if values.empty:
        raise DataError(f"The target column '{name}' has no values. Choose a column that holds "
                        "what you want to predict.")
    distinct = values.nunique()
    if distinct < 2:
        raise DataError(f"The target column '{name}' has a single value "
                        f"({values.iloc[0]!r}) in every row, so there is nothing to learn. "
                        "Choose another target column.")
    task = detect_task(target) if spec.task == "auto" else spec.task
    if task == "regression" and not is_numeric(values):
        raise DataError(f"Regression needs a numeric target, but '{name}' holds text (e.g. "
                        f"{values.iloc[0]!r}). Choose classification, or another target.")
    if task == "binary" and distinct != 2:
        raise DataError(f"Binary classification needs exactly 2 classes; '{name}' has "
                        f"{distinct}. Choose multiclass or regression.")
    if task == "multiclass" and distinct > MAX_CLASSES:
        raise DataError(f"The target '{name}' has {distinct} distinct values, more than the "
                        f"{MAX_CLASSES} classes LayerLab handles. If it is a number to predict, "
                        "choose regression; otherwise choose another target.")
    return task


def _select(frame: pd.DataFrame, spec: DataSpec, min_rows: int = MIN_ROWS,
            ) -> tuple[pd.DataFrame, list[str]]:
    """Target and feature columns, rows with a target, text handling, missing values."""
    warnings: list[str] = []
    features = list(spec.features) or default_features(frame, spec.target)
    features = [c for c in features if c != spec.target]
    if spec.text == "drop":
        dropped = [c for c in features if not is_numeric(frame[c])]
        if dropped:
            warnings.append(f"Text column(s) left out: {', '.join(dropped)}.")
        features = [c for c in features if c not in dropped]
    if not features:
        raise DataError("No feature columns are selected. Choose at least one column, other "
                        "than the target, to predict from.")
    data = frame[features + [spec.target]]
    if data[spec.target].isna().all():
        raise DataError(f"The target column '{spec.target}' has no values. Choose a column "
                        "that holds what you want to predict.")
    no_target = data[spec.target].isna()
    if no_target.any():
        warnings.append(f"{int(no_target.sum())} row(s) without a target value are left out.")
        data = data[~no_target]
    gaps = data[features].isna().sum()
    gaps = gaps[gaps > 0]
    if spec.missing != "drop" and len(gaps):
        named = ", ".join(f"{c} ({n})" for c, n in gaps.items())
        how = spec.missing.replace("_", " ")
        warnings.append(f"{int(gaps.sum())} missing value(s) filled with the training rows' "
                        f"{how} (text columns: most frequent value): {named}.")
    if spec.missing == "drop":
        incomplete = data[features].isna().any(axis=1)
        if incomplete.any():
            warnings.append(f"{int(incomplete.sum())} row(s) with missing feature values are "
                            "left out (choose an imputation to keep them).")
            data = data[~incomplete]
        if len(data) < min_rows:
            raise DataError(f"Only {len(data)} row(s) have no missing values. Choose to fill "
                            "missing values (mean, median or most frequent) instead of dropping "
                            "rows.")
    empty = [c for c in features if data[c].isna().all()]
    if empty:
        raise DataError(f"Feature column(s) with no values at all: {', '.join(empty)}. "
                        "Leave them out of the features.")
    return data, warnings


def prepare(frame: pd.DataFrame, spec: DataSpec, test_frame: pd.DataFrame | None = None,
            ) -> PreparedData:
    """Split (or take the test CSV), fit the preprocessing on train, encode both parts."""
    from sklearn.model_selection import train_test_split

    check_spec(frame, spec)
    data, warnings = _select(frame, spec)
    task = resolve_task(data[spec.target], spec)
    features = [c for c in data.columns if c != spec.target]
    if test_frame is not None:
        needed = features + [spec.target]
        absent = [c for c in needed if c not in test_frame.columns]
        if absent:
            raise DataError(f"The test CSV lacks column(s) {', '.join(absent)} that the "
                            "training data uses. Both files need the same header.")
        test_data, test_warnings = _select(test_frame, _with(spec, features=features), 1)
        warnings += [f"Test CSV: {w}" for w in test_warnings]
        train_data = data
    else:
        stratify = None
        if task != "regression":
            counts = data[spec.target].value_counts()
            lonely = counts[counts < 2]
            if len(lonely):
                names = ", ".join(repr(_plain(v)) for v in lonely.index[:5])
                warnings.append(f"Class(es) {names} have a single row, so they cannot be in both "
                                "the train and test sets: the split is not stratified. Add rows "
                                "of those classes or remove them.")
            elif round(len(data) * spec.test_fraction) >= len(counts):
                stratify = pd.factorize(data[spec.target])[0]  # codes: fast to sort
        try:
            train_data, test_data = train_test_split(
                data, test_size=spec.test_fraction, random_state=spec.split_seed,
                stratify=stratify)
        except ValueError as exc:
            raise DataError(f"Could not split {len(data)} rows with test fraction "
                            f"{spec.test_fraction}: {exc}. Change the test fraction.") from None
    if len(train_data) < 2 or len(test_data) < 1:
        raise DataError(f"The split leaves {len(train_data)} training and {len(test_data)} test "
                        "row(s). Change the test fraction or add rows.")
    X_train, y_train = train_data[features], train_data[spec.target]
    if task != "regression" and y_train.nunique() < 2:
        raise DataError("The training part holds a single class. Add rows of other classes "
                        "or change the split seed.")
    prep = Preprocessor(spec, task)
    X_train_encoded, y_train_encoded = prep.fit_transform(X_train, y_train)
    if test_frame is not None and task != "regression":
        known = {str(c) for c in prep.classes_}
        unseen = sorted({str(_plain(v)) for v in test_data[spec.target]} - known)
        if unseen:
            raise DataError(f"The test CSV has target value(s) not in the training data: "
                            f"{', '.join(unseen[:5])}. Both files need the same classes.")
    return PreparedData(
        X_train=X_train_encoded, y_train=y_train_encoded,
        X_test=prep.encode(test_data[features]), y_test=prep.encode_target(test_data[spec.target]),
        preprocessor=prep, task=task, raw_test=test_data[features + [spec.target]],
        warnings=warnings, train_index=train_data.index)


def _with(spec: DataSpec, **changes) -> DataSpec:
    from dataclasses import replace

    return replace(spec, **changes)
