"""The defaults that follow the data (size_rules.SIZE_RULES, heads.recommended_spec): small
tables get many epochs and a narrow, regularised network, large ones few epochs of large
batches with early stopping; a regression target is scaled by default and un-scaled by the
model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gui.core.data.dataset import prepare
from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import (
    default_spec,
    follow_size,
    follow_task,
    is_recommended,
    keep_newer_output,
    recommended_spec,
    size_rule,
)
from gui.core.spec.schema import DataSpec
from gui.core.spec.size_rules import MAX_DEFAULT_UNITS, SIZE_RULES


def _hidden(spec):
    return [x for x in spec.layers[:-1] if x.type == "Dense"]


def test_a_small_table_trains_many_more_epochs_than_a_large_one():
    small = recommended_spec(DataInfo("regression", n_inputs=10, n_train=25))
    large = recommended_spec(DataInfo("regression", n_inputs=10, n_train=80_000))
    assert small.fit.epochs >= 5 * large.fit.epochs
    # a tiny table is one gradient step per epoch (the whole table); a large one many
    assert small.fit.batch_size >= 25 and large.fit.batch_size < 80_000 // 100
    assert large.fit.early_stopping and large.fit.restore_best_weights
    assert large.fit.monitor == "val_loss" and large.fit.validation == "split"
    # a handful of validation rows cannot choose an epoch: a tiny table trains on every row
    assert small.fit.validation == "none" and not small.fit.early_stopping
    middle = recommended_spec(DataInfo("regression", 10, n_train=500)).fit
    assert middle.early_stopping and middle.restore_best_weights
    assert middle.patience > large.fit.patience  # a small table's loss is noisier
    # the patience lets a large table stop early: a few epochs of its ceiling
    assert large.fit.patience <= large.fit.epochs // 5


def test_width_depth_and_regularisation_follow_rows_and_inputs():
    tiny = recommended_spec(DataInfo("binary", n_inputs=4, n_classes=2, n_train=60))
    small = recommended_spec(DataInfo("binary", n_inputs=4, n_classes=2, n_train=600))
    large = recommended_spec(DataInfo("binary", n_inputs=4, n_classes=2, n_train=50_000))
    wide = recommended_spec(DataInfo("binary", n_inputs=300, n_classes=2, n_train=600))
    # a tiny table gets a single hidden layer, larger ones two
    assert len(_hidden(tiny)) == 1 and len(_hidden(small)) == len(_hidden(large)) == 2
    assert _hidden(small)[0].units < _hidden(large)[0].units
    assert _hidden(small)[0].kernel_regularizer.kind == "l2"
    assert _hidden(large)[0].kernel_regularizer.kind == "none"
    assert _hidden(wide)[0].units == MAX_DEFAULT_UNITS  # 2 per input, capped
    assert all(x.units == _hidden(small)[0].units for x in _hidden(small))
    assert [x.type for x in large.layers] == ["Dense", "Dense", "Dense"]  # no hidden extras
    # a number is penalised less than classes: a strong L2 pulls it towards its mean
    number = recommended_spec(DataInfo("regression", n_inputs=4, n_train=600))
    assert _hidden(number)[0].kernel_regularizer.l2 < _hidden(small)[0].kernel_regularizer.l2
    assert size_rule(600).l2_for("multiclass") == _hidden(small)[0].kernel_regularizer.l2
    # a tiny table's number gets a strong L2 on its hidden layer; its classes a lighter one,
    # which keeps their probabilities off 0 and 1
    tiny_number = recommended_spec(DataInfo("regression", n_inputs=4, n_train=60))
    assert _hidden(tiny_number)[0].kernel_regularizer.l2 == size_rule(60).l2_for(
        "regression") > _hidden(number)[0].kernel_regularizer.l2
    assert 0 < _hidden(tiny)[0].kernel_regularizer.l2 == size_rule(60).l2_for("binary") < \
        _hidden(tiny_number)[0].kernel_regularizer.l2


def test_every_rule_says_in_a_sentence_what_it_chose_and_for_which_rows():
    bounds = ["100", "1,000", "10,000", "100,000"]
    for rule, bound in zip(SIZE_RULES, [*bounds, bounds[-1]], strict=True):
        assert rule.why.endswith(".") and bound in rule.why, rule.why
        assert ("hidden layer" in rule.why) and (rule.validate == ("held out" in rule.why))
    assert size_rule(60).why.startswith("Up to 100 rows")
    for rule in SIZE_RULES:  # what a rule adds for a number is said only for a number
        for task in ("binary", "multiclass"):
            assert rule.number_why not in rule.why_for(task) or not rule.number_why
            assert not any(w in rule.why_for(task) for w in ("For a number", "A number"))
        if rule.l2_for("regression") != rule.l2_for("binary"):
            assert "penalty" in rule.why_for("regression") and rule.number_why


def test_the_rules_are_ordered_and_cover_every_size():
    assert [r.rows for r in SIZE_RULES] == sorted(r.rows for r in SIZE_RULES)
    assert SIZE_RULES[-1].rows == float("inf")
    assert [r.epochs for r in SIZE_RULES] == sorted((r.epochs for r in SIZE_RULES),
                                                    reverse=True)
    assert size_rule(1).epochs == SIZE_RULES[0].epochs
    assert size_rule(10**9) is SIZE_RULES[-1]


@pytest.mark.parametrize("rows", [30, 400, 5_000, 200_000])
def test_the_recommended_spec_is_valid_for_its_data(rows):
    for task, classes in (("regression", 0), ("binary", 2), ("multiclass", 5)):
        info = DataInfo(task, n_inputs=7, n_classes=classes, n_train=rows, n_test=rows // 4)
        spec = recommended_spec(info)
        assert validate(spec, info) == []
        assert is_recommended(spec, info)


def test_a_regression_target_is_scaled_by_default_and_unscaled_by_the_model():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=40)})
    frame["y"] = 1000 + 50 * frame["x"]
    data = DataSpec(target="y")
    assert data.scale_target
    prepared = prepare(frame, data)
    assert abs(prepared.y_train.mean()) < 1e-5 and abs(prepared.y_train.std() - 1) < 1e-5
    assert prepared.preprocessor.target_range_ > 1  # the build's last layer multiplies back


def test_a_changed_spec_is_no_longer_the_recommended_one():
    info = DataInfo("multiclass", n_inputs=4, n_classes=3, n_train=120)
    spec = recommended_spec(info)
    spec.fit.epochs = 5
    assert not is_recommended(spec, info)
    assert not is_recommended(recommended_spec(info), DataInfo("multiclass", 4, 3, 90_000))


def test_a_new_task_brings_the_hidden_layers_sized_for_the_data():
    old = DataInfo("binary", n_inputs=4, n_classes=2, n_train=50_000)
    new = DataInfo("regression", n_inputs=4, n_train=50_000)
    spec = recommended_spec(old)
    followed, _ = follow_task(spec, old, new)
    assert followed.layers[:-1] == recommended_spec(new).layers[:-1]
    assert followed.layers[-1].activation == "linear"


def test_cli_train_without_a_spec_uses_the_rules_and_unscales_the_target(tmp_path, capsys):
    import keras

    from gui.cli import main
    from gui.core.spec.schema import ExperimentSpec
    from tests.conftest import SAMPLES

    out = tmp_path / "tips"
    assert main(["train", "--data", str(SAMPLES / "tips.csv"), "--target", "tip",
                 "--epochs", "2", "--quiet", "--out", str(out)]) == 0
    spec = ExperimentSpec.from_json((out / "spec.json").read_text())
    rule = size_rule(195)  # 244 rows, a fifth held out for the test
    assert spec.data.scale_target and spec.fit.early_stopping
    assert (spec.fit.batch_size, spec.fit.patience) == (rule.batch_size, rule.patience)
    assert _hidden(spec)[0].kernel_regularizer.l2 == rule.l2_for("regression")
    assert spec.compile.learning_rate == rule.rate_for("regression")
    model = keras.models.load_model(out / "model.keras")
    network = model.get_layer("network")  # the raw-column model wraps the trained network
    assert network.layers[-1].name == "unscale_target"
    assert "Test: loss: " in capsys.readouterr().out


def test_the_learning_rate_follows_the_rows_unless_chosen():
    tiny = DataInfo("regression", n_inputs=4, n_train=30)
    large = DataInfo("regression", n_inputs=4, n_train=5_000)
    spec = recommended_spec(tiny)
    # a tiny table takes one step per epoch: its rule raises Adam's learning rate
    assert spec.compile.learning_rate == size_rule(30).learning_rate > \
        recommended_spec(large).compile.learning_rate
    grown = follow_size(spec, tiny, large)
    assert grown.compile.learning_rate == recommended_spec(large).compile.learning_rate
    assert is_recommended(grown, large)
    spec.compile.learning_rate = 0.05  # chosen by hand: kept
    assert follow_size(spec, tiny, large).compile.learning_rate == 0.05
    assert follow_size(spec, tiny, large, {"compile.learning_rate"}).compile.learning_rate \
        == 0.05


def test_a_number_of_a_few_hundred_rows_is_learnt_more_slowly_than_classes():
    from gui.core.spec.vocabulary import DEFAULT_OPTIMIZER, OPTIMIZERS

    adam = OPTIMIZERS[DEFAULT_OPTIMIZER].learning_rate
    number = DataInfo("regression", n_inputs=12, n_train=195)  # tips: 244 rows, 49 for the test
    classes = DataInfo("binary", n_inputs=12, n_classes=2, n_train=195)
    # the lightly penalised network would fit a few hundred rows within a few epochs at
    # Adam's default: a slower rate lets early stopping choose among more of them
    assert recommended_spec(number).compile.learning_rate == size_rule(195).rate_for(
        "regression") <= adam / 2
    assert recommended_spec(classes).compile.learning_rate == adam
    # outside that band a number is learnt at the rule's rate for every task
    for rows in (5_000, 50_000):
        assert size_rule(rows).rate_for("regression") == size_rule(rows).rate_for("binary")
    assert recommended_spec(DataInfo("regression", 12, n_train=5_000)).compile.learning_rate \
        == adam
    # a new task with the rate untouched brings the new task's rate; a chosen one is kept
    spec = recommended_spec(number)
    followed, _ = follow_task(spec, number, classes)
    assert followed.compile.learning_rate == adam and is_recommended(followed, classes)
    back, _ = follow_task(followed, classes, number)
    assert back.compile.learning_rate == spec.compile.learning_rate
    spec.compile.learning_rate = 0.01
    assert follow_task(spec, number, classes, {"compile.learning_rate"})[0] \
        .compile.learning_rate == 0.01
    # the search's space holds the defaults' rate: the search starts from them
    from gui.core.training.search_space import plan

    chosen = plan(number, recommended_spec(number))
    low, high = chosen.space["learning_rate"]
    assert low <= chosen.first["learning_rate"] == size_rule(195).rate_for("regression") <= high


def test_a_tiny_tables_number_gets_the_strongest_penalty_and_the_search_starts_there():
    from gui.core.training.search_space import plan

    # the penalty on a number falls as the rows grow: a tiny table's is the strongest
    penalties = [size_rule(rows).l2_for("regression") for rows in (40, 500, 5_000, 50_000)]
    assert penalties == sorted(penalties, reverse=True) and penalties[0] >= 10 * penalties[1]
    assert penalties[-1] == 0
    for info in (DataInfo("regression", n_inputs=6, n_train=300),
                 DataInfo("regression", n_inputs=6, n_train=40)):
        chosen = plan(info, recommended_spec(info))
        rule = size_rule(info.n_train)
        assert chosen.first["dropout"] == rule.dropout
        assert chosen.first["l2"] == rule.l2_for("regression")
        low, high = chosen.space["l2"]
        assert low <= chosen.first["l2"] <= high  # the defaults are a point of the space


def test_classes_of_a_few_thousand_rows_get_a_moderate_penalty_and_a_number_a_light_one():
    from gui.core.training.search_space import plan

    rows = 2_400  # a 3,000-row table, a fifth for the test
    classes = DataInfo("binary", n_inputs=12, n_classes=2, n_train=rows)
    number = DataInfo("regression", n_inputs=12, n_train=rows)
    penalty = _hidden(recommended_spec(classes))[0].kernel_regularizer.l2
    assert all(x.kernel_regularizer.l2 == penalty for x in _hidden(recommended_spec(classes)))
    assert penalty == size_rule(rows).l2_for("multiclass") == size_rule(rows).l2_for("binary")
    # classes: lighter than a few hundred rows' (more rows regularise more), but not so light
    # that the network fits the rows' noise before the classes' shapes
    assert size_rule(600).l2_for("binary") > penalty >= 1e-3 > size_rule(50_000).l2_for("binary")
    # a number keeps a very light penalty (a stronger one fitted the numbers no better)
    light = _hidden(recommended_spec(number))[0].kernel_regularizer.l2
    assert light == size_rule(rows).l2_for("regression") <= penalty / 10
    # a new task with untouched layers brings the new task's penalty
    followed, _ = follow_task(recommended_spec(number), number, classes)
    assert _hidden(followed)[0].kernel_regularizer.l2 == penalty
    assert is_recommended(followed, classes)
    # the search starts from the defaults' penalty
    chosen = plan(classes, recommended_spec(classes))
    low, high = chosen.space["l2"]
    assert low <= chosen.first["l2"] == penalty <= high


def test_a_stale_layer_list_keeps_the_output_layer_another_tab_changed():
    base = default_spec("multiclass", n_classes=3).to_dict()
    newest = default_spec("regression").to_dict()  # another tab: a number to predict
    newest["layers"] = [*base["layers"][:-1], newest["layers"][-1]]
    stale = {**base, "layers": base["layers"][1:]}  # this tab removed the first hidden layer
    merged = keep_newer_output(base, newest, {**newest, "layers": [dict(x) for x in
                                                                   stale["layers"]]})
    assert (merged["layers"][-1]["units"], merged["layers"][-1]["activation"]) == (1, "linear")
    assert len(merged["layers"]) == len(base["layers"]) - 1
    mine = {**base, "layers": [dict(x) for x in base["layers"]]}
    mine["layers"][-1]["units"] = 4  # this tab changed the output itself: its own stays
    kept = keep_newer_output(base, newest, {**newest, "layers": mine["layers"]})
    assert kept["layers"][-1]["units"] == 4
