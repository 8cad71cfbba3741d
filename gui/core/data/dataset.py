"""A table and the data choices in, training and test arrays out.

    loaded = csv_io.read_csv(raw_bytes, "iris.csv")   # decode, sniff, parse, check
    prepared = prepare(loaded.frame, data_spec)       # target, features, split, fit
    prepared.X_train, prepared.y_train                # float32 arrays for Keras

Also what the data page shows before preparing: `profile`, `detect_task`,
`default_features`. Every problem a person can fix is raised as `DataError`; things LayerLab
fixes itself come back as `warnings`. Scaling is *fitted* here (on the training part only)
but applied inside the Keras model (see build.py), so a downloaded model takes raw values.

No Keras and no Streamlit here: the data page must stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from gui.core.data import columns
from gui.core.data.formats.csv_io import MIN_ROWS
from gui.core.data.formats.loaded import DataError
from gui.core.data.preprocess import Preprocessor, is_numeric, plain
from gui.core.data.selection import Rows, Selection, encode_target
from gui.core.data.selection import fit as selection_fit
from gui.core.data.split import shuffled, train_test_split
from gui.core.spec.schema import DataSpec
from gui.core.spec.validate import data_problems
from gui.core.spec.vocabulary import MAX_CLASSES

RARE_CLASS_SHARE = 0.1  # a class under this share of the rows is said to be rare
MOSTLY_ONE_VALUE = 0.5  # a number target this often one value is said (e.g. mostly 0)


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


def default_features(frame: pd.DataFrame, target: str, categorical=()) -> list[str]:
    """All columns but the target, minus those `columns.left_out` names (ids, running
    numbers, constant columns, text with too many categories)."""
    others = [col for col in frame.columns if col != target]
    out = columns.left_out(frame, target, categorical)
    describing = [col for col in others if col not in out]
    return describing or others  # with nothing else left, let the user see what there is



# ---- preparing -----------------------------------------------------------------------------

@dataclass
class PreparedData:
    """Training and test arrays plus the fitted preprocessing that made them.

    The feature arrays (X_train, X_test) are encoded, and the rows taken from the table,
    when first asked for: the Data page shows only counts, classes and the encoded inputs'
    names, so a change of its settings on a large table neither takes nor encodes every row
    (training asks for them)."""

    y_train: np.ndarray
    y_test: np.ndarray
    preprocessor: Preprocessor
    task: str
    test_part: Rows  # the test rows as read (features + target), for evaluation: raw_test
    warnings: list[str] = field(default_factory=list)
    train_part: Rows | None = field(default=None, repr=False)  # the training rows, the same
    _X_train: np.ndarray | None = field(default=None, init=False, repr=False)
    _X_test: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def raw_test(self) -> pd.DataFrame:
        """The test rows as read (features + target), for evaluation."""
        return self.test_part.frame

    @property
    def train_index(self) -> pd.Index | None:
        """Which rows of the CSV are the training rows."""
        return self.train_part.index if self.train_part is not None else None

    @property
    def X_train(self) -> np.ndarray:
        """The training rows' features, encoded (float32, unscaled: the model scales)."""
        if self._X_train is None:
            features = self.preprocessor.feature_names_
            self._X_train = self.preprocessor.encode(self.train_part.columns(features))
            self.preprocessor.fit_scaling(self._X_train)  # from these rows: not encoded twice
            self.train_part.forget()
        return self._X_train

    @property
    def X_test(self) -> np.ndarray:
        """The test rows' features, encoded."""
        if self._X_test is None:
            features = self.preprocessor.feature_names_
            self._X_test = self.preprocessor.encode(self.raw_test[features])
        return self._X_test

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)

    @property
    def class_names(self) -> list:
        return self.preprocessor.classes_

    @property
    def n_classes(self) -> int:
        return len(self.preprocessor.classes_)

    @property
    def n_inputs(self) -> int:
        return self.preprocessor.n_inputs

    def without_test_rows(self) -> PreparedData:
        """The same data with no test rows: what a search's trials train on, so the test
        rows stay unseen until Evaluate."""
        out = replace(self, y_test=self.y_test[:0], test_part=Rows(self.raw_test.iloc[:0]))
        out._X_train = self._X_train
        return out


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
                        f"({plain(values.iloc[0])!r}) in every row, so there is "
                        "nothing to learn. "
                        "Choose another target column.")
    task = detect_task(target) if spec.task == "auto" else spec.task
    if task == "regression" and not is_numeric(values):
        raise DataError(f"Regression needs a numeric target, but '{name}' holds text (e.g. "
                        f"{plain(values.iloc[0])!r}). Choose classification, or "
                        "another target.")
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
    features = list(spec.features) or default_features(frame, spec.target, spec.categorical)
    features = [c for c in features if c != spec.target]
    if spec.text == "drop":
        dropped = [c for c in features if not is_numeric(frame[c])
                   and c not in spec.categorical]
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


