"""spec.validate: every problem at once, each at its place and in words a person can act on."""

from __future__ import annotations

import functools
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import default_spec
from gui.core.spec.problems import Problem
from gui.core.spec.schema import (
    DataSpec,
    ExperimentSpec,
    InitializerSpec,
    LayerSpec,
    RegularizerSpec,
    SpecError,
    parameter_count,
)
from gui.core.spec.validate import data_problems, problems_at, split_problems
from gui.core.spec.vocabulary import MAX_EPOCHS, MAX_LAYERS, MAX_PARAMS, MAX_UNITS
from tests.core.test_spec import specs

INFO = {"regression": DataInfo("regression", 4, 0), "binary": DataInfo("binary", 4, 2),
        "multiclass": DataInfo("multiclass", 4, 3)}


def spec_for(task: str) -> ExperimentSpec:
    info = INFO[task]
    return default_spec(task, info.n_classes)


def found(spec: ExperimentSpec, task: str = "multiclass") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for problem in validate(spec, INFO[task]):
        out.setdefault(problem.where, []).append(problem.message)
    return out


def only(spec: ExperimentSpec, task: str = "multiclass") -> Problem:
    problems = validate(spec, INFO[task])
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
def test_the_defaults_are_valid(task):
    assert validate(spec_for(task), INFO[task]) == []


def test_seed_tutorial_networks_are_valid():
    binary = ExperimentSpec(layers=[LayerSpec(units=16), LayerSpec(units=32),
                                    LayerSpec(units=2, activation="softmax")])
    binary.compile.loss, binary.compile.learning_rate = "sparse_categorical_crossentropy", 1e-4
    binary.compile.metrics = ["accuracy", "sparse_categorical_accuracy"]
    assert validate(binary, INFO["binary"]) == []
    pima = ExperimentSpec(layers=[
        LayerSpec(units=12, kernel_initializer=InitializerSpec("RandomUniform")),
        LayerSpec(units=8), LayerSpec(units=1, activation="sigmoid")])
    pima.compile.loss, pima.compile.metrics = "binary_crossentropy", ["accuracy"]
    assert validate(pima, INFO["binary"]) == []


def test_all_problems_come_at_once():
    spec = spec_for("multiclass")
    spec.layers[0].units = 0
    spec.layers.insert(1, LayerSpec(type="Dropout", rate=1.0))
    spec.compile.learning_rate = 0.0
    spec.fit.epochs = 0
    assert set(found(spec)) == {"layers[0].units", "layers[1].rate", "compile.learning_rate",
                                "fit.epochs"}


# ---- layers --------------------------------------------------------------------------------

@pytest.mark.parametrize("units", [0, -3, 2.5, "16", None])
def test_units_must_be_a_positive_whole_number(units):
    spec = spec_for("multiclass")
    spec.layers[0].units = units
    problem = only(spec)
    assert problem.where == "layers[0].units"
    shown = repr(units) if isinstance(units, str) else str(units)
    assert problem.message == ("Expected a positive whole number of neurons, e.g. 16. "
                               f"Received: units={shown}. Set units to the width you want.")


def test_units_have_a_ceiling():
    spec = spec_for("multiclass")
    spec.layers[0].units = MAX_UNITS + 1
    assert only(spec).message == (f"Expected at most {MAX_UNITS} units in a layer. Received: "
                                  f"units={MAX_UNITS + 1}. Use fewer units.")


def test_no_layers_at_all():
    problems = found(ExperimentSpec(), "multiclass")
    assert problems["layers"] == ["Expected at least one layer. Received: a model with no "
                                  "layers. Add a Dense layer: the last one is the output layer."]


def test_no_trainable_layer():
    spec = spec_for("multiclass")
    spec.layers = [LayerSpec(type="Dropout"), LayerSpec(type="Activation",
                                                        activation="softmax")]
    assert found(spec)["layers"] == ["Expected a trainable layer. Received: no Dense layer. "
                                     "Add a Dense layer (the last Dense layer is the output "
                                     "layer)."]


def test_too_many_layers():
    spec = spec_for("multiclass")
    spec.layers = [LayerSpec(units=4) for _ in range(MAX_LAYERS)] + [LayerSpec(
        units=3, activation="softmax")]
    assert found(spec)["layers"] == [f"Expected at most {MAX_LAYERS} layers. Received: "
                                     f"{MAX_LAYERS + 1} layers. Remove some layers."]


def test_too_many_parameters():
    spec = spec_for("multiclass")
    spec.layers[:2] = [LayerSpec(units=MAX_UNITS) for _ in range(2)]
    count = parameter_count(spec, 4)
    assert count > MAX_PARAMS
    assert found(spec)["layers"] == [f"Expected at most {MAX_PARAMS:,} weights. Received: "
                                     f"{count:,} weights. Use fewer units or fewer layers."]


def test_unknown_layer_type_set_in_code():
    spec = spec_for("multiclass")
    spec.layers[0].type = "Lambda"
    assert found(spec)["layers[0].type"] == ["Expected one of Dense, Activation, Dropout, "
                                             "BatchNormalization. Received: type='Lambda'. "
                                             "Choose one of those layer types."]


