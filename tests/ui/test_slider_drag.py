"""The what-if's drag reports (gui/ui/common/slider_drag.py) on their Python side, through
AppTest (which runs no JavaScript: the watcher's `moved` trigger is delivered here by calling
the callback it runs, what_if._on_drag; tests/e2e/test_what_if_drag_e2e.py drags in
chromium)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from gui.core.inspection import probe
from gui.ui.common import slider_drag
from tests.core import trained_models as tm
from tests.ui import runs_helper
from tests.ui.test_row_probe import bars, run_key


def drag_page():
    """The row section; a move held in the session ("test.drag": (slider number, value)) is
    delivered first, as the watcher's callback delivers it before a rerun."""
    import streamlit as st

    from gui.core.inspection import probe as probe_
    from gui.ui.inside import row_probe, what_if
    from gui.ui.session import run_state, workspace

    workspace.bind()
    try:
        run = run_state.trained(run_state.shown())
        move = st.session_state.pop("test.drag", None)
        if move is not None:
            what_if._on_drag(run.record.id, probe_.controls(run.prepared), *move)
        row_probe.show(run)
    finally:
        workspace.sync()


def test_moved_reads_a_slider_number_and_a_value_and_nothing_else():
    assert slider_drag.moved({"index": 2, "value": 4.5}) == (2, 4.5)
    assert slider_drag.moved({"index": 0, "value": 3}) == (0, 3.0)
    for bad in (None, [], {"index": "2", "value": 1}, {"index": -1, "value": 1},
                {"index": True, "value": 1}, {"index": 1, "value": "x"}, {"index": 1}):
        assert slider_drag.moved(bad) is None


def test_css_class_is_the_one_streamlit_gives_a_keyed_widget():
    assert slider_drag.css_class("probe.12.f3") == "st-key-probe-12-f3"
    assert slider_drag.css_class(" a b/c ") == "st-key-a-b-c"


def test_a_held_slider_moves_the_prediction_and_keeps_its_own_value_until_let_go():
    trained = tm.iris()
    at = AppTest.from_function(drag_page, default_timeout=90)
    at.run()
    runs_helper.finished(at, trained)
    at.run()
    assert not at.exception, at.exception
    watchers = [e for e in at.get("bidi_component")
                if e.proto.component_name == "layerlab_slider_drag"]
    assert len(watchers) == 1  # one watcher, for the sliders keyed probe.<run>.f<number>
    prefix = json.loads(watchers[0].proto.json)["prefix"]
    assert prefix == slider_drag.css_class(run_key(at, "f"))
    petal = at.slider(key=run_key(at, "f2"))
    start, held = petal.value, petal.max - 0.05
    at.session_state["test.drag"] = (2, held)  # petal length, held near its maximum
    at.run()
    assert not at.exception, at.exception
    row = {**probe.test_row_values(trained.prepared, 1), "petal length (cm)": held}
    expected = probe.WhatIf(trained.model, trained.prepared)(row).probabilities
    assert bars(at) == pytest.approx(expected, abs=1e-5)
    assert at.radio(key=run_key(at, "source")).value == "own"
    # Under the mouse the slider is not set from the script (its thumb would jump back).
    assert at.slider(key=run_key(at, "f2")).value == pytest.approx(start)
    # Let go: the slider sends its own value; slider, row and prediction agree.
    at.slider(key=run_key(at, "f2")).set_value(petal.min).run()
    row["petal length (cm)"] = petal.min
    expected = probe.WhatIf(trained.model, trained.prepared)(row).probabilities
    assert bars(at) == pytest.approx(expected, abs=1e-5)
    assert at.slider(key=run_key(at, "f2")).value == pytest.approx(petal.min)
    # A move of a slider past its range is held to the range.
    at.session_state["test.drag"] = (2, petal.max + 10)
    at.run()
    row["petal length (cm)"] = petal.max
    expected = probe.WhatIf(trained.model, trained.prepared)(row).probabilities
    assert bars(at) == pytest.approx(expected, abs=1e-5)
