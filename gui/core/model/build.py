"""Spec + fitted preprocessing → a compiled keras.Model that takes the encoded raw features.

The feature scaling fitted on the training rows is the model's first, non-trainable layer
(Normalization for standardise and min-max, UnitNormalization for L2 rows), so the saved model
takes raw numbers. A scaled regression target is trained on standardised (mean 0, std 1);
`with_unscaled_output` wraps the trained model with a Rescaling layer (× std + mean) that
returns the target's own units.

Example:
    model = build_model(spec, prepared.preprocessor)
    model.fit(prepared.X_train, prepared.y_train, epochs=5)
    deployable = with_unscaled_output(model, prepared.preprocessor)
"""

from __future__ import annotations

import keras
import numpy as np

from gui.core.data.preprocess import Preprocessor
from gui.core.spec.layer_kinds import (
    Call,
    initializer_call,
    kind_of,
    optimizer_call,
    regularizer_call,
    scaling_call,
)
from gui.core.spec.names import safe_name
from gui.core.spec.schema import (
    CompileSpec,
    ExperimentSpec,
    InitializerSpec,
    LayerSpec,
    RegularizerSpec,
)
from gui.core.spec.vocabulary import ONE_HOT_LOSSES


def make(call: Call):
    """The Keras object a layer_kinds.Call describes (kwargs that are Calls made first)."""
    cls = getattr(getattr(keras, call.module), call.name)
    return cls(**{k: make(v) if isinstance(v, Call) else v for k, v in call.kwargs.items()})


def initializer(spec: InitializerSpec, seed: int | None = None):
    """keras.initializers.<name>(**params, seed=...) from an InitializerSpec."""
    call = initializer_call(spec, "", seed)
    return make(call) if call else None


def regularizer(spec: RegularizerSpec):
    """The Keras regularizer of `spec` (None for "none"): layer_kinds.regularizer_call."""
    call = regularizer_call(spec)
    return make(call) if call else None


def layer(spec: LayerSpec, index: int, seed: int | None = None) -> keras.layers.Layer:
    """One Keras layer from a LayerSpec; `seed` (experiment seed + index) makes it repeatable.

    The kind's Call (layer_kinds) is the one the script writes, with the seed and name added.
    """
    return make(kind_of(spec).call(spec, seed, name=f"{spec.type.lower()}_{index}"))


def scaling_layer(prep: Preprocessor) -> keras.layers.Layer | None:
    """The fitted feature scaling as a non-trainable Keras layer (None when not scaling).

    Which layer is vocabulary.SCALINGS' choice; a Normalization layer takes the fitted
    mean and variance (min-max is Normalization(mean=min, variance=range²)).
    """
    call = scaling_call(prep.scaling_)
    return make(call) if call else None


def optimizer(spec: CompileSpec) -> keras.optimizers.Optimizer:
    """The optimizer the script writes too (layer_kinds.optimizer_call)."""
    return make(optimizer_call(spec))


def build_model(spec: ExperimentSpec, prep: Preprocessor, compile: bool = True) -> keras.Model:
    """The Sequential network of `spec`, scaling layer first, compiled when asked.

    Initializers and Dropout get explicit seeds derived from `spec.fit.seed`, so the same
    spec on the same data builds the same weights.
    """
    seed = spec.fit.seed
    layers: list[keras.layers.Layer] = [keras.Input(shape=(prep.n_inputs,), name="features")]
    scale = scaling_layer(prep)
    if scale is not None:
        layers.append(scale)
    layers += [layer(s, i, None if seed is None else seed + i)
               for i, s in enumerate(spec.layers, start=1)]
    model = keras.Sequential(layers, name=safe_name(spec.data.source))  # 'iris.csv' → iris_csv
    if compile:
        compile_model(model, spec.compile)
    return model


def layer_table(model: keras.Model) -> list[dict]:
    """What model.summary() shows, one dict per layer: name, type, output shape, parameters.

    `parameters` is Keras' own `count_params()`; `trainable` counts only the weights training
    changes (0 for the fitted scaling layer; BatchNormalization's moving statistics excluded).
    """
    rows = []
    for item in model.layers:
        shape = tuple(item.output.shape)
        rows.append({"name": item.name, "type": type(item).__name__,
                     "output shape": "(" + ", ".join("batch" if d is None else str(d)
                                                     for d in shape) + ")",
                     "units": shape[-1],
                     "parameters": int(item.count_params()) if item.built else 0,
                     "trainable": int(sum(np.prod(w.shape) for w in item.trainable_weights))})
    return rows


def layer_summary(spec: ExperimentSpec, n_inputs: int, scaling: str) -> list[dict]:
    """`layer_table` of `spec`'s model on `n_inputs` features with scaling kind `scaling`.

    Shapes and counts do not depend on the fitted statistics, so placeholders stand in for
    them: the result is a pure function of its arguments (safe for st.cache_data).
    """
    from types import SimpleNamespace

    stats = {"kind": scaling, "mean": [0.0] * n_inputs, "variance": [1.0] * n_inputs}
    prep = SimpleNamespace(n_inputs=n_inputs, scaling_=stats)
    return layer_table(build_model(spec, prep, compile=False))


def compile_model(model: keras.Model, spec: CompileSpec, **kwargs) -> None:
    model.compile(optimizer=optimizer(spec), loss=spec.loss, metrics=list(spec.metrics),
                  **kwargs)


def training_targets(y: np.ndarray, spec: ExperimentSpec, n_classes: int) -> np.ndarray:
    """Class indices → one-hot for losses that need it; everything else passes through."""
    if spec.compile.loss in ONE_HOT_LOSSES and n_classes:
        return keras.utils.to_categorical(y, num_classes=max(n_classes, 2))
    return y


def with_unscaled_output(model: keras.Model, prep: Preprocessor) -> keras.Model:
    """The deployable model: `model`, plus a Rescaling that undoes a scaled regression target.

    Shares `model`'s weights; returns `model` itself when there is nothing to undo.
    """
    if prep.task != "regression" or (prep.target_min_ == 0.0 and prep.target_range_ == 1.0):
        return model
    unscale = keras.layers.Rescaling(scale=prep.target_range_, offset=prep.target_min_,
                                     name="unscale_target")
    return keras.Sequential([keras.Input(shape=(prep.n_inputs,), name="features"),
                             *model.layers, unscale], name=model.name)
