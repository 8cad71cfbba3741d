"""Evaluation numbers against sklearn, train beside test, and the evaluation figures."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as m

from gui.core.inspection import evaluate
from gui.core.model import build
from gui.ui.figures import eval_charts
from tests.core import trained_models as tm


@pytest.fixture(scope="module")
def iris_eval():
    t = tm.iris()
    return t, evaluate.evaluate(t.model, t.prepared, t.spec, deploy_model=t.deploy)


@pytest.fixture(scope="module")
def cancer_eval():
    t = tm.cancer()
    return t, evaluate.evaluate(t.model, t.prepared, t.spec)


@pytest.fixture(scope="module")
def tips_eval():
    t = tm.tips()
    return t, evaluate.evaluate(t.model, t.prepared, t.spec)


def test_multiclass_confusion_matrix_and_per_class_numbers(iris_eval):
    t, result = iris_eval
    y = t.prepared.y_test
    pred = t.deploy.predict(t.prepared.X_test, verbose=0).argmax(axis=1)
    np.testing.assert_array_equal(result.y_pred("test"), pred)
    cm = result.confusion("test")
    assert cm.shape == (3, 3) and cm.sum() == len(y) == 30
    np.testing.assert_array_equal(cm, m.confusion_matrix(y, pred, labels=[0, 1, 2]))
    per_class = result.per_class("test")
    assert list(per_class.index) == ["setosa", "versicolor", "virginica"]
    np.testing.assert_allclose(per_class["recall"],
                               m.recall_score(y, pred, average=None, labels=[0, 1, 2],
                                              zero_division=0))
    assert per_class["support"].sum() == 30
    table = result.metrics
    assert list(table.columns) == ["train", "test", "test − train"]
    assert table.at["accuracy", "test"] == pytest.approx(m.accuracy_score(y, pred))
    assert result.roc("test") is None  # ROC is for binary models


def test_keras_scores_are_model_evaluate_on_both_parts(iris_eval):
    t, result = iris_eval
    scores = result.keras_scores
    assert set(scores.columns) == {"train", "test"} and {"loss", "accuracy"} <= set(scores.index)
    direct = t.model.evaluate(t.prepared.X_test, t.prepared.y_test, verbose=0, return_dict=True)
    assert scores.at["loss", "test"] == pytest.approx(direct["loss"], rel=1e-5)
    assert scores.at["accuracy", "test"] == pytest.approx(result.metrics.at["accuracy", "test"])


@pytest.mark.parametrize("which", ["iris", "tips", "cancer"])
def test_rows_in_one_batch_score_as_model_evaluate(which, iris_eval, tips_eval, cancer_eval):
    """keras_evaluate scores rows that fit in one batch by the model's test step on them
    (test_on_batch): the same loss and metrics as model.evaluate over its own batches, and
    called twice, the same again (the metrics start afresh each time)."""
    t, _ = {"iris": iris_eval, "tips": tips_eval, "cancer": cancer_eval}[which]
    X, y = t.prepared.X_test, build.training_targets(t.prepared.y_test, t.spec,
                                                     t.prepared.n_classes)
    assert len(X) > 8
    direct = t.model.evaluate(X, y, batch_size=8, verbose=0, return_dict=True)  # several
    one = evaluate.keras_evaluate(t.model, t.prepared.X_test, t.prepared.y_test, t.spec,
                                  t.prepared.n_classes, batch_size=len(X))
    again = evaluate.keras_evaluate(t.model, t.prepared.X_test, t.prepared.y_test, t.spec,
                                    t.prepared.n_classes, batch_size=len(X) + 100)
    assert list(one)[0] == "loss" and set(one) == set(direct)
    for name, value in direct.items():
        assert one[name] == pytest.approx(value, rel=1e-4, abs=1e-6), name
        assert again[name] == pytest.approx(one[name], rel=1e-6), name


def test_binary_threshold_moves_the_numbers_and_roc_matches_sklearn(cancer_eval):
    t, result = cancer_eval
    y = t.prepared.y_test
    p1 = t.deploy.predict(t.prepared.X_test, verbose=0)[:, 0]
    fpr, tpr, thresholds, auc = result.roc("test")
    assert auc == pytest.approx(m.roc_auc_score(y, p1))
    assert result.metrics.at["ROC AUC", "test"] == pytest.approx(auc)
    assert result.metrics.at["recall", "test"] == pytest.approx(
        m.recall_score(y, (p1 >= 0.5).astype(int)))
    everyone = result.at(0.0)
    assert everyone.metrics.at["recall", "test"] == 1.0
    assert everyone.confusion("test")[:, 0].sum() == 0  # nobody predicted class 0
    nobody = result.at(1.01)
    assert nobody.confusion("test")[:, 1].sum() == 0
    assert result.threshold == 0.5  # at() returns a new evaluation


def test_regression_numbers_are_in_the_targets_own_units(tips_eval):
    t, result = tips_eval
    truth = t.prepared.raw_test["tip"].to_numpy(dtype=float)
    np.testing.assert_allclose(result.y_true("test"), truth, rtol=1e-5)
    pred = t.deploy.predict(t.prepared.X_test, verbose=0)[:, 0]
    table = result.metrics
    assert table.at["MAE", "test"] == pytest.approx(m.mean_absolute_error(truth, pred), rel=1e-4)
    assert table.at["RMSE", "test"] == pytest.approx(
        np.sqrt(m.mean_squared_error(truth, pred)), rel=1e-4)
    assert table.at["R²", "test"] == pytest.approx(m.r2_score(truth, pred), rel=1e-4, abs=1e-4)
    np.testing.assert_allclose(result.residuals("test"), truth - pred, rtol=1e-4, atol=1e-4)
    assert any("scaled target" in n for n in result.notes)


def test_train_and_test_are_side_by_side(tips_eval):
    _, result = tips_eval
    table = result.metrics
    np.testing.assert_allclose(table["test − train"], table["test"] - table["train"])
    assert len(result.y_true("train")) == len(tm.tips().prepared.y_train)


def test_uncompiled_model_has_no_keras_scores_but_still_evaluates():
    t = tm.iris()
    bare = build.build_model(t.spec, t.prepared.preprocessor, compile=False)
    result = evaluate.evaluate(bare, t.prepared, t.spec)
    assert result.keras_scores.empty and "accuracy" in result.metrics.index


def test_one_hot_loss_models_are_evaluated_with_one_hot_targets():
    t = tm.iris()
    spec = t.spec
    spec_one_hot = type(spec).from_dict(spec.to_dict())
    spec_one_hot.compile.loss = "categorical_crossentropy"
    model = build.build_model(spec_one_hot, t.prepared.preprocessor)
    model.fit(t.prepared.X_train, build.training_targets(t.prepared.y_train, spec_one_hot, 3),
              epochs=1, verbose=0)
    result = evaluate.evaluate(model, t.prepared, spec_one_hot)
    assert np.isfinite(result.keras_scores.loc["loss"]).all()


# ---- figures -----------------------------------------------------------------------------------

def test_confusion_matrix_figure_has_class_names_and_counts(iris_eval):
    _, result = iris_eval
    fig = eval_charts.confusion_matrix(result.confusion("test"), result.class_names, "Test")
    heat = fig.data[0]
    assert list(heat.x) == list(heat.y) == ["setosa", "versicolor", "virginica"]
    assert str(result.confusion("test")[0, 0]) in heat.text[0][0]
    assert fig.layout.yaxis.title.text == "true class"


def test_roc_and_probability_figures(cancer_eval):
    _, result = cancer_eval
    curves = {s: result.roc(s) for s in evaluate.SPLITS}
    fig = eval_charts.threshold_marker(eval_charts.roc_curves(curves), curves["test"], 0.5)
    names = [trace.name for trace in fig.data]
    assert names[0].startswith("chance") and names[1].startswith("train (AUC")
    assert names[2].startswith("test (AUC") and names[3].startswith("threshold 0.50")
    hist = eval_charts.probability_histogram(result.proba("test")[:, 1], result.y_true("test"),
                                             result.class_names, 0.3)
    assert len(hist.data) == 2 and "threshold 0.30" in str(hist.layout.annotations[0].text)


def test_regression_figures_have_the_ideal_line_and_zero_line(tips_eval, iris_eval):
    _, result = tips_eval
    scatter = eval_charts.predicted_vs_actual(
        {s: (result.y_true(s), result.y_pred(s)) for s in evaluate.SPLITS}, "tip")
    ideal = scatter.data[-1]
    assert ideal.name.startswith("ideal") and list(ideal.x) == list(ideal.y)
    assert scatter.layout.xaxis.title.text == "actual tip"
    resid = eval_charts.residuals({s: (result.y_pred(s), result.residuals(s))
                                   for s in evaluate.SPLITS}, "tip")
    assert [t.name for t in resid.data] == ["train", "test"]
    bars = eval_charts.per_class_bars(iris_eval[1].per_class("test"))
    assert [t.name for t in bars.data] == ["precision", "recall"]


def test_a_class_without_test_rows_is_not_averaged_in_as_zero():
    """Three classes, the test rows hold two, all right: macro F1 1.0 (not 2/3), as the
    accuracy and balanced accuracy say; a class the model predicts wrongly still counts."""
    sure = np.eye(3)[[0, 1, 0, 1]]  # probabilities: classes 0, 1, 0, 1
    split = evaluate.SplitOutputs(outputs=sure, y_true=np.array([0, 1, 0, 1]))
    result = evaluate.Evaluation("multiclass", "answer", ["no", "yes", "maybe"],
                                 {"test": split}, keras_scores=None)
    scores = result.metrics["test"]
    assert scores["F1 (macro)"] == scores["accuracy"] == scores["balanced accuracy"] == 1.0
    wrong = evaluate.SplitOutputs(outputs=np.eye(3)[[0, 2, 0, 1]], y_true=np.array([0, 1, 0, 1]))
    scores = evaluate.Evaluation("multiclass", "answer", ["no", "yes", "maybe"],
                                 {"test": wrong}, keras_scores=None).metrics["test"]
    assert scores["F1 (macro)"] == pytest.approx(m.f1_score([0, 1, 0, 1], [0, 2, 0, 1],
                                                            average="macro"))