def test_use_bias_must_be_a_boolean():
    spec = spec_for("multiclass")
    spec.layers[0].use_bias = "yes"
    assert only(spec).message == ("Expected true or false. Received: use_bias='yes'. Tick or "
                                  "untick use_bias.")


@pytest.mark.parametrize("index", [0, 2])
def test_unknown_activation_from_a_hand_edited_file(index):
    spec = spec_for("multiclass")
    spec.layers[index].activation = "rleu"
    messages = found(spec)[f"layers[{index}].activation"]
    assert messages[0].startswith("Expected one of Keras' activations: celu, elu,")
    assert messages[0].endswith(". Received: activation='rleu'. Choose an activation from the "
                                "list.")


def test_unknown_activation_in_an_activation_layer():
    spec = spec_for("multiclass")
    spec.layers.insert(1, LayerSpec(type="Activation", activation="__import__('os')"))
    assert only(spec).where == "layers[1].activation"


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5, float("nan")])
def test_dropout_rate_in_zero_to_one(rate):
    spec = spec_for("multiclass")
    spec.layers.insert(1, LayerSpec(type="Dropout", rate=rate))
    problem = only(spec)
    assert problem.where == "layers[1].rate"
    assert problem.message == ("Expected a number from 0 up to (not including) 1: the share "
                               f"of inputs dropped, e.g. 0.2. Received: rate={rate}. Set rate "
                               "within that range.")


def test_dropout_rate_zero_is_allowed():
    spec = spec_for("multiclass")
    spec.layers.insert(1, LayerSpec(type="Dropout", rate=0.0))
    assert validate(spec, INFO["multiclass"]) == []


def test_batch_normalization_settings():
    spec = spec_for("multiclass")
    spec.layers.insert(1, LayerSpec(type="BatchNormalization", momentum=1.5, epsilon=0.0))
    assert found(spec) == {
        "layers[1].momentum": ["Expected a number between 0 and 1, e.g. 0.99. Received: "
                               "momentum=1.5. Set momentum within that range."],
        "layers[1].epsilon": ["Expected a small positive number, e.g. 0.001. Received: "
                              "epsilon=0.0. Set epsilon above 0."]}


def test_batch_normalization_after_the_output_layer():
    spec = spec_for("multiclass")
    spec.layers.append(LayerSpec(type="BatchNormalization"))
    assert only(spec) == Problem("layers[3].type", "Expected BatchNormalization above the "
                                 "output layer (the last Dense layer). Received: "
                                 "BatchNormalization after it, which changes the predictions' "
                                 "scale. Move it above the output layer.")


# ---- initializers and regularizers ---------------------------------------------------------

def _kernel(init: InitializerSpec, bias: bool = False) -> dict[str, list[str]]:
    spec = spec_for("multiclass")
    setattr(spec.layers[0], "bias_initializer" if bias else "kernel_initializer", init)
    return found(spec)


def test_unknown_initializer():
    problems = _kernel(InitializerSpec("GlorotUniformm"))
    message = problems["layers[0].kernel_initializer.name"][0]
    assert message.startswith("Expected one of Keras' initializers: Constant, ")
    assert message.endswith(". Received: name='GlorotUniformm'. Choose an initializer from the "
                            "list.")


def test_orthogonal_cannot_initialise_a_bias():
    assert _kernel(InitializerSpec("Orthogonal"), bias=True) == {
        "layers[0].bias_initializer.name": [
            "Expected an initializer for a single row of biases. Received: Orthogonal, which "
            "needs a 2-D weight matrix. Use Zeros (the usual bias initializer) or Constant."]}
    assert _kernel(InitializerSpec("Orthogonal")) == {}


def test_bias_initializer_is_not_checked_without_a_bias():
    spec = spec_for("multiclass")
    spec.layers[0].use_bias = False
    spec.layers[0].bias_initializer = InitializerSpec("Nope")
    assert validate(spec, INFO["multiclass"]) == []


def test_unknown_initializer_parameters():
    assert _kernel(InitializerSpec("RandomNormal", {"gain": 2.0})) == {
        "layers[0].kernel_initializer.params.gain": [
            "Expected RandomNormal with its parameters: mean, stddev. Received: a parameter "
            "'gain'. Remove 'gain'."]}
    assert _kernel(InitializerSpec("HeNormal", {"stddev": 2.0})) == {
        "layers[0].kernel_initializer.params.stddev": [
            "Expected HeNormal with no parameters besides the seed. Received: a parameter "
            "'stddev'. Remove 'stddev'."]}


def test_initializer_params_must_be_an_object():
    assert _kernel(InitializerSpec("RandomNormal", [1, 2])) == {
        "layers[0].kernel_initializer.params": ["Expected an object of parameter values. "
                                                "Received: [1, 2]. Set the parameters in the "
                                                "editor."]}


