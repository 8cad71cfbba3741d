"""The evaluate page through AppTest, with a real finished TrainingJob in the session."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from gui.core.job_callbacks import Progress
from gui.core.vocabulary import QUEUED, RUNNING, STOPPING
from gui.ui import state
from tests.conftest import ROOT
from tests.core import trained_models as tm

APP = str(ROOT / "app.py")


def open_evaluate(job=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    if job is not None:
        at.session_state[state._JOB] = job
    at.switch_page("steps/evaluate.py").run()
    assert not at.exception, at.exception
    return at


def shown(markdown: str) -> str:
    """Markdown source → the text a person reads (the pages escape user text)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def metric_values(at: AppTest) -> dict[str, str]:
    return {shown(m.label): m.value for m in at.metric}


class FakeJob(tm.FakeJob):
    """tm.FakeJob with what app.py's run banner reads on every page (active, progress)."""

    elapsed = 4.0

    @property
    def active(self) -> bool:
        return self.status in (QUEUED, RUNNING, STOPPING)

    def progress(self) -> Progress:
        return Progress(epoch=2, epochs=5, step=3, steps=4)


@pytest.fixture(scope="module")
def iris_job():
    return tm.finished_job(tm.iris())


def test_without_a_trained_model_it_points_to_the_train_page():
    at = open_evaluate()
    assert any("No model has been trained yet" in i.value for i in at.info)
    assert [p.proto.page for p in at.page_link][-1] == "train"
    assert not at.metric and not at.download_button


@pytest.mark.parametrize("status,kind,text", [
    ("running", "info", "still running"),
    ("failed", "error", "The last training failed: boom"),
])
def test_unfinished_or_failed_training_is_explained(status, kind, text):
    job = FakeJob(tm.iris(), status=status)
    job.error = "boom"
    at = open_evaluate(job)
    assert any(text in e.value for e in getattr(at, kind)), getattr(at, kind)
    assert not at.metric
    banner = [m.value for m in at.markdown if "**Training** · epoch" in m.value]
    expected = ":material/model_training: **Training** · epoch 2/5 · 4 s"
    assert banner == ([expected] if status == "running" else []), banner  # app.py's banner


def test_multiclass_shows_test_scores_beside_train_and_the_confusion_matrices(iris_job):
    at = open_evaluate(iris_job)
    assert at.title[0].value == "4 · Evaluate"
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
    assert labels == ["Model (.keras)", "Model (.h5)", "Bundle (.zip)", "History (.csv)",
                      "Charts (.html)"]
    model_buttons = at.download_button[:3]
    assert all(b.proto.deferred_file_id for b in model_buttons)  # made on click, not per run
    assert all(b.proto.ignore_rerun for b in at.download_button)


def test_binary_threshold_slider_changes_the_numbers():
    job = tm.finished_job(tm.cancer())
    at = open_evaluate(job)
    assert "Test ROC AUC" in metric_values(at)
    positives = float((job.prepared.y_test == 1).mean())  # the share of class 1 test rows
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
    job = tm.finished_job(tm.tips())
    at = open_evaluate(job)
    values = metric_values(at)
    assert {"Test MAE (tip)", "Test RMSE (tip)", "Test R²"} == set(values)
    assert any("scaled target" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 3
