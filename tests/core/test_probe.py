"""gui.core.inspection.probe: one row through the network, what-if values, hardest rows,
dead neurons —
checked against model.predict and Keras sub-models on real trained models."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

from gui.core.data import dataset
from gui.core.inspection import probe
from gui.core.model import build
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import DataSpec
from tests.core import trained_models as tm


def sub_model_output(model, name: str, X: np.ndarray) -> np.ndarray:
    """What Keras itself computes at layer `name`."""
    sub = keras.Model(inputs=model.inputs, outputs=model.get_layer(name).output)
    return sub.predict(X, verbose=0)


# ---- one row through the network -----------------------------------------------------------

@pytest.mark.parametrize("make", [tm.iris, tm.cancer, tm.tips])
def test_a_rows_activations_are_keras_layer_outputs_and_the_prediction(make):
    trained = make()
    prepared = trained.prepared
    what_if = probe.WhatIf(trained.model, prepared)
    for number in (1, len(prepared.raw_test)):
        row = probe.test_row_values(prepared, number)
        X = what_if.encode(row)
        assert X == pytest.approx(prepared.X_test[number - 1:number])
        result = what_if(row)
        assert list(result.activations) == [item.name for item in trained.model.layers]
        for item in trained.model.layers:
            assert result.activations[item.name] == pytest.approx(
                sub_model_output(trained.model, item.name, X)[0], abs=1e-5)
        deployed = trained.deploy.predict(X, verbose=0)[0]
        if prepared.task == "regression":
            assert result.probabilities is None
            assert result.predicted == pytest.approx(float(deployed[0]), rel=1e-5)
        else:
            proba = list(result.probabilities.values())
            assert list(result.probabilities) == list(prepared.class_names)
            if prepared.task == "binary":
                assert proba == pytest.approx([1 - deployed[0], deployed[0]], abs=1e-6)
            else:
                assert proba == pytest.approx(deployed.tolist(), abs=1e-6)
            assert result.predicted == prepared.class_names[int(np.argmax(proba))]


def test_what_if_gives_a_scaled_regression_target_in_its_own_units():
    trained = tm.tips()
    prep = trained.prepared.preprocessor
    assert prep.target_range_ != 1.0  # a scaled target: the network outputs standardised values
    row = {**probe.test_row_values(trained.prepared, 3), "total_bill": 40.0, "day": "Sun"}
    result = probe.WhatIf(trained.model, trained.prepared)(row)
    X = probe.WhatIf(trained.model, trained.prepared).encode(row)
    scaled = float(trained.model.predict(X, verbose=0)[0, 0])
    assert result.predicted == pytest.approx(scaled * prep.target_range_ + prep.target_min_,
                                             rel=1e-5)
    assert result.predicted == pytest.approx(float(trained.deploy.predict(X, verbose=0)[0, 0]),
                                             rel=1e-5)
    assert result.predicted != pytest.approx(scaled)


def test_a_test_rows_values_are_as_read_with_empty_cells_filled():
    trained = tm.tips()
    prepared = trained.prepared
    row = probe.test_row_values(prepared, 2)
    raw = prepared.raw_test.iloc[1]
    assert row == {c: (float(raw[c]) if c in ("total_bill", "size") else str(raw[c]))
                   for c in prepared.preprocessor.feature_names_}
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, np.nan] * 4, "b": list("xyxyx") * 4,
                          "y": [0, 1] * 10})
    small = dataset.prepare(frame, DataSpec(target="y", test_fraction=0.5, split_seed=3))
    gaps = [i + 1 for i, v in enumerate(small.raw_test["a"]) if pd.isna(v)]
    assert gaps, "the split leaves an empty cell in the test rows"
    assert probe.test_row_values(small, gaps[0])["a"] == small.preprocessor.fill_["a"]


# ---- the controls --------------------------------------------------------------------------

def test_controls_span_the_training_range_in_the_datas_units():
    trained = tm.iris()
    prepared = trained.prepared
    train = trained.frame.loc[prepared.train_index]
    items = {c.column: c for c in probe.controls(prepared)}
    for col in tm.IRIS_FEATURES:
        control = items[col]
        assert control.kind == "number" and not control.integer
        assert (control.train_low, control.train_high) == (train[col].min(), train[col].max())
        assert control.low <= prepared.raw_test[col].min()
        assert control.high >= prepared.raw_test[col].max()
        assert (control.step, control.decimals) == (0.1, 1)  # written with 1 decimal
    tips = {c.column: c for c in probe.controls(tm.tips().prepared)}
    assert tips["size"].integer and tips["size"].step == 1
    assert tips["day"].kind == "choice" and tips["day"].options == ["Fri", "Sat", "Sun", "Thur"]
    assert tips["total_bill"].step == 0.1
    cancer = {c.column: c for c in probe.controls(tm.cancer().prepared)}
    assert (cancer["mean smoothness"].step, cancer["mean smoothness"].decimals) == (0.001, 4)


def test_a_wide_float_column_gets_a_step_of_thousands_and_no_negative_decimals():
    """gdpPercap-like values (a span of ~100,000, written with decimals): a step of 1,000
    and one decimal (the data has finer values), so the slider's printf format is "%.1f"
    (a negative count, "%.-2f", broke the what-if slider in the browser)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"gdp": rng.uniform(240.5, 113_000.25, 200).round(2),
                          "y": rng.normal(size=200)})
    prepared = dataset.prepare(frame, DataSpec(target="y", task="regression"))
    gdp = {c.column: c for c in probe.controls(prepared)}["gdp"]
    assert not gdp.integer and gdp.step == 1000.0
    assert gdp.decimals == 1
    assert f"%.{gdp.decimals}f" % 12345.678 == "12345.7"