def test_initializer_parameter_values():
    assert _kernel(InitializerSpec("RandomNormal", {"stddev": 0.0})) == {
        "layers[0].kernel_initializer.params.stddev": [
            "Expected a positive number, e.g. 0.05. Received: stddev=0.0. Set stddev above "
            "0."]}
    assert _kernel(InitializerSpec("Constant", {"value": "one"})) == {
        "layers[0].kernel_initializer.params.value": [
            "Expected a number. Received: value='one'. Type a number."]}
    assert _kernel(InitializerSpec("RandomUniform", {"minval": 0.5, "maxval": 0.1})) == {
        "layers[0].kernel_initializer.params.maxval": [
            "Expected maxval larger than minval. Received: minval=0.5, maxval=0.1. Raise "
            "maxval or lower minval."]}
    assert _kernel(InitializerSpec("RandomUniform", {"minval": 0.1})) == {
        "layers[0].kernel_initializer.params.maxval": [
            "Expected maxval larger than minval. Received: minval=0.1, maxval=0.05. Raise "
            "maxval or lower minval."]}


def test_variance_scaling_parameters():
    assert _kernel(InitializerSpec("VarianceScaling", {"scale": -1.0, "mode": "fan_up",
                                                       "distribution": "normal"})) == {
        "layers[0].kernel_initializer.params.scale": [
            "Expected a positive number, e.g. 1.0. Received: scale=-1.0. Set scale above 0."],
        "layers[0].kernel_initializer.params.mode": [
            "Expected one of fan_in, fan_out, fan_avg. Received: mode='fan_up'. Choose one "
            "from the list."],
        "layers[0].kernel_initializer.params.distribution": [
            "Expected one of truncated_normal, untruncated_normal, uniform. Received: "
            "distribution='normal'. Choose one from the list."]}


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_initializer_seed(seed):
    assert _kernel(InitializerSpec("HeNormal", {}, seed)) == {
        "layers[0].kernel_initializer.seed": [
            "Expected a whole number ≥ 0, or empty to derive it from the experiment's seed. "
            f"Received: seed={seed}. Type a whole number or clear the field."]}


def test_regularizers():
    spec = spec_for("multiclass")
    spec.layers[0].kernel_regularizer = RegularizerSpec("l3")
    spec.layers[0].bias_regularizer = RegularizerSpec("l1l2", l1=-0.1, l2=0.01)
    spec.layers[0].activity_regularizer = RegularizerSpec("l1", l1=-1.0, l2=-5.0)
    assert found(spec) == {
        "layers[0].kernel_regularizer.kind": ["Expected one of none, l1, l2, l1l2. Received: "
                                              "kind='l3'. Choose one from the list."],
        "layers[0].bias_regularizer.l1": ["Expected a factor ≥ 0, e.g. 0.01. Received: "
                                          "l1=-0.1. Set l1 to 0 or more."],
        "layers[0].activity_regularizer.l1": ["Expected a factor ≥ 0, e.g. 0.01. Received: "
                                              "l1=-1.0. Set l1 to 0 or more."],
    }  # l2 is not used by an l1 regularizer


# ---- the output layer and the loss against the task ----------------------------------------

def test_sparse_categorical_crossentropy_with_one_unit():
    spec = spec_for("binary")
    spec.compile.loss = "sparse_categorical_crossentropy"
    assert found(spec, "binary") == {"layers[2].units": [
        "Expected one output unit per class for sparse_categorical_crossentropy (2). "
        "Received: units=1 on the output layer. Set units=2 with softmax, or use "
        "binary_crossentropy with 1 sigmoid unit."]}
    spec = spec_for("multiclass")
    spec.layers[-1].units = 1
    problems = found(spec)
    assert problems["layers[2].units"] == [
        "Expected one output unit per class for sparse_categorical_crossentropy (3). "
        "Received: units=1 on the output layer. Set units=3 with softmax."]
    assert problems["layers[2].activation"] == [
        "Expected an output activation that can learn. Received: softmax over 1 unit, which "
        "always outputs 1.0. Use 3 units with softmax, one per class."]


def test_binary_crossentropy_on_a_regression_target():
    spec = spec_for("regression")
    spec.compile.loss = "binary_crossentropy"
    assert found(spec, "regression") == {"compile.loss": [
        "Expected a regression loss, as the target is a number to predict (regression). "
        "Received: loss=binary_crossentropy, a classification loss. Use mean_squared_error or "
        "mean_absolute_error."]}


@pytest.mark.parametrize("task, advice", [
    ("regression", "Use linear for a number."),
    ("binary", "Use sigmoid for two classes (or 2 units with softmax)."),
])
def test_softmax_with_one_unit(task, advice):
    spec = spec_for(task)
    spec.layers[-1].activation = "softmax"
    assert found(spec, task)["layers[2].activation"] == [
        "Expected an output activation that can learn. Received: softmax over 1 unit, which "
        f"always outputs 1.0. {advice}"]


def test_softmax_set_by_a_trailing_activation_layer_is_found_there():
    spec = spec_for("regression")
    spec.layers.append(LayerSpec(type="Activation", activation="softmax"))
    assert list(found(spec, "regression")) == ["layers[3].activation"]


def test_n_class_softmax_with_a_different_n():
    spec = spec_for("multiclass")
    spec.layers[-1].units = 4
    assert only(spec) == Problem("layers[2].units", "Expected 3 output units, one per class. "
                                 "Received: units=4 on the output layer. Set units=3.")