def select(frame: pd.DataFrame, spec: DataSpec) -> Selection:
    """Target and feature columns, the rows kept, the task: what `prepare` starts from."""
    problems = data_problems(list(frame.columns), spec)
    if problems:
        raise DataError(" ".join(p.message for p in problems))
    data, warnings = _select(frame, spec)
    return Selection(data, tuple(warnings), resolve_task(data[spec.target], spec), spec.target)


def prepare(frame: pd.DataFrame, spec: DataSpec, test_frame: pd.DataFrame | None = None,
            selection: Selection | None = None) -> PreparedData:
    """Split (or take the test CSV), fit the preprocessing on train, encode both parts
    (the features when first asked for). `selection`: `select(frame, spec)` made before,
    for the same frame and SELECTION_SETTINGS (a page keeps it while only the split changes)."""
    selection = selection or select(frame, spec)
    data, warnings, task = selection.data, list(selection.warnings), selection.task
    features = [c for c in data.columns if c != spec.target]
    if task == "regression":
        warnings += _one_value_mostly(selection.numbers(spec.target), spec.target)
    train = Rows(data)
    if test_frame is not None:
        train = Rows(data, shuffled(len(data), spec.split_seed))  # not in file order (split.py)
        needed = features + [spec.target]
        absent = [c for c in needed if c not in test_frame.columns]
        if absent:
            raise DataError(f"The test file lacks column(s) {', '.join(absent)} that the "
                            "training data uses. Both files need the same header.")
        test_data, test_warnings = _select(test_frame, replace(spec, features=features), 1)
        warnings += [f"Test file: {w}" for w in test_warnings]
        test = Rows(test_data)
    else:
        stratify = None
        if task != "regression":
            counts = selection.class_counts()
            lonely = counts[counts < 2]
            if len(lonely):
                names = ", ".join(repr(plain(v)) for v in lonely.index[:5])
                warnings.append(f"Class(es) {names} have a single row, so they cannot be in both "
                                "the train and test sets: the split is not stratified. Add rows "
                                "of those classes or remove them.")
            elif round(len(data) * spec.test_fraction) >= len(counts):
                stratify = selection.target_codes()[0]  # codes: fast to sort
            rare = counts[(counts >= 2) & (counts < RARE_CLASS_SHARE * len(data))
                          & (counts < len(data) / len(counts) / 4)]  # and few for their number
            if len(rare):
                names = ", ".join(f"{plain(v)!r} ({int(n)} rows, {n / len(data):.0%} of the "
                                  "table)" for v, n in list(rare.items())[:5])
                warnings.append(f"Few rows are of class(es) {names}: a network "
                                "learns the common classes first and may never predict a rare "
                                "one, while its accuracy still looks high. Evaluate says when "
                                "it is no better than always predicting the most common class, "
                                "and its confusion matrix and per-class scores show how it "
                                "does on the rare ones; more rows of them help most.")
        try:
            train_rows, test_rows = train_test_split(
                len(data), spec.test_fraction, spec.split_seed, stratify)
            train, test = Rows(data, train_rows), Rows(data, test_rows)
        except ValueError as exc:
            raise DataError(f"Could not split {len(data)} rows with test fraction "
                            f"{spec.test_fraction}: {exc}. Change the test fraction.") from None
    if len(train) < 2 or len(test) < 1:
        raise DataError(f"The split leaves {len(train)} training and {len(test)} test "
                        "row(s). Change the test fraction or add rows.")
    if task != "regression" and selection.classes_in(train.positions) < 2:
        raise DataError("The training part holds a single class. Add rows of other classes "
                        "or change the split seed.")
    prep = selection_fit(Preprocessor(spec, task), selection, features, train)
    if test_frame is not None and task != "regression":
        known = {str(c) for c in prep.classes_}
        unseen = sorted({str(plain(v)) for v in test.table[spec.target]} - known)
        if unseen:
            raise DataError(f"The test CSV has target value(s) not in the training data: "
                            f"{', '.join(unseen[:5])}. Both files need the same classes.")
    y_test = (prep.encode_target(test.table[spec.target]) if test_frame is not None
              else encode_target(prep, selection, test.positions))
    return PreparedData(
        y_train=encode_target(prep, selection, train.positions),
        y_test=y_test, preprocessor=prep, task=task, test_part=test, warnings=warnings,
        train_part=train)


def _one_value_mostly(values: np.ndarray, target: str) -> list[str]:
    """A number target that is one value in at least MOSTLY_ONE_VALUE of the rows (e.g. an
    amount that is mostly 0), said: a network predicting a number then learns little."""
    values = values[~np.isnan(values)]
    if not len(values):
        return []
    value = float(np.median(values))  # a value in more than half the rows is the median
    share = float(np.mean(values == value))
    if share < MOSTLY_ONE_VALUE:
        return []
    return [f"{share:.0%} of the rows have {target} = {value:g}: predicted as a number, "
            "such a target is hard to learn (a network tends to predict about the same for "
            "every row). Predicting whether it is that value, as classes, may serve better; "
            "Evaluate's R² says how much the model explains."]
