"""The experiment spec: defaults, JSON round-trips, and plain messages for bad files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import (
    default_spec,
    follow_task,
    suggested_output,
    with_suggested_compile,
    with_suggested_output,
)
from gui.core.spec.schema import (
    SPEC_VERSION,
    DataSpec,
    ExperimentSpec,
    InitializerSpec,
    LayerSpec,
    RegularizerSpec,
    SpecError,
    output_activation,
    output_layer,
)
from gui.core.spec.vocabulary import INITIALIZER_PARAMS, LAYER_TYPES, OPTIMIZERS, REGULARIZERS
from tests.conftest import ROOT

# ---- defaults ------------------------------------------------------------------------------


@pytest.mark.parametrize("task, n, head, loss", [
    ("regression", 0, (1, "linear"), "mean_squared_error"),
    ("binary", 2, (1, "sigmoid"), "binary_crossentropy"),
    ("multiclass", 3, (3, "softmax"), "sparse_categorical_crossentropy"),
    ("multiclass", 10, (10, "softmax"), "sparse_categorical_crossentropy"),
])
def test_default_spec_gives_two_hidden_relu_layers_and_the_right_head(task, n, head, loss):
    spec = default_spec(task, n, data=DataSpec(target="y"))
    assert [(x.units, x.activation) for x in spec.layers[:2]] == [(64, "relu")] * 2
    assert (spec.layers[-1].units, spec.layers[-1].activation) == head
    assert spec.compile.loss == loss and spec.compile.optimizer == "adam"
    assert spec.data.target == "y" and spec.version == SPEC_VERSION


def test_spec_module_does_not_import_tensorflow():
    code = ("import sys; import gui.core.spec.schema; "
            "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# ---- round trips ---------------------------------------------------------------------------

def test_export_load_export_is_byte_identical():
    spec = default_spec("multiclass", 3, data=DataSpec(source="iris.csv",
                                                                     target="species"))
    spec.layers.insert(1, LayerSpec(type="Dropout", rate=0.25))
    spec.layers[0].kernel_initializer = InitializerSpec("RandomUniform",
                                                        {"minval": -0.1, "maxval": 0.1}, 7)
    spec.layers[0].kernel_regularizer = RegularizerSpec("l1l2", 0.001, 0.002)
    text = spec.to_json()
    again = ExperimentSpec.from_json(text)
    assert again == spec
    assert again.to_json() == text
    assert text.endswith("\n") and json.loads(text)["version"] == SPEC_VERSION


def test_only_the_fields_of_a_layers_type_are_written():
    assert LayerSpec(type="Dropout", rate=0.3).to_dict() == {"type": "Dropout", "rate": 0.3}
    assert set(LayerSpec(type="BatchNormalization").to_dict()) == {"type", "momentum",
                                                                   "epsilon"}
    assert LayerSpec(type="Activation", activation="tanh").to_dict() == {
        "type": "Activation", "activation": "tanh"}


def test_uid_is_neither_serialised_nor_compared():
    a, b = LayerSpec(), LayerSpec()
    assert a.uid != b.uid and a == b
    assert "uid" not in json.dumps(a.to_dict())
    assert ExperimentSpec.from_json(ExperimentSpec(layers=[a]).to_json()).layers[0].uid != a.uid


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
finite = st.floats(allow_nan=False, allow_infinity=False, width=32)
initializers = st.builds(
    InitializerSpec,
    name=st.sampled_from(sorted(INITIALIZER_PARAMS) + ["GlorotUniform", "Zeros", "HeNormal"]),
    params=st.dictionaries(st.sampled_from(["mean", "stddev", "minval", "value"]), finite,
                           max_size=2),
    seed=st.none() | st.integers(0, 2**31 - 1))
regularizers = st.builds(RegularizerSpec, kind=st.sampled_from(list(REGULARIZERS)), l1=finite,
                         l2=finite)
layers = st.builds(
    LayerSpec, type=st.sampled_from(list(LAYER_TYPES)), units=st.integers(-5, 5000),
    activation=st.sampled_from(["relu", "softmax", "tanh", "linear"]) | names,
    use_bias=st.booleans(), kernel_initializer=initializers, bias_initializer=initializers,
    kernel_regularizer=regularizers, bias_regularizer=regularizers,
    activity_regularizer=regularizers, rate=finite, momentum=finite, epsilon=finite)


@st.composite
def specs(draw):
    spec = ExperimentSpec(
        data=DataSpec(source=draw(names), target=draw(names),
                      features=draw(st.lists(names, max_size=4)),
                      test_fraction=draw(finite), split_seed=draw(st.integers(0, 10**6))),
        layers=draw(st.lists(layers, max_size=6)))
    optimizer = draw(st.sampled_from(sorted(OPTIMIZERS)))
    spec.compile.optimizer = optimizer
    spec.compile.options = draw(st.fixed_dictionaries(
        {}, optional={k: (st.booleans() if isinstance(p.default, bool) else finite)
                      for k, p in OPTIMIZERS[optimizer].options.items()}))
    spec.compile.learning_rate = draw(finite)
    spec.compile.metrics = draw(st.lists(names, max_size=3))
    spec.fit.epochs = draw(st.integers(-3, 10**5))
    spec.fit.validation_split = draw(finite)
    return spec


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_any_spec_round_trips_through_json(spec):
    """Whatever the values (valid or not), JSON keeps them exactly; validate judges them.

    A layer keeps only its own type's fields (a Dense layer has no dropout rate), so the
    comparison is on what is written.
    """
    text = spec.to_json()
    again = ExperimentSpec.from_json(text)
    assert again.to_dict() == spec.to_dict()
    assert again.to_json() == text
    assert ExperimentSpec.from_json(again.to_json()) == again


@settings(max_examples=40, deadline=None)
@given(specs())
def test_from_dict_of_to_dict_is_identity(spec):
    data = spec.to_dict()
    assert ExperimentSpec.from_dict(json.loads(json.dumps(data))).to_dict() == data


# ---- reading bad files ---------------------------------------------------------------------

def _error(data) -> str:
    with pytest.raises(SpecError) as info:
        if isinstance(data, (str, bytes)):
            ExperimentSpec.from_json(data)
        else:
            ExperimentSpec.from_dict(data)
    return str(info.value)


def _good() -> dict:
    return default_spec("binary", 2).to_dict()


def test_not_json():
    assert "not valid JSON" in _error("{'version': 1")
    assert "not valid JSON" in _error(b"\xff\xfe\x00garbage")
    assert _error("[1").startswith("Expected a JSON file. Received: ")


def test_not_an_object_or_no_version():
    assert "JSON object" in _error("[1, 2]")
    assert "no integer 'version'" in _error({"layers": []})
    assert "no integer 'version'" in _error({"version": "1"})
    assert "no integer 'version'" in _error({"version": True})


def test_newer_version_asks_to_update():
    message = _error({**_good(), "version": SPEC_VERSION + 1})
    assert f"version {SPEC_VERSION + 1}" in message and "Update LayerLab" in message


def test_older_unknown_version():
    assert "not a LayerLab version" in _error({**_good(), "version": 0})


def test_unknown_keys_are_named():
    message = _error({**_good(), "extra": 1})
    assert message.startswith("spec: Expected only the keys version, data, layers, compile, "
                              "fit. Received: unknown key(s) extra.")
    data = _good()
    data["compile"]["lr"] = 0.1
    message = _error(data)
    assert message.startswith("compile: Expected only the keys ") and "learning_rate" in message
    assert "Received: unknown key(s) lr." in message
    data = _good()
    data["layers"][0]["rate"] = 0.5
    assert "layers[0]: Expected only the keys of a Dense layer" in _error(data)
    assert "Received: unknown key(s) rate for a Dense layer." in _error(data)
    data = _good()
    data["layers"][0]["kernel_initializer"]["gain"] = 2
    message = _error(data)
    assert message.startswith("layers[0].kernel_initializer: Expected only the keys name, "
                              "params, seed. Received: unknown key(s) gain.")


def test_wrong_types_are_named_with_the_value():
    data = _good()
    data["layers"][1]["units"] = "64"
    assert "layers[1].units: Expected a whole number. Received: text '64'." in _error(data)
    data = _good()
    data["layers"][1]["units"] = 64.0
    assert "layers[1].units: Expected a whole number. Received: 64.0 (a decimal)." in \
        _error(data)
    data = _good()
    data["fit"]["shuffle"] = "yes"
    assert "fit.shuffle: Expected true or false. Received: text 'yes'." in _error(data)
    data = _good()
    data["compile"]["metrics"] = "accuracy"
    assert "compile.metrics: Expected a list of text. Received: text 'accuracy'." in \
        _error(data)
    data = _good()
    data["layers"] = {"0": {}}
    assert "layers: Expected a list of " in _error(data)
    data = _good()
    data["layers"][0] = "Dense"
    assert "layers[0]: Expected an object (a layer). Received: text 'Dense'." in _error(data)


def test_declared_types_refuse_what_the_defaults_could_not_tell():
    """Types come from the annotations, so e.g. an initializer's seed must be an int."""
    for section, key, value, expected in [
            ("kernel_initializer", "seed", "7", "Expected a whole number or null"),
            ("kernel_initializer", "seed", 1.5, "Expected a whole number or null"),
            ("kernel_initializer", "params", {"stddev": [1]}, "Expected a number or text")]:
        data = _good()
        data["layers"][0][section][key] = value
        assert expected in _error(data), (key, value)
    data = _good()
    data["compile"]["metrics"] = ["accuracy", 3]
    assert "compile.metrics[1]: Expected text. Received: 3 (a whole number)." in _error(data)
    data = _good()
    data["compile"]["options"] = {"amsgrad": "yes"}
    assert "compile.options.amsgrad: Expected a number or true or false." in _error(data)
    data = _good()
    data["data"]["features"] = ["a", None]
    assert "data.features[1]: Expected text. Received: null." in _error(data)
    good = _good()
    good["layers"][0]["kernel_initializer"]["seed"] = 7
    assert ExperimentSpec.from_dict(good).layers[0].kernel_initializer.seed == 7