# ---- hardest rows --------------------------------------------------------------------------

def test_hardest_rows_are_the_largest_cross_entropies_with_their_columns():
    trained = tm.iris()
    prepared = trained.prepared
    proba = trained.model.predict(prepared.X_test, verbose=0)
    truth = prepared.y_test.astype(int)
    loss = -np.log(proba[np.arange(len(truth)), truth])
    names = prepared.class_names
    rows = probe.hardest_rows(trained.model, prepared, n=5)
    assert rows.columns[:5].tolist() == ["test row", "true species", "predicted species",
                                         "confidence", "loss"]
    assert list(rows["test row"] - 1) == list(np.argsort(-loss, kind="stable")[:5])
    for _, row in rows.iterrows():
        i = int(row["test row"]) - 1
        assert row["loss"] == pytest.approx(loss[i], rel=1e-4)
        assert row["true species"] == names[truth[i]]
        assert row["predicted species"] == names[int(np.argmax(proba[i]))]
        assert row["confidence"] == pytest.approx(proba[i].max(), abs=1e-6)
        assert [row[f"P({c})"] for c in names] == pytest.approx(proba[i].tolist(), abs=1e-6)
        assert [row[c] for c in tm.IRIS_FEATURES] == prepared.raw_test.iloc[i][
            tm.IRIS_FEATURES].tolist()
    unsure = probe.hardest(probe.test_rows(trained.model, prepared), "confidence", 5)
    assert list(unsure["test row"] - 1) == list(np.argsort(proba.max(axis=1),
                                                           kind="stable")[:5])


def test_binary_hardest_rows_use_the_half_threshold_and_regression_the_squared_error():
    cancer = tm.cancer()
    p = cancer.model.predict(cancer.prepared.X_test, verbose=0)[:, 0]
    table = probe.test_rows(cancer.model, cancer.prepared)
    names = cancer.prepared.class_names
    assert list(table["predicted diagnosis"]) == [names[int(v >= 0.5)] for v in p]
    assert table["P(malignant)"].to_numpy() == pytest.approx(p, abs=1e-6)
    tips = tm.tips()
    table = probe.test_rows(tips.model, tips.prepared)
    predicted = tips.deploy.predict(tips.prepared.X_test, verbose=0)[:, 0]
    truth = tips.prepared.raw_test["tip"].to_numpy()
    assert table["true tip"].tolist() == truth.tolist()  # as written, no float32 rounding
    assert table[probe.RESIDUAL].to_numpy() == pytest.approx(truth - table["predicted tip"])
    assert table["predicted tip"].to_numpy() == pytest.approx(predicted, rel=1e-4)
    assert table["squared error"].to_numpy() == pytest.approx((predicted - truth) ** 2,
                                                              rel=1e-3)
    worst = probe.hardest(table, "confidence", 3)  # no confidence: the loss decides
    assert list(worst["test row"]) == list(table.nlargest(3, "squared error")["test row"])


def test_a_feature_named_like_a_result_column_keeps_both():
    frame = pd.DataFrame({"loss": np.linspace(0, 3, 40) ** 2, "confidence": np.arange(40.0) % 7,
                          "y": [0, 1] * 20})
    prepared = dataset.prepare(frame, DataSpec(target="y"))
    spec = default_spec(prepared.task, prepared.n_classes, DataSpec(target="y"))
    model = build.build_model(spec, prepared.preprocessor)
    table = probe.test_rows(model, prepared)
    assert {"loss", "loss (feature)", "confidence", "confidence (feature)"} <= set(table)
    assert list(table["loss (feature)"]) == list(prepared.raw_test["loss"])


# ---- dead neurons --------------------------------------------------------------------------

