"""The Train page in Streamlit's AppTest: settings, Train, live charts and log, Stop, queue.

Train queues a run in the workspace's store and the process's real worker pool trains it
(run_state.pool). AppTest does not schedule `run_every` fragments, so the tests poll the
run's record until it has finished, then rerun the page.
"""

from __future__ import annotations

import html
import json
import re
import time

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from gui.core.data.samples import by_name
from gui.core.saving.load import load_run_model
from gui.core.spec.schema import ExperimentSpec
from gui.core.spec.vocabulary import DONE, FAILED, RUNNING, STOPPED
from gui.core.store.runs import RunRecord, Runs
from gui.core.workers.pool import SLOTS_ENV
from gui.ui.session import run_state, workspace
from gui.ui.session.data_source import Choice
from tests.ui import runs_helper

APP = "../../layerlab.py"


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


def _runs() -> Runs:
    return Runs(workspace.store())


def _token(at: AppTest) -> str:
    return at.session_state[workspace.TOKEN]


def _record(at: AppTest) -> RunRecord:
    """The run the session's pages show, as it is in the store now."""
    run_id = at.session_state["ll_doc"].run
    assert run_id is not None, "no run is shown"
    return _runs().get(_token(at), run_id)


def _spec(at: AppTest) -> ExperimentSpec:
    """The workspace's spec, as this session holds it."""
    return at.session_state["ll_doc"].spec


def _log(at) -> list[str]:
    """The epoch log's lines as the page shows them (live.log_block: a plain <pre>)."""
    blocks = [h.value for h in at.html if 'class="ll-log' in h.value]
    assert blocks, "no epoch log on the page"
    return html.unescape(re.sub(r"<[^>]+>", "", blocks[0])).splitlines()


def _curves(at: AppTest) -> dict:
    """The data of the finished run's curves (the live panel's component, drawn once)."""
    (curves,) = [json.loads(e.proto.json) for e in at.get("bidi_component")
                 if e.proto.component_name == "layerlab_live_panel"]
    assert curves["url"] is None  # nothing polled
    return curves


