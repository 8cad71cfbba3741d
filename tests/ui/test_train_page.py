"""The Train page in Streamlit's AppTest: settings, Train, live charts and log, Stop, queue.

AppTest does not schedule `run_every` fragments, so the tests wait on the job and rerun.
"""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from gui.core.samples import by_name
from gui.core.spec import ExperimentSpec
from gui.core.vocabulary import DONE, FAILED, RUNNING, STOPPED
from gui.ui import state
from gui.ui.data_source import Choice

APP = "../../app.py"


def _session(sample: str | None = None) -> AppTest:
    """A session on the Train page with a sample chosen on the Data page."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    if sample is not None:
        at.selectbox(key="data.dataset").set_value(Choice.of({"sample": sample}).key).run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader][-1] == "Ready to train"
    at.switch_page("steps/train.py").run()
    assert not at.exception, at.exception
    return at


def _job(at: AppTest):
    return at.session_state[state._JOB]


def _spec(at: AppTest) -> ExperimentSpec:
    """The workspace's spec, as this session holds it."""
    return at.session_state["ll_doc"].spec


def _prepared(at: AppTest):
    """The session's prepared data (data_source keeps the current one in state.memo)."""
    return at.session_state["ll_memo"]["prepared"][1][0]


def _chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _finish(at: AppTest, timeout: float = 120) -> None:
    assert _job(at).wait(timeout), _job(at).status
    at.run()
    assert not at.exception, at.exception


def test_opened_first_in_a_fresh_session_it_is_ready_to_train_on_iris():
    """A bookmark of the Train page: a fresh workspace is on the Iris sample at once."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("steps/train.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "3 · Train"
    assert not at.info and not at.error, [x.value for x in (*at.info, *at.error)]
    assert "Train the network on the 120 training rows." in at.caption[0].value
    assert at.number_input(key="train.epochs").value == 50
    assert at.number_input(key="train.batch_size").value == 32
    assert at.button(key="train.start").label == "Train"
    assert not at.button(key="train.start").disabled


def test_data_choices_that_give_no_training_data_are_explained():
    at = _session()
    at.switch_page("steps/data.py").run()
    at.multiselect(key="data.features").set_value([]).run()
    at.switch_page("steps/train.py").run()
    assert not at.exception, at.exception
    assert "No feature column is chosen" in at.info[0].value
    links = [p.proto.label for p in at.get("page_link")
             if p.proto.page_script_hash == calc_hash("data")]
    assert links == ["Go to the Data page"]
    assert [b for b in at.button if b.key == "train.start"] == []
    assert not at.number_input


def test_train_shows_curves_log_and_final_values():
    at = _session()
    at.number_input(key="train.epochs").set_value(3).run()
    at.number_input(key="train.batch_size").set_value(16).run()
    spec = _spec(at)
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
    at.switch_page("steps/model.py").run()
    at.switch_page("steps/train.py").run()
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
    _spec(at).compile.loss = "binary_crossentropy"  # 3 classes: wrong
    at.run()
    assert at.button(key="train.start").disabled
    assert "problem" in at.error[0].value and "compile.loss" in at.error[0].value
    labels = [el.proto.label for el in at.get("page_link")]
    assert "Fix them on the Model page" in labels


def test_nan_failure_is_explained_without_a_traceback():
    at = _session()
    spec = _spec(at)
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
    assert len({at.query_params["w"] for at in sessions.values()}) == 3  # one workspace each
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
        assert job.prepared is _prepared(at)
        assert job.spec.data.source == _spec(at).data.source == by_name(name).file
        assert _chart_specs(at)[0]["data"][0]["y"] == pytest.approx(job.history["loss"])
    inputs = {name: job.model.input_shape[-1] for name, job in jobs.items()}
    assert inputs == {"Iris flowers": 4, "Wine cultivars": 13, "Breast cancer": 30}
