"""One row through the network: what-if values, the hardest test rows and dead neurons.

A trained model is probed one row at a time: `WhatIf` turns raw feature values (the data's own
units and categories) into the prediction and every layer's output for that row, through the
network's weights in numpy (forward.Forward, read once), so a slider can redraw in a
millisecond. `test_rows`
lists every test row with its loss, the prediction and the class probabilities, and
`hardest` picks the rows with the largest loss or the lowest confidence. `dead_units` finds
the ReLU neurons that output zero on every training row (they no longer learn).

Example:
    probe = WhatIf(trained.model, prepared)       # the model as trained
    result = probe({"petal length (cm)": 4.5, ...})
    result.predicted, result.probabilities        # 'versicolor', {'setosa': 0.01, ...}
    hardest(test_rows(trained.model, prepared), by="loss", n=10)
    dead_sentences(model, dead_units(model, prepared.X_train))

No Keras import and no Streamlit here: models come in built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gui.core.data.dataset import PreparedData
from gui.core.inspection.forward import Forward
from gui.core.inspection.predict import class_probabilities, predicted_index
from gui.core.model.layer_outputs import layer_outputs
from gui.core.spec import layer_kinds

ZERO_REGION = ("relu", "relu6")  # activations that output exactly 0 below a point
PER_UNIT = ("Dropout", "BatchNormalization")  # keep each unit in its place
SCALING_LAYERS = tuple(layer_kinds.SCALING_LAYERS)  # the fitted scaling, not numbered
TOLERANCE = 1e-6
CHUNK = 20_000  # training rows per pass when looking for dead units (bounded memory)


# ---- layers as the Model page numbers them -------------------------------------------------

def activation_name(layer) -> str:
    """The Keras name of a layer's activation ('relu', 'linear', ...); '' when it has none."""
    fn = getattr(layer, "activation", None)
    return getattr(fn, "__name__", "") if fn is not None else ""


def layer_numbers(model) -> dict[str, int]:
    """{Keras layer name: its number on the Model page (1 = the first layer after the fitted
    scaling)}."""
    layers = list(model.layers)
    while layers and type(layers[0]).__name__ in SCALING_LAYERS:
        layers = layers[1:]
    return {item.name: i for i, item in enumerate(layers, start=1)}


def _watched(model) -> dict[str, str]:
    """{Dense layer name: the layer whose output tells whether its units fire}: the Dense
    itself with a ReLU, or the separate ReLU Activation after it (past Dropout and
    BatchNormalization, which keep each unit in place)."""
    layers = list(model.layers)
    out = {}
    for i, item in enumerate(layers):
        if type(item).__name__ != "Dense":
            continue
        if activation_name(item) in ZERO_REGION:
            out[item.name] = item.name
            continue
        if activation_name(item) != "linear":
            continue
        for after in layers[i + 1:]:
            kind = type(after).__name__
            if kind in PER_UNIT:
                continue
            if kind == "Activation" and activation_name(after) in ZERO_REGION:
                out[item.name] = after.name
            break
    return out


# ---- dead neurons --------------------------------------------------------------------------

def dead_units(model, X_train: np.ndarray) -> dict[str, np.ndarray]:
    """{Dense layer name: bool per unit, True where its (ReLU) output is 0 on every row of
    X_train}, for the Dense layers whose activation has a zero region; X_train encoded as the
    model takes it. Layers without such an activation are left out."""
    watched = _watched(model)
    if not watched:
        return {}
    fires: dict[str, np.ndarray] = {}
    for start in range(0, len(X_train), CHUNK):
        outputs = layer_outputs(model, X_train[start:start + CHUNK])
        for dense, seen in watched.items():
            here = np.any(outputs[seen] > TOLERANCE, axis=0)
            fires[dense] = fires[dense] | here if dense in fires else here
    return {dense: ~fired for dense, fired in fires.items()}


def dead_sentences(model, dead: dict[str, np.ndarray]) -> list[str]:
    """One sentence per layer with dead units, naming each layer as the network figure does
    (its Keras name) with its number on the Model page."""
    return [text for text, _ in dead_notes(model, dead)]


def dead_notes(model, dead: dict[str, np.ndarray]) -> list[tuple[str, bool]]:
    """dead_sentences, each with whether it is expected (a strong L2 penalty switching off
    neurons the rows do not need: said as information, not as a warning)."""
    numbers = layer_numbers(model)
    out = []
    for name, mask in dead.items():
        count, total = int(np.sum(mask)), len(mask)
        if count == 0:
            continue
        where = (f"{name} (layer {numbers[name]} on the Model page)" if name in numbers
                 else name)  # the network figure's own name for the layer
        if count == total:
            head = (f"All {total} neurons in {where} never activate on any training row: they "
                    "no longer learn (dead ReLUs), and the layers after it receive only zeros."
                    if total > 1 else
                    f"The only neuron in {where} never activates on any training row: it no "
                    "longer learns (a dead ReLU), and the layers after it receive only zeros.")
        elif count == 1:
            head = (f"1 of {total} neurons in {where} never activates on any training row: "
                    "it no longer learns (a dead ReLU).")
        else:
            head = (f"{count} of {total} neurons in {where} never activate on any training "
                    "row: they no longer learn (dead ReLUs).")
        l2 = _l2_of(model, name)
        if count < total and l2 >= PENALTY_SWITCHES_OFF:
            out.append((f"{head} That is the layer's L2 penalty ({l2:g}) at work: it switches "
                        "off neurons the training rows do not need, keeping the network "
                        "small, while the others learn. Nothing to fix.", True))
        else:
            out.append((f"{head} Try a smaller learning rate, He initialisation "
                        "(kernel_initializer HeNormal), or the activation leaky_relu or elu.",
                        False))
    return out


