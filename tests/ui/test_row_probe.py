"""The row section (gui/ui/row_probe.py) through AppTest, on finished runs in a workspace:
what-if controls move the prediction, a hardest-row button sends its row to the controls."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from gui.core.inspection import probe
from tests.core import trained_models as tm
from tests.ui import runs_helper


def probe_page():
    """The row section alone, bound to a workspace as app.py binds pages."""
    import streamlit as st

    from gui.ui.inside import row_probe
    from gui.ui.session import run_state, workspace

    workspace.bind()
    try:
        run = run_state.trained(run_state.shown())
        if run is None:
            st.info("No run.")
        else:
            shown = row_probe.show(run)
            st.session_state["test.probe"] = shown
    finally:
        workspace.sync()


def open_probe(trained: tm.Trained) -> AppTest:
    at = AppTest.from_function(probe_page, default_timeout=90)
    at.run()
    runs_helper.finished(at, trained)
    at.run()
    assert not at.exception, at.exception
    return at


def bars(at: AppTest) -> dict[str, float]:
    """The class probabilities the bars draw (each row's data-class and data-p)."""
    table = next(h.proto.body for h in at.html if "probe-probabilities" in h.proto.body)
    rows = re.findall(r'data-class="([^"]*)" data-p="([^"]*)"', table)
    return {html.unescape(name): float(p) for name, p in rows}


def sliders(at: AppTest) -> dict[str, float]:
    return {s.label.replace("\\", ""): s.value for s in at.slider}


def run_key(at: AppTest, name: str) -> str:
    return f"probe.{runs_helper.runs().list(runs_helper.token(at))[0].id}.{name}"


def test_it_starts_at_test_row_1_with_its_values_and_prediction():
    trained = tm.iris()
    at = open_probe(trained)
    row = probe.test_row_values(trained.prepared, 1)
    assert sliders(at) == pytest.approx(row)
    expected = trained.model.predict(trained.prepared.X_test[:1], verbose=0)[0]
    assert list(bars(at).values()) == pytest.approx(expected.tolist(), abs=1e-5)
    assert list(bars(at)) == ["setosa", "versicolor", "virginica"]
    shown = at.session_state["test.probe"]
    assert shown.row == pytest.approx(row)
    assert shown.activations["dense_2"] == pytest.approx(expected, abs=1e-5)
    assert set(shown.dead) == {"dense_1"}
    truth = trained.prepared.class_names[int(trained.prepared.y_test[0])]
    assert any(f"Test row 1 is really **{truth}**" in c.value for c in at.caption)


def test_moving_a_slider_changes_the_prediction_and_makes_the_row_ones_own():
    trained = tm.iris()
    at = open_probe(trained)
    before = bars(at)
    petal = at.slider(key=run_key(at, "f2"))
    petal.set_value(petal.max).run()
    assert not at.exception, at.exception
    after = bars(at)
    row = {**probe.test_row_values(trained.prepared, 1), "petal length (cm)": petal.max}
    expected = probe.WhatIf(trained.model, trained.prepared)(row).probabilities
    assert after == pytest.approx(expected, abs=1e-5)
    assert after != pytest.approx(before, abs=1e-3)
    assert at.radio(key=run_key(at, "source")).value == "own"
    assert at.slider(key=run_key(at, "f2")).value == pytest.approx(petal.max)
    assert not any("is really" in c.value for c in at.caption)  # no longer the test row


def test_a_hardest_row_button_sends_its_row_to_the_controls():
    trained = tm.iris()
    at = open_probe(trained)
    table = probe.test_rows(trained.model, trained.prepared)
    hardest = probe.hardest(table, "loss", 10)
    number = int(hardest[probe.TEST_ROW].iloc[1])
    shown = at.dataframe[0].value
    assert list(shown[probe.TEST_ROW]) == list(hardest[probe.TEST_ROW])
    assert np.all(np.diff(shown["loss"].to_numpy()) <= 0)  # largest loss first
    at.slider(key=run_key(at, "f0")).set_value(7.0).run()  # own values first
    at.get("button_group")[0].set_value(number).run()
    assert not at.exception, at.exception
    assert sliders(at) == pytest.approx(probe.test_row_values(trained.prepared, number))
    assert at.radio(key=run_key(at, "source")).value == "test"
    assert at.number_input(key=run_key(at, "test_row")).value == number
    expected = probe.WhatIf(trained.model, trained.prepared)(
        probe.test_row_values(trained.prepared, number)).probabilities
    assert bars(at) == pytest.approx(expected, abs=1e-5)


def test_regression_shows_the_value_in_the_targets_units_and_text_as_selects():
    trained = tm.tips()
    at = open_probe(trained)
    assert sorted(s.label for s in at.selectbox) == ["day", "sex", "smoker", "time"]
    assert sorted(sliders(at)) == ["size", "total_bill"]
    assert at.slider(key=run_key(at, "f5")).value == 2  # size: whole numbers, an int slider
    metric = at.metric[0]
    expected = trained.deploy.predict(trained.prepared.X_test[:1], verbose=0)[0, 0]
    assert float(metric.value) == pytest.approx(expected, rel=1e-3)
    at.selectbox(key=run_key(at, "f3")).set_value("Sun").run()
    row = {**probe.test_row_values(trained.prepared, 1), "day": "Sun"}
    value = probe.WhatIf(trained.model, trained.prepared)(row).predicted
    assert float(at.metric[0].value) == pytest.approx(value, rel=1e-3)
    assert at.dataframe[0].value.columns[:5].tolist() == [
        "test row", "true tip", "predicted tip", "true − predicted", "squared error"]
