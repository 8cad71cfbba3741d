"""LayerLab's vocabulary: one table per option family, and the words shown for each option.

Pages, validation, the model builder, the script generator and the Keras registry all read
these tables, so adding an option is one row here plus its behaviour where it acts (a scaling
kind: its fit in preprocess.py and its layer in build.py; an optimizer option: nothing more,
Keras takes it by name). Values are Keras' own names wherever Keras has one.

Example:
    >>> SCALINGS["standard"].label
    'Standardise (mean 0, std 1)'
    >>> OPTIMIZERS["sgd"].learning_rate
    0.01

Pure data: no Keras, no Streamlit, no pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Choice:
    """One option of a family: its value in the spec, the words a page shows, a longer help."""

    value: str
    label: str
    help: str = ""


def _table(*rows) -> dict[str, Any]:
    return {row.value: row for row in rows}


def labels(table: dict) -> dict[str, str]:
    """{value: label}, e.g. for a select's format_func."""
    return {value: row.label for value, row in table.items()}


# ---- the data ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Task(Choice):
    """A kind of prediction. `short` names it in a tile; `words` in a sentence; `output`
    says what the output layer must give."""

    short: str = ""
    words: str = ""
    output: str = ""


TASKS: dict[str, Task] = _table(
    Task("regression", "Regression (predict a number)", short="Regression",
         words="a number to predict (regression)", output="1 number per row"),
    Task("binary", "Binary classification (2 classes)", short="Binary",
         words="two classes (binary classification)",
         output="the probability of the second class"),
    Task("multiclass", "Multiclass classification", short="Multiclass",
         words="several classes (multiclass classification)",
         output="one probability per class"),
)
AUTO_TASK = "auto"  # DataSpec.task: detect the task from the target's values
AUTO_TASK_LABEL = "Detect automatically"


@dataclass(frozen=True)
class Scaling(Choice):
    """A feature scaling: fitted on the training rows, applied by the model's first layer
    (`keras_layer`, None when nothing is applied). `layer_text` describes that layer."""

    keras_layer: str | None = None
    layer_text: str = ""


SCALINGS: dict[str, Scaling] = _table(
    Scaling("none", "None (raw values)", layer_text="No scaling: the raw values go in"),
    Scaling("minmax", "Min-max to 0–1", keras_layer="Normalization",
            layer_text="Normalization: min-max scale each feature to 0–1"),
    Scaling("standard", "Standardise (mean 0, std 1)", keras_layer="Normalization",
            layer_text="Normalization: standardise each feature (mean 0, std 1)"),
    Scaling("l2", "L2-normalise each row (keras.utils.normalize)",
            keras_layer="UnitNormalization",
            layer_text="UnitNormalization: scale each row to length 1"),
)

MISSING: dict[str, Choice] = _table(
    Choice("drop", "Drop rows with missing values"),
    Choice("mean", "Fill with the column mean"),
    Choice("median", "Fill with the column median"),
    Choice("most_frequent", "Fill with the most frequent value"),
)

TEXT_HANDLING: dict[str, Choice] = _table(
    Choice("onehot", "One-hot encode"),
    Choice("drop", "Leave out"),
)

# Does a file's first row name its columns (DataSpec.header; the CLI's --header/--no-header).
HEADER_CHOICES: dict[str, Choice] = _table(
    Choice("auto", "Detect"),
    Choice("yes", "The first row is a header"),
    Choice("no", "The first row is data"),
)

# Where the test rows come from, on the data page (the spec says it with test_source).
TEST_DATA: dict[str, Choice] = _table(
    Choice("fraction", "Hold out a share of the rows"),
    Choice("file", "Upload a separate test file"),
)

MAX_CLASSES = 100
MAX_CATEGORIES = 30  # one-hot keeps the most frequent categories; rarer ones encode as all-zero

# The default target (gui.core.data.columns.default_target): a column named like a label is
# predicted; a date part or an id at the end of a table is not. Compared without case,
# spaces or punctuation ("Survived", "is_churn" ≠ "churn").
LABEL_NAMES = ("target", "label", "class", "y", "outcome", "species", "survived", "diagnosis",
               "churn", "churned", "default", "defaulted", "fraud", "isfraud", "passed",
               "quality", "variety", "result")