PENALTY_SWITCHES_OFF = 1e-3  # an L2 penalty this strong leaves neurons off on purpose


def _l2_of(model, name: str) -> float:
    """The L2 penalty on the kernel of layer `name` (0 without one)."""
    try:
        regularizer = model.get_layer(name).kernel_regularizer
    except ValueError:
        return 0.0
    return float(getattr(regularizer, "l2", 0.0) or 0.0)


# ---- the model's answer for rows -----------------------------------------------------------

def target_outputs(prepared: PreparedData, last: np.ndarray) -> np.ndarray:
    """The last layer's output (as trained) → class probabilities (rows, k), or the target in
    its own units (rows,)."""
    if prepared.task == "regression":
        return prepared.preprocessor.decode_target(np.asarray(last).reshape(len(last), -1)[:, 0])
    return class_probabilities(last, prepared.n_classes)


# ---- what if -------------------------------------------------------------------------------

@dataclass
class RowResult:
    """The model's answer for one row.

    Attributes:
        predicted: the class name, or the target value in its own units.
        probabilities: {class name: probability} (classification), else None.
        activations: {Keras layer name: that layer's output for the row, 1-D}.
        encoded: the row as the model takes it, (1, inputs) (another epoch's weights run it
            through without encoding it again).
    """

    predicted: object
    probabilities: dict | None
    activations: dict[str, np.ndarray] = field(default_factory=dict)
    encoded: np.ndarray | None = None


class WhatIf:
    """Raw feature values → the prediction and every layer's output, for one row at a time.

    Args:
        model: the model as trained (run_state.Trained.model); a scaled regression target is
            un-scaled here with the Preprocessor.
        prepared: the PreparedData it trained on.
    """

    def __init__(self, model, prepared: PreparedData):
        self.model = model
        self.prepared = prepared
        self.prep = prepared.preprocessor
        self.forward = Forward(model)  # the weights as they are now: a WhatIf per weights

    def encode(self, row: dict) -> np.ndarray:
        """{column: raw value} → the (1, inputs) array the model takes (missing → the fill)."""
        values = {c: [row.get(c, self.prep.fill_.get(c))] for c in self.prep.feature_names_}
        return self.prep.encode(pd.DataFrame(values))

    def __call__(self, row: dict) -> RowResult:
        X = self.encode(row)
        outputs = self.forward(X)
        activations = {name: value[0] for name, value in outputs.items()}
        answer = target_outputs(self.prepared, outputs[self.model.layers[-1].name])
        if self.prepared.task == "regression":
            return RowResult(float(answer[0]), None, activations, X)
        names = self.prepared.class_names
        index = int(predicted_index(self.prepared.task, answer)[0])
        return RowResult(names[index], {c: float(p) for c, p in zip(names, answer[0],
                                                                    strict=False)},
                         activations, X)


def test_row_values(prepared: PreparedData, number: int) -> dict:
    """Test row `number` (1-based, in test order) as {feature column: raw value}, empty cells
    as the value the model fills in."""
    prep = prepared.preprocessor
    out = {}
    for col in prep.feature_names_:
        value = prepared.raw_test[col].iloc[number - 1]  # by column: its own dtype (3, not 3.0)
        if pd.isna(value):
            value = prep.fill_[col]
        out[col] = float(value) if col in prep.numeric_ else str(value)
    return out


# ---- the controls' ranges ------------------------------------------------------------------

@dataclass
class Control:
    """What a what-if control for one feature column offers.

    Attributes:
        column: the feature column's name.
        kind: "number" (a slider) or "choice" (a select).
        low, high: the slider's ends: the training rows' range, widened to hold every test row.
        train_low, train_high: the training rows' range.
        step: a round step about a hundredth of the range, no finer than the data's own
            decimals (1 for whole numbers).
        integer: every training and test value is a whole number.
        decimals: decimals to show: the step's, one more where the data has finer values.
        options: the categories seen in training, then any test-only ones.
        default: the value the model fills in for an empty cell.
    """

    column: str
    kind: str
    default: object
    low: float = 0.0
    high: float = 0.0
    train_low: float = 0.0
    train_high: float = 0.0
    step: float = 1.0
    integer: bool = False
    decimals: int = 0
    options: list = field(default_factory=list)



def _short(value) -> float:
    """A float32 training value as the number it was read as (4.3, not 4.300000190734863)."""
    return float(str(np.float32(value)))