def _live_panels(at: AppTest) -> list[dict]:
    """The data of the Train page's live panels (a components-v2 element each)."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component")
            if e.proto.component_name == "layerlab_live_panel"]


def _wait_until(at: AppTest, done, timeout: float, what: str) -> RunRecord:
    deadline = time.time() + timeout
    while not done(record := _record(at)):
        assert time.time() < deadline, f"{record.name} is {record.status}, not {what}, " \
                                       f"after {timeout} s"
        time.sleep(0.1)
    return record


def _finish(at: AppTest, timeout: float = 120) -> RunRecord:
    """Wait for the shown run to end and its model to be saved (the pool's workers train
    it), then redraw the page."""
    record = _wait_until(at, lambda r: not r.active and not r.model_pending, timeout,
                         "finished")
    at.run()
    assert not at.exception, at.exception
    return record


def test_opened_first_in_a_fresh_session_it_is_ready_to_train_on_iris():
    """A bookmark of the Train page: a fresh workspace is on the Iris sample at once."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("steps/train.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "3 · Train"
    assert not at.info and not at.error, [x.value for x in (*at.info, *at.error)]
    assert "Train the network on the 120 training rows." in at.caption[0].value
    assert at.number_input(key="train.epochs").value == 200  # SIZE_RULES for 120 rows
    assert at.number_input(key="train.batch_size").value == 16
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
    record = _record(at)
    assert record.name == "Run 1" and record.spec.to_dict() == spec.to_dict()
    record = _finish(at)
    assert record.status == DONE and record.epochs_done == 3 and record.has_model
    assert _runs().model_path(_token(at), record.id).exists()
    assert set(record.test_metrics) == {"loss", "accuracy"}
    assert at.success[0].value.startswith("Trained 3 epochs in ")
    curves = _curves(at)
    assert set(curves["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert curves["titles"] == {"loss": "loss", "accuracy": "accuracy"}
    assert curves["history"]["loss"] == pytest.approx(record.history["loss"])
    assert curves["planned"] == 0 and curves["compared"] is None  # the epochs run, alone
    assert curves["alts"]["loss"].startswith("Chart: loss")  # each chart in words
    assert "over 3 epochs" in curves["alts"]["loss"]
    assert at.get("plotly_chart") == []  # no Plotly on the Train page
    log = _log(at)
    assert log[0].startswith("Epoch 1/3 - loss: ") and log[-1].startswith("Epoch 3/3 - ")
    assert at.button(key="train.start").label == "Train again"
    assert not at.button(key="train.start").disabled
    # While a run is shown the settings are folded, and drawn only once unfolded.
    assert [e.label for e in at.expander if e.label.startswith("Settings: ")]
    assert not [w for w in at.number_input if w.key == "train.epochs"]
    runs_helper.unfold_settings(at)
    # The run trained a snapshot of the spec: a later change is not the run's, and is named.
    at.number_input(key="train.epochs").set_value(4).run()
    assert _record(at).spec.fit.epochs == 3
    assert "Changed since Run 1 was trained" in at.info[0].value
    assert "`fit.epochs`" in at.info[0].value
    # the folded settings are the next run's now, not the shown run's: they say so
    assert [e.label for e in at.expander if e.label.startswith("Next run's settings: epochs 4")]


def test_retraining_overlays_the_previous_run_dashed():
    at = _session()
    at.number_input(key="train.epochs").set_value(2).run()
    at.button(key="train.start").click().run()
    first = _finish(at)
    runs_helper.unfold_settings(at)
    at.number_input(key="train.seed").set_value(7).run()
    at.button(key="train.start").click().run()
    second = _finish(at)
    assert (first.name, second.name) == ("Run 1", "Run 2") and second.status == DONE
    assert at.selectbox(key="train.compare").value == first.id
    curves = _curves(at)
    assert curves["compared_name"] == "Run 1"  # drawn dashed, named, beside this run's
    dashed, solid = curves["compared"]["loss"], curves["history"]["loss"]
    assert dashed == pytest.approx(first.history["loss"])
    assert curves["compared"]["val_loss"] == pytest.approx(first.history["val_loss"])
    assert solid == pytest.approx(second.history["loss"])
    assert solid != pytest.approx(dashed)  # another seed, other curves
    assert "Run 1" in curves["alts"]["loss"]  # the words name the compared run too
    at.selectbox(key="train.compare").set_value(0).run()  # "no other run"
    assert _curves(at)["compared"] is None
    # Continuing shows the continuation compared with the run it continues (Run 2), not
    # with the choice made for the run shown before it, nor with the last run created.
    at.button(key="train.continue").click().run()
    third = _finish(at)
    assert third.parent == second.id and third.name.startswith("Run 2 +")
    assert at.selectbox(key="train.compare").value == second.id
    assert _curves(at)["compared_name"] == "Run 2"


def test_stop_keeps_the_model_and_navigation_does_not_interrupt():
    at = _session()
    at.number_input(key="train.epochs").set_value(5000).run()
    at.button(key="train.start").click().run()
    record = _wait_until(at, lambda r: r.epochs_done >= 1 or not r.active, 120,
                         "past its first epoch")
    assert record.status == RUNNING, (record.status, record.error)
    at.switch_page("steps/model.py").run()
    banner = [b for b in runs_helper.banner(at) if b.startswith("**Training Run 1** · epoch")]
    assert len(banner) == 1, runs_helper.banner(at)  # every other page says so
    at.switch_page("steps/train.py").run()
    assert not at.exception, at.exception
    again = _record(at)
    assert again.id == record.id and again.status == RUNNING
    assert again.epochs_done >= record.epochs_done
    # While it trains, the live panel shows it and reads the rest from the live feed.
    (panel,) = _live_panels(at)
    assert panel["url"] == f"api/live/{record.id}?w={_token(at)}"
    assert panel["state"] == [True, False, False] and panel["planned"] == 5000
    first = panel["initial"]
    assert first["status"] == RUNNING and first["epochs"] >= record.epochs_done >= 1
    assert first["history"]["loss"][:record.epochs_done] == pytest.approx(
        record.history["loss"])
    assert [t["label"] for t in first["tiles"]][:2] == ["loss", "validation loss"]
    assert at.get("plotly_chart") == [] and at.get("progress") == []  # nothing polls
    assert [b for b in at.button if b.key == "train.start"] == []  # it trains: no plain Train
    assert [b for b in at.button if b.key == "train.queue"] == []  # folded: not drawn
    runs_helper.unfold_settings(at)
    assert not at.button(key="train.queue").disabled
    assert not at.button(key="train.stop").disabled
    # Stop is the one primary button, in Train's place; training other settings is quieter.
    assert [b.key for b in at.button if b.proto.type == "primary"] == ["train.stop"]
    assert at.button(key="train.stop").label == "Stop"
    assert at.button(key="train.queue").label == "Queue these settings"
    assert at.button(key="train.restart").label == "Stop and train these"
    at.button(key="train.stop").click().run()
    assert not at.exception, at.exception
    record = _finish(at, timeout=30)
    assert record.status == STOPPED and record.has_model, (record.status, record.note)
    assert _runs().model_path(_token(at), record.id).exists()
    assert "Stopped by you" in at.warning[0].value
    assert 1 <= record.epochs_done < 5000
    assert at.button(key="train.start").label == "Train again"


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
    record = _finish(at)
    assert record.status == FAILED and not record.has_model
    text = at.error[0].value
    assert "NaN" in text and "learning rate" in text.lower() and "Traceback" not in text
    assert text == record.error


@pytest.fixture
def one_slot(monkeypatch):
    """The process's training pool replaced by one with a single worker (and back after)."""
    def restart() -> None:
        run_state.pool().close()
        run_state._pool.clear()  # the next page run starts a pool from the environment

    restart()
    monkeypatch.setenv(SLOTS_ENV, "1")
    yield
    restart()


def test_sessions_queue_for_slots_and_keep_their_own_runs(one_slot):
    """Three classroom sessions on one training slot: each waits its turn, sees its own run."""
    users = {"Iris flowers": 4, "Wine cultivars": 3, "Breast cancer": 2}
    sessions = {name: _session(name) for name in users}
    assert len({_token(at) for at in sessions.values()}) == 3  # one workspace each
    assert run_state.pool().slots == 1
    first = sessions["Iris flowers"]
    first.number_input(key="train.epochs").set_value(5000).run()
    first.button(key="train.start").click().run()
    _wait_until(first, lambda r: r.status == RUNNING, 120, "running")  # the slot is taken
    for name in ("Wine cultivars", "Breast cancer"):
        at = sessions[name]
        at.number_input(key="train.epochs").set_value(users[name]).run()
        at.button(key="train.start").click().run()
        assert not at.exception, at.exception
    # Which of the two waits depends on how many workers this test process holds (AppTest
    # sessions of earlier tests may keep pools of their own): at least the queue message
    # or the run's progress is shown, for that session's own run.
    for name in ("Wine cultivars", "Breast cancer"):
        at = sessions[name]
        waiting = [i.value for i in at.info if i.value.startswith("Waiting for a free")]
        assert waiting or _live_panels(at), f"{name}: no queue message nor live panel"
    # a run stopped before its first epoch ends keeps no model: stop it after one
    _wait_until(first, lambda r: r.epochs_done >= 1, 120, "an epoch done")
    first.run()
    first.button(key="train.stop").click().run()
    records = {name: _finish(at, timeout=180) for name, at in sessions.items()}
    assert len({r.id for r in records.values()}) == 3
    assert records["Iris flowers"].status == STOPPED
    for name in ("Wine cultivars", "Breast cancer"):
        record, at = records[name], sessions[name]
        assert record.status == DONE and record.epochs_done == users[name]
        assert record.workspace == _token(at)
        assert record.data == {"dataset": {"sample": name}, "test": None}
        assert record.spec.data.source == _spec(at).data.source == by_name(name).file
        assert _curves(at)["history"]["loss"] == pytest.approx(record.history["loss"])
    inputs = {name: load_run_model(_runs().model_path(r.workspace, r.id))[0].input_shape[-1]
              for name, r in records.items()}
    assert inputs == {"Iris flowers": 4, "Wine cultivars": 13, "Breast cancer": 30}


def test_an_interrupted_run_says_its_kept_model_once_and_a_run_without_epochs_no_log():
    """The store's note on an interrupted run already names the model kept: the page says
    it once. A run stopped before any epoch has no log line to wait for."""
    from gui.core.spec.vocabulary import INTERRUPTED
    from tests.core import trained_models as tm

    at = _session()
    record = runs_helper.finished(at, tm.iris())
    _runs().report(record.id, status=INTERRUPTED, model_epoch=record.epochs_done - 1,
                   note="Interrupted: the server stopped while this run was training. The "
                        f"model of epoch {record.epochs_done - 1} was kept.")
    at.run()
    (words,) = [w.value for w in at.warning if "Interrupted" in w.value]
    assert words.count(f"epoch {record.epochs_done - 1}") == 1, words
    assert words.startswith("Interrupted: the server stopped while this run was training — "
                            f"after {record.epochs_done} epochs"), words
    early = runs_helper.add(at, record.spec, STOPPED, "Early", note="Stopped before it began.")
    runs_helper.show(at, early)
    at.run()
    logs = [h.proto.body for h in at.get("html") if 'class="ll-log' in h.proto.body]
    assert logs and "No epoch ended in this run." in logs[-1], logs
