"""One home per layer kind: what each layer LayerLab offers is, builds, writes and says.

A `LayerKind` row joins vocabulary.LAYER_TYPES' row (the spec fields, label and help) to its
behaviour: the limits of its numeric fields, the Keras call it becomes (`call`), how it counts
weights and how it is summarised in one line. The model builder (build.py) and the script
generator (codegen.py) both start from the same `Call` — class plus keyword arguments — so
the built model and the written script cannot disagree: build.make(call) passes the kwargs to
Keras, `Call.source()` writes them as `keras.<module>.<Class>(key=repr(value), ...)`.
Regularizers (`regularizer_call`) and optimizers (`optimizer_call`, by vocabulary's
`keras_class`) work the same way. The fitted scaling layers have their rows here too.

Example:
    >>> from gui.core.spec.schema import LayerSpec
    >>> layer = LayerSpec(type="Dense", units=16, activation="relu")
    >>> kind_of(layer).call(layer).source()
    "keras.layers.Dense(units=16, activation='relu')"
    >>> kind_of(layer).summary(kind_of(layer).values(layer))
    'Dense(16, relu)'

It describes; it never imports Keras or Streamlit (gui.core.model.build makes the objects).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gui.core.spec.vocabulary import (
    BIAS_INITIALIZER,
    KERNEL_INITIALIZER,
    LAYER_DEFAULTS,
    LAYER_TYPES,
    OPTIMIZERS,
    SCALINGS,
    UNSEEDED_INITIALIZERS,
    LayerType,
)

# ---- a Keras call, built or written --------------------------------------------------------

@dataclass(frozen=True)
class Call:
    """`keras.<module>.<name>(**kwargs)`; a kwarg's value may itself be a Call."""

    module: str   # "layers", "initializers", "regularizers", "optimizers"
    name: str     # the Keras class
    kwargs: dict[str, Any] = field(default_factory=dict)

    def source(self) -> str:
        """The same call as Python source; values are written with repr()."""
        if not self.name.isidentifier() or not all(k.isidentifier() for k in self.kwargs):
            raise ValueError(f"Unknown Keras name {self.name!r}.")  # validate() catches it
        args = ", ".join(f"{k}={v.source() if isinstance(v, Call) else repr(v)}"
                         for k, v in self.kwargs.items())
        return f"keras.{self.module}.{self.name}({args})"


def initializer_call(spec, default: str, seed: int | None = None) -> Call | None:
    """An InitializerSpec as a Call (None when it is Keras' default with nothing to pass).

    `seed` (the experiment's) is used when the initializer has none of its own."""
    kwargs = dict(spec.params)
    if spec.name not in UNSEEDED_INITIALIZERS:
        chosen = spec.seed if spec.seed is not None else seed
        if chosen is not None:
            kwargs["seed"] = int(chosen)
    if spec.name == default and not kwargs:
        return None
    return Call("initializers", spec.name, kwargs)


# vocabulary.REGULARIZERS' kinds: the Keras class and the RegularizerSpec fields it takes.
REGULARIZER_CLASSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "l1": ("L1", ("l1",)), "l2": ("L2", ("l2",)), "l1l2": ("L1L2", ("l1", "l2"))}
REGULARIZED = ("kernel_regularizer", "bias_regularizer", "activity_regularizer")


def regularizer_call(spec) -> Call | None:
    """A RegularizerSpec as a Call (None for "none")."""
    if spec.kind not in REGULARIZER_CLASSES:
        return None
    cls, names = REGULARIZER_CLASSES[spec.kind]
    return Call("regularizers", cls, {name: getattr(spec, name) for name in names})