def network(*hidden: keras.layers.Layer, scale: bool = True) -> keras.Model:
    layers = [keras.Input(shape=(4,))]
    if scale:
        layers.append(keras.layers.Normalization(mean=np.zeros(4), variance=np.ones(4),
                                                 name="scale_standard"))
    keras.utils.set_random_seed(3)
    return keras.Sequential([*layers, *hidden, keras.layers.Dense(3, activation="softmax",
                                                                  name="out")])


def kill(model, name: str, units: list[int]) -> None:
    """Bias −100 on `units` of Dense `name` (negative on every row, as |kernel · x| < 100
    here) and +100 on the others (positive on every row)."""
    kernel, bias = model.get_layer(name).get_weights()
    bias[:] = 100.0
    bias[units] = -100.0
    model.get_layer(name).set_weights([kernel, bias])


def test_units_forced_dead_are_found_and_said_in_words():
    X = tm.iris().prepared.X_train
    model = network(keras.layers.Dense(6, activation="relu", name="dense_1"),
                    keras.layers.Dense(5, activation="relu", name="dense_2"))
    kill(model, "dense_1", [])
    kill(model, "dense_2", [1, 4])
    dead = probe.dead_units(model, X)
    assert set(dead) == {"dense_1", "dense_2"}
    assert dead["dense_2"].tolist() == [False, True, False, False, True]
    assert probe.dead_sentences(model, dead) == [
        "2 of 5 neurons in dense_2 (layer 2 on the Model page) never activate on any "
        "training row: they no longer learn (dead ReLUs). Try a smaller learning rate, He "
        "initialisation (kernel_initializer HeNormal), or the activation leaky_relu or elu."]
    kill(model, "dense_1", list(range(6)))
    sentences = probe.dead_sentences(model, probe.dead_units(model, X))
    assert sentences[0].startswith("All 6 neurons in dense_1 (layer 1 on the Model page) "
                                   "never activate on any training row: they no longer "
                                   "learn (dead ReLUs), and the layers after it receive "
                                   "only zeros.")


def test_neurons_a_strong_l2_penalty_switches_off_are_not_called_a_fault():
    """The recommended network for a small table has a strong L2 penalty that leaves some
    neurons off: said as the penalty at work, not with advice to change the settings."""
    X = tm.iris().prepared.X_train
    model = network(keras.layers.Dense(5, activation="relu", name="dense_1",
                                       kernel_regularizer=keras.regularizers.L2(0.1)))
    kill(model, "dense_1", [0, 3])
    ((said, expected),) = probe.dead_notes(model, probe.dead_units(model, X))
    assert "That is the layer's L2 penalty (0.1) at work" in said
    assert "Try a smaller learning rate" not in said
    assert expected  # Inside shows it as information, not as a warning
    kill(model, "dense_1", list(range(5)))  # all of them off: a fault even so
    ((said, expected),) = probe.dead_notes(model, probe.dead_units(model, X))
    assert "Try a smaller learning rate" in said and not expected


def test_a_separate_relu_activation_is_watched_through_batch_norm_and_dropout():
    X = tm.iris().prepared.X_train
    model = network(keras.layers.Dense(4, name="dense_1"),
                    keras.layers.BatchNormalization(name="batchnormalization_2"),
                    keras.layers.Dropout(0.5, name="dropout_3"),
                    keras.layers.Activation("relu", name="activation_4"), scale=False)
    kill(model, "dense_1", [2])
    dead = probe.dead_units(model, X)
    assert list(dead) == ["dense_1"]
    assert dead["dense_1"].tolist() == [False, False, True, False]
    assert probe.dead_sentences(model, dead)[0].startswith(
        "1 of 4 neurons in dense_1 (layer 1 on the Model page) never activates on any "
        "training row: it no longer learns (a dead ReLU).")


def test_healthy_and_non_relu_networks_have_no_dead_units():
    X = tm.iris().prepared.X_train
    healthy = network(keras.layers.Dense(6, activation="relu", name="dense_1"))
    kill(healthy, "dense_1", [])
    dead = probe.dead_units(healthy, X)
    assert dead["dense_1"].tolist() == [False] * 6
    assert probe.dead_sentences(healthy, dead) == []
    leaky = network(keras.layers.Dense(6, activation="leaky_relu", name="dense_1"),
                    keras.layers.Dense(6, activation="tanh", name="dense_2"))
    kill(leaky, "dense_1", [0, 1, 2, 3, 4, 5])  # negative, not zero: still learns
    assert probe.dead_units(leaky, X) == {}


def test_layers_are_numbered_as_on_the_model_page():
    model = network(keras.layers.Dense(4, name="dense_1"),
                    keras.layers.Activation("relu", name="activation_2"))
    assert probe.layer_numbers(model) == {"dense_1": 1, "activation_2": 2, "out": 3}