NOTE_NAMES = ("notes", "note", "comment", "comments", "remark", "remarks", "memo",
              "description", "text", "enteredby", "createdby")  # about the row, not of it
DATE_PART_NAMES = ("year", "month", "day", "date", "week", "weekday", "dayofweek",
                   "dayofmonth", "hour", "minute", "second", "timestamp", "quarter")


# ---- the layers ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerType(Choice):
    """A layer LayerSpec can hold: the spec fields it uses (Keras' argument names)."""

    fields: tuple[str, ...] = ()


LAYER_TYPES: dict[str, LayerType] = _table(
    LayerType("Dense", "Dense", "Neurons connected to every input: the layer that learns.",
              fields=("units", "activation", "use_bias", "kernel_initializer",
                      "bias_initializer", "kernel_regularizer", "bias_regularizer",
                      "activity_regularizer")),
    LayerType("Activation", "Activation",
              "Applies an activation function to the previous layer's output.",
              fields=("activation",)),
    LayerType("Dropout", "Dropout",
              "Randomly switches off a share of inputs while training, against overfitting.",
              fields=("rate",)),
    LayerType("BatchNormalization", "BatchNormalization",
              "Re-centres and re-scales the previous layer's outputs.",
              fields=("momentum", "epsilon")),
)

# A new layer's settings (Keras' defaults, except units and activation).
LAYER_DEFAULTS: dict[str, Any] = {"units": 16, "activation": "relu", "use_bias": True,
                                  "rate": 0.2, "momentum": 0.99, "epsilon": 0.001}
KERNEL_INITIALIZER = "GlorotUniform"  # Keras' defaults
BIAS_INITIALIZER = "Zeros"

MAX_LAYERS = 50
MAX_UNITS = 4096
MAX_PARAMS = 5_000_000

REGULARIZERS: dict[str, Choice] = _table(
    Choice("none", "none"), Choice("l1", "L1"), Choice("l2", "L2"), Choice("l1l2", "L1 + L2"))