def _decimals(values: np.ndarray, most: int = 6) -> int:
    """How many decimals the (float32) values were written with, up to `most`."""
    values = np.asarray(values, dtype=float)
    for k in range(most):
        scaled = values * 10.0 ** k
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-5 * np.maximum(np.abs(scaled), 1)):
            return k
    return most


def controls(prepared: PreparedData) -> list[Control]:
    """One Control per feature column, in the model's feature order."""
    prep = prepared.preprocessor
    out = []
    position = {c: i for i, c in enumerate(prep.numeric_)}
    for col in prep.feature_names_:
        if col in prep.text_:
            seen = [str(c) for c in prep.categories_[col]]
            test = prepared.raw_test[col].dropna().astype(str).unique()
            options = seen + sorted(set(test) - set(seen))
            out.append(Control(col, "choice", str(prep.fill_[col]), options=options))
            continue
        values = prepared.X_train[:, position[col]]
        low, high = _short(values.min()), _short(values.max())
        test = pd.to_numeric(prepared.raw_test[col], errors="coerce").to_numpy(dtype=float)
        test = test[np.isfinite(test)]
        integer = bool(np.all(np.mod(values, 1) == 0) and np.all(np.mod(test, 1) == 0))
        wide_low = min(low, float(test.min())) if len(test) else low
        wide_high = max(high, float(test.max())) if len(test) else high
        if wide_high <= wide_low:  # one value everywhere: a slider still needs two ends
            wide_low, wide_high = wide_low - 1, wide_high + 1
        span = wide_high - wide_low
        written = _decimals(np.concatenate([values, test]))
        step = 1.0 if integer else max(10.0 ** math.floor(math.log10(span / 100)),
                                       10.0 ** -written)
        # A step of 10 or more (a span of thousands) shows no decimals, never "%.-2f"
        decimals = 0 if integer else max(0, -math.floor(math.log10(step) + 1e-9))
        if integer:
            wide_low, wide_high = math.floor(wide_low), math.ceil(wide_high)
        out.append(Control(col, "number", float(prep.fill_[col]), wide_low, wide_high, low, high,
                           step, integer, max(decimals, min(written, decimals + 1))))
    return out


# ---- the test rows, hardest first ----------------------------------------------------------

TEST_ROW = "test row"


RESIDUAL = "true − predicted"


def test_rows(model, prepared: PreparedData) -> pd.DataFrame:
    """Every test row: its number (1-based), true and predicted target, the loss and (for
    classification) the confidence and each class's probability, then its features as read.

    Classification loss: cross-entropy of the true class (−ln p); confidence: the probability
    of the predicted class. Regression: the residual (true − predicted, as Evaluate's
    residuals) and the squared error, in the target's
    units. `model` is the model as trained (run_state.Trained.model).
    """
    target = prepared.preprocessor.spec.target
    last = layer_outputs(model, prepared.X_test)[model.layers[-1].name]
    answer = target_outputs(prepared, last)
    table = pd.DataFrame({TEST_ROW: np.arange(1, len(prepared.X_test) + 1)})
    if prepared.task == "regression":
        raw = prepared.raw_test
        truth = (pd.to_numeric(raw[target], errors="coerce").to_numpy(dtype=float)
                 if target in raw.columns else  # as written: no float32 rounding
                 prepared.preprocessor.decode_target(prepared.y_test))
        table[f"true {target}"] = truth
        table[f"predicted {target}"] = answer
        table[RESIDUAL] = truth - answer  # as Evaluate's residuals chart
        table["squared error"] = (answer - truth) ** 2
    else:
        names = list(prepared.class_names)
        truth = np.asarray(prepared.y_test, dtype=int)
        index = predicted_index(prepared.task, answer)
        table[f"true {target}"] = [names[i] for i in truth]
        table[f"predicted {target}"] = [names[i] for i in index]
        table["confidence"] = answer[np.arange(len(index)), index]
        p_true = answer[np.arange(len(truth)), truth]
        table["loss"] = -np.log(np.clip(p_true, 1e-7, 1.0))
        for i, name in enumerate(names):
            table[f"P({name})"] = answer[:, i]
    features = prepared.raw_test[prepared.preprocessor.feature_names_].reset_index(drop=True)
    taken = set(table.columns)
    for col in features.columns:
        table[f"{col} (feature)" if col in taken else col] = features[col].to_numpy()
    return table


def loss_column(table: pd.DataFrame) -> str:
    return "loss" if "loss" in table.columns else "squared error"


def hardest(table: pd.DataFrame, by: str = "loss", n: int = 10) -> pd.DataFrame:
    """The `n` rows of a `test_rows` table with the largest loss (by="loss") or the lowest
    confidence (by="confidence", classification only)."""
    if by == "confidence" and "confidence" in table.columns:
        return table.nsmallest(n, "confidence", keep="first")
    return table.nlargest(n, loss_column(table), keep="first")


def hardest_rows(model, prepared: PreparedData, n: int = 10, by: str = "loss"
                 ) -> pd.DataFrame:
    """`hardest(test_rows(model, prepared), by, n)`."""
    return hardest(test_rows(model, prepared), by, n)
