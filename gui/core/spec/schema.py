"""The experiment spec: one serialisable description of a whole LayerLab experiment.

Everything the user chooses — data preparation, the layer stack, compile and fit settings,
the seed — lives here as typed dataclasses of plain JSON values with defaults. Widgets edit
the spec, `build` turns it into a Keras model, `export` writes it beside the model. Reading a
spec file checks every value against the declared field types, so a hand-edited file with a
wrong type is refused by name. Checking the values themselves is validate.py's job; what a
task implies (output layer, loss) is heads.py's.

Example:
    spec = heads.default_spec("multiclass", n_classes=3)
    text = spec.to_json()
    assert ExperimentSpec.from_json(text) == spec

This module imports neither Keras nor Streamlit, so the data page stays fast.
"""

from __future__ import annotations

import functools
import json
import types
import typing
import uuid
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any

from gui.core.spec.layer_kinds import kind_of
from gui.core.spec.vocabulary import (
    BIAS_INITIALIZER,
    DEFAULT_OPTIMIZER,
    KERNEL_INITIALIZER,
    LAYER_DEFAULTS,
    LAYER_TYPES,
    OPTIMIZERS,
    SCALE_REGRESSION_TARGET,
)

# 2: DataSpec records the training file's delimiter and encoding.
# 3: DataSpec records the header choice, the spreadsheet sheet and the column roles;
#    FitSpec.snapshots switches the per-epoch weight snapshots (default on).
# Older files still load (new fields take their defaults).
SPEC_VERSION = 3
FIX_FILE = "Correct it in the file, or load a spec downloaded from LayerLab."


class SpecError(ValueError):
    """A spec file or dict that cannot be read; the message is meant for the user."""


@dataclass
class DataSpec:
    """How the table becomes training arrays.

    Args:
        source: dataset name (file name or sample name), for file names and the script.
        target: the column to predict.
        features: the input columns; empty means "all columns but the target".
        task: "auto" or one of vocabulary.TASKS.
        text: what to do with text feature columns (vocabulary.TEXT_HANDLING).
        missing: drop rows, or impute (vocabulary.MISSING).
        scaling: feature scaling (vocabulary.SCALINGS).
        scale_target: standardise a regression target (the model un-scales it); on by
            default (vocabulary.SCALE_REGRESSION_TARGET).
        test_fraction: share of rows held out when no test file is given.
        split_seed: seed of the train/test split.
        test_source: name of a separate test file, "" when splitting.
        delimiter: the training file's column separator, as read.
        encoding: the training file's text encoding, as read.
        header: does the file's first row name the columns: "auto" (detect), "yes" or "no"
            (vocabulary.HEADER_CHOICES).
        sheet: the spreadsheet's sheet read ("" = the first), for .xlsx files.
        categorical: numeric columns treated as categories (codes 1/2/3, zip codes).
    """

    source: str = ""
    target: str = ""
    features: list[str] = field(default_factory=list)
    task: str = "auto"
    text: str = "onehot"
    missing: str = "median"
    scaling: str = "standard"
    scale_target: bool = SCALE_REGRESSION_TARGET
    test_fraction: float = 0.2
    split_seed: int = 42
    test_source: str = ""
    delimiter: str = ","
    encoding: str = "utf-8"
    header: str = "auto"
    sheet: str = ""
    categorical: list[str] = field(default_factory=list)


@dataclass
class InitializerSpec:
    """A Keras initializer by class name with the parameters the UI exposes."""

    name: str = KERNEL_INITIALIZER
    params: dict[str, float | str] = field(default_factory=dict)
    seed: int | None = None


@dataclass
class RegularizerSpec:
    kind: str = "none"  # one of vocabulary.REGULARIZERS
    l1: float = 0.01
    l2: float = 0.01


def new_uid() -> str:
    return uuid.uuid4().hex[:10]


