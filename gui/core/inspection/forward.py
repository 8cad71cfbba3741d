"""A model's forward pass in numpy, from weights read once: one row in well under a millisecond.

The what-if controls run one row through the network on every change. Calling the Keras layers
(gui.core.model.layer_outputs) costs milliseconds per layer in eager mode, a preprocessing
layer tens of them; here each layer's weights are read once (`Forward(model)`) and the row goes
through plain numpy. The layers LayerLab builds are done in numpy (the fitted Normalization,
Dense, Activation, Dropout, BatchNormalization); any other layer, or an activation not listed
below, is called as Keras would (`layer(x, training=False)`), so the answer is always the
model's own.

Example:
    forward = Forward(model)              # after the weights are set; make a new one after
    outputs = forward(X)                  # {layer name: (rows, units)}, as layer_outputs

No Keras import here: models come in built.
"""

from __future__ import annotations

import numpy as np


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "softmax": _softmax,
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
}


def _activation(fn):
    """The numpy form of a Keras activation function, or the function itself."""
    name = getattr(fn, "__name__", "") if fn is not None else "linear"
    return ACTIVATIONS.get(name, lambda x: np.asarray(fn(x)))


def _dense(layer):
    weights = layer.get_weights()
    kernel = weights[0]
    bias = weights[1] if len(weights) > 1 else np.zeros(kernel.shape[1], kernel.dtype)
    act = _activation(getattr(layer, "activation", None))
    return lambda x: act(x @ kernel + bias)


def _normalization(layer):
    if getattr(layer, "invert", False) or getattr(layer, "mean", None) is None:
        return None
    mean = np.asarray(layer.mean, dtype="float32")
    scale = np.maximum(np.sqrt(np.asarray(layer.variance, dtype="float32")), 1e-7)
    return lambda x: (x - mean) / scale


def _batch_norm(layer):
    if getattr(layer, "axis", -1) not in (-1, 1):
        return None
    mean = np.asarray(layer.moving_mean, dtype="float32")
    inv = 1 / np.sqrt(np.asarray(layer.moving_variance, dtype="float32") + layer.epsilon)
    gamma = np.asarray(layer.gamma, dtype="float32") if layer.scale else 1.0
    beta = np.asarray(layer.beta, dtype="float32") if layer.center else 0.0
    return lambda x: (x - mean) * inv * gamma + beta


STEPS = {
    "Dense": _dense,
    "Activation": lambda layer: _activation(layer.activation),
    "Dropout": lambda layer: (lambda x: x),
    "Normalization": _normalization,
    "BatchNormalization": _batch_norm,
}


class Forward:
    """Every layer's output for encoded rows, in numpy, from the weights `model` has now."""

    def __init__(self, model):
        self.steps = []
        for layer in model.layers:
            make = STEPS.get(type(layer).__name__)
            step = make(layer) if make is not None else None
            self.steps.append((layer.name, step or self._keras(layer)))

    @staticmethod
    def _keras(layer):
        return lambda x: np.asarray(layer(x, training=False))

    def __call__(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """{layer name: its output for the rows X (n, units)}, in the model's layer order."""
        value = np.asarray(X, dtype="float32")
        out = {}
        for name, step in self.steps:
            value = np.asarray(step(value), dtype="float32")
            out[name] = value
        return out
