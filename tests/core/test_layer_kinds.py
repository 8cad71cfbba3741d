"""One home per layer kind: the layer the model builds and the layer the script writes are
the same Keras call, for every kind, initializer, regularizer and optimizer LayerLab offers."""

from __future__ import annotations

import keras
import pytest

from gui.core.model import build
from gui.core.spec.layer_kinds import (
    KINDS,
    SCALING_LAYERS,
    SCALING_SCRIPT,
    kind_of,
    optimizer_call,
)
from gui.core.spec.schema import (
    CompileSpec,
    InitializerSpec,
    LayerSpec,
    RegularizerSpec,
)
from gui.core.spec.vocabulary import LAYER_TYPES, OPTIMIZERS, SCALINGS


def written(source: str):
    """What the generated script's line makes, run as the script runs it."""
    return eval(source, {"keras": keras})  # noqa: S307 - our own generated source


def same_config(one, two) -> bool:
    a, b = one.get_config(), two.get_config()
    a.pop("name", None), b.pop("name", None)
    return keras.saving.serialize_keras_object(a) == keras.saving.serialize_keras_object(b)


def test_every_layer_type_has_a_kind_and_every_scaling_a_layer_row():
    assert set(KINDS) == set(LAYER_TYPES)
    for name, row in SCALINGS.items():
        if row.keras_layer is not None:
            assert row.keras_layer in SCALING_LAYERS
        assert name in SCALING_SCRIPT


LAYERS = [
    LayerSpec(units=7, activation="tanh"),
    LayerSpec(units=3, use_bias=False,
              kernel_initializer=InitializerSpec("RandomNormal", {"stddev": 0.2}, 5),
              kernel_regularizer=RegularizerSpec("l1l2", 0.01, 0.002)),
    LayerSpec(units=4, bias_initializer=InitializerSpec("Constant", {"value": 0.5}),
              activity_regularizer=RegularizerSpec("l2", l2=0.03)),
    LayerSpec(type="Activation", activation="selu"),
    LayerSpec(type="Dropout", rate=0.35),
    LayerSpec(type="BatchNormalization", momentum=0.9, epsilon=0.01),
    LayerSpec(type="BatchNormalization"),
]


@pytest.mark.parametrize("spec", LAYERS, ids=lambda s: kind_of(s).summary(kind_of(s).values(s)))
def test_the_built_layer_is_the_written_layer(spec):
    call = kind_of(spec).call(spec)
    assert same_config(build.make(call), written(call.source()))


def test_the_seed_and_name_reach_the_built_layer_only():
    spec = LayerSpec(type="Dropout", rate=0.2)
    built = build.layer(spec, 2, seed=11)
    assert built.name == "dropout_2" and built.seed == 11
    assert "seed" not in kind_of(spec).call(spec).source()


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_the_built_optimizer_is_the_written_optimizer(name):
    spec = CompileSpec(optimizer=name, learning_rate=0.005, clipnorm=1.5)
    call = optimizer_call(spec)
    made, text = build.make(call), written(call.source())
    assert type(made) is type(text)
    assert made.get_config() == {**text.get_config(), "name": made.get_config()["name"]}
    assert float(made.learning_rate.numpy()) == pytest.approx(0.005)


def test_kinds_answer_the_questions_other_modules_used_to_ask_by_name():
    assert kind_of("Dense").learns and not kind_of("Dropout").learns
    assert kind_of("Dropout").training_only and kind_of("BatchNormalization").before_output
    assert kind_of("Activation").has_activation and not kind_of("Dropout").has_activation
    assert kind_of(LayerSpec(units=5)).count(LayerSpec(units=5), 3) == (20, 5)
    assert kind_of("BatchNormalization").count(LayerSpec(type="BatchNormalization"), 6) == (24, 6)
    assert kind_of("Dense").label({"units": 8, "activation": "relu"}) == "Dense 8 · relu"


def test_an_unknown_kind_cannot_be_built_or_written():
    spec = LayerSpec(type="Dense")
    spec.type = "Conv9D"
    with pytest.raises(ValueError, match="Conv9D"):
        kind_of(spec).call(spec)
    assert not kind_of(spec).learns and kind_of(spec).fields == ()
