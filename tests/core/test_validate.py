"""spec.validate: every problem at once, each at its place and in words a person can act on."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gui.core.heads import default_spec
from gui.core.problems import DataInfo, Problem
from gui.core.spec import (
    ExperimentSpec,
    InitializerSpec,
    LayerSpec,
    RegularizerSpec,
    parameter_count,
)
from gui.core.validate import is_valid, problems_at, validate
from gui.core.vocabulary import MAX_EPOCHS, MAX_LAYERS, MAX_PARAMS, MAX_UNITS
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
    assert is_valid(spec_for(task), INFO[task])


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
    assert problem.message == (f"Received: units={shown}. Expected a positive whole number "
                               "of neurons, e.g. 16.")


def test_units_have_a_ceiling():
    spec = spec_for("multiclass")
    spec.layers[0].units = MAX_UNITS + 1
    assert only(spec).message == (f"Received: units={MAX_UNITS + 1}. LayerLab allows at most "
                                  f"{MAX_UNITS} units in a layer; use fewer.")


def test_no_layers_at_all():
    problems = found(ExperimentSpec(), "multiclass")
    assert problems["layers"] == ["The model has no layers. Add at least one Dense layer: the "
                                  "last one is the output layer."]


def test_no_trainable_layer():
    spec = spec_for("multiclass")
    spec.layers = [LayerSpec(type="Dropout"), LayerSpec(type="Activation",
                                                        activation="softmax")]
    assert found(spec)["layers"] == ["The model has no trainable layer: add a Dense layer (the "
                                     "last Dense layer is the output layer)."]


def test_too_many_layers():
    spec = spec_for("multiclass")
    spec.layers = [LayerSpec(units=4) for _ in range(MAX_LAYERS)] + [LayerSpec(
        units=3, activation="softmax")]
    assert found(spec)["layers"] == [f"The model has {MAX_LAYERS + 1} layers; LayerLab builds "
                                     f"at most {MAX_LAYERS}. Remove some layers."]


def test_too_many_parameters():
    spec = spec_for("multiclass")
    spec.layers[:2] = [LayerSpec(units=MAX_UNITS) for _ in range(2)]
    count = parameter_count(spec, 4)
    assert count > MAX_PARAMS
    assert found(spec)["layers"] == [f"The network has {count:,} weights; LayerLab trains at "
                                     f"most {MAX_PARAMS:,}. Use fewer units or fewer layers."]


def test_unknown_layer_type_set_in_code():
    spec = spec_for("multiclass")
    spec.layers[0].type = "Lambda"
    assert found(spec)["layers[0].type"] == ["Received: type='Lambda'. Expected one of Dense, "
                                             "Activation, Dropout, BatchNormalization."]


def test_use_bias_must_be_a_boolean():
    spec = spec_for("multiclass")
    spec.layers[0].use_bias = "yes"
    assert only(spec).message == "Received: use_bias='yes'. Expected true or false."


@pytest.mark.parametrize("index", [0, 2])
def test_unknown_activation_from_a_hand_edited_file(index):
    spec = spec_for("multiclass")
    spec.layers[index].activation = "rleu"
    messages = found(spec)[f"layers[{index}].activation"]
    assert messages[0].startswith("Unknown activation 'rleu'. Choose one of Keras' "
                                  "activations: celu, elu,")


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
    assert problem.message == (f"Received: rate={rate}. Expected a number from 0 up to (not "
                               "including) 1: the share of inputs dropped, e.g. 0.2.")


def test_dropout_rate_zero_is_allowed():
    spec = spec_for("multiclass")
    spec.layers.insert(1, LayerSpec(type="Dropout", rate=0.0))
    assert validate(spec, INFO["multiclass"]) == []


def test_batch_normalization_settings():
    spec = spec_for("multiclass")
    spec.layers.insert(1, LayerSpec(type="BatchNormalization", momentum=1.5, epsilon=0.0))
    assert found(spec) == {
        "layers[1].momentum": ["Received: momentum=1.5. Expected a number between 0 and 1, "
                               "e.g. 0.99."],
        "layers[1].epsilon": ["Received: epsilon=0.0. Expected a small positive number, e.g. "
                              "0.001."]}


def test_batch_normalization_after_the_output_layer():
    spec = spec_for("multiclass")
    spec.layers.append(LayerSpec(type="BatchNormalization"))
    assert only(spec) == Problem("layers[3].type", "BatchNormalization after the output layer "
                                 "(the last Dense layer) changes the predictions' scale. Move "
                                 "it above the output layer.")


# ---- initializers and regularizers ---------------------------------------------------------

def _kernel(init: InitializerSpec, bias: bool = False) -> dict[str, list[str]]:
    spec = spec_for("multiclass")
    setattr(spec.layers[0], "bias_initializer" if bias else "kernel_initializer", init)
    return found(spec)


def test_unknown_initializer():
    problems = _kernel(InitializerSpec("GlorotUniformm"))
    assert problems["layers[0].kernel_initializer.name"][0].startswith(
        "Unknown initializer 'GlorotUniformm'. Choose one of Keras' initializers: Constant, ")


def test_orthogonal_cannot_initialise_a_bias():
    assert _kernel(InitializerSpec("Orthogonal"), bias=True) == {
        "layers[0].bias_initializer.name": [
            "Orthogonal needs a 2-D weight matrix; a bias is a single row. Use Zeros (the "
            "usual bias initializer) or Constant."]}
    assert _kernel(InitializerSpec("Orthogonal")) == {}


def test_bias_initializer_is_not_checked_without_a_bias():
    spec = spec_for("multiclass")
    spec.layers[0].use_bias = False
    spec.layers[0].bias_initializer = InitializerSpec("Nope")
    assert validate(spec, INFO["multiclass"]) == []


def test_unknown_initializer_parameters():
    assert _kernel(InitializerSpec("RandomNormal", {"gain": 2.0})) == {
        "layers[0].kernel_initializer.params.gain": [
            "RandomNormal has no parameter 'gain'. Its parameters: mean, stddev."]}
    assert _kernel(InitializerSpec("HeNormal", {"stddev": 2.0})) == {
        "layers[0].kernel_initializer.params.stddev": [
            "HeNormal has no parameter 'stddev'. It takes no parameters besides the seed."]}


def test_initializer_params_must_be_an_object():
    assert _kernel(InitializerSpec("RandomNormal", [1, 2])) == {
        "layers[0].kernel_initializer.params": ["Expected an object of parameter values."]}


def test_initializer_parameter_values():
    assert _kernel(InitializerSpec("RandomNormal", {"stddev": 0.0})) == {
        "layers[0].kernel_initializer.params.stddev": [
            "Received: stddev=0.0. Expected a positive number, e.g. 0.05."]}
    assert _kernel(InitializerSpec("Constant", {"value": "one"})) == {
        "layers[0].kernel_initializer.params.value": [
            "Received: value='one'. Expected a number."]}
    assert _kernel(InitializerSpec("RandomUniform", {"minval": 0.5, "maxval": 0.1})) == {
        "layers[0].kernel_initializer.params.maxval": [
            "Received: minval=0.5, maxval=0.1. maxval must be larger than minval."]}
    assert _kernel(InitializerSpec("RandomUniform", {"minval": 0.1})) == {
        "layers[0].kernel_initializer.params.maxval": [
            "Received: minval=0.1, maxval=0.05. maxval must be larger than minval."]}


def test_variance_scaling_parameters():
    assert _kernel(InitializerSpec("VarianceScaling", {"scale": -1.0, "mode": "fan_up",
                                                       "distribution": "normal"})) == {
        "layers[0].kernel_initializer.params.scale": [
            "Received: scale=-1.0. Expected a positive number, e.g. 1.0."],
        "layers[0].kernel_initializer.params.mode": [
            "Received: mode='fan_up'. Expected one of fan_in, fan_out, fan_avg."],
        "layers[0].kernel_initializer.params.distribution": [
            "Received: distribution='normal'. Expected one of truncated_normal, "
            "untruncated_normal, uniform."]}


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_initializer_seed(seed):
    assert _kernel(InitializerSpec("HeNormal", {}, seed)) == {
        "layers[0].kernel_initializer.seed": [
            f"Received: seed={seed}. Expected a whole number ≥ 0, or empty to derive it from "
            "the experiment's seed."]}


def test_regularizers():
    spec = spec_for("multiclass")
    spec.layers[0].kernel_regularizer = RegularizerSpec("l3")
    spec.layers[0].bias_regularizer = RegularizerSpec("l1l2", l1=-0.1, l2=0.01)
    spec.layers[0].activity_regularizer = RegularizerSpec("l1", l1=-1.0, l2=-5.0)
    assert found(spec) == {
        "layers[0].kernel_regularizer.kind": ["Unknown regularizer 'l3'. Expected one of none, "
                                              "l1, l2, l1l2."],
        "layers[0].bias_regularizer.l1": ["Received: l1=-0.1. Expected a factor ≥ 0, e.g. "
                                          "0.01."],
        "layers[0].activity_regularizer.l1": ["Received: l1=-1.0. Expected a factor ≥ 0, e.g. "
                                              "0.01."]}  # l2 is not used by an l1 regularizer


# ---- the output layer and the loss against the task ----------------------------------------

def test_sparse_categorical_crossentropy_with_one_unit():
    spec = spec_for("binary")
    spec.compile.loss = "sparse_categorical_crossentropy"
    assert found(spec, "binary") == {"layers[2].units": [
        "sparse_categorical_crossentropy with 1 output unit cannot work: it needs one unit "
        "per class. Set units=2 with softmax, or use binary_crossentropy with 1 sigmoid "
        "unit."]}
    spec = spec_for("multiclass")
    spec.layers[-1].units = 1
    problems = found(spec)
    assert problems["layers[2].units"] == [
        "sparse_categorical_crossentropy with 1 output unit cannot work: it needs one unit "
        "per class. Set units=3 with softmax."]
    assert problems["layers[2].activation"] == [
        "softmax over 1 unit always outputs 1.0, so the model cannot learn. Use 3 units with "
        "softmax, one per class."]


def test_binary_crossentropy_on_a_regression_target():
    spec = spec_for("regression")
    spec.compile.loss = "binary_crossentropy"
    assert found(spec, "regression") == {"compile.loss": [
        "binary_crossentropy is a classification loss, but the target is a number to predict "
        "(regression). Use mean_squared_error or mean_absolute_error."]}


@pytest.mark.parametrize("task, advice", [
    ("regression", "Use linear for a number."),
    ("binary", "Use sigmoid for two classes (or 2 units with softmax)."),
])
def test_softmax_with_one_unit(task, advice):
    spec = spec_for(task)
    spec.layers[-1].activation = "softmax"
    assert found(spec, task)["layers[2].activation"] == [
        f"softmax over 1 unit always outputs 1.0, so the model cannot learn. {advice}"]


def test_softmax_set_by_a_trailing_activation_layer_is_found_there():
    spec = spec_for("regression")
    spec.layers.append(LayerSpec(type="Activation", activation="softmax"))
    assert list(found(spec, "regression")) == ["layers[3].activation"]


def test_n_class_softmax_with_a_different_n():
    spec = spec_for("multiclass")
    spec.layers[-1].units = 4
    assert only(spec) == Problem("layers[2].units", "The output layer has 4 units, but the "
                                 "target has 3 classes. Set units=3: one unit per class.")


def test_regression_needs_one_output_unit():
    spec = spec_for("regression")
    spec.layers[-1].units = 3
    assert only(spec, "regression") == Problem(
        "layers[2].units", "Received: units=3 on the output layer. A regression target needs "
        "exactly 1 output unit (one number per row): set units=1.")


@pytest.mark.parametrize("task, fix", [
    ("binary", "binary_crossentropy (1 sigmoid unit)"),
    ("multiclass", "sparse_categorical_crossentropy")])
def test_regression_loss_on_classes(task, fix):
    spec = spec_for(task)
    spec.compile.loss = "mean_squared_error"
    words = {"binary": "two classes (binary classification)",
             "multiclass": "several classes (multiclass classification)"}[task]
    assert found(spec, task)["compile.loss"] == [
        f"mean_squared_error is a regression loss, but the target has {words}. Use {fix}."]


def test_regression_loss_on_classes_still_checks_the_output_width():
    spec = spec_for("regression")
    assert found(spec, "multiclass") == {
        "compile.loss": ["mean_squared_error is a regression loss, but the target has several "
                         "classes (multiclass classification). Use "
                         "sparse_categorical_crossentropy."],
        "layers[2].units": ["The output layer has 1 unit, but the target has 3 classes. Set "
                            "units=3: one unit per class."],
        "compile.metrics": ["The metric mean_absolute_error does not fit several classes "
                            "(multiclass classification). Choose from: accuracy, "
                            "sparse_categorical_accuracy, categorical_accuracy, "
                            "sparse_top_k_categorical_accuracy, "
                            "sparse_categorical_crossentropy."]}


def test_binary_loss_on_three_classes():
    spec = spec_for("multiclass")
    spec.compile.loss = "binary_crossentropy"
    assert found(spec)["compile.loss"] == [
        "binary_crossentropy is for two classes, but the target has 3 classes. Use "
        "sparse_categorical_crossentropy with 3 softmax units."]


def test_binary_loss_needs_one_unit():
    spec = spec_for("binary")
    spec.layers[-1] = LayerSpec(units=2, activation="softmax")
    assert found(spec, "binary") == {"layers[2].units": [
        "Received: units=2 on the output layer. binary_crossentropy needs 1 output unit (the "
        "probability of the second class): set units=1 with sigmoid, or use "
        "sparse_categorical_crossentropy with 2 units."]}


def test_binary_crossentropy_needs_a_sigmoid():
    spec = spec_for("binary")
    spec.layers[-1].activation = "relu"
    assert only(spec, "binary") == Problem(
        "layers[2].activation", "Received: activation='relu' on the output layer. "
        "binary_crossentropy expects a probability between 0 and 1: use sigmoid.")
    spec.compile.loss = "hinge"  # hinge losses take any real output
    assert validate(spec, INFO["binary"]) == []


def test_crossentropy_needs_softmax():
    spec = spec_for("multiclass")
    spec.layers[-1].activation = "linear"
    assert only(spec) == Problem(
        "layers[2].activation", "Received: activation='linear' on the output layer. "
        "sparse_categorical_crossentropy expects class probabilities that sum to 1: use "
        "softmax.")


def test_one_hot_losses_need_one_unit_per_class_too():
    spec = spec_for("multiclass")
    spec.compile.loss, spec.compile.metrics = "categorical_crossentropy", ["accuracy"]
    spec.layers[-1].units = 5
    assert list(found(spec)) == ["layers[2].units"]


def test_unknown_task_in_info():
    assert found(spec_for("multiclass"), "multiclass") == {}
    problems = validate(spec_for("multiclass"), DataInfo("clustering", 4, 3))
    assert problems == [Problem("data.task", "Unknown task 'clustering'. Expected one of "
                                             "regression, binary, multiclass.")]


def test_no_inputs():
    problems = validate(spec_for("multiclass"), DataInfo("multiclass", 0, 3))
    assert problems == [Problem("data.features", "The data has no input columns after "
                                "encoding. Choose at least one feature column on the Data "
                                "page.")]


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
        "Unknown loss 'crossentropy'. Choose one of Keras' losses: binary_crossentropy, ")
    assert problems["compile.optimizer"] == [
        "Unknown optimizer 'adamm'. Choose one of sgd, rmsprop, adam, adamw, adagrad, "
        "adadelta, adamax, nadam, ftrl, lion."]


@pytest.mark.parametrize("lr", [0.0, -0.01, float("inf"), "fast"])
def test_learning_rate_must_be_positive(lr):
    spec = spec_for("multiclass")
    spec.compile.learning_rate = lr
    shown = repr(lr) if isinstance(lr, str) else lr
    assert only(spec) == Problem("compile.learning_rate", f"Received: learning_rate={shown}. "
                                 "Expected a positive number, e.g. 0.001.")


def test_gradient_clipping_not_negative():
    spec = spec_for("multiclass")
    spec.compile.clipnorm, spec.compile.clipvalue = -1.0, 0.5
    assert only(spec) == Problem("compile.clipnorm", "Received: clipnorm=-1.0. Expected a "
                                 "number ≥ 0 (0 turns clipping off).")


def test_optimizer_options():
    spec = spec_for("multiclass")
    spec.compile.optimizer = "sgd"
    spec.compile.options = {"momentum": 1.0, "nesterov": "yes", "beta_1": 0.9}
    assert found(spec) == {
        "compile.options.momentum": ["Received: momentum=1.0. Expected a number from 0 up to "
                                     "(not including) 1, e.g. 0.9."],
        "compile.options.nesterov": ["Received: nesterov='yes'. Expected true or false."],
        "compile.options.beta_1": ["sgd has no option 'beta_1'. Its options: momentum, "
                                   "nesterov."]}
    spec.compile.optimizer = "ftrl"
    spec.compile.options = {"learning_rate_power": 0.5, "l1_regularization_strength": -1.0,
                            "l2_regularization_strength": "x"}
    assert found(spec) == {
        "compile.options.learning_rate_power": ["Received: learning_rate_power=0.5. Expected a "
                                                "number ≤ 0, e.g. -0.5."],
        "compile.options.l1_regularization_strength": [
            "Received: l1_regularization_strength=-1.0. Expected a number ≥ 0."],
        "compile.options.l2_regularization_strength": [
            "Received: l2_regularization_strength='x'. Expected a number."]}
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
        "categorical_accuracy compares one-hot labels, so it needs a one-hot loss such as "
        "categorical_crossentropy; with sparse_categorical_crossentropy use accuracy (or "
        "sparse_categorical_accuracy)."]
    assert _metrics("multiclass", ["categorical_accuracy"], "categorical_crossentropy") == []


def test_sparse_metrics_need_class_indices():
    assert _metrics("multiclass", ["sparse_categorical_accuracy"],
                    "categorical_crossentropy") == [
        "sparse_categorical_accuracy reads class indices, but categorical_crossentropy trains "
        "on one-hot labels. Use accuracy or categorical_accuracy."]


def test_metrics_must_fit_the_task():
    assert _metrics("regression", ["accuracy"]) == [
        "The metric accuracy does not fit a number to predict (regression). Choose from: "
        "mean_absolute_error, mean_squared_error, root_mean_squared_error, "
        "mean_absolute_percentage_error, mean_squared_logarithmic_error, log_cosh_error, "
        "r2_score, cosine_similarity."]
    assert _metrics("multiclass", ["auc"])[0].startswith(
        "The metric auc does not fit several classes (multiclass classification).")


def test_unknown_and_repeated_metrics():
    messages = _metrics("binary", ["acc", "accuracy", "accuracy"])
    assert messages[0].startswith("Unknown metric 'acc'. Choose from: ")
    assert messages[1] == "The metric 'accuracy' is listed twice. Keep it once."
    spec = spec_for("binary")
    spec.compile.metrics = "accuracy"
    assert found(spec, "binary")["compile.metrics"] == ["Expected a list of metric names."]


def test_binary_metrics_need_one_output_unit():
    spec = spec_for("binary")
    spec.layers[-1] = LayerSpec(units=2, activation="softmax")
    spec.compile.loss = "sparse_categorical_crossentropy"
    spec.compile.metrics = ["accuracy", "auc", "sparse_categorical_accuracy"]
    assert found(spec, "binary") == {"compile.metrics": [
        "auc needs 1 output unit (a probability per row), but the output layer has 2. Use "
        "accuracy instead, or a 1-unit sigmoid output."]}


# ---- fit and data --------------------------------------------------------------------------

def _fit(**changes) -> dict[str, list[str]]:
    spec = spec_for("multiclass")
    for key, value in changes.items():
        setattr(spec.fit, key, value)
    return found(spec)


def test_epochs_and_batch_size():
    assert _fit(epochs=0, batch_size=-1) == {
        "fit.epochs": ["Received: epochs=0. Expected a positive whole number of passes over "
                       "the training data, e.g. 50."],
        "fit.batch_size": ["Received: batch_size=-1. Expected a positive whole number of rows "
                           "per step, e.g. 32."]}
    assert _fit(epochs=MAX_EPOCHS + 1, batch_size=10**6) == {
        "fit.epochs": [f"Received: epochs={MAX_EPOCHS + 1}. LayerLab trains at most "
                       f"{MAX_EPOCHS:,} epochs; use early stopping for long runs."],
        "fit.batch_size": ["Received: batch_size=1000000. Expected at most 100,000."]}


@pytest.mark.parametrize("share", [0.0, 1.0, -0.2, 1.5])
def test_validation_split_strictly_between_zero_and_one(share):
    assert _fit(validation_split=share) == {"fit.validation_split": [
        f"Received: validation_split={share}. Expected a share strictly between 0 and 1, "
        "e.g. 0.2."]}
    assert _fit(validation_split=share, validation="test") == {}


def test_validation_mode_and_seed():
    assert _fit(validation="holdout", seed=-1) == {
        "fit.validation": ["Unknown validation mode 'holdout'. Expected one of split, test, "
                           "none."],
        "fit.seed": ["Received: seed=-1. Expected a whole number ≥ 0."]}


def test_early_stopping_settings():
    assert _fit(early_stopping=True, patience=-1, monitor="val_f1") == {
        "fit.patience": ["Received: patience=-1. Expected a whole number of epochs ≥ 0, e.g. "
                         "10."],
        "fit.monitor": ["Early stopping cannot watch 'val_f1'. Choose one of loss, accuracy, "
                        "val_loss, val_accuracy."]}
    assert _fit(early_stopping=True, validation="none") == {"fit.monitor": [
        "Early stopping watches val_loss, but validation is off. Turn validation on, or watch "
        "loss."]}
    assert _fit(early_stopping=False, validation="none") == {}


def test_data_options():
    spec = spec_for("multiclass")
    spec.data.scaling, spec.data.test_fraction = "robust", 1.0
    assert found(spec) == {
        "data.scaling": ["Unknown scaling option 'robust'. Expected one of none, minmax, "
                         "standard, l2."],
        "data.test_fraction": ["Received: test_fraction=1.0. Expected a share strictly "
                               "between 0 and 1, e.g. 0.2."]}


# ---- helpers -------------------------------------------------------------------------------

def test_problems_at_matches_a_place_and_what_is_inside():
    problems = [Problem("layers[1].units", "a"), Problem("layers[10].rate", "b"),
                Problem("layers[1].kernel_initializer.seed", "c"), Problem("layers", "d")]
    assert [p.message for p in problems_at(problems, "layers[1]")] == ["a", "c"]
    assert [p.message for p in problems_at(problems, "layers")] == ["a", "b", "c", "d"]
    assert str(problems[0]) == "layers[1].units: a"


def test_data_info_from_prepared():
    class Prepared:
        task, n_inputs, n_classes = "binary", 30, 2

    assert DataInfo.from_prepared(Prepared()) == DataInfo("binary", 30, 2)


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
    loaded = ExperimentSpec.from_json(json.dumps(spec.to_dict()))
    problems = validate(loaded, INFO[task]) + validate(loaded)
    assert all(isinstance(p, Problem) and p.message for p in problems)


def test_non_text_metrics():
    assert _metrics("binary", [["accuracy"]]) == [
        "Received: metric ['accuracy']. Expected a metric name such as 'accuracy'."]