def test_regression_needs_one_output_unit():
    spec = spec_for("regression")
    spec.layers[-1].units = 3
    assert only(spec, "regression") == Problem(
        "layers[2].units", "Expected exactly 1 output unit for a regression target (one "
        "number per row). Received: units=3 on the output layer. Set units=1.")


@pytest.mark.parametrize("task, fix", [
    ("binary", "binary_crossentropy (1 sigmoid unit)"),
    ("multiclass", "sparse_categorical_crossentropy")])
def test_regression_loss_on_classes(task, fix):
    spec = spec_for(task)
    spec.compile.loss = "mean_squared_error"
    words = {"binary": "two classes (binary classification)",
             "multiclass": "several classes (multiclass classification)"}[task]
    assert found(spec, task)["compile.loss"] == [
        f"Expected a classification loss, as the target has {words}. Received: "
        f"loss=mean_squared_error, a regression loss. Use {fix}."]


def test_regression_loss_on_classes_still_checks_the_output_width():
    spec = spec_for("regression")
    assert found(spec, "multiclass") == {
        "compile.loss": ["Expected a classification loss, as the target has several classes "
                         "(multiclass classification). Received: loss=mean_squared_error, a "
                         "regression loss. Use sparse_categorical_crossentropy."],
        "layers[2].units": ["Expected 3 output units, one per class. Received: units=1 on the "
                            "output layer. Set units=3."],
        "compile.metrics": ["Expected a metric for several classes (multiclass "
                            "classification): accuracy, sparse_categorical_accuracy, "
                            "categorical_accuracy, sparse_top_k_categorical_accuracy, "
                            "sparse_categorical_crossentropy. Received: metric "
                            "mean_absolute_error. Remove mean_absolute_error."]}


def test_binary_loss_on_three_classes():
    spec = spec_for("multiclass")
    spec.compile.loss = "binary_crossentropy"
    assert found(spec)["compile.loss"] == [
        "Expected a loss for 3 classes. Received: loss=binary_crossentropy, which is for two "
        "classes. Use sparse_categorical_crossentropy with 3 softmax units."]


def test_binary_loss_needs_one_unit():
    spec = spec_for("binary")
    spec.layers[-1] = LayerSpec(units=2, activation="softmax")
    assert found(spec, "binary") == {"layers[2].units": [
        "Expected 1 output unit for binary_crossentropy (the probability of the second "
        "class). Received: units=2 on the output layer. Set units=1 with sigmoid, or use "
        "sparse_categorical_crossentropy with 2 units."]}


def test_binary_crossentropy_needs_a_sigmoid():
    spec = spec_for("binary")
    spec.layers[-1].activation = "relu"
    assert only(spec, "binary") == Problem(
        "layers[2].activation", "Expected a probability between 0 and 1 for "
        "binary_crossentropy. Received: activation='relu' on the output layer. Use sigmoid.")
    spec.compile.loss = "hinge"  # hinge losses take any real output
    assert validate(spec, INFO["binary"]) == []


def test_crossentropy_needs_softmax():
    spec = spec_for("multiclass")
    spec.layers[-1].activation = "linear"
    assert only(spec) == Problem(
        "layers[2].activation", "Expected class probabilities that sum to 1 for "
        "sparse_categorical_crossentropy. Received: activation='linear' on the output layer. "
        "Use softmax.")


def test_one_hot_losses_need_one_unit_per_class_too():
    spec = spec_for("multiclass")
    spec.compile.loss, spec.compile.metrics = "categorical_crossentropy", ["accuracy"]
    spec.layers[-1].units = 5
    assert list(found(spec)) == ["layers[2].units"]


def test_unknown_task_in_info():
    assert found(spec_for("multiclass"), "multiclass") == {}
    problems = validate(spec_for("multiclass"), DataInfo("clustering", 4, 3))
    assert problems == [Problem("data.task", "Expected one of regression, binary, "
                                             "multiclass. Received: task 'clustering'. Choose "
                                             "the task on the Data page.")]


def test_no_inputs():
    problems = validate(spec_for("multiclass"), DataInfo("multiclass", 0, 3))
    assert problems == [Problem("data.features", "Expected at least one input column. "
                                "Received: no input columns after encoding. Choose feature "
                                "columns on the Data page.")]


def test_without_data_only_data_free_checks_run():
    spec = spec_for("multiclass")
    spec.layers[-1].units = 7
    assert validate(spec) == []
    spec.layers[-1].units = 0
    assert [p.where for p in validate(spec)] == ["layers[2].units"]


# ---- compile -------------------------------------------------------------------------------

def test_unknown_loss_and_optimizer_names():
    spec = spec_for("multiclass")
    spec.compile.loss, spec.compile.optimizer = "crossentropy", "adamm"
    problems = found(spec)
    assert problems["compile.loss"][0].startswith(
        "Expected one of Keras' losses: binary_crossentropy, ")
    assert problems["compile.loss"][0].endswith(
        ". Received: loss='crossentropy'. Choose a valid loss from the list.")
    assert problems["compile.optimizer"] == [
        "Expected one of sgd, rmsprop, adam, adamw, adagrad, adadelta, adamax, nadam, ftrl, "
        "lion. Received: optimizer='adamm'. Choose a valid optimizer from the list."]