def optimizer_call(compile) -> Call:
    """A CompileSpec's optimizer: vocabulary's `keras_class`, the learning rate, the options
    that differ from Keras' defaults, and gradient clipping when on."""
    row = OPTIMIZERS[compile.optimizer]
    kwargs: dict[str, Any] = {"learning_rate": compile.learning_rate}
    kwargs.update({k: v for k, v in compile.options.items()
                   if k in row.options and v != row.options[k].default})
    for name in ("clipnorm", "clipvalue"):
        if getattr(compile, name) > 0:
            kwargs[name] = getattr(compile, name)
    return Call("optimizers", row.keras_class, kwargs)


# ---- the layer kinds -----------------------------------------------------------------------

@dataclass(frozen=True)
class Limit:
    """The values a numeric field may take, and what a problem message says about it
    (`expected` may name {default}, the field's LAYER_DEFAULTS value)."""

    allows: Callable[[float], bool]
    expected: str
    fix: str


@dataclass(frozen=True)
class LayerKind:
    """One layer kind. `kwargs(spec, seed)` gives the Keras arguments (non-default only).

    learns: it holds the weights that train (units, bias, initializers, regularizers); the
        last such layer is the output layer.
    summary_fields: the fields its one-line summary names, in order.
    before_output: it must stay above the output layer (it would rescale the predictions).
    training_only: it acts only while training (drawn dashed).
    """

    row: LayerType
    kwargs: Callable[[Any, int | None], dict[str, Any]]
    count: Callable[[Any, int], tuple[int, int]] = lambda spec, width: (0, width)
    learns: bool = False
    limits: dict[str, Limit] = field(default_factory=dict)
    summary_fields: tuple[str, ...] = ()
    before_output: bool = False
    training_only: bool = False

    @property
    def name(self) -> str:
        return self.row.value

    @property
    def fields(self) -> tuple[str, ...]:
        return self.row.fields

    @property
    def has_activation(self) -> bool:
        return "activation" in self.row.fields

    def values(self, spec) -> dict[str, Any]:
        """{field: value} of a LayerSpec of this kind."""
        return {name: getattr(spec, name) for name in self.fields}

    def call(self, spec, seed: int | None = None, name: str | None = None) -> Call:
        """The Keras layer as a Call; build passes `seed` and `name`, the script neither."""
        kwargs = self.kwargs(spec, seed)
        return Call("layers", self.name, {**kwargs, "name": name} if name else kwargs)

    def summary(self, values: Mapping[str, Any]) -> str:
        """"Dense(64, relu)", "Dropout(0.2)", "BatchNormalization" (values exact)."""
        words = [str(values.get(name)) for name in self.summary_fields]
        return f"{self.name}({', '.join(words)})" if words else self.name

    def label(self, values: Mapping[str, Any]) -> str:
        """"Dense 64 · relu", "Dropout 0.2", "BatchNormalization": a diagram's label, from a
        LayerSpec's `values()` or a Keras layer's get_config()."""
        words = [f"{v:g}" if isinstance(v, float) else str(v)
                 for v in (values.get(name) for name in self.summary_fields)]
        return f"{self.name} {' · '.join(words)}" if words else self.name


def _dense(spec, seed):
    out: dict[str, Any] = {"units": spec.units, "activation": spec.activation}
    if not spec.use_bias:
        out["use_bias"] = False
    kernel = initializer_call(spec.kernel_initializer, KERNEL_INITIALIZER, seed)
    if kernel:
        out["kernel_initializer"] = kernel
    bias = initializer_call(spec.bias_initializer, BIAS_INITIALIZER, seed) \
        if spec.use_bias else None
    if bias:
        out["bias_initializer"] = bias
    for name in REGULARIZED:
        regularizer = regularizer_call(getattr(spec, name))
        if regularizer and not (name == "bias_regularizer" and not spec.use_bias):
            out[name] = regularizer
    return out


def _dense_count(spec, width):
    if not isinstance(spec.units, int) or isinstance(spec.units, bool):
        return 0, width
    return width * spec.units + (spec.units if spec.use_bias else 0), spec.units


def _non_default(*names):
    return lambda spec, seed: {k: getattr(spec, k) for k in names
                               if getattr(spec, k) != LAYER_DEFAULTS[k]}