def test_a_version_1_file_from_the_previous_release_still_loads():
    """tests/fixtures/spec_v1.json was exported by LayerLab before the spec recorded the
    file's delimiter and encoding; it loads with the defaults for those."""
    text = (ROOT / "tests" / "fixtures" / "spec_v1.json").read_text(encoding="utf-8")
    assert json.loads(text)["version"] == 1
    spec = ExperimentSpec.from_json(text)
    assert spec.version == SPEC_VERSION
    assert (spec.data.delimiter, spec.data.encoding) == (",", "utf-8")
    assert spec.data.target == "species" and len(spec.layers) == 4
    assert spec.layers[1].type == "Dropout" and spec.compile.optimizer == "adam"
    assert ExperimentSpec.from_json(spec.to_json()) == spec


def test_code_running_layers_are_refused():
    data = _good()
    data["layers"][0] = {"type": "Lambda", "function": "lambda x: __import__('os')"}
    message = _error(data)
    assert "layers[0].type" in message and "'Lambda'" in message and "no Lambda" in message


def test_deep_nesting_is_a_plain_error():
    assert "nests too deeply" in _error("[" * 100_000 + "]" * 100_000)


def test_ints_are_accepted_for_floats_and_missing_sections_default():
    spec = ExperimentSpec.from_dict({"version": 1, "compile": {"learning_rate": 1}})
    assert spec.compile.learning_rate == 1.0 and isinstance(spec.compile.learning_rate, float)
    assert spec.layers == [] and spec.fit.epochs == 50