@pytest.mark.parametrize("lr", [0.0, -0.01, float("inf"), "fast"])
def test_learning_rate_must_be_positive(lr):
    spec = spec_for("multiclass")
    spec.compile.learning_rate = lr
    shown = repr(lr) if isinstance(lr, str) else lr
    assert only(spec) == Problem("compile.learning_rate", "Expected a positive number, e.g. "
                                 f"0.001. Received: learning_rate={shown}. Set a small positive "
                                 "learning rate.")


def test_gradient_clipping_not_negative():
    spec = spec_for("multiclass")
    spec.compile.clipnorm, spec.compile.clipvalue = -1.0, 0.5
    assert only(spec) == Problem("compile.clipnorm", "Expected a number ≥ 0 (0 turns clipping "
                                 "off). Received: clipnorm=-1.0. Set clipnorm to 0 or more.")


def test_optimizer_options():
    spec = spec_for("multiclass")
    spec.compile.optimizer = "sgd"
    spec.compile.options = {"momentum": 1.0, "nesterov": "yes", "beta_1": 0.9}
    assert found(spec) == {
        "compile.options.momentum": ["Expected a number from 0 up to (not including) 1. "
                                     "Received: momentum=1.0. Set momentum within that "
                                     "range; Keras' default is 0."],
        "compile.options.nesterov": ["Expected true or false. Received: nesterov='yes'. Tick "
                                     "or untick it."],
        "compile.options.beta_1": ["Expected one of sgd's options: momentum, nesterov. "
                                   "Received: beta_1=0.9. Remove 'beta_1'."]}
    spec.compile.optimizer = "ftrl"
    spec.compile.options = {"learning_rate_power": 0.5, "l1_regularization_strength": -1.0,
                            "l2_regularization_strength": "x"}
    assert found(spec) == {
        "compile.options.learning_rate_power": ["Expected a number ≤ 0. Received: "
                                                "learning_rate_power=0.5. Set "
                                                "learning_rate_power within that range; "
                                                "Keras' default is -0.5."],
        "compile.options.l1_regularization_strength": [
            "Expected a number ≥ 0. Received: l1_regularization_strength=-1.0. Set "
            "l1_regularization_strength within that range; Keras' default is 0."],
        "compile.options.l2_regularization_strength": [
            "Expected a number. Received: l2_regularization_strength='x'. Type a number; "
            "Keras' default is 0."]}
    spec.compile.optimizer, spec.compile.options = "sgd", {"momentum": 0.9, "nesterov": True}
    assert validate(spec, INFO["multiclass"]) == []


# ---- metrics -------------------------------------------------------------------------------

def _metrics(task: str, metrics: list, loss: str | None = None) -> list[str]:
    spec = spec_for(task)
    spec.compile.metrics = metrics
    if loss:
        spec.compile.loss = loss
    return found(spec, task).get("compile.metrics", [])


def test_categorical_accuracy_needs_a_one_hot_loss():
    assert _metrics("multiclass", ["categorical_accuracy"]) == [
        "Expected a one-hot loss such as categorical_crossentropy for categorical_accuracy, "
        "which compares one-hot labels. Received: loss sparse_categorical_crossentropy. Use "
        "accuracy (or sparse_categorical_accuracy) instead."]
    assert _metrics("multiclass", ["categorical_accuracy"], "categorical_crossentropy") == []


def test_sparse_metrics_need_class_indices():
    assert _metrics("multiclass", ["sparse_categorical_accuracy"],
                    "categorical_crossentropy") == [
        "Expected class-index labels for sparse_categorical_accuracy. Received: loss "
        "categorical_crossentropy, which trains on one-hot labels. Use accuracy or "
        "categorical_accuracy."]


def test_metrics_must_fit_the_task():
    assert _metrics("regression", ["accuracy"]) == [
        "Expected a metric for a number to predict (regression): mean_absolute_error, "
        "mean_squared_error, root_mean_squared_error, mean_absolute_percentage_error, "
        "mean_squared_logarithmic_error, log_cosh_error, r2_score, cosine_similarity. "
        "Received: metric accuracy. Remove accuracy."]
    [message] = _metrics("multiclass", ["auc"])
    assert message.startswith("Expected a metric for several classes (multiclass "
                              "classification): ")
    assert message.endswith(". Received: metric auc. Remove auc.")


def test_unknown_and_repeated_metrics():
    messages = _metrics("binary", ["acc", "accuracy", "accuracy"])
    assert messages[0].startswith("Expected one of Keras' metrics: ")
    assert messages[0].endswith(". Received: metric 'acc'. Choose metrics from the list.")
    assert messages[1] == "Expected each metric once. Received: 'accuracy' twice. Keep it once."
    spec = spec_for("binary")
    spec.compile.metrics = "accuracy"
    assert found(spec, "binary")["compile.metrics"] == [
        "Expected a list of metric names. Received: 'accuracy'. Choose metrics from the list."]


