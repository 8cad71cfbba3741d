"""The evaluate page through AppTest, with a finished run (record and model file) in the
workspace's store."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.core import trained_models as tm
from tests.ui import runs_helper

APP = str(ROOT / "layerlab.py")


def open_evaluate(add_run=None) -> AppTest:
    """The Evaluate page of a fresh workspace; `add_run(at)` first writes the run it shows."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    if add_run is not None:
        add_run(at)
    at.switch_page("steps/evaluate.py").run()
    assert not at.exception, at.exception
    return at


def shown(markdown: str) -> str:
    """Markdown source → the text a person reads (the pages escape user text)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def metric_values(at: AppTest) -> dict[str, str]:
    return {shown(m.label): m.value for m in at.metric}


def finished(trained: tm.Trained):
    return lambda at: runs_helper.finished(at, trained)


def test_without_a_trained_model_it_points_to_the_train_page():
    at = open_evaluate()
    assert any("No model has been trained yet" in i.value for i in at.info)
    assert [p.proto.page for p in at.page_link][-1] == "train"
    assert not at.metric and not at.download_button


def test_a_training_run_is_awaited_and_shown_in_the_banner():
    made = []
    at = open_evaluate(lambda at: made.append(runs_helper.training(at, tm.iris())))
    try:
        assert any("Training is still running" in i.value for i in at.info), at.info
        assert not at.metric and not at.download_button
        banner = runs_helper.banner(at)
        assert len(banner) == 1, banner  # app.py's banner
        # caught midway through epoch 2 (batch 3 of 4), so the batch is named
        assert re.fullmatch(r"\*\*Training Run 1\*\* · epoch 2/5 · batch 3/4 · [4-9] s",
                            banner[0]), banner
    finally:
        runs_helper.interrupt(made[0])


def test_a_failed_run_is_explained():
    at = open_evaluate(lambda at: runs_helper.failed(at, tm.iris(), "boom: NaN loss"))
    assert [shown(e.value) for e in at.error] == ["Run 1 failed: boom: NaN loss"]
    assert not at.metric and not at.download_button
    assert [p.proto.label for p in at.page_link][-2:] == ["Back to 3 · Train",
                                                         "Open another run"]
    assert not runs_helper.banner(at)  # no banner: not active


def test_multiclass_shows_test_scores_beside_train_and_the_confusion_matrices():
    at = open_evaluate(finished(tm.iris()))
    assert at.title[0].value == "4 · Evaluate"
    assert any("Showing Run 1, started at" in c.value for c in at.caption)
    values = metric_values(at)
    assert set(values) == {"Test accuracy", "Test F1 (macro)", "Test balanced accuracy"}
    scores = at.dataframe[0].value
    assert list(scores.columns) == ["train", "test", "test − train"]
    assert "accuracy" in scores.index
    per_class = at.dataframe[2].value
    assert list(per_class.index) == ["setosa", "versicolor", "virginica"]
    assert {s.value for s in at.subheader} >= {"Scores", "Confusion matrix", "Download"}
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # train and test confusion matrices
    labels = [b.proto.label for b in at.download_button]
    assert labels == ["Model (.keras)", "Model (.h5)", "Bundle (.zip)", "Python script (.py)",
                      "History (.csv)", "Model card (.md)", "Charts (.html)", "ONNX (.zip)",
                      "LiteRT (.zip)", "TensorFlow SavedModel (.zip)"]
    made_on_click = [b for b in at.download_button if b.proto.label != "History (.csv)"]
    assert all(b.proto.deferred_file_id for b in made_on_click)  # made on click, not per run
    script = next(b for b in at.download_button if b.proto.label == "Python script (.py)")
    assert "python iris-run-1.py [iris.csv]" in script.proto.help  # named after the run
    assert all(b.proto.ignore_rerun for b in at.download_button)


def test_binary_threshold_slider_changes_the_numbers():
    at = open_evaluate(finished(tm.cancer()))  # the workspace is on Iris: the run's own data
    assert "Test ROC AUC" in metric_values(at)
    positives = float((tm.cancer().prepared.y_test == 1).mean())  # the share of class 1 test rows
    before = at.dataframe[0].value.loc["precision", "test"]
    assert before > positives  # at 0.5 a trained model beats calling every row positive
    at.slider(key="evaluate.threshold").set_value(0.0).run()
    assert not at.exception
    after = at.dataframe[0].value
    # At threshold 0 every row is predicted positive: all positives found, and precision
    # falls to the share of positives.
    assert after.loc["recall", "test"] == 1.0
    assert after.loc["precision", "test"] == pytest.approx(positives)
    assert len(at.get("plotly_chart")) == 4  # 2 confusion matrices, ROC, probabilities


def test_regression_reports_errors_in_the_targets_units():
    at = open_evaluate(finished(tm.tips()))
    values = metric_values(at)
    assert {"Test MAE (tip)", "Test RMSE (tip)", "Test R²"} == set(values)
    assert any("scaled target" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 3
    # The arrows' colours say whether the test score beside the training one is a gap (red)
    # or no good news (grey, a test score better than the training one); never green.
    from streamlit.proto.Metric_pb2 import Metric

    for metric in at.metric:
        name = shown(metric.label)
        worse = (metric.proto.direction == Metric.MetricDirection.UP) == (name != "Test R²")
        expected = Metric.MetricColor.RED if worse else Metric.MetricColor.GRAY
        assert metric.proto.color == expected, (name, metric.proto.delta, metric.proto.color)


def test_the_model_card_notes_are_kept_with_the_run():
    at = open_evaluate(finished(tm.iris()))
    from gui.core.saving.export import HOW_TO_CALL  # the call test_raw_model.py makes

    assert HOW_TO_CALL in [c.value for c in at.caption]
    record = runs_helper.runs().list(runs_helper.token(at))[0]
    box = at.text_area(key=f"evaluate.card_notes.{record.id}")
    assert box.value == ""
    box.input("For the biology class only.").run()
    assert not at.exception, at.exception
    assert runs_helper.runs().card_notes(runs_helper.token(at), record.id) == \
        "For the biology class only."
    at.switch_page("steps/runs.py").run()
    at.switch_page("steps/evaluate.py").run()  # drawn again from the run, not the widget
    assert at.text_area(key=f"evaluate.card_notes.{record.id}").value == \
        "For the biology class only."
