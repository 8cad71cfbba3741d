"""Raw rows in, predictions out — for LayerLab models and for plain Keras models.

A LayerLab model (one with metadata, see export.py) knows its feature names, preprocessing
and classes: rows are matched by column name, encoded like the training rows, and the
outputs come back as the target's own units, or as class names with per-class probabilities.
A model made elsewhere gets the CSV's numeric columns in order, and its raw outputs back.

Example:
    loaded = load.load_model_safely(raw_model, "iris.keras")
    rows = new_rows.read_rows(raw_csv, "rows.csv").frame
    result = predict_rows(loaded, rows)
    result.table      # the rows with prediction columns appended
    safe_csv.safe_csv_bytes(result.table)   # for a download

No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gui.core.data.formats.loaded import DataError
from gui.core.data.formats.number_text import FLOAT32_MAX, missing_marks, read_numbers
from gui.core.data.preprocess import is_missing, is_numeric, present
from gui.core.spec.vocabulary import PREDICTED_LABEL, index_column  # noqa: F401 - one home


class PredictError(ValueError):
    """Rows that cannot be fed to the model; the message names the columns and the fix."""


# ---- predicting ----------------------------------------------------------------------------

@dataclass
class Prediction:
    """The rows with their predictions.

    Attributes:
        table: the input rows as given (every column, the true label too) followed by the
            prediction columns.
        outputs: the model's raw outputs, shape (rows, outputs).
        columns: the names of the prediction columns in `table`.
        notes: things to tell the user (ignored columns, filled values, ...).
    """

    table: pd.DataFrame
    outputs: np.ndarray
    columns: list[str]
    notes: list[str] = field(default_factory=list)


def prediction_columns(loaded) -> list[str]:
    """The names of the columns predict_rows appends, for headers and docs."""
    target = loaded.target
    if loaded.task == "regression":
        return [f"predicted_{target}"]
    if loaded.task in ("binary", "multiclass"):
        return [f"predicted_{target}", index_column(target),
                *(f"probability_{c}" for c in loaded.class_names)]
    n = loaded.n_outputs
    return ["output"] if n == 1 else [f"output_{i + 1}" for i in range(n)]


def model_input(loaded, rows: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame, list[str]]:
    """Rows → the float32 array the model takes, the rows used (in model order), and notes."""
    if len(rows) == 0:
        raise PredictError("There are no rows to predict.")
    if loaded.preprocessor is not None:
        return _layerlab_input(loaded.preprocessor, rows)
    return _plain_input(loaded.n_inputs, rows)


def _layerlab_input(prep, rows: pd.DataFrame):
    features = list(prep.feature_names_)
    columns = [str(c) for c in rows.columns]
    rows = rows.set_axis(columns, axis=1)
    missing = [c for c in features if c not in columns]
    if missing:
        near = {c: next((o for o in columns if o.strip().lower() == c.strip().lower()), None)
                for c in missing}
        hint = " ".join(f"The file has '{o}': rename it '{c}'." for c, o in near.items() if o)
        raise PredictError(f"Missing column(s): {', '.join(missing)}. The model needs these "
                           f"columns: {', '.join(features)}.{' ' + hint if hint else ''}")
    notes = []
    extra = [c for c in columns if c not in features]
    if extra:
        notes.append(f"Column(s) the model does not use were ignored: {', '.join(extra)}.")
    used = rows[features].copy()
    for col in prep.numeric_:
        values = used[col]
        numbers = read_numbers(values)
        marked = missing_marks(values)
        bad = numbers.isna() & values.notna() & ~marked  # "-", "?": missing, as in training
        if bad.any():
            examples = ", ".join(repr(v) for v in values[bad].unique()[:3])
            raise PredictError(f"Column '{col}' must hold numbers; received {examples}. Fix "
                               "those cells (or leave them empty to use the training value).")
        huge = numbers.notna() & ~(numbers.abs() <= FLOAT32_MAX)  # inf too
        if huge.any():
            notes.append(f"Column '{col}': {int(huge.sum())} value(s) too large for the model "
                         f"(beyond ±3.4e38) filled with {prep.fill_[col]:g} (from the training "
                         "rows), as a missing value is.")
        empty = int(numbers.isna().sum())
        if empty:
            notes.append(f"Column '{col}': {empty} missing value(s) filled with "
                         f"{prep.fill_[col]:g} (from the training rows).")
        used[col] = numbers.mask(huge)
    for col in prep.text_:
        values = prep.category_values(used, col)  # codes of a numeric column as their names
        empty = int(is_missing(values).sum())
        if empty:
            notes.append(f"Column '{col}': {empty} empty value(s) filled with "
                         f"'{prep.fill_[col]}' (the most frequent in training).")
        known = set(map(str, prep.categories_[col]))
        unknown = sorted({str(v) for v in present(values)} - known)
        if unknown:
            notes.append(f"Column '{col}': value(s) {', '.join(repr(u) for u in unknown[:5])} "
                         f"were not seen in training (known: "
                         f"{', '.join(map(str, prep.categories_[col]))}); they count as none "
                         "of the known values.")
    try:
        X = prep.encode(used)
    except DataError as exc:
        raise PredictError(str(exc)) from None
    return X, used, notes


def _plain_input(width: int, rows: pd.DataFrame):
    numeric = [c for c in rows.columns if is_numeric(rows[c])]
    text = [c for c in rows.columns if c not in numeric]
    notes = []
    if len(numeric) != width:
        listed = ", ".join(map(str, numeric)) or "none"
        hint = (" Remove the extra ones (e.g. the target column)." if len(numeric) > width
                else " Text columns cannot be fed to a model without LayerLab details.")
        raise PredictError(f"The model takes {width} numeric input(s), but the rows have "
                           f"{len(numeric)} numeric column(s) ({listed}).{hint}")
    if text:
        notes.append(f"Text column(s) ignored: {', '.join(map(str, text))}.")
    used = rows[numeric].astype(float)
    empty = [str(c) for c in numeric if used[c].isna().any()]
    if empty:
        raise PredictError(f"Column(s) with empty or non-numeric cells: {', '.join(empty)}. "
                           "A model without LayerLab details cannot fill them; fill them in "
                           "and upload again.")
    notes.append(f"Columns fed to the model, in this order: {', '.join(map(str, numeric))}.")
    return used.to_numpy(dtype=np.float32), used, notes


def predict_rows(loaded, rows: pd.DataFrame, threshold: float = 0.5,
                 batch_size: int = 1024) -> Prediction:
    """Predict `rows` (raw columns) with a LoadedModel; see Prediction.

    Classifiers get the class name, the 0/1 (binary, at `threshold`) or argmax index the
    tutorials compute by hand, and one probability column per class; regression gets the
    target in its own units; a model without metadata gets its raw outputs.
    """
    X, used, notes = model_input(loaded, rows)
    outputs = np.asarray(loaded.model.predict(X, batch_size=batch_size, verbose=0))
    outputs = outputs.reshape(len(X), -1).astype(float)
    columns = prediction_columns(loaded)
    table = rows.reset_index(drop=True).set_axis([str(c) for c in rows.columns], axis=1)
    extra = decode_outputs(loaded, outputs, threshold)
    for name in columns:
        table[name] = extra[name]
    return Prediction(table=table, outputs=outputs, columns=columns, notes=notes)


def decode_outputs(loaded, outputs: np.ndarray, threshold: float = 0.5) -> dict:
    """Raw outputs → {column: values}: class names and probabilities, or target values."""
    outputs = np.asarray(outputs, dtype=float).reshape(len(outputs), -1)
    target = f"predicted_{loaded.target}"
    if loaded.task == "regression":
        return {target: outputs[:, 0]}
    if loaded.task in ("binary", "multiclass"):
        classes = loaded.class_names
        proba = class_probabilities(outputs, len(classes))
        index = predicted_index(loaded.task, proba, threshold)
        out = {target: [classes[i] for i in index], index_column(loaded.target): index}
        for i, name in enumerate(classes):
            out[f"probability_{name}"] = proba[:, i]
        return out
    if outputs.shape[1] == 1:
        return {"output": outputs[:, 0]}
    return {f"output_{i + 1}": outputs[:, i] for i in range(outputs.shape[1])}


def class_probabilities(outputs: np.ndarray, n_classes: int) -> np.ndarray:
    """(rows, 1) sigmoid or (rows, k) softmax outputs → (rows, k) probabilities."""
    outputs = np.asarray(outputs, dtype=float).reshape(len(outputs), -1)
    if outputs.shape[1] == 1:
        p = np.clip(outputs[:, 0], 0.0, 1.0)
        return np.column_stack([1 - p, p])
    return outputs[:, :max(n_classes, 2)]


def predicted_index(task: str, proba: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Predicted class indices from (rows, k) probabilities: binary at `threshold`, else the
    argmax."""
    if task == "binary":
        return (proba[:, 1] >= threshold).astype(int)
    return proba.argmax(axis=1)