def test_binary_metrics_need_one_output_unit():
    spec = spec_for("binary")
    spec.layers[-1] = LayerSpec(units=2, activation="softmax")
    spec.compile.loss = "sparse_categorical_crossentropy"
    spec.compile.metrics = ["accuracy", "auc", "sparse_categorical_accuracy"]
    assert found(spec, "binary") == {"compile.metrics": [
        "Expected 1 output unit (a probability per row) for auc. Received: an output layer "
        "with 2 units. Use accuracy instead, or a 1-unit sigmoid output."]}


# ---- fit and data --------------------------------------------------------------------------

def _fit(**changes) -> dict[str, list[str]]:
    spec = spec_for("multiclass")
    for key, value in changes.items():
        setattr(spec.fit, key, value)
    return found(spec)


def test_epochs_and_batch_size():
    assert _fit(epochs=0, batch_size=-1) == {
        "fit.epochs": ["Expected a positive whole number of passes over the training data, "
                       "e.g. 50. Received: epochs=0. Set epochs to 1 or more."],
        "fit.batch_size": ["Expected a positive whole number of rows per step, e.g. 32. "
                           "Received: batch_size=-1. Set batch_size to 1 or more."]}
    assert _fit(epochs=MAX_EPOCHS + 1, batch_size=10**6) == {
        "fit.epochs": [f"Expected at most {MAX_EPOCHS:,} epochs. Received: "
                       f"epochs={MAX_EPOCHS + 1}. Use early stopping for long runs."],
        "fit.batch_size": ["Expected at most 100,000. Received: batch_size=1000000. Use a "
                           "smaller batch."]}


@pytest.mark.parametrize("share", [0.0, 1.0, -0.2, 1.5])
def test_validation_split_strictly_between_zero_and_one(share):
    assert _fit(validation_split=share) == {"fit.validation_split": [
        "Expected a share strictly between 0 and 1, e.g. 0.2. Received: "
        f"validation_split={share}. Move the slider."]}
    assert _fit(validation_split=share, validation="test") == {}


def test_validation_mode_and_seed():
    assert _fit(validation="holdout", seed=-1) == {
        "fit.validation": ["Expected one of split, test, none. Received: "
                           "validation='holdout'. Choose a valid validation from the list."],
        "fit.seed": ["Expected a whole number ≥ 0. Received: seed=-1. Set a seed such as "
                     "42."]}


def test_early_stopping_settings():
    assert _fit(early_stopping=True, patience=-1, monitor="val_f1") == {
        "fit.patience": ["Expected a whole number of epochs ≥ 0, e.g. 10. Received: "
                         "patience=-1. Set patience to 0 or more."],
        "fit.monitor": ["Expected one of val_loss, val_accuracy, loss, accuracy. Received: "
                        "monitor='val_f1', which early stopping cannot watch. Choose a value "
                        "to watch."]}
    assert _fit(early_stopping=True, validation="none") == {"fit.monitor": [
        "Expected validation data for early stopping to watch val_loss. Received: validation "
        "is off. Turn validation on, or watch loss."]}
    assert _fit(early_stopping=False, validation="none") == {}


def test_data_options():
    spec = spec_for("multiclass")
    spec.data.scaling, spec.data.test_fraction = "robust", 1.0
    assert found(spec) == {
        "data.scaling": ["Expected one of none, minmax, standard, l2. Received: "
                         "scaling='robust'. Choose a valid scaling from the list."],
        "data.test_fraction": ["Expected a share strictly between 0 and 1, e.g. 0.2. "
                               "Received: test_fraction=1.0. Move the slider."]}


# ---- helpers -------------------------------------------------------------------------------

def test_problems_at_matches_a_place_and_what_is_inside():
    problems = [Problem("layers[1].units", "a"), Problem("layers[10].rate", "b"),
                Problem("layers[1].kernel_initializer.seed", "c"), Problem("layers", "d")]
    assert [p.message for p in problems_at(problems, "layers[1]")] == ["a", "c"]
    assert [p.message for p in problems_at(problems, "layers")] == ["a", "b", "c", "d"]
    assert str(problems[0]) == "layers[1].units: a"


def test_data_info_from_prepared():
    """Read from a real preparation: 40 rows, a quarter held out for testing."""
    import numpy as np
    import pandas as pd

    from gui.core.data.dataset import prepare

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 30)), columns=[f"x{i}" for i in range(30)])
    frame["label"] = ["yes", "no"] * 20
    prepared = prepare(frame, DataSpec(target="label", test_fraction=0.25))
    assert DataInfo.from_prepared(prepared) == DataInfo("binary", 30, 2, n_train=30, n_test=10)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5)
                           | st.floats(allow_nan=False, allow_infinity=False),
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                           max_leaves=8)


@settings(max_examples=60, deadline=None)
@given(specs(), st.sampled_from(sorted(INFO)), st.lists(json_values, max_size=3),
       json_values)
