"""The plane of two features: what each neuron and the output compute over it, on real data.

TensorFlow Playground draws every neuron's output as a picture over its two inputs. Real data
has many features, so two are chosen and every other one is held at its training median
(numbers) or its most frequent value (text). `plane` makes the grid of encoded rows spanning
the two features' training ranges; `plane_outputs` runs them through the model's layers
(layer_outputs) and `decision` reads the output: the predicted class and its confidence, or
the predicted value in the target's own units.

Example:
    p = plane(prepared.preprocessor, prepared.X_train, "petal length (cm)", "petal width (cm)")
    out = plane_outputs(model, p)                 # {layer name: (units, n, n)}
    d = decision(out[model.layers[-1].name], prepared.preprocessor)
    d.labels, d.confidence                        # (n, n) each

No Keras import and no Streamlit here (the model comes in).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gui.core.data.preprocess import Preprocessor
from gui.core.inspection.predict import class_probabilities, predicted_index
from gui.core.model.layer_outputs import layer_outputs

GRID = 40  # points per axis: 1,600 rows through a 64-64 network take a few milliseconds


@dataclass
class Plane:
    """A grid of model inputs over two numeric features, the others held fixed.

    xs, ys: the two features' values along each axis (training min to max).
    rows: (n*n, n_inputs) encoded rows, row-major: rows[i*n + j] has y=ys[i], x=xs[j].
    held: {feature: the value every other feature is held at}, in the data's own units.
    """

    x: str
    y: str
    xs: np.ndarray
    ys: np.ndarray
    rows: np.ndarray
    held: dict

    @property
    def n(self) -> int:
        return len(self.xs)


@dataclass
class Decision:
    """What the output says over the plane, (n, n) arrays: `labels` (class index) with
    `confidence` (its probability) for a classifier, `value` (target units) for a
    regression."""

    labels: np.ndarray | None = None
    confidence: np.ndarray | None = None
    value: np.ndarray | None = None


def numeric_features(prep: Preprocessor) -> list[str]:
    """The features a plane can span (numbers; text is held at its most frequent value)."""
    return list(prep.numeric_)


SENSITIVITY_ROWS = 512  # training rows the default pair's sensitivities are measured on


def default_pair(prep: Preprocessor, model=None, X_train: np.ndarray | None = None
                 ) -> list[str]:
    """Two numeric features to start the maps with: the two the model's output is most
    sensitive to over the training rows (sensitivity), ties broken by column order; the
    first two without a model. The same model and data give the same pair, every time."""
    numeric = numeric_features(prep)
    if model is None or X_train is None or len(numeric) <= 2:
        return numeric[:2]
    score = sensitivity(prep, model, X_train)
    ranked = sorted(range(len(numeric)), key=lambda i: (-score[i], i))
    return [numeric[i] for i in ranked[:2]]


def sensitivity(prep: Preprocessor, model, X_train: np.ndarray) -> np.ndarray:
    """Per numeric feature: the mean absolute change of the model's output when that feature
    moves across its training range (minimum to maximum), every other feature as it is in
    each training row (the first SENSITIVITY_ROWS rows). Rounded to 6 significant digits, so
    that float noise cannot reorder equal features. A constant feature scores 0."""
    X = np.asarray(X_train, dtype="float32")[:SENSITIVITY_ROWS]
    last = model.layers[-1].name
    scores = []
    for i, _ in enumerate(prep.numeric_):
        low, high = float(np.min(X_train[:, i])), float(np.max(X_train[:, i]))
        lo, hi = X.copy(), X.copy()
        lo[:, i], hi[:, i] = low, high
        outputs = layer_outputs(model, np.concatenate([lo, hi]))
        out = np.asarray(outputs[last], dtype="float64").reshape(2, len(X), -1)
        scores.append(float(np.abs(out[1] - out[0]).mean()))
    return np.array([float(f"{v:.6g}") for v in scores])


def held_values(prep: Preprocessor, X_train: np.ndarray) -> tuple[np.ndarray, dict]:
    """(one encoded row of the training medians / most frequent categories, the same as
    {feature: value} in the data's own units)."""
    X = np.asarray(X_train, dtype="float64")
    row = np.zeros(prep.n_inputs, dtype="float32")
    held: dict = {}
    for i, col in enumerate(prep.numeric_):
        row[i] = float(np.median(X[:, i]))
        held[col] = float(row[i])
    start = len(prep.numeric_)
    for col in prep.text_:
        cats = prep.categories_[col]
        if cats:
            counts = X[:, start:start + len(cats)].sum(axis=0)
            best = int(np.argmax(counts))  # ties: the first category in sorted order
            row[start + best] = 1.0
            held[col] = cats[best]
        start += len(cats)
    return row, held


def plane(prep: Preprocessor, X_train: np.ndarray, x: str, y: str, n: int = GRID) -> Plane:
    """The n×n grid over features `x` and `y` (their training ranges), others held."""
    numeric = numeric_features(prep)
    for name in (x, y):
        if name not in numeric:
            raise ValueError(f"Expected a numeric feature for the plane. Received: {name!r}; "
                             f"choose one of {', '.join(map(str, numeric))}.")
    if x == y:
        raise ValueError("Choose two different features for the plane.")
    base, held = held_values(prep, X_train)
    ix, iy = prep.numeric_.index(x), prep.numeric_.index(y)
    X = np.asarray(X_train, dtype="float64")
    xs = _span(X[:, ix], n)
    ys = _span(X[:, iy], n)
    rows = np.repeat(base[None, :], n * n, axis=0)
    gx, gy = np.meshgrid(xs, ys)  # gx[i, j] = xs[j], gy[i, j] = ys[i]
    rows[:, ix] = gx.ravel()
    rows[:, iy] = gy.ravel()
    return Plane(x, y, xs, ys, rows, {k: v for k, v in held.items() if k not in (x, y)})


def _span(values: np.ndarray, n: int) -> np.ndarray:
    low, high = float(np.min(values)), float(np.max(values))
    if high <= low:
        low, high = low - 1.0, high + 1.0
    return np.linspace(low, high, n)


def plane_outputs(model, p: Plane) -> dict[str, np.ndarray]:
    """{layer name: (units, n, n)}: every layer's output over the plane."""
    outputs = layer_outputs(model, p.rows)
    return {name: value.reshape(p.n, p.n, -1).transpose(2, 0, 1)
            for name, value in outputs.items()}


def decision(output: np.ndarray, prep: Preprocessor) -> Decision:
    """The model's output over the plane (units, n, n) read as the task's answer."""
    output = np.asarray(output, dtype="float64")
    if prep.task == "regression":
        return Decision(value=prep.decode_target(output[0]))
    units, rows, cols = output.shape
    proba = class_probabilities(output.reshape(units, -1).T, len(prep.classes_))
    labels = predicted_index(prep.task, proba)
    confidence = proba[np.arange(len(labels)), labels]
    return Decision(labels=labels.reshape(rows, cols), confidence=confidence.reshape(rows, cols))


def feature_column(prep: Preprocessor, X: np.ndarray, name: str) -> np.ndarray:
    """A numeric feature's values in encoded rows X (numbers are encoded unscaled)."""
    return np.asarray(X)[:, prep.numeric_.index(name)]
