"""The Model page's "Find a better network" through Streamlit's AppTest, with the real pool
and search driver of the test process: Start queues a search whose trials are runs, the
progress shows trials, the best so far and the chart, Stop ends it, and "Use the best
network" makes the best trial's network the design."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from gui.core.store.runs import Runs
from gui.core.store.searches import Searches
from gui.ui.session import workspace
from tests.conftest import ROOT

APP = str(ROOT / "layerlab.py")


def _wait(predicate, timeout: float, what: str):
    deadline = time.time() + timeout
    while not (value := predicate()):
        assert time.time() < deadline, f"not {what} within {timeout} s"
        time.sleep(0.2)
    return value


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_start_shows_progress_stop_and_use_the_best_network():
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()  # the Data page, on the Iris sample
    at.switch_page("steps/model.py").run()
    assert not at.exception, at.exception
    assert "Find a better network" in [s.value for s in at.subheader]
    assert any("validation rows only" in c.value for c in at.caption)
    assert "model.search_use_best" not in [b.key for b in at.button]  # no best yet
    token = at.session_state[workspace.TOKEN]
    searches, runs = Searches(workspace.store()), Runs(workspace.store())

    at.segmented_control(key="model.search_minutes").set_value(3).run()
    at.button(key="model.search_start").click().run()
    assert not at.exception, at.exception
    record = searches.latest(token)
    assert record is not None and record.minutes == 3 and record.active
    assert at.button(key="model.search_start").disabled
    # the first trial is a run of the workspace, training in the pool
    first = _wait(lambda: (r := searches.latest(token)).trials and r.trials[0], 120,
                  "a first trial")
    run = runs.get(token, first.run)
    assert run.name == "Search 1 · trial 1" and run.data["search"] == record.id
    _wait(lambda: runs.get(token, first.run).epochs_done >= 3, 180, "three epochs")
    at.run()
    assert not at.exception, at.exception
    assert {"Trials done", "Best validation accuracy", "Time left"} <= \
        {m.label for m in at.metric}
    assert any("Search 1: training trial" in c.value for c in at.caption)

    at.button(key="model.search_stop").click().run()
    ended = _wait(lambda: (r := searches.latest(token)) and not r.active and r, 60,
                  "stopped")
    assert ended.status == "stopped" and ended.best_run in [t.run for t in ended.trials]
    at.run()
    assert not at.exception, at.exception
    assert _metric(at, "Best validation accuracy") == f"{ended.best_score:.4f}"
    assert _metric(at, "Trials done") == str(len(ended.trials))
    assert len(at.get("plotly_chart")) >= 1  # the score per trial
    assert not at.button(key="model.search_start").disabled  # another may start

    before = at.session_state["ll_doc"].spec
    best = runs.get(token, ended.best_run).spec
    best_name = runs.get(token, ended.best_run).name
    at.button(key="model.search_use_best").click().run()
    assert not at.exception, at.exception
    spec = at.session_state["ll_doc"].spec
    if ended.best_run == ended.trials[0].run:  # the design as the search began: unchanged
        assert spec.to_dict() == before.to_dict()
        assert any(f"The design as the search began ({best_name}) was the best" in i.value
                   for i in at.info)
        return
    assert spec.layers == best.layers and spec.layers != [] and spec.data == before.data
    assert spec.compile.learning_rate == best.compile.learning_rate
    assert spec.fit.batch_size == best.fit.batch_size
    assert any(f"The design is now {best_name}" in s.value for s in at.success)
    # the workspace holds it: a new session on the same link shows the same design
    assert workspace.store().load(token).state["spec"]["fit"]["batch_size"] == \
        best.fit.batch_size