def test_validate_never_crashes_on_a_hand_edited_file(spec, task, metrics, seed):
    spec.compile.metrics = metrics
    if spec.layers:
        spec.layers[0].kernel_initializer.seed = seed
        spec.layers[0].kernel_initializer.params = {"stddev": seed}
    # values of any type set in code reach validate as they are ...
    problems = validate(spec, INFO[task]) + validate(spec)
    assert all(isinstance(p, Problem) and p.message for p in problems)
    # ... while a file holding a value of the wrong type is refused on loading, naming where
    try:
        loaded = ExperimentSpec.from_json(json.dumps(spec.to_dict()))
    except SpecError as exc:
        message = str(exc)
        assert re.fullmatch(r"(\S+: )?Expected .+\. Received: .+\. \S.*", message, re.S), exc
        assert re.match(r"(spec\.)?(compile\.metrics\[\d\]|layers\[0\]\.kernel_initializer\."
                        r"(seed|params\.stddev)): ", message), exc
        return
    problems = validate(loaded, INFO[task]) + validate(loaded)
    assert all(isinstance(p, Problem) and p.message for p in problems)


def test_non_text_metrics():
    assert _metrics("binary", [["accuracy"]]) == [
        "Expected a metric name such as 'accuracy'. Received: metric ['accuracy']. Remove it "
        "and choose from the list."]


# ---- every message in one form -------------------------------------------------------------

FORM = re.compile(r"^Expected .+\. Received: .+\.( .+)?$", re.S)
FIX = re.compile(r"^Expected .+?\. Received: .+?\. (?P<fix>[A-Z].*\.)$", re.S)


def _changed(task: str, change) -> ExperimentSpec:
    spec = spec_for(task)
    change(spec)
    return spec


def _set(obj, **values):
    for key, value in values.items():
        setattr(obj, key, value)


