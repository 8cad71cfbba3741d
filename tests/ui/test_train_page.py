"""The Train page in Streamlit's AppTest: settings, Train, live charts and log, Stop, queue.

AppTest does not schedule `run_every` fragments, so the tests wait on the job and rerun.
"""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from gui.core.vocabulary import DONE, FAILED, RUNNING, STOPPED
from gui.ui import state

APP = "../../app.py"


def _session(sample: str | None = None) -> AppTest:
    """A session on the Train page with a sample loaded through the Data page."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    if sample is not None:
        at.selectbox(key="data.sample").select(sample).run()
    assert not at.exception, at.exception
    assert at.session_state[state._PREPARED] is not None
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    return at


def _job(at: AppTest):
    return at.session_state[state._JOB]


def _chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _finish(at: AppTest, timeout: float = 120) -> None:
    assert _job(at).wait(timeout), _job(at).status
    at.run()
    assert not at.exception, at.exception


def test_without_data_the_page_points_to_the_data_page():
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert "Load data on the Data page first" in at.info[0].value
    assert [b for b in at.button if b.key == "train.start"] == []


def test_train_shows_curves_log_and_final_values():
    at = _session()
    at.number_input(key="train.epochs").set_value(3).run()
    at.number_input(key="train.batch_size").set_value(16).run()
    spec = at.session_state[state._SPEC]
    assert (spec.fit.epochs, spec.fit.batch_size) == (3, 16)
    at.button(key="train.start").click().run()
    assert not at.exception, at.exception
    job = _job(at)
    assert job.spec.fit.epochs == 3 and job.spec is not spec  # a snapshot, not the live spec
    _finish(at)
    assert job.status == DONE
    assert "Trained 3 epochs" in at.success[0].value
    titles = [s["layout"]["title"]["text"] for s in _chart_specs(at)]
    assert titles == ["loss", "accuracy"]
    loss = _chart_specs(at)[0]
    assert [t["name"] for t in loss["data"]] == ["training", "validation"]
    assert loss["data"][0]["y"] == pytest.approx(job.history["loss"])
    log = at.code[0].value.splitlines()
    assert log[0].startswith("Epoch 1/3 - loss: ") and log[-1].startswith("Epoch 3/3 - ")
    assert at.button(key="train.start").label == "Train again"
    assert not at.button(key="train.start").disabled


def test_retraining_overlays_the_previous_run_dashed():
    at = _session()
    at.number_input(key="train.epochs").set_value(2).run()
    at.button(key="train.start").click().run()
    _finish(at)
    first = _job(at).history
    at.number_input(key="train.seed").set_value(7).run()
    at.button(key="train.start").click().run()
    _finish(at)
    names = [t["name"] for t in _chart_specs(at)[0]["data"]]
    assert names == ["training (previous run)", "validation (previous run)", "training",
                     "validation"]
    dashed = _chart_specs(at)[0]["data"][0]
    assert dashed["line"]["dash"] == "dash" and dashed["y"] == pytest.approx(first["loss"])
    assert any("previous run" in c.value for c in at.caption)


def test_stop_keeps_the_model_and_navigation_does_not_interrupt():
    at = _session()
    at.number_input(key="train.epochs").set_value(5000).run()
    at.button(key="train.start").click().run()
    job = _job(at)
    deadline = time.time() + 60
    while job.epochs_done < 1 and time.time() < deadline:
        time.sleep(0.1)
    at.switch_page("pages/model.py").run()
    at.switch_page("pages/train.py").run()
    assert _job(at) is job and job.status == RUNNING
    assert at.number_input(key="train.epochs").disabled
    assert at.button(key="train.start").disabled
    at.button(key="train.stop").click().run()
    assert job.wait(5)
    at.run()
    assert job.status == STOPPED and job.model is not None
    assert "Stopped by you" in at.warning[0].value
    assert job.epochs_done < 5000


def test_invalid_spec_lists_problems_and_disables_train():
    at = _session()
    at.session_state[state._SPEC].compile.loss = "binary_crossentropy"  # 3 classes: wrong
    at.run()
    assert at.button(key="train.start").disabled
    assert "problem" in at.error[0].value and "compile.loss" in at.error[0].value
    labels = [el.proto.label for el in at.get("page_link")]
    assert "Fix them on the Model page" in labels


def test_nan_failure_is_explained_without_a_traceback():
    at = _session()
    spec = at.session_state[state._SPEC]
    spec.compile.optimizer, spec.compile.learning_rate = "sgd", 1e8
    at.number_input(key="train.epochs").set_value(20).run()
    at.button(key="train.start").click().run()
    _finish(at)
    assert _job(at).status == FAILED
    text = at.error[0].value
    assert "NaN" in text and "learning rate" in text.lower() and "Traceback" not in text


def test_sessions_queue_for_slots_and_keep_their_own_runs(monkeypatch):
    """Three classroom sessions on one training slot: each waits its turn, sees its own run."""
    monkeypatch.setenv("LAYERLAB_TRAINING_SLOTS", "1")
    users = {"Iris flowers": 4, "Wine cultivars": 3, "Breast cancer": 2}
    sessions = {name: _session(name) for name in users}
    first = sessions["Iris flowers"]
    first.number_input(key="train.epochs").set_value(5000).run()
    first.button(key="train.start").click().run()
    for name in ("Wine cultivars", "Breast cancer"):
        at = sessions[name]
        at.number_input(key="train.epochs").set_value(users[name]).run()
        at.button(key="train.start").click().run()
    waiting = {name: sessions[name].info[0].value for name in ("Wine cultivars", "Breast cancer")}
    assert waiting["Wine cultivars"].startswith("Waiting for a free slot (you are next)")
    assert waiting["Breast cancer"].startswith("Waiting for a free slot (1 ahead of you)")
    _job(first).stop()
    for at in sessions.values():
        _finish(at, timeout=180)
    jobs = {name: _job(at) for name, at in sessions.items()}
    assert len({id(j) for j in jobs.values()}) == 3
    assert jobs["Iris flowers"].status == STOPPED
    for name in ("Wine cultivars", "Breast cancer"):
        job, at = jobs[name], sessions[name]
        assert job.status == DONE and job.epochs_done == users[name]
        assert job.prepared is at.session_state[state._PREPARED]
        assert job.spec.data.source == at.session_state[state._SPEC].data.source
        assert _chart_specs(at)[0]["data"][0]["y"] == pytest.approx(job.history["loss"])
    inputs = {name: job.model.input_shape[-1] for name, job in jobs.items()}
    assert inputs == {"Iris flowers": 4, "Wine cultivars": 13, "Breast cancer": 30}
