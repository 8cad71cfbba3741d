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
from dataclasses import asdict, dataclass, field, fields
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
INITIALIZER_PARAMS: dict[str, dict[str, float]] = {
    "Constant": {"value": 0.0},
    "RandomNormal": {"mean": 0.0, "stddev": 0.05},
    "TruncatedNormal": {"mean": 0.0, "stddev": 0.05},
    "RandomUniform": {"minval": -0.05, "maxval": 0.05},
    "VarianceScaling": {"scale": 1.0},
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
    missing: str = "drop"
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


@dataclass
class LayerSpec:
    """One layer of the stack. Only the fields of its `type` are serialised."""

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
