"""The experiment spec: one serialisable description of a whole LayerLab experiment.

Everything the user chooses — data preparation, the layer stack, compile and fit settings,
the seed — lives here as plain JSON values with defaults. Widgets edit the spec, `build`
turns it into a Keras model, `export` writes it beside the model. Nothing else holds the truth.

Example:
    spec = ExperimentSpec.default_for(target="species", task="multiclass", n_classes=3)
    text = spec.to_json()
    assert ExperimentSpec.from_json(text) == spec

This module imports neither Keras nor Streamlit, so the data page stays fast.
"""

from __future__ import annotations

import copy
import json
import math
import uuid
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

SPEC_VERSION = 1

TASKS = ("regression", "binary", "multiclass")
SCALINGS = ("none", "minmax", "standard", "l2")
MISSING = ("drop", "mean", "median", "most_frequent")
TEXT_HANDLING = ("onehot", "drop")
LAYER_TYPES = ("Dense", "Activation", "Dropout", "BatchNormalization")
VALIDATION_MODES = ("split", "test", "none")
REGULARIZERS = ("none", "l1", "l2", "l1l2")

# Initializer parameters the UI exposes; every other initializer takes just a seed or nothing.
INITIALIZER_PARAMS: dict[str, dict[str, Any]] = {
    "Constant": {"value": 0.0},
    "RandomNormal": {"mean": 0.0, "stddev": 0.05},
    "TruncatedNormal": {"mean": 0.0, "stddev": 0.05},
    "RandomUniform": {"minval": -0.05, "maxval": 0.05},
    "VarianceScaling": {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"},
}
VARIANCE_SCALING_MODES = ("fan_in", "fan_out", "fan_avg")
VARIANCE_SCALING_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")
# Initializers that are deterministic and so take no seed.
UNSEEDED_INITIALIZERS = ("Zeros", "Ones", "Constant", "Identity")

# Optimizer options the UI exposes, by optimizer; defaults are Keras' own.
OPTIMIZER_OPTIONS: dict[str, dict[str, Any]] = {
    "sgd": {"momentum": 0.0, "nesterov": False},
    "rmsprop": {"rho": 0.9, "momentum": 0.0},
    "adam": {"beta_1": 0.9, "beta_2": 0.999, "amsgrad": False},
    "adamw": {"weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999},
    "adagrad": {"initial_accumulator_value": 0.1},
    "adadelta": {"rho": 0.95},
    "adamax": {"beta_1": 0.9, "beta_2": 0.999},
    "nadam": {"beta_1": 0.9, "beta_2": 0.999},
    "ftrl": {"learning_rate_power": -0.5, "l1_regularization_strength": 0.0,
             "l2_regularization_strength": 0.0},
    "lion": {"beta_1": 0.9, "beta_2": 0.99},
}
DEFAULT_LEARNING_RATE = {"sgd": 0.01, "adadelta": 0.001, "ftrl": 0.001, "lion": 0.0001}

# Losses that need a one-hot target (the others take class indices or values).
ONE_HOT_LOSSES = ("categorical_crossentropy", "categorical_focal_crossentropy",
                  "categorical_hinge", "kl_divergence")
CLASS_INDEX_LOSSES = ("sparse_categorical_crossentropy",)
BINARY_LOSSES = ("binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge")
REGRESSION_LOSSES = ("mean_squared_error", "mean_absolute_error",
                     "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
                     "log_cosh", "huber", "poisson", "cosine_similarity")


class SpecError(ValueError):
    """A spec file or dict that cannot be read; the message is meant for the user."""


def _from_dict(cls, data: Any, where: str):
    """Build dataclass `cls` from `data`, refusing unknown keys and wrong value types."""
    if not isinstance(data, dict):
        raise SpecError(f"{where}: expected an object, received {type(data).__name__}.")
    names = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {', '.join(unknown)}. "
                        f"Known keys: {', '.join(names)}.")
    default = cls()
    kwargs = {}
    for key, value in data.items():
        expected = getattr(default, key)
        if isinstance(expected, bool):
            ok = isinstance(value, bool)
        elif isinstance(expected, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif isinstance(expected, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(expected, str):
            ok = isinstance(value, str)
        elif isinstance(expected, (list, dict)):
            ok = isinstance(value, type(expected))
        else:  # Optional fields default to None
            ok = value is None or isinstance(value, (str, int, float, list, dict))
        if not ok:
            raise SpecError(f"{where}.{key}: expected {type(expected).__name__}, "
                            f"received {value!r}.")
        kwargs[key] = copy.deepcopy(value)
    return cls(**kwargs)


@dataclass
class DataSpec:
    """How the CSV becomes training arrays.

    Args:
        source: dataset name (file name or sample name), for file names and the script.
        target: the column to predict.
        features: the input columns; empty means "all columns but the target".
        task: "auto" or one of TASKS.
        text: what to do with text feature columns: "onehot" or "drop".
        missing: "drop" rows, or impute with "mean" / "median" / "most_frequent".
        scaling: feature scaling, one of SCALINGS.
        scale_target: min-max scale a regression target (the model un-scales it).
        test_fraction: share of rows held out when no test CSV is given.
        split_seed: seed of the train/test split.
        test_source: name of a separate test CSV, "" when splitting.
    """

    source: str = ""
    target: str = ""
    features: list = field(default_factory=list)
    task: str = "auto"
    text: str = "onehot"
    missing: str = "median"
    scaling: str = "standard"
    scale_target: bool = False
    test_fraction: float = 0.2
    split_seed: int = 42
    test_source: str = ""


@dataclass
class InitializerSpec:
    """A Keras initializer by class name with the parameters the UI exposes."""

    name: str = "GlorotUniform"
    params: dict = field(default_factory=dict)
    seed: Any = None  # int or None


@dataclass
class RegularizerSpec:
    kind: str = "none"  # one of REGULARIZERS
    l1: float = 0.01
    l2: float = 0.01


def _new_uid() -> str:
    return uuid.uuid4().hex[:10]


@dataclass
class LayerSpec:
    """One layer of the stack. Only the fields of its `type` are serialised.

    `uid` names the layer for the editor's widget keys while it is moved around; it is never
    serialised and takes no part in comparisons.
    """

    type: str = "Dense"
    units: int = 16
    activation: str = "relu"
    use_bias: bool = True
    kernel_initializer: InitializerSpec = field(default_factory=InitializerSpec)
    bias_initializer: InitializerSpec = field(
        default_factory=lambda: InitializerSpec(name="Zeros"))
    kernel_regularizer: RegularizerSpec = field(default_factory=RegularizerSpec)
    bias_regularizer: RegularizerSpec = field(default_factory=RegularizerSpec)
    activity_regularizer: RegularizerSpec = field(default_factory=RegularizerSpec)
    rate: float = 0.2
    momentum: float = 0.99
    epsilon: float = 0.001
    uid: str = field(default_factory=_new_uid, compare=False, repr=False)

    FIELDS_BY_TYPE = {
        "Dense": ("units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                  "kernel_regularizer", "bias_regularizer", "activity_regularizer"),
        "Activation": ("activation",),
        "Dropout": ("rate",),
        "BatchNormalization": ("momentum", "epsilon"),
    }

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"type": self.type}
        for name in self.FIELDS_BY_TYPE.get(self.type, ()):
            value = getattr(self, name)
            out[name] = asdict(value) if hasattr(value, "__dataclass_fields__") else value
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "layer") -> LayerSpec:
        if not isinstance(data, dict):
            raise SpecError(f"{where}: expected an object, received {type(data).__name__}.")
        kind = data.get("type")
        if kind not in LAYER_TYPES:
            raise SpecError(f"{where}.type: expected one of {', '.join(LAYER_TYPES)}, "
                            f"received {kind!r}. LayerLab builds only these layer types "
                            "(no Lambda or custom code).")
        allowed = set(cls.FIELDS_BY_TYPE[kind]) | {"type"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise SpecError(f"{where}: unknown key(s) {', '.join(unknown)} for a {kind} layer.")
        nested = {"kernel_initializer": InitializerSpec, "bias_initializer": InitializerSpec,
                  "kernel_regularizer": RegularizerSpec, "bias_regularizer": RegularizerSpec,
                  "activity_regularizer": RegularizerSpec}
        flat = {k: v for k, v in data.items() if k not in nested}
        layer = _from_dict(_LayerScalars, flat, where)
        out = cls(**asdict(layer))
        for key, sub_cls in nested.items():
            if key in data:
                setattr(out, key, _from_dict(sub_cls, data[key], f"{where}.{key}"))
        return out


@dataclass
class _LayerScalars:
    """LayerSpec's scalar fields, for typed parsing."""

    type: str = "Dense"
    units: int = 16
    activation: str = "relu"
    use_bias: bool = True
    rate: float = 0.2
    momentum: float = 0.99
    epsilon: float = 0.001


@dataclass
class CompileSpec:
    """model.compile(...) settings.

    `options` holds the optimizer's own options (see OPTIMIZER_OPTIONS); clipnorm / clipvalue
    are 0 when off.
    """

    loss: str = "mean_squared_error"
    optimizer: str = "adam"
    learning_rate: float = 0.001
    options: dict = field(default_factory=dict)
    clipnorm: float = 0.0
    clipvalue: float = 0.0
    metrics: list = field(default_factory=list)


@dataclass
class FitSpec:
    """model.fit(...) settings plus the experiment's seed.

    validation: "split" holds out `validation_split` of the training rows; "test" uses the
    test set as validation data; "none" turns validation off.
    """

    epochs: int = 50
    batch_size: int = 32
    shuffle: bool = True
    validation: str = "split"
    validation_split: float = 0.2
    early_stopping: bool = False
    monitor: str = "val_loss"
    patience: int = 10
    restore_best_weights: bool = True
    seed: int = 42


@dataclass
class ExperimentSpec:
    version: int = SPEC_VERSION
    data: DataSpec = field(default_factory=DataSpec)
    layers: list = field(default_factory=list)  # list[LayerSpec]
    compile: CompileSpec = field(default_factory=CompileSpec)
    fit: FitSpec = field(default_factory=FitSpec)

    # ---- serialisation -------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "data": asdict(self.data),
            "layers": [layer.to_dict() for layer in self.layers],
            "compile": asdict(self.compile),
            "fit": asdict(self.fit),
        }

    def to_json(self) -> str:
        """Deterministic JSON: export → load → export is byte-identical."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> ExperimentSpec:
        if not isinstance(data, dict):
            raise SpecError("A LayerLab spec is a JSON object; this file holds "
                            f"a {type(data).__name__}.")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise SpecError("This is not a LayerLab spec: it has no integer 'version' field.")
        if version > SPEC_VERSION:
            raise SpecError(f"This spec is version {version}, newer than this LayerLab "
                            f"(reads up to version {SPEC_VERSION}). Update LayerLab to open it.")
        if version < 1:
            raise SpecError(f"Spec version {version} is not a LayerLab version (expected 1).")
        unknown = sorted(set(data) - {"version", "data", "layers", "compile", "fit"})
        if unknown:
            raise SpecError(f"spec: unknown key(s) {', '.join(unknown)}.")
        layers = data.get("layers", [])
        if not isinstance(layers, list):
            raise SpecError("spec.layers: expected a list of layers.")
        return cls(
            version=SPEC_VERSION,
            data=_from_dict(DataSpec, data.get("data", {}), "data"),
            layers=[LayerSpec.from_dict(x, f"layers[{i}]") for i, x in enumerate(layers)],
            compile=_from_dict(CompileSpec, data.get("compile", {}), "compile"),
            fit=_from_dict(FitSpec, data.get("fit", {}), "fit"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> ExperimentSpec:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SpecError(f"This file is not valid JSON ({exc}). Upload a spec downloaded "
                            "from LayerLab's model page.") from None
        except RecursionError:
            raise SpecError("This file nests too deeply to be a LayerLab spec.") from None
        return cls.from_dict(data)

    # ---- defaults from the task ----------------------------------------------------------
    @classmethod
    def default_for(cls, task: str, n_classes: int = 2, data: DataSpec | None = None,
                    ) -> ExperimentSpec:
        """A spec a newcomer can accept as is: two hidden relu layers and the right head."""
        spec = cls(data=copy.deepcopy(data) if data else DataSpec())
        spec.layers = [LayerSpec(type="Dense", units=64, activation="relu"),
                       LayerSpec(type="Dense", units=64, activation="relu"),
                       suggested_output(task, n_classes)]
        spec.compile = default_compile(task)
        return spec


def suggested_output(task: str, n_classes: int) -> LayerSpec:
    """The output layer the task needs: 1 linear, 1 sigmoid or N softmax units."""
    if task == "regression":
        return LayerSpec(type="Dense", units=1, activation="linear")
    if task == "binary":
        return LayerSpec(type="Dense", units=1, activation="sigmoid")
    return LayerSpec(type="Dense", units=max(n_classes, 2), activation="softmax")


def default_compile(task: str) -> CompileSpec:
    if task == "regression":
        return CompileSpec(loss="mean_squared_error", optimizer="adam", learning_rate=0.001,
                           metrics=["mean_absolute_error"])
    if task == "binary":
        return CompileSpec(loss="binary_crossentropy", optimizer="adam", learning_rate=0.001,
                           metrics=["accuracy"])
    return CompileSpec(loss="sparse_categorical_crossentropy", optimizer="adam",
                       learning_rate=0.001, metrics=["accuracy"])


# ---- validation ----------------------------------------------------------------------------

MAX_LAYERS = 50
MAX_UNITS = 4096
MAX_PARAMS = 5_000_000
MAX_EPOCHS = 10_000
MAX_BATCH_SIZE = 100_000
SIGMOID_LIKE = ("sigmoid", "hard_sigmoid", "sparse_sigmoid")
# Losses that read the output as class probabilities (softmax over the classes).
PROBABILITY_LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy",
                      "categorical_focal_crossentropy")
# Metrics that read one 0/1 label and one probability per row.
BINARY_METRICS = ("binary_accuracy", "precision", "recall", "auc", "binary_crossentropy",
                  "true_positives", "true_negatives", "false_positives", "false_negatives")
# Metrics that read class indices (the labels sparse_categorical_crossentropy trains on).
SPARSE_METRICS = ("sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
                  "sparse_categorical_crossentropy")
ONE_HOT_METRICS = ("categorical_accuracy",)
TASK_WORDS = {"regression": "a number to predict (regression)",
              "binary": "two classes (binary classification)",
              "multiclass": "several classes (multiclass classification)"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec.

    Args:
        where: the spec path at fault, e.g. "layers[2].units" or "compile.loss"; the page
            shows the message next to the control that edits it.
        message: what is wrong and how to fix it, in plain words.
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class DataInfo:
    """What validation needs to know about the prepared data.

    Args:
        task: "regression", "binary" or "multiclass".
        n_inputs: feature count after encoding (the model's input width).
        n_classes: number of classes (0 for regression).
    """

    task: str
    n_inputs: int
    n_classes: int = 0

    @classmethod
    def from_prepared(cls, prepared) -> DataInfo:
        """From a dataset.PreparedData."""
        return cls(task=prepared.task, n_inputs=int(prepared.n_inputs),
                   n_classes=int(prepared.n_classes))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _fmt(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _names(options) -> str:
    options = list(options)
    shown = ", ".join(options[:12])
    return shown + (", …" if len(options) > 12 else "")


def output_layer(layers: list) -> int | None:
    """Index of the output layer: the last Dense layer (None when there is none)."""
    for i in range(len(layers) - 1, -1, -1):
        if layers[i].type == "Dense":
            return i
    return None


def output_activation(layers: list) -> str:
    """The activation the model's output ends with (a later Activation layer overrides)."""
    index = output_layer(layers)
    if index is None:
        return "linear"
    chosen = layers[index].activation
    for later in layers[index + 1:]:
        if later.type == "Activation" and later.activation != "linear":
            chosen = later.activation
    return chosen


def _activation_where(layers: list) -> str:
    """The spec path of the activation that decides the output."""
    index = output_layer(layers)
    where = f"layers[{index}].activation"
    for i, later in enumerate(layers[index + 1:], start=index + 1):
        if later.type == "Activation" and later.activation != "linear":
            where = f"layers[{i}].activation"
    return where


def parameter_count(spec: ExperimentSpec, n_inputs: int) -> int:
    """Trainable + non-trainable weights of the layer stack (without the scaling layer).

    The same arithmetic as Keras' count_params, done without building the model.
    """
    width, total = n_inputs, 0
    for layer in spec.layers:
        if layer.type == "Dense" and _is_int(layer.units):
            total += width * layer.units + (layer.units if layer.use_bias else 0)
            width = layer.units
        elif layer.type == "BatchNormalization":
            total += 4 * width
    return total


def validate(spec: ExperimentSpec, info: DataInfo | None = None) -> list[Problem]:
    """Every problem that would stop `spec` from building or training well, at once.

    Names are checked against Keras' registries (gui.core.registry, imported here so that
    importing spec.py stays free of TensorFlow). Without `info` the checks that need the
    data (output width, loss against task) are skipped.

    Example:
        >>> [p.message for p in validate(spec, DataInfo("multiclass", 4, 3))]
        ['Received: units=0. Expected a positive whole number of neurons, e.g. 16.']
    """
    from gui.core import registry

    problems: list[Problem] = []
    add = lambda where, message: problems.append(Problem(where, message))  # noqa: E731
    problems += _validate_layers(spec.layers, registry)
    if info is not None:
        problems += head_problems(spec, info)
        if info.n_inputs < 1:
            add("data.features", "The data has no input columns after encoding. Choose at "
                                 "least one feature column on the Data page.")
        elif not any(p.where.startswith("layers") for p in problems):
            count = parameter_count(spec, info.n_inputs)
            if count > MAX_PARAMS:
                add("layers", f"The network has {count:,} weights; LayerLab trains at most "
                              f"{MAX_PARAMS:,}. Use fewer units or fewer layers.")
    problems += _validate_compile(spec.compile, info, spec.layers, registry)
    problems += _validate_fit(spec.fit, spec.compile)
    problems += _validate_data(spec.data)
    unique: list[Problem] = []
    for problem in problems:
        if problem not in unique:
            unique.append(problem)
    return unique


def is_valid(spec: ExperimentSpec, info: DataInfo | None = None) -> bool:
    """True when `validate` finds nothing: the spec may start training."""
    return not validate(spec, info)


def problems_at(problems: list[Problem], where: str) -> list[Problem]:
    """The problems about `where` itself or anything inside it (e.g. "layers[1]")."""
    return [p for p in problems
            if p.where == where or p.where.startswith((where + ".", where + "["))]


def _validate_layers(layers: list, registry) -> list[Problem]:
    out: list[Problem] = []
    add = lambda where, message: out.append(Problem(where, message))  # noqa: E731
    if not isinstance(layers, list) or not layers:
        add("layers", "The model has no layers. Add at least one Dense layer: the last one is "
                      "the output layer.")
        return out
    if len(layers) > MAX_LAYERS:
        add("layers", f"The model has {len(layers)} layers; LayerLab builds at most "
                      f"{MAX_LAYERS}. Remove some layers.")
    if output_layer(layers) is None:
        add("layers", "The model has no trainable layer: add a Dense layer (the last Dense "
                      "layer is the output layer).")
    activations = registry.activations()
    for i, layer in enumerate(layers):
        at = f"layers[{i}]"
        if layer.type not in LAYER_TYPES:
            add(f"{at}.type", f"Received: type={layer.type!r}. Expected one of "
                              f"{', '.join(LAYER_TYPES)}.")
            continue
        if layer.type == "Dense":
            if not _is_int(layer.units) or layer.units <= 0:
                add(f"{at}.units", f"Received: units={_fmt(layer.units)}. Expected a positive "
                                   "whole number of neurons, e.g. 16.")
            elif layer.units > MAX_UNITS:
                add(f"{at}.units", f"Received: units={layer.units}. LayerLab allows at most "
                                   f"{MAX_UNITS} units in a layer; use fewer.")
            if not isinstance(layer.use_bias, bool):
                add(f"{at}.use_bias", f"Received: use_bias={_fmt(layer.use_bias)}. Expected "
                                      "true or false.")
            out += _validate_initializer(layer.kernel_initializer,
                                         f"{at}.kernel_initializer", registry, bias=False)
            if layer.use_bias:
                out += _validate_initializer(layer.bias_initializer,
                                             f"{at}.bias_initializer", registry, bias=True)
            for name in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
                out += _validate_regularizer(getattr(layer, name), f"{at}.{name}")
        if layer.type in ("Dense", "Activation") and layer.activation not in activations:
            add(f"{at}.activation", f"Unknown activation {_fmt(layer.activation)}. Choose one "
                                    f"of Keras' activations: {_names(activations)}.")
        if layer.type == "Dropout" and not (_is_number(layer.rate) and 0 <= layer.rate < 1):
            add(f"{at}.rate", f"Received: rate={_fmt(layer.rate)}. Expected a number from 0 up "
                              "to (not including) 1: the share of inputs dropped, e.g. 0.2.")
        if layer.type == "BatchNormalization":
            if not (_is_number(layer.momentum) and 0 <= layer.momentum <= 1):
                add(f"{at}.momentum", f"Received: momentum={_fmt(layer.momentum)}. Expected a "
                                      "number between 0 and 1, e.g. 0.99.")
            if not (_is_number(layer.epsilon) and layer.epsilon > 0):
                add(f"{at}.epsilon", f"Received: epsilon={_fmt(layer.epsilon)}. Expected a "
                                     "small positive number, e.g. 0.001.")
    index = output_layer(layers)
    if index is not None:
        for i, later in enumerate(layers[index + 1:], start=index + 1):
            if later.type == "BatchNormalization":
                add(f"layers[{i}].type", "BatchNormalization after the output layer (the last "
                                         "Dense layer) changes the predictions' scale. Move it "
                                         "above the output layer.")
    return out


def _validate_initializer(init: InitializerSpec, at: str, registry, bias: bool,
                          ) -> list[Problem]:
    out: list[Problem] = []
    add = lambda where, message: out.append(Problem(where, message))  # noqa: E731
    known = registry.initializers()
    if init.name not in known:
        add(f"{at}.name", f"Unknown initializer {_fmt(init.name)}. Choose one of Keras' "
                          f"initializers: {_names(known)}.")
        return out
    if bias and init.name == "Orthogonal":
        add(f"{at}.name", "Orthogonal needs a 2-D weight matrix; a bias is a single row. Use "
                          "Zeros (the usual bias initializer) or Constant.")
    allowed = INITIALIZER_PARAMS.get(init.name, {})
    if not isinstance(init.params, dict):
        add(f"{at}.params", "Expected an object of parameter values.")
        return out
    for key, value in init.params.items():
        where = f"{at}.params.{key}"
        if key not in allowed:
            hint = (f"Its parameters: {', '.join(allowed)}." if allowed
                    else "It takes no parameters besides the seed.")
            add(where, f"{init.name} has no parameter {key!r}. {hint}")
        elif key == "mode" and value not in VARIANCE_SCALING_MODES:
            add(where, f"Received: mode={_fmt(value)}. Expected one of "
                       f"{', '.join(VARIANCE_SCALING_MODES)}.")
        elif key == "distribution" and value not in VARIANCE_SCALING_DISTRIBUTIONS:
            add(where, f"Received: distribution={_fmt(value)}. Expected one of "
                       f"{', '.join(VARIANCE_SCALING_DISTRIBUTIONS)}.")
        elif key not in ("mode", "distribution") and not _is_number(value):
            add(where, f"Received: {key}={_fmt(value)}. Expected a number.")
        elif key in ("stddev", "scale") and value <= 0:
            add(where, f"Received: {key}={value}. Expected a positive number, e.g. "
                       f"{allowed[key]}.")
    params = {**allowed, **init.params}
    if (init.name == "RandomUniform" and _is_number(params["minval"])
            and _is_number(params["maxval"]) and params["minval"] >= params["maxval"]):
        add(f"{at}.params.maxval", f"Received: minval={params['minval']}, maxval="
                                   f"{params['maxval']}. maxval must be larger than minval.")
    if init.seed is not None and (not _is_int(init.seed) or init.seed < 0):
        add(f"{at}.seed", f"Received: seed={_fmt(init.seed)}. Expected a whole number ≥ 0, or "
                          "empty to derive it from the experiment's seed.")
    return out


def _validate_regularizer(reg: RegularizerSpec, at: str) -> list[Problem]:
    if reg.kind not in REGULARIZERS:
        return [Problem(f"{at}.kind", f"Unknown regularizer {_fmt(reg.kind)}. Expected one of "
                                      f"{', '.join(REGULARIZERS)}.")]
    out = []
    for factor in ("l1", "l2"):
        if reg.kind in (factor, "l1l2"):
            value = getattr(reg, factor)
            if not (_is_number(value) and value >= 0):
                out.append(Problem(f"{at}.{factor}", f"Received: {factor}={_fmt(value)}. "
                                                     "Expected a factor ≥ 0, e.g. 0.01."))
    return out


def head_problems(spec: ExperimentSpec, info: DataInfo) -> list[Problem]:
    """The output layer, its activation and the loss checked against the task."""
    out: list[Problem] = []
    add = lambda where, message: out.append(Problem(where, message))  # noqa: E731
    layers, loss, task = spec.layers, spec.compile.loss, info.task
    index = output_layer(layers) if isinstance(layers, list) else None
    if task not in TASKS:
        return [Problem("data.task", f"Unknown task {task!r}. Expected one of "
                                     f"{', '.join(TASKS)}.")]
    if index is None or not _is_int(layers[index].units) or layers[index].units <= 0:
        units = None
    else:
        units = layers[index].units
    act = output_activation(layers) if index is not None else "linear"
    units_at = f"layers[{index}].units"
    act_at = _activation_where(layers) if index is not None else "layers"
    n = max(info.n_classes, 2)
    if units == 1 and act == "softmax":
        add(act_at, "softmax over 1 unit always outputs 1.0, so the model cannot learn. Use "
                    + {"regression": "linear for a number.",
                       "binary": "sigmoid for two classes (or 2 units with softmax).",
                       "multiclass": f"{n} units with softmax, one per class."}[task])
    if task == "regression":
        if loss in BINARY_LOSSES + CLASS_INDEX_LOSSES + ONE_HOT_LOSSES:
            add("compile.loss", f"{loss} is a classification loss, but the target is "
                                f"{TASK_WORDS[task]}. Use mean_squared_error or "
                                "mean_absolute_error.")
        if units is not None and units != 1:
            add(units_at, f"Received: units={units} on the output layer. A regression target "
                          "needs exactly 1 output unit (one number per row): set units=1.")
        return out
    if loss in REGRESSION_LOSSES:
        fix = ("binary_crossentropy (1 sigmoid unit)" if task == "binary"
               else "sparse_categorical_crossentropy")
        add("compile.loss", f"{loss} is a regression loss, but the target has "
                            f"{TASK_WORDS[task]}. Use {fix}.")
        if task == "multiclass" and units is not None and units != n:
            add(units_at, f"The output layer has {units} unit{'s' if units > 1 else ''}, but "
                          f"the target has {n} classes. Set units={n}: one unit per class.")
        return out
    if loss in BINARY_LOSSES:
        if task == "multiclass":
            add("compile.loss", f"{loss} is for two classes, but the target has {n} classes. "
                                "Use sparse_categorical_crossentropy with "
                                f"{n} softmax units.")
            return out
        if units is not None and units != 1:
            add(units_at, f"Received: units={units} on the output layer. {loss} needs 1 output "
                          "unit (the probability of the second class): set units=1 with "
                          "sigmoid, or use sparse_categorical_crossentropy with 2 units.")
        elif (loss in ("binary_crossentropy", "binary_focal_crossentropy") and index is not None
              and act not in SIGMOID_LIKE and act != "softmax"):
            add(act_at, f"Received: activation={act!r} on the output layer. {loss} expects a "
                        "probability between 0 and 1: use sigmoid.")
        return out
    if loss in CLASS_INDEX_LOSSES + ONE_HOT_LOSSES:
        if units is not None and units != n:
            if units == 1:
                add(units_at, f"{loss} with 1 output unit cannot work: it needs one unit per "
                              f"class. Set units={n} with softmax"
                              + (", or use binary_crossentropy with 1 sigmoid unit."
                                 if task == "binary" else "."))
            else:
                add(units_at, f"The output layer has {units} units, but the target has {n} "
                              f"classes. Set units={n}: one unit per class.")
        if loss in PROBABILITY_LOSSES and index is not None and act != "softmax" and units != 1:
            add(act_at, f"Received: activation={act!r} on the output layer. {loss} expects "
                        "class probabilities that sum to 1: use softmax.")
    return out


def _validate_compile(compile: CompileSpec, info: DataInfo | None, layers: list, registry,
                      ) -> list[Problem]:
    out: list[Problem] = []
    add = lambda where, message: out.append(Problem(where, message))  # noqa: E731
    losses = registry.losses()
    if compile.loss not in losses:
        add("compile.loss", f"Unknown loss {_fmt(compile.loss)}. Choose one of Keras' losses: "
                            f"{_names(losses)}.")
    if compile.optimizer not in OPTIMIZER_OPTIONS:
        add("compile.optimizer", f"Unknown optimizer {_fmt(compile.optimizer)}. Choose one of "
                                 f"{', '.join(OPTIMIZER_OPTIONS)}.")
    else:
        allowed = OPTIMIZER_OPTIONS[compile.optimizer]
        for key, value in compile.options.items():
            where = f"compile.options.{key}"
            if key not in allowed:
                add(where, f"{compile.optimizer} has no option {key!r}. Its options: "
                           f"{', '.join(allowed)}.")
            elif isinstance(allowed[key], bool):
                if not isinstance(value, bool):
                    add(where, f"Received: {key}={_fmt(value)}. Expected true or false.")
            elif not _is_number(value):
                add(where, f"Received: {key}={_fmt(value)}. Expected a number.")
            elif key in ("momentum", "beta_1", "beta_2", "rho") and not 0 <= value < 1:
                add(where, f"Received: {key}={value}. Expected a number from 0 up to (not "
                           f"including) 1, e.g. {allowed[key] or 0.9}.")
            elif key == "learning_rate_power" and value > 0:
                add(where, f"Received: {key}={value}. Expected a number ≤ 0, e.g. -0.5.")
            elif key not in ("momentum", "beta_1", "beta_2", "rho",
                             "learning_rate_power") and value < 0:
                add(where, f"Received: {key}={value}. Expected a number ≥ 0.")
    if not (_is_number(compile.learning_rate) and compile.learning_rate > 0):
        add("compile.learning_rate", f"Received: learning_rate={_fmt(compile.learning_rate)}. "
                                     "Expected a positive number, e.g. 0.001.")
    for name in ("clipnorm", "clipvalue"):
        value = getattr(compile, name)
        if not (_is_number(value) and value >= 0):
            add(f"compile.{name}", f"Received: {name}={_fmt(value)}. Expected a number ≥ 0 "
                                   "(0 turns clipping off).")
    out += _validate_metrics(compile, info, layers, registry)
    return out


def _validate_metrics(compile: CompileSpec, info: DataInfo | None, layers: list, registry,
                      ) -> list[Problem]:
    out: list[Problem] = []
    add = lambda message: out.append(Problem("compile.metrics", message))  # noqa: E731
    if not isinstance(compile.metrics, list):
        return [Problem("compile.metrics", "Expected a list of metric names.")]
    every = {}
    for task in TASKS:
        every.update(registry.metrics(task))
    index = output_layer(layers) if isinstance(layers, list) else None
    units = layers[index].units if index is not None else None
    seen = set()
    for metric in compile.metrics:
        if not isinstance(metric, str):
            add(f"Received: metric {_fmt(metric)}. Expected a metric name such as "
                "'accuracy'.")
            continue
        if metric in seen:
            add(f"The metric {metric!r} is listed twice. Keep it once.")
            continue
        seen.add(metric)
        if metric not in every:
            add(f"Unknown metric {_fmt(metric)}. Choose from: {_names(every)}.")
            continue
        if info is not None and info.task in TASKS:
            fits = registry.metrics(info.task)
            if metric not in fits and not (info.task == "binary" and metric in SPARSE_METRICS
                                           and units != 1):
                add(f"The metric {metric} does not fit {TASK_WORDS[info.task]}. Choose from: "
                    f"{', '.join(fits)}.")
                continue
        if metric in ONE_HOT_METRICS and compile.loss not in ONE_HOT_LOSSES:
            add(f"{metric} compares one-hot labels, so it needs a one-hot loss such as "
                f"categorical_crossentropy; with {compile.loss} use accuracy (or "
                "sparse_categorical_accuracy).")
        elif metric in SPARSE_METRICS and compile.loss in ONE_HOT_LOSSES:
            add(f"{metric} reads class indices, but {compile.loss} trains on one-hot labels. "
                "Use accuracy or categorical_accuracy.")
        elif metric in BINARY_METRICS and _is_int(units) and units != 1:
            add(f"{metric} needs 1 output unit (a probability per row), but the output layer "
                f"has {units}. Use accuracy instead, or a 1-unit sigmoid output.")
    return out


def _validate_fit(fit: FitSpec, compile: CompileSpec) -> list[Problem]:
    out: list[Problem] = []
    add = lambda where, message: out.append(Problem(where, message))  # noqa: E731
    if not _is_int(fit.epochs) or fit.epochs <= 0:
        add("fit.epochs", f"Received: epochs={_fmt(fit.epochs)}. Expected a positive whole "
                          "number of passes over the training data, e.g. 50.")
    elif fit.epochs > MAX_EPOCHS:
        add("fit.epochs", f"Received: epochs={fit.epochs}. LayerLab trains at most "
                          f"{MAX_EPOCHS:,} epochs; use early stopping for long runs.")
    if not _is_int(fit.batch_size) or fit.batch_size <= 0:
        add("fit.batch_size", f"Received: batch_size={_fmt(fit.batch_size)}. Expected a "
                              "positive whole number of rows per step, e.g. 32.")
    elif fit.batch_size > MAX_BATCH_SIZE:
        add("fit.batch_size", f"Received: batch_size={fit.batch_size}. Expected at most "
                              f"{MAX_BATCH_SIZE:,}.")
    if fit.validation not in VALIDATION_MODES:
        add("fit.validation", f"Unknown validation mode {_fmt(fit.validation)}. Expected one "
                              f"of {', '.join(VALIDATION_MODES)}.")
    if fit.validation == "split" and not (_is_number(fit.validation_split)
                                          and 0 < fit.validation_split < 1):
        add("fit.validation_split", f"Received: validation_split={_fmt(fit.validation_split)}."
                                    " Expected a share strictly between 0 and 1, e.g. 0.2.")
    if fit.early_stopping:
        if not _is_int(fit.patience) or fit.patience < 0:
            add("fit.patience", f"Received: patience={_fmt(fit.patience)}. Expected a whole "
                                "number of epochs ≥ 0, e.g. 10.")
        names = ["loss"] + [m for m in compile.metrics if isinstance(m, str)]
        allowed = names + [f"val_{m}" for m in names]
        if fit.monitor not in allowed:
            add("fit.monitor", f"Early stopping cannot watch {_fmt(fit.monitor)}. Choose one "
                               f"of {', '.join(allowed)}.")
        elif fit.monitor.startswith("val_") and fit.validation == "none":
            add("fit.monitor", f"Early stopping watches {fit.monitor}, but validation is off. "
                               "Turn validation on, or watch loss.")
    if not _is_int(fit.seed) or fit.seed < 0:
        add("fit.seed", f"Received: seed={_fmt(fit.seed)}. Expected a whole number ≥ 0.")
    return out


def _validate_data(data: DataSpec) -> list[Problem]:
    out = []
    for name, allowed in (("task", TASKS + ("auto",)), ("scaling", SCALINGS),
                          ("missing", MISSING), ("text", TEXT_HANDLING)):
        value = getattr(data, name)
        if value not in allowed:
            out.append(Problem(f"data.{name}", f"Unknown {name} option {_fmt(value)}. Expected "
                                               f"one of {', '.join(allowed)}."))
    if not (_is_number(data.test_fraction) and 0 < data.test_fraction < 1):
        out.append(Problem("data.test_fraction", f"Received: test_fraction="
                                                 f"{_fmt(data.test_fraction)}. Expected a share "
                                                 "strictly between 0 and 1, e.g. 0.2."))
    return out


# ---- editing helpers (pure: they return a new spec) ----------------------------------------

def suggested_loss(task: str, layers: list | None = None) -> str:
    """The loss that fits `task` and the output layer (2 softmax units → sparse CE)."""
    if task == "binary" and layers:
        index = output_layer(layers)
        if index is not None and layers[index].units == 2:
            return "sparse_categorical_crossentropy"
    return default_compile(task).loss


def with_suggested_output(spec: ExperimentSpec, info: DataInfo) -> ExperimentSpec:
    """The last Dense layer set to the task's output (units, activation), layers after it
    removed; its initializers and regularizers are kept. Appends one when there is none."""
    out = copy.deepcopy(spec)
    suggestion = suggested_output(info.task, info.n_classes)
    index = output_layer(out.layers)
    if index is None:
        out.layers.append(suggestion)
    else:
        out.layers = out.layers[:index + 1]
        out.layers[index] = replace(out.layers[index], units=suggestion.units,
                                    activation=suggestion.activation, uid=_new_uid())
    return out


def with_suggested_compile(spec: ExperimentSpec, info: DataInfo) -> ExperimentSpec:
    """Loss and metrics that fit the task and the output layer; the optimizer is kept."""
    out = copy.deepcopy(spec)
    out.compile.loss = suggested_loss(info.task, out.layers)
    out.compile.metrics = list(default_compile(info.task).metrics)
    return out


def follow_task(spec: ExperimentSpec, old: DataInfo | None, new: DataInfo,
                layers_edited: bool = False, compile_edited: bool = False,
                ) -> tuple[ExperimentSpec, list[str]]:
    """The spec after the data's task or class count changed from `old` to `new`.

    What the user has not edited follows the new task's defaults; an edited stack keeps its
    hidden layers and only swaps an output layer that was the old suggestion. Returns the
    new spec and notes saying what changed.
    """
    if old is not None and (old.task, old.n_classes) == (new.task, new.n_classes):
        return spec, []
    out = copy.deepcopy(spec)
    defaults = ExperimentSpec.default_for(new.task, new.n_classes)
    notes = []
    if not layers_edited or not out.layers:
        out.layers = defaults.layers
    else:
        index = output_layer(out.layers)
        suggestion = suggested_output(new.task, new.n_classes)
        previous = suggested_output(old.task, old.n_classes) if old else None
        current = out.layers[index] if index is not None else None
        if current is not None and previous is not None and (
                (current.units, current.activation) == (previous.units, previous.activation)
                and (current.units, current.activation) != (suggestion.units,
                                                            suggestion.activation)):
            out.layers[index] = replace(current, units=suggestion.units,
                                        activation=suggestion.activation, uid=_new_uid())
            notes.append(f"Output layer changed to Dense({suggestion.units}, "
                         f"{suggestion.activation}) for the new target.")
    if not compile_edited:
        out.compile = defaults.compile
        if new.task == "binary":
            out.compile.loss = suggested_loss(new.task, out.layers)
    return out, notes