def _dropout(spec, seed):
    return {"rate": spec.rate} if seed is None else {"rate": spec.rate, "seed": seed}


KINDS: dict[str, LayerKind] = {kind.name: kind for kind in (
    LayerKind(LAYER_TYPES["Dense"], _dense, _dense_count, learns=True,
              summary_fields=("units", "activation")),
    LayerKind(LAYER_TYPES["Activation"], lambda spec, seed: {"activation": spec.activation},
              summary_fields=("activation",)),
    LayerKind(LAYER_TYPES["Dropout"], _dropout, summary_fields=("rate",), training_only=True,
              limits={"rate": Limit(lambda x: 0 <= x < 1, "a number from 0 up to (not "
                                    "including) 1: the share of inputs dropped, e.g. {default}",
                                    "Set rate within that range.")}),
    LayerKind(LAYER_TYPES["BatchNormalization"], _non_default("momentum", "epsilon"),
              lambda spec, width: (4 * width, width), before_output=True,
              limits={"momentum": Limit(lambda x: 0 <= x <= 1,
                                        "a number between 0 and 1, e.g. {default}",
                                        "Set momentum within that range."),
                      "epsilon": Limit(lambda x: x > 0, "a small positive number, e.g. "
                                       "{default}", "Set epsilon above 0.")}),
)}


def _unknown(spec, seed):
    raise ValueError(f"Unknown layer type {spec.type!r}.")


def kind_of(layer) -> LayerKind:
    """The kind of a LayerSpec (or of a type name such as a Keras class name). An unknown
    type gets a kind that learns nothing, has no fields and cannot be built."""
    name = layer if isinstance(layer, str) else layer.type
    return KINDS.get(name) or LayerKind(LayerType(name, name), _unknown)


# ---- the fitted scaling layers -------------------------------------------------------------

@dataclass(frozen=True)
class ScalingLayer:
    """A Keras layer that holds a fitted scaling (vocabulary.SCALINGS' `keras_layer`).

    band: the network view's words; note: the model diagram's second line."""

    name: str
    band: str
    note: str
    kwargs: Callable[[dict], dict[str, Any]]


SCALING_LAYERS: dict[str, ScalingLayer] = {row.name: row for row in (
    ScalingLayer("Normalization", "scaling", "fitted scaling",
                 lambda fitted: {"mean": np.array(fitted["mean"]),
                                 "variance": np.array(fitted["variance"])}),
    ScalingLayer("UnitNormalization", "scaling (L2 rows)", "rows to length 1",
                 lambda fitted: {"axis": -1}),
)}

# How the script fits each scaling and makes its layer (named `scaling`; None: no layer).
SCALING_SCRIPT: dict[str, tuple[str, ...]] = {
    "none": ("scaling = None  # no feature scaling",),
    "standard": ("scaler = StandardScaler().fit(X_train)",
                 "scaling = keras.layers.Normalization(mean=scaler.mean_, "
                 "variance=scaler.scale_ ** 2)"),
    "minmax": ("scaler = MinMaxScaler().fit(X_train)",
               "span = np.where(scaler.data_range_ > 0, scaler.data_range_, 1.0)",
               "# (x - min) / (max - min), written as a Normalization layer",
               "scaling = keras.layers.Normalization(mean=scaler.data_min_, "
               "variance=span ** 2)"),
    "l2": ("scaling = keras.layers.UnitNormalization(axis=-1)  # each row to length 1",),
}


def scaling_call(fitted: dict) -> Call | None:
    """The fitted scaling (Preprocessor.scaling_) as a layer Call; None when not scaling."""
    layer = SCALINGS[fitted["kind"]].keras_layer
    if layer is None:
        return None
    return Call("layers", layer, {**SCALING_LAYERS[layer].kwargs(fitted),
                                  "name": f"scale_{fitted['kind']}"})