# ---- the head and editing helpers ----------------------------------------------------------

def test_output_layer_and_activation_follow_trailing_layers():
    layers = [LayerSpec(units=8), LayerSpec(units=3, activation="linear"),
              LayerSpec(type="Activation", activation="softmax"), LayerSpec(type="Dropout")]
    assert output_layer(layers) == 1
    assert output_activation(layers) == "softmax"
    assert output_layer([LayerSpec(type="Dropout")]) is None


def test_with_suggested_output_fixes_the_last_dense_and_keeps_its_initializer():
    spec = default_spec("multiclass", 3)
    spec.layers[-1].units = 7
    spec.layers[-1].kernel_initializer = InitializerSpec("HeNormal")
    spec.layers.append(LayerSpec(type="BatchNormalization"))
    fixed = with_suggested_output(spec, DataInfo("multiclass", 4, 3))
    assert len(fixed.layers) == 3
    assert (fixed.layers[-1].units, fixed.layers[-1].activation) == (3, "softmax")
    assert fixed.layers[-1].kernel_initializer.name == "HeNormal"
    assert spec.layers[-2].units == 7  # the original is untouched
    empty = with_suggested_output(ExperimentSpec(), DataInfo("regression", 2))
    assert [(x.type, x.units) for x in empty.layers] == [("Dense", 1)]


