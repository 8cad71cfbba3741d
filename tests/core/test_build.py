"""build: spec + fitted preprocessing → the Keras model, checked against Keras itself."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gui.core.data import dataset
from gui.core.data.formats import csv_io
from gui.core.model import build, registry
from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import (
    CompileSpec,
    DataSpec,
    ExperimentSpec,
    InitializerSpec,
    LayerSpec,
    RegularizerSpec,
    parameter_count,
)
from gui.core.spec.vocabulary import INITIALIZER_PARAMS, OPTIMIZERS
from tests.conftest import SAMPLES

_CACHE: dict = {}


def prepared(name: str, target: str, **data) -> dataset.PreparedData:
    key = (name, target, tuple(sorted(data.items())))
    if key not in _CACHE:
        loaded = csv_io.read_csv((SAMPLES / name).read_bytes(), name)
        _CACHE[key] = dataset.prepare(loaded.frame, DataSpec(source=name, target=target,
                                                             **data))
    return _CACHE[key]


def iris(**data):
    return prepared("iris.csv", "species", **data)


def test_shapes_and_parameter_counts_match_keras():
    data = iris()
    spec = ExperimentSpec(layers=[
        LayerSpec(units=10), LayerSpec(type="BatchNormalization"), LayerSpec(type="Dropout"),
        LayerSpec(units=6, activation="tanh", use_bias=False),
        LayerSpec(type="Activation", activation="relu"),
        LayerSpec(units=3, activation="softmax")])
    model = build.build_model(spec, data.preprocessor, compile=False)
    rows = build.layer_table(model)
    assert [r["type"] for r in rows] == ["Normalization", "Dense", "BatchNormalization",
                                         "Dropout", "Dense", "Activation", "Dense"]
    assert [r["output shape"] for r in rows] == ["(batch, 4)", "(batch, 10)", "(batch, 10)",
                                                 "(batch, 10)", "(batch, 6)", "(batch, 6)",
                                                 "(batch, 3)"]
    assert [r["parameters"] for r in rows] == [x.count_params() for x in model.layers]
    assert [r["parameters"] for r in rows] == [0, 4 * 10 + 10, 4 * 10, 0, 10 * 6, 0, 6 * 3 + 3]
    assert sum(r["parameters"] for r in rows) == model.count_params()
    assert parameter_count(spec, 4) == model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert sum(r["trainable"] for r in rows) == trainable == model.count_params() - 20
    assert model.output_shape == (None, 3)


def test_layer_summary_needs_no_data_and_matches_the_real_build():
    data = iris()
    spec = default_spec("multiclass", 3)
    real = build.layer_table(build.build_model(spec, data.preprocessor, compile=False))
    assert build.layer_summary(spec, 4, "standard") == real
    assert [r["type"] for r in build.layer_summary(spec, 7, "none")] == ["Dense"] * 3
    assert build.layer_summary(spec, 7, "l2")[0]["type"] == "UnitNormalization"


def _fit(model, data, spec, epochs):
    y = build.training_targets(data.y_train, spec, data.n_classes)
    return model.fit(data.X_train, y, epochs=epochs, batch_size=32, verbose=0,
                     shuffle=False).history["loss"]


def test_seed_tutorial_softmax_network():
    """Dense(16 relu) → Dense(32 relu) → Dense(2 softmax), Adam(0.0001), sparse CE."""
    data = prepared("breast_cancer.csv", "diagnosis")
    spec = ExperimentSpec(layers=[LayerSpec(units=16), LayerSpec(units=32),
                                  LayerSpec(units=2, activation="softmax")],
                          compile=CompileSpec(loss="sparse_categorical_crossentropy",
                                              learning_rate=0.0001, metrics=["accuracy"]))
    assert validate(spec, DataInfo.from_prepared(data)) == []
    model = build.build_model(spec, data.preprocessor)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.0001)
    assert model.loss == "sparse_categorical_crossentropy"
    assert [x.units for x in model.layers[1:]] == [16, 32, 2]
    assert model.count_params() == (30 * 16 + 16) + (16 * 32 + 32) + (32 * 2 + 2)
    losses = _fit(model, data, spec, 3)
    assert losses[-1] < losses[0]


def test_seed_tutorial_sigmoid_network_with_random_uniform():
    """Dense(12 relu, RandomUniform) → Dense(8 relu) → Dense(1 sigmoid), binary CE."""
    data = prepared("breast_cancer.csv", "diagnosis")
    uniform = InitializerSpec("RandomUniform", {"minval": -0.05, "maxval": 0.05})
    spec = ExperimentSpec(layers=[LayerSpec(units=12, kernel_initializer=uniform),
                                  LayerSpec(units=8), LayerSpec(units=1, activation="sigmoid")],
                          compile=CompileSpec(loss="binary_crossentropy", metrics=["accuracy"]))
    assert validate(spec, DataInfo.from_prepared(data)) == []
    model = build.build_model(spec, data.preprocessor)
    first = model.layers[1]
    assert isinstance(first.kernel_initializer, keras.initializers.RandomUniform)
    assert np.abs(first.kernel.numpy()).max() <= 0.05
    assert model.layers[-1].activation is keras.activations.sigmoid
    losses = _fit(model, data, spec, 3)
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("name, params", [
    ("Constant", {"value": 0.3}),
    ("RandomNormal", {"mean": 1.0, "stddev": 0.2}),
    ("TruncatedNormal", {"mean": -1.0, "stddev": 0.1}),
    ("RandomUniform", {"minval": 0.1, "maxval": 0.2}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_avg", "distribution": "uniform"}),
])
def test_initializer_parameters_reach_keras(name, params):
    assert set(params) == set(INITIALIZER_PARAMS[name])
    spec = ExperimentSpec(layers=[LayerSpec(units=5, kernel_initializer=InitializerSpec(
        name, params, seed=None if name == "Constant" else 11))])
    model = build.build_model(spec, iris().preprocessor, compile=False)
    config = model.layers[1].kernel_initializer.get_config()
    assert type(model.layers[1].kernel_initializer).__name__ == name
    for key, value in params.items():
        assert config[key] == pytest.approx(value) if isinstance(value, float) else value
    if name != "Constant":
        assert config["seed"] == 11


def test_initializer_values_follow_their_parameters():
    spec = ExperimentSpec(layers=[
        LayerSpec(units=400, kernel_initializer=InitializerSpec("Constant", {"value": 0.25}),
                  bias_initializer=InitializerSpec("Constant", {"value": -1.0})),
        LayerSpec(units=400, kernel_initializer=InitializerSpec(
            "RandomNormal", {"mean": 2.0, "stddev": 0.5}))])
    model = build.build_model(spec, iris().preprocessor, compile=False)
    first, second = model.layers[1], model.layers[2]
    assert np.all(first.kernel.numpy() == 0.25) and np.all(first.bias.numpy() == -1.0)
    values = second.kernel.numpy()
    assert values.mean() == pytest.approx(2.0, abs=0.01)
    assert values.std() == pytest.approx(0.5, abs=0.01)


def test_the_same_spec_builds_the_same_weights_and_the_seed_changes_them():
    data = iris()
    spec = default_spec("multiclass", 3)
    one = build.build_model(spec, data.preprocessor, compile=False).get_weights()
    two = build.build_model(spec, data.preprocessor, compile=False).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(one, two, strict=True))
    spec.fit.seed = 7
    three = build.build_model(spec, data.preprocessor, compile=False).get_weights()
    assert not np.array_equal(one[0], three[0])


@pytest.mark.parametrize("kind, cls, config", [
    ("l1", keras.regularizers.L1, {"l1": 0.03}),
    ("l2", keras.regularizers.L2, {"l2": 0.04}),
    ("l1l2", keras.regularizers.L1L2, {"l1": 0.03, "l2": 0.04}),
])
def test_regularizers_reach_keras_and_add_to_the_loss(kind, cls, config):
    reg = RegularizerSpec(kind, l1=0.03, l2=0.04)
    spec = ExperimentSpec(layers=[LayerSpec(units=4, kernel_regularizer=reg,
                                            bias_regularizer=reg, activity_regularizer=reg)])
    model = build.build_model(spec, iris().preprocessor, compile=False)
    dense = model.layers[1]
    for attribute in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
        value = getattr(dense, attribute)
        assert isinstance(value, cls)
        assert value.get_config() == pytest.approx(config)
    model(iris().X_train[:8])
    assert len(model.losses) == 3


def test_no_regularizer_is_none():
    model = build.build_model(ExperimentSpec(layers=[LayerSpec(units=2)]), iris().preprocessor,
                              compile=False)
    assert model.layers[1].kernel_regularizer is None


@pytest.mark.parametrize("scaling, layer", [("standard", "Normalization"),
                                            ("minmax", "Normalization"),
                                            ("l2", "UnitNormalization"), ("none", None)])
def test_scaling_layer_output_equals_sklearn_fitted_on_train(scaling, layer):
    from sklearn.preprocessing import MinMaxScaler, Normalizer, StandardScaler

    data = iris(scaling=scaling)
    prep = data.preprocessor
    scale = build.scaling_layer(prep)
    assert (type(scale).__name__ if scale else None) == layer
    scaler = {"standard": StandardScaler(), "minmax": MinMaxScaler(),
              "l2": Normalizer()}.get(scaling)
    expected = (data.X_test if scaler is None
                else scaler.fit(data.X_train).transform(data.X_test))
    got = data.X_test if scale is None else np.asarray(scale(data.X_test))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    model = build.build_model(ExperimentSpec(layers=[LayerSpec(units=3)]), prep, compile=False)
    assert sum(x.count_params() for x in model.layers if x is not model.layers[-1]) == 0


def test_one_hot_losses_get_one_hot_targets():
    data = iris()
    spec = default_spec("multiclass", 3)
    assert build.training_targets(data.y_train, spec, 3) is data.y_train
    spec.compile.loss = "categorical_crossentropy"
    y = build.training_targets(data.y_train, spec, 3)
    assert y.shape == (len(data.y_train), 3)
    np.testing.assert_array_equal(y.argmax(axis=1), data.y_train)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_and_its_options_reach_keras(name):
    options = {k: (not p.default if isinstance(p.default, bool) else (p.default or 0.1) * 0.5)
               for k, p in OPTIMIZERS[name].options.items()}
    if name == "ftrl":
        options["learning_rate_power"] = -0.25
    spec = CompileSpec(optimizer=name, learning_rate=0.02, options=options, clipnorm=1.5)
    opt = build.optimizer(spec)
    assert type(opt).__name__.lower() == name
    config = opt.get_config()
    assert config["learning_rate"] == pytest.approx(0.02)
    assert config["clipnorm"] == pytest.approx(1.5)
    for key, value in options.items():
        assert config[key] == pytest.approx(value), key


def test_every_offered_activation_and_initializer_builds():
    x = iris().X_train[:4]
    for activation in registry.activations():
        layer = build.layer(LayerSpec(units=3, activation=activation), 1, seed=1)
        assert layer(x).shape == (4, 3), activation
    for name in registry.initializers():
        layer = build.layer(LayerSpec(units=3, kernel_initializer=InitializerSpec(name)), 1, 1)
        assert layer(x).shape == (4, 3), name