@functools.cache
def _broken_by_hand() -> list[Problem]:
    """Specs broken in every way validate names, layers to data, with and without DataInfo."""
    cases: list[tuple[ExperimentSpec, DataInfo | None]] = []
    add = lambda task, change, info=None: cases.append(  # noqa: E731
        (_changed(task, change), info or INFO[task]))
    # layers
    add("multiclass", lambda s: setattr(s, "layers", []))
    add("multiclass", lambda s: setattr(s, "layers", [LayerSpec(units=4)] * (MAX_LAYERS + 1)))
    add("multiclass", lambda s: setattr(s, "layers", [LayerSpec(type="Dropout")]))
    add("multiclass", lambda s: _set(s, layers=[LayerSpec(units=MAX_UNITS)] * 2
                                     + s.layers[2:]))
    add("multiclass", lambda s: _set(s.layers[0], type="Lambda"))
    add("multiclass", lambda s: _set(s.layers[0], units=0, use_bias="yes", activation="rleu"))
    add("multiclass", lambda s: _set(s.layers[0], units=MAX_UNITS + 1))
    add("multiclass", lambda s: s.layers.insert(1, LayerSpec(type="Dropout", rate=-0.5)))
    add("multiclass", lambda s: s.layers.insert(1, LayerSpec(
        type="BatchNormalization", momentum=2.0, epsilon=-1.0)))
    add("multiclass", lambda s: s.layers.insert(1, LayerSpec(type="Activation",
                                                             activation="nope")))
    add("multiclass", lambda s: s.layers.append(LayerSpec(type="BatchNormalization")))
    # initializers and regularizers
    add("multiclass", lambda s: _set(
        s.layers[0], kernel_initializer=InitializerSpec("Nope"),
        bias_initializer=InitializerSpec("Orthogonal", {"gain": -1.0}, seed=-2)))
    add("multiclass", lambda s: _set(s.layers[0], kernel_initializer=InitializerSpec(
        "RandomNormal", "mean=0")))
    add("multiclass", lambda s: _set(s.layers[0], kernel_initializer=InitializerSpec(
        "VarianceScaling", {"scale": 0.0, "mode": "fan", "distribution": None, "x": 1},
        seed=1.5)))
    add("multiclass", lambda s: _set(s.layers[0], kernel_initializer=InitializerSpec(
        "RandomUniform", {"minval": 1.0, "maxval": "one"})))
    add("multiclass", lambda s: _set(s.layers[1], kernel_initializer=InitializerSpec(
        "RandomUniform", {"minval": 1.0, "maxval": -1.0})))
    add("multiclass", lambda s: _set(s.layers[0], kernel_initializer=InitializerSpec(
        "HeNormal", {"stddev": 1.0})))
    add("multiclass", lambda s: _set(
        s.layers[0], kernel_regularizer=RegularizerSpec("l3"),
        bias_regularizer=RegularizerSpec("l1l2", l1=-1.0, l2=float("nan")),
        activity_regularizer=RegularizerSpec("l2", l2="big")))
    # the output layer and the loss against each task
    for task in INFO:
        add(task, lambda s: _set(s.layers[-1], units=1, activation="softmax"))
        add(task, lambda s: _set(s.layers[-1], units=5, activation="relu"))
        add(task, lambda s: _set(s.layers[-1], units=7, activation="linear"))
        for loss in ("binary_crossentropy", "hinge", "sparse_categorical_crossentropy",
                     "categorical_crossentropy", "mean_squared_error", "poisson"):
            add(task, lambda s, loss=loss: _set(s.compile, loss=loss))
            add(task, lambda s, loss=loss: (_set(s.compile, loss=loss),
                                            _set(s.layers[-1], units=1, activation="relu")))
            add(task, lambda s, loss=loss: (_set(s.compile, loss=loss),
                                            _set(s.layers[-1], units=2, activation="tanh")))
        add(task, lambda s: None, DataInfo(task, 0, INFO[task].n_classes))
        add(task, lambda s: None, DataInfo(task, 4, INFO[task].n_classes, n_train=1))
    add("multiclass", lambda s: None, DataInfo("clustering", 4, 3))
    # compile options and metrics
    add("multiclass", lambda s: _set(s.compile, loss="crossentropy", optimizer="adamm",
                                     learning_rate=0.0, clipnorm=-1.0, clipvalue=float("inf")))
    add("multiclass", lambda s: _set(s.compile, optimizer="sgd", options={
        "momentum": 1.0, "nesterov": "yes", "beta_1": 0.9}))
    add("multiclass", lambda s: _set(s.compile, optimizer="ftrl", options={
        "learning_rate_power": 0.5, "l1_regularization_strength": -1.0,
        "l2_regularization_strength": "x"}))
    add("multiclass", lambda s: _set(s.compile, learning_rate="fast"))
    for task, metrics in (("binary", ["acc", "accuracy", "accuracy", ["auc"], None]),
                          ("binary", ["auc", "precision", "sparse_categorical_accuracy"]),
                          ("regression", ["accuracy", "auc"]),
                          ("multiclass", ["categorical_accuracy", "auc",
                                          "mean_absolute_error"]),
                          ("binary", "accuracy")):
        add(task, lambda s, metrics=metrics: _set(s.compile, metrics=metrics))
    add("multiclass", lambda s: _set(s.compile, loss="categorical_crossentropy",
                                     metrics=["sparse_categorical_accuracy"]))
    add("binary", lambda s: (_set(s.layers[-1], units=2, activation="softmax"),
                             _set(s.compile, loss="sparse_categorical_crossentropy",
                                  metrics=["auc", "binary_accuracy"])))
    # fit
    add("multiclass", lambda s: _set(s.fit, epochs=0, batch_size=-1, validation="holdout",
                                     seed=-1))
    add("multiclass", lambda s: _set(s.fit, epochs=MAX_EPOCHS + 1, batch_size=10**6,
                                     validation_split=1.0, early_stopping=True, patience=-1,
                                     monitor="val_f1"))
    add("multiclass", lambda s: _set(s.fit, epochs="many", batch_size=2.5,
                                     validation_split="x", seed=True))
    add("multiclass", lambda s: _set(s.fit, early_stopping=True, validation="none"))
    # data
    add("multiclass", lambda s: _set(s.data, task="clustering", scaling="robust",
                                     missing="guess", text="ignore", test_fraction=0.0))
    problems = [p for spec, info in cases for p in validate(spec, info) + validate(spec)]
    data = spec_for("multiclass").data
    _set(data, target="price", features=["a", "size", "colour"], scaling="robust",
         test_fraction=float("nan"))
    problems += data_problems(["a", "b", "y"], data)
    problems += split_problems(spec_for("multiclass").fit, 1)
    return problems


@settings(max_examples=60, deadline=None)
@given(specs(), st.sampled_from(sorted(INFO)), st.integers(0, 3))
def test_every_message_reads_expected_received_fix(spec, task, n_train):
    """Every message says, in Keras' order, what was expected, what was received and how to
    fix it: 'Expected X. Received: Y. Fix.'"""
    info = INFO[task]
    drawn = (validate(spec, info) + validate(spec)
             + validate(spec, DataInfo(task, info.n_inputs, info.n_classes, n_train=n_train))
             + data_problems(["a", "b"], spec.data) + split_problems(spec.fit, n_train))
    by_hand = _broken_by_hand()
    assert {"layers", "layers[0].units", "layers[1].rate", "layers[3].type",
            "layers[0].bias_initializer.name", "layers[0].kernel_initializer.params.maxval",
            "layers[0].kernel_regularizer.kind", "layers[2].units", "layers[2].activation",
            "compile.loss", "compile.optimizer", "compile.options.momentum",
            "compile.learning_rate", "compile.clipnorm", "compile.metrics", "fit.epochs",
            "fit.batch_size", "fit.validation", "fit.validation_split", "fit.monitor",
            "fit.patience", "fit.seed", "data.task", "data.scaling", "data.missing",
            "data.text", "data.test_fraction", "data.target", "data.features",
            } <= {p.where for p in by_hand}
    assert any(p.where == "layers" and "weights" in p.message for p in by_hand)
    assert any(p.where == "fit.validation_split" and "training row" in p.message
               for p in by_hand)
    for problem in by_hand + drawn:
        assert FORM.match(problem.message), problem
        fix = FIX.match(problem.message)
        assert fix and fix["fix"].strip(". "), problem