def test_with_suggested_compile_fits_a_two_unit_binary_head():
    spec = default_spec("binary", 2)
    spec.layers[-1] = LayerSpec(units=2, activation="softmax")
    spec.compile.loss, spec.compile.optimizer = "mean_squared_error", "sgd"
    fixed = with_suggested_compile(spec, DataInfo("binary", 4, 2))
    assert fixed.compile.loss == "sparse_categorical_crossentropy"
    assert fixed.compile.optimizer == "sgd" and fixed.compile.metrics == ["accuracy"]


def test_follow_task_replaces_what_was_not_edited():
    spec = default_spec("multiclass", 3)
    new, notes = follow_task(spec, DataInfo("multiclass", 4, 3), DataInfo("regression", 6))
    assert (new.layers[-1].units, new.layers[-1].activation) == (1, "linear")
    assert new.compile.loss == "mean_squared_error" and notes == []
    same, _ = follow_task(spec, DataInfo("multiclass", 4, 3), DataInfo("multiclass", 9, 3))
    assert same is spec


def test_follow_task_keeps_edited_hidden_layers_and_swaps_a_suggested_output():
    spec = default_spec("multiclass", 3)
    spec.layers[0].units = 5
    spec.compile.learning_rate = 0.05
    new, notes = follow_task(spec, DataInfo("multiclass", 4, 3), DataInfo("binary", 4, 2),
                             edited={"layers", "compile.learning_rate"})
    assert new.layers[0].units == 5
    assert (new.layers[-1].units, new.layers[-1].activation) == (1, "sigmoid")
    assert "Dense(1, sigmoid)" in notes[0]
    assert new.compile.learning_rate == 0.05  # a chosen compile setting stays
    assert new.compile.loss == "binary_crossentropy"  # one not chosen follows the task


def test_follow_task_leaves_a_hand_made_output_alone():
    spec = default_spec("multiclass", 3)
    spec.layers[-1] = LayerSpec(units=5, activation="tanh")
    new, notes = follow_task(spec, DataInfo("multiclass", 4, 3), DataInfo("binary", 4, 2),
                             edited={"layers", "output"})
    assert new.layers[-1].units == 5 and notes == []
    assert new.compile.loss == "binary_crossentropy"


def test_follow_task_field_by_field():
    """A chosen loss stays; unchosen metrics follow; the edited stack keeps its layers."""
    spec = default_spec("multiclass", 3)
    spec.compile.loss = "categorical_hinge"
    spec.compile.learning_rate = 0.01
    new, _ = follow_task(spec, DataInfo("multiclass", 4, 3), DataInfo("regression", 4),
                         edited={"compile.loss"})
    assert new.compile.loss == "categorical_hinge"
    assert new.compile.metrics == ["mean_absolute_error"]
    assert new.compile.learning_rate == 0.01  # the task does not set the learning rate
    assert (new.layers[-1].units, new.layers[-1].activation) == (1, "linear")


def test_suggested_output_never_has_fewer_than_two_softmax_units():
    assert suggested_output("multiclass", 1).units == 2
