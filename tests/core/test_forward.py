"""The numpy forward pass (gui.core.inspection.forward) against Keras' own layer outputs."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gui.core.inspection.forward import Forward
from gui.core.model.layer_outputs import layer_outputs
from tests.core import trained_models as tm


def every_kind() -> keras.Model:
    """Each layer LayerLab builds, with weights and statistics far from their defaults, and
    activations done in numpy and not (gelu, leaky_relu and UnitNormalization go to Keras)."""
    keras.utils.set_random_seed(5)
    rng = np.random.default_rng(5)
    model = keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Normalization(mean=rng.normal(size=4), variance=rng.uniform(0.5, 3, 4),
                                   name="scale_standard"),
        keras.layers.Dense(6, activation="elu", name="dense_1"),
        keras.layers.BatchNormalization(name="batchnormalization_2"),
        keras.layers.Dropout(0.5, name="dropout_3"),
        keras.layers.Activation("tanh", name="activation_4"),
        keras.layers.Dense(5, activation="gelu", name="dense_5"),
        keras.layers.Dense(5, activation="leaky_relu", name="dense_6"),
        keras.layers.UnitNormalization(name="unit_7"),
        keras.layers.Dense(4, activation="sigmoid", name="dense_8"),
        keras.layers.Dense(3, activation="softmax", name="out"),
    ])
    bn = model.get_layer("batchnormalization_2")
    bn.set_weights([rng.uniform(0.5, 2, 6), rng.normal(size=6), rng.normal(size=6),
                    rng.uniform(0.1, 4, 6)])  # gamma, beta, moving mean, moving variance
    return model


@pytest.mark.parametrize("make", [every_kind, lambda: tm.iris().model,
                                  lambda: tm.tips().model])
def test_every_layers_output_is_keras_own(make):
    model = make()
    X = np.random.default_rng(1).normal(size=(7, model.inputs[0].shape[1])).astype("float32")
    expected = layer_outputs(model, X)
    got = Forward(model)(X)
    assert list(got) == list(expected) == [item.name for item in model.layers]
    for name, value in expected.items():
        assert got[name].shape == value.shape, name
        assert got[name] == pytest.approx(value, abs=1e-5, rel=1e-5), name


def test_the_weights_are_read_when_made():
    model = tm.iris().model
    X = tm.iris().prepared.X_test[:3]
    before = Forward(model)
    last = model.layers[-1]
    kernel, bias = last.get_weights()
    try:
        last.set_weights([kernel, bias + 5.0 * np.arange(len(bias))])
        assert Forward(model)(X)[last.name] == pytest.approx(
            layer_outputs(model, X)[last.name], abs=1e-6)
        assert not np.allclose(before(X)[last.name], Forward(model)(X)[last.name])
    finally:
        last.set_weights([kernel, bias])