# ---- training a loaded model further -------------------------------------------------------

def check_compatible(loaded, prepared) -> None:
    """Raise PredictError unless `loaded` can be trained further on `prepared`."""
    width = loaded.n_inputs
    if prepared.n_inputs != width:
        names = prepared.preprocessor.encoded_names_
        shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        raise PredictError(f"The model takes {width} input(s), but the current data gives "
                           f"{prepared.n_inputs} ({shown}). Choose the data and "
                           "columns it was trained on, on the Data page.")
    prep = loaded.preprocessor
    if prep is None:
        return
    ours = list(prepared.preprocessor.encoded_names_)
    if list(prep.encoded_names_) != ours:
        pairs = zip(prep.encoded_names_, ours, strict=False)
        differ = [f"{a} ≠ {b}" for a, b in pairs if a != b][:3] or ["a different count"]
        raise PredictError("The model's inputs are not the current data's columns "
                           f"({'; '.join(differ)}). Choose the data and columns it was trained "
                           "on, on the Data page.")
    if prep.task != prepared.task:
        raise PredictError(f"The model does {prep.task}, but the current data is set up for "
                           f"{prepared.task}.")
    if [str(c) for c in prep.classes_] != [str(c) for c in prepared.class_names]:
        raise PredictError(f"The model's classes ({', '.join(map(str, prep.classes_))}) differ "
                           "from the current data's "
                           f"({', '.join(map(str, prepared.class_names))}).")