@dataclass
class LayerSpec:
    """One layer of the stack. Only the fields of its `type` are serialised
    (vocabulary.LAYER_TYPES[type].fields).

    `uid` names the layer for the editor's widget keys while it is moved around; it is never
    serialised and takes no part in comparisons.
    """

    type: str = "Dense"
    units: int = LAYER_DEFAULTS["units"]
    activation: str = LAYER_DEFAULTS["activation"]
    use_bias: bool = LAYER_DEFAULTS["use_bias"]
    kernel_initializer: InitializerSpec = field(default_factory=InitializerSpec)
    bias_initializer: InitializerSpec = field(
        default_factory=lambda: InitializerSpec(name=BIAS_INITIALIZER))
    kernel_regularizer: RegularizerSpec = field(default_factory=RegularizerSpec)
    bias_regularizer: RegularizerSpec = field(default_factory=RegularizerSpec)
    activity_regularizer: RegularizerSpec = field(default_factory=RegularizerSpec)
    rate: float = LAYER_DEFAULTS["rate"]
    momentum: float = LAYER_DEFAULTS["momentum"]
    epsilon: float = LAYER_DEFAULTS["epsilon"]
    uid: str = field(default_factory=new_uid, compare=False, repr=False)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"type": self.type}
        kind = LAYER_TYPES.get(self.type)
        for name in kind.fields if kind else ():
            value = getattr(self, name)
            out[name] = asdict(value) if is_dataclass(value) else value
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "layer") -> LayerSpec:
        if not isinstance(data, dict):
            raise SpecError(f"{where}: Expected an object (a layer). Received: "
                            f"{_kind_of(data)}. {FIX_FILE}")
        kind = data.get("type")
        if kind not in LAYER_TYPES:
            raise SpecError(f"{where}.type: Expected one of {', '.join(LAYER_TYPES)}. "
                            f"Received: {kind!r}. LayerLab builds only these layer types "
                            "(no Lambda or custom code).")
        allowed = set(LAYER_TYPES[kind].fields) | {"type"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise SpecError(f"{where}: Expected only the keys of a {kind} layer "
                            f"({', '.join(sorted(allowed))}). Received: unknown key(s) "
                            f"{', '.join(unknown)} for a {kind} layer. {FIX_FILE}")
        return _from_dict(cls, data, where)


@dataclass
class CompileSpec:
    """model.compile(...) settings.

    `options` holds the optimizer's own options (vocabulary.OPTIMIZERS[...].options);
    clipnorm / clipvalue are 0 when off.
    """

    loss: str = "mean_squared_error"
    optimizer: str = DEFAULT_OPTIMIZER
    learning_rate: float = OPTIMIZERS[DEFAULT_OPTIMIZER].learning_rate
    options: dict[str, float | bool] = field(default_factory=dict)
    clipnorm: float = 0.0
    clipvalue: float = 0.0
    metrics: list[str] = field(default_factory=list)


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
    snapshots: bool = True  # record the weights after every epoch (the Inside page's views)


@dataclass
class ExperimentSpec:
    version: int = SPEC_VERSION
    data: DataSpec = field(default_factory=DataSpec)
    layers: list[LayerSpec] = field(default_factory=list)
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
            raise SpecError("Expected a JSON object (a LayerLab spec). Received: "
                            f"{_kind_of(data)}. Load a spec downloaded from LayerLab.")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise SpecError("Expected a LayerLab spec with an integer 'version' field. Received: "
                            "a file with no integer 'version' (not a LayerLab spec). Load a "
                            "spec downloaded from LayerLab's model page.")
        if version > SPEC_VERSION:
            raise SpecError(f"Expected a spec of version {SPEC_VERSION} or older. Received: "
                            f"version {version}, newer than this LayerLab. Update LayerLab to "
                            "open it.")
        if version < 1:
            raise SpecError(f"Expected a spec version from 1 to {SPEC_VERSION}. Received: "
                            f"version {version}, which is not a LayerLab version. {FIX_FILE}")
        # An older file is read into the current version's fields (new ones get defaults).
        return _from_dict(cls, {**data, "version": SPEC_VERSION}, "spec")

    @classmethod
    def from_json(cls, text: str | bytes) -> ExperimentSpec:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SpecError(f"Expected a JSON file. Received: a file that is not valid JSON "
                            f"({exc}). Upload a spec downloaded from LayerLab's model "
                            "page.") from None
        except RecursionError:
            raise SpecError("Expected a LayerLab spec. Received: a file that nests too deeply "
                            "to be one. Upload a spec downloaded from LayerLab's model "
                            "page.") from None
        return cls.from_dict(data)


# ---- reading typed values ------------------------------------------------------------------

def _kind_of(value: Any) -> str:
    """A JSON value's kind and the value itself, e.g. "text '64'" or "a list"."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, (int, float)):
        return f"{value!r} ({'a whole number' if isinstance(value, int) else 'a decimal'})"
    if value is None:
        return "null"
    return {dict: "an object", list: "a list"}.get(type(value), type(value).__name__)


def _expected(hint: Any) -> str:
    """A type annotation in words: int → 'a whole number', list[str] → 'a list of text'."""
    if hint is bool:
        return "true or false"
    if hint is int:
        return "a whole number"
    if hint is float:
        return "a number"
    if hint is str:
        return "text"
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        words = [_expected(a) for a in args if a is not type(None)]
        return " or ".join(words + (["null"] if type(None) in args else []))
    if origin is list:
        return f"a list of {_expected(args[0]).removeprefix('a ')}"
    return "an object"  # a dict or a nested dataclass


def _parse(hint: Any, value: Any, where: str) -> Any:
    """`value` checked against the annotation `hint` (ints accepted for floats)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if is_dataclass(hint):
        if hint is LayerSpec:
            return LayerSpec.from_dict(value, where)
        return _from_dict(hint, value, where)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in args:
            try:
                return _parse(arg, value, where)
            except SpecError:
                continue
    elif origin is list and isinstance(value, list):
        return [_parse(args[0], item, f"{where}[{i}]") for i, item in enumerate(value)]
    elif origin is dict and isinstance(value, dict):
        return {str(k): _parse(args[1], v, f"{where}.{k}") for k, v in value.items()}
    elif hint is bool and isinstance(value, bool):
        return value
    elif hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    elif hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    elif hint is str and isinstance(value, str):
        return value
    raise SpecError(f"{where}: Expected {_expected(hint)}. Received: {_kind_of(value)}. "
                    f"{FIX_FILE}")


def _from_dict(cls, data: Any, where: str):
    """Build dataclass `cls` from `data`, refusing unknown keys and values of the wrong type."""
    if not isinstance(data, dict):
        raise SpecError(f"{where}: Expected an object. Received: {_kind_of(data)}. "
                        f"{FIX_FILE}")
    hints, names = _shape(cls)
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise SpecError(f"{where}: Expected only the keys {', '.join(names)}. Received: "
                        f"unknown key(s) {', '.join(unknown)}. {FIX_FILE}")
    # The spec's own sections are named as validation names them: "layers[1].units".
    inner = (lambda key: key) if where == "spec" else (lambda key: f"{where}.{key}")
    # _parse builds new lists, dicts and dataclasses: nothing of `data` is shared.
    kwargs = {key: _parse(hints[key], value, inner(key)) for key, value in data.items()}
    return cls(**kwargs)


@functools.cache
def _shape(cls) -> tuple[dict, list[str]]:
    """A spec dataclass's field types and serialised names (read once per class: resolving
    the annotations is most of the cost of reading a spec)."""
    return typing.get_type_hints(cls), [f.name for f in fields(cls) if f.name != "uid"]


# ---- questions about the layer stack -------------------------------------------------------

def output_layer(layers: list) -> int | None:
    """Index of the output layer: the last layer that learns, i.e. the last Dense layer
    (None when there is none)."""
    for i in range(len(layers) - 1, -1, -1):
        if kind_of(layers[i]).learns:
            return i
    return None


def output_activation(layers: list) -> str:
    """The activation the model's output ends with (a later Activation layer overrides)."""
    index = output_layer(layers)
    if index is None:
        return "linear"
    chosen = layers[index].activation
    for later in layers[index + 1:]:
        if kind_of(later).has_activation and later.activation != "linear":
            chosen = later.activation
    return chosen


def parameter_count(spec: ExperimentSpec, n_inputs: int) -> int:
    """Trainable + non-trainable weights of the layer stack (without the scaling layer).

    The same arithmetic as Keras' count_params, done without building the model.
    """
    width, total = n_inputs, 0
    for layer in spec.layers:
        count, width = kind_of(layer).count(layer, width)
        total += count
    return total