# Initializer parameters the UI exposes; every other initializer takes just a seed or nothing.
INITIALIZER_PARAMS: dict[str, dict[str, Any]] = {
    "Constant": {"value": 0.0},
    "RandomNormal": {"mean": 0.0, "stddev": 0.05},
    "TruncatedNormal": {"mean": 0.0, "stddev": 0.05},
    "RandomUniform": {"minval": -0.05, "maxval": 0.05},
    "VarianceScaling": {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"},
}
INITIALIZER_CHOICES = {"mode": ("fan_in", "fan_out", "fan_avg"),
                       "distribution": ("truncated_normal", "untruncated_normal", "uniform")}
POSITIVE_INITIALIZER_PARAMS = ("stddev", "scale")
# Initializers that are deterministic and so take no seed.
UNSEEDED_INITIALIZERS = ("Zeros", "Ones", "Constant", "Identity")
# Output activations that give a probability per row (for binary_crossentropy).
SIGMOID_LIKE = ("sigmoid", "hard_sigmoid", "sparse_sigmoid")


# ---- compile -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """A numeric or true/false option: its default and the values it may take.

    `low`/`high` bound it (None: unbounded); `high_open` excludes `high` itself.
    """

    default: float | bool
    low: float | None = None
    high: float | None = None
    high_open: bool = False

    def allows(self, value: float) -> bool:
        if self.low is not None and value < self.low:
            return False
        if self.high is not None and (value >= self.high if self.high_open
                                      else value > self.high):
            return False
        return True

    def expected(self) -> str:
        """The allowed values in words, e.g. 'a number from 0 up to (not including) 1'."""
        if isinstance(self.default, bool):
            return "true or false"
        if self.low is not None and self.high is not None:
            upper = f"up to (not including) {self.high:g}" if self.high_open \
                else f"to {self.high:g}"
            return f"a number from {self.low:g} {upper}"
        if self.low is not None:
            return f"a number ≥ {self.low:g}"
        if self.high is not None:
            return f"a number ≤ {self.high:g}"
        return "a number"


def _decay(default: float) -> Param:
    """A moving-average factor (momentum, beta_1, rho...): 0 ≤ x < 1."""
    return Param(default, 0.0, 1.0, high_open=True)


@dataclass(frozen=True)
class Optimizer(Choice):
    """A Keras optimizer: its class, default and usual learning rates, and the options the
    UI exposes (Keras' own defaults)."""

    keras_class: str = ""
    learning_rate: float = 0.001
    usual_learning_rates: tuple[float, float] = (1e-4, 1e-2)
    options: dict[str, Param] = field(default_factory=dict)


OPTIMIZERS: dict[str, Optimizer] = _table(
    Optimizer("sgd", "SGD", keras_class="SGD", learning_rate=0.01,
              usual_learning_rates=(1e-3, 1e-1),
              options={"momentum": _decay(0.0), "nesterov": Param(False)}),
    Optimizer("rmsprop", "RMSprop", keras_class="RMSprop",
              options={"rho": _decay(0.9), "momentum": _decay(0.0)}),
    Optimizer("adam", "Adam", keras_class="Adam",
              options={"beta_1": _decay(0.9), "beta_2": _decay(0.999),
                       "amsgrad": Param(False)}),
    Optimizer("adamw", "AdamW", keras_class="AdamW",
              options={"weight_decay": Param(0.004, 0.0), "beta_1": _decay(0.9),
                       "beta_2": _decay(0.999)}),
    Optimizer("adagrad", "Adagrad", keras_class="Adagrad", usual_learning_rates=(1e-3, 1e-1),
              options={"initial_accumulator_value": Param(0.1, 0.0)}),
    Optimizer("adadelta", "Adadelta", keras_class="Adadelta", usual_learning_rates=(1e-3, 1.0),
              options={"rho": _decay(0.95)}),
    Optimizer("adamax", "Adamax", keras_class="Adamax",
              options={"beta_1": _decay(0.9), "beta_2": _decay(0.999)}),
    Optimizer("nadam", "Nadam", keras_class="Nadam",
              options={"beta_1": _decay(0.9), "beta_2": _decay(0.999)}),
    Optimizer("ftrl", "Ftrl", keras_class="Ftrl", usual_learning_rates=(1e-3, 1e-1),
              options={"learning_rate_power": Param(-0.5, high=0.0),
                       "l1_regularization_strength": Param(0.0, 0.0),
                       "l2_regularization_strength": Param(0.0, 0.0)}),
    Optimizer("lion", "Lion", keras_class="Lion", learning_rate=0.0001,
              usual_learning_rates=(1e-5, 1e-3),
              options={"beta_1": _decay(0.9), "beta_2": _decay(0.99)}),
)
DEFAULT_OPTIMIZER = "adam"
GRADIENT_CLIPPING = ("clipnorm", "clipvalue")  # 0 turns them off

# Losses by the target they train on. One-hot losses need one-hot targets; class-index
# losses take class numbers; probability losses read a softmax over the classes.
REGRESSION_LOSSES = ("mean_squared_error", "mean_absolute_error",
                     "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
                     "log_cosh", "huber", "poisson", "cosine_similarity")
BINARY_LOSSES = ("binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge")
CLASS_INDEX_LOSSES = ("sparse_categorical_crossentropy",)
ONE_HOT_LOSSES = ("categorical_crossentropy", "categorical_focal_crossentropy",
                  "categorical_hinge", "kl_divergence")
PROBABILITY_LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy",
                      "categorical_focal_crossentropy")
# The loss and metrics a task starts with.
DEFAULT_LOSS = {"regression": "mean_squared_error", "binary": "binary_crossentropy",
                "multiclass": "sparse_categorical_crossentropy"}
DEFAULT_METRICS = {"regression": ["mean_absolute_error"], "binary": ["accuracy"],
                   "multiclass": ["accuracy"]}

# Metrics by task. Binary-only metrics read one 0/1 label and one probability per row;
# sparse metrics read class indices; one-hot metrics compare one-hot rows.
REGRESSION_METRICS = ("mean_absolute_error", "mean_squared_error", "root_mean_squared_error",
                      "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
                      "log_cosh_error", "r2_score", "cosine_similarity")
CLASS_METRICS = ("accuracy", "binary_accuracy", "sparse_categorical_accuracy",
                 "categorical_accuracy", "sparse_top_k_categorical_accuracy", "precision",
                 "recall", "auc", "binary_crossentropy", "sparse_categorical_crossentropy",
                 "true_positives", "true_negatives", "false_positives", "false_negatives")
BINARY_METRICS = ("binary_accuracy", "precision", "recall", "auc", "binary_crossentropy",
                  "true_positives", "true_negatives", "false_positives", "false_negatives")
SPARSE_METRICS = ("sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
                  "sparse_categorical_crossentropy")
ONE_HOT_METRICS = ("categorical_accuracy",)
MULTICLASS_ONLY_METRICS = SPARSE_METRICS + ONE_HOT_METRICS


def task_metrics(task: str) -> tuple[str, ...]:
    """The Keras metric names that fit `task`."""
    if task == "regression":
        return REGRESSION_METRICS
    if task == "binary":
        return tuple(m for m in CLASS_METRICS if m not in MULTICLASS_ONLY_METRICS)
    return tuple(m for m in CLASS_METRICS if m not in BINARY_METRICS)


# Which way is better, for Keras' metric names and the evaluate page's scores alike: the
# loss and errors go down, everything named here goes up.
HIGHER_IS_BETTER = ("accuracy", "auc", "precision", "recall", "r2", "r²", "f1",
                    "true_positives", "true_negatives", "cosine_similarity")


# A regression's R² on its test rows (TrainingJob.evaluate_test) or a lesson's hidden rows
# (hidden_test), in the target's own units, by which the class board ranks numbers: the loss
# and Keras metrics are on the target as trained, scaled or not.
UNITS_SCORE = "R²"


# The prediction columns (Predict, `gui predict`, the exported predict.py): the target's
# value or class name as predicted_<target>, and for classes the class index, as tutorials
# name it, in predicted_label.
PREDICTED_LABEL = "predicted_label"


def index_column(target: str) -> str:
    """The class index's column: `predicted_label`, or `predicted_label_index` when the
    target itself is called `label` in any case (its class names fill `predicted_Label`,
    which a spreadsheet takes for the same name). The exported predict.py
    (saving/predict_template.py) names it by the same rule."""
    return PREDICTED_LABEL if f"predicted_{target}".lower() != PREDICTED_LABEL.lower() else \
        "predicted_label_index"


def higher_is_better(name: str) -> bool:
    """True for scores that improve upwards (accuracy, AUC, R²...), False for losses and
    errors (loss, MAE, RMSE, false_positives...)."""
    lowered = name.lower().removeprefix("val_")
    return any(word in lowered for word in HIGHER_IS_BETTER)


# ---- fit -----------------------------------------------------------------------------------

VALIDATION_MODES: dict[str, Choice] = _table(
    Choice("split", "Hold out part of the training rows"),
    Choice("test", "Use the test set"),
    Choice("none", "No validation"),
)
MAX_EPOCHS = 10_000


# "Find a better network" (gui.core.training.search): the ranges its trials are drawn from,
# narrowed by search.search_space to what the data supports. L2 at its floor means none.
SEARCH_SPACE: dict[str, tuple] = {
    "layers": (1, 3),
    "units": (8, 512),
    "activation": ("relu", "elu", "gelu", "tanh", "linear"),  # linear: a linear model
    "dropout": (0.0, 0.5),
    "l2": (1e-7, 1e-1),  # up to a tiny table's penalty for a number (size_rules)
    "learning_rate": (1e-4, 3e-2),
    "batch_size": (16, 32, 64, 128, 256, 512, 1024),
}
SEARCH_MINUTES = (1, 3, 10)  # the time boxes the Model page offers
SCALE_REGRESSION_TARGET = True  # a regression target is standardised (the model un-scales)
MAX_BATCH_SIZE = 100_000
MAX_SEED = 2**31 - 1


# ---- runs ----------------------------------------------------------------------------------

QUEUED, RUNNING, STOPPING, DONE, STOPPED, FAILED, INTERRUPTED = (
    "queued", "running", "stopping", "done", "stopped", "failed", "interrupted")
ACTIVE_STATUSES = (QUEUED, RUNNING, STOPPING)  # the page keeps polling
