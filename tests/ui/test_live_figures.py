"""The live curves: few points drawn, every epoch stored; figures plotly accepts as valid."""

from __future__ import annotations

import gc
import math
import subprocess
import sys

import plotly.graph_objects as go
import pytest

from gui.ui.figures import charts
from gui.ui.figures.decimate import MAX_POINTS, kept_points


def test_short_curves_are_drawn_whole():
    assert kept_points([0.3, 0.2, 0.1]) == [0, 1, 2]
    fig = charts.curve_figure("loss", {"loss": [0.9, 0.5, 0.2], "val_loss": [1.0, 0.7, 0.6]},
                              {"loss": [1.2, 1.0]}, epochs=10, previous_name="Run 1")
    assert [list(t.y) for t in fig.data] == [[1.2, 1.0], [0.9, 0.5, 0.2], [1.0, 0.7, 0.6]]
    assert list(fig.data[1].x) == [1, 2, 3] and fig.data[0].line.dash == "dash"
    assert fig.layout.xaxis.range == (0.5, 10.5)


def test_a_long_curve_keeps_its_ends_and_its_extremes():
    values = [1 / (i + 1) for i in range(5000)]
    values[1234], values[4321] = 7.5, -2.0  # a spike and a dip
    values[2000] = math.nan
    kept = kept_points(values)
    assert len(kept) <= MAX_POINTS and kept == sorted(set(kept))
    assert {0, 4999, 1234, 4321} <= set(kept)
    fig = charts.curve_figure("loss", {"loss": values}, epochs=5000)
    (trace,) = fig.data
    assert len(trace.x) == len(kept) and trace.x[0] == 1 and trace.x[-1] == 5000
    assert 1235 in list(trace.x) and max(trace.y) == 7.5 and min(trace.y) == -2.0


@pytest.mark.parametrize("log_y", [False, True])
def test_the_curves_are_valid_plotly_figures(log_y):
    history = {"loss": [10.0 ** (-i / 100) for i in range(600)], "val_loss": [1.0] * 600,
               "accuracy": [0.5] * 600}
    for name, fig in charts.history_figures(history, {"loss": [1.0, 0.5]}, 1000,
                                            log_loss=log_y):
        checked = go.Figure(fig.to_dict())  # plotly's own validation: raises on any mistake
        assert checked.layout.title.text == charts.quantity_label(name)
        assert checked.layout.template.layout.paper_bgcolor == "white"
    empty = charts.curve_figure("loss", {}, epochs=5)
    assert go.Figure(empty.to_dict()).layout.annotations[0].text.startswith("The first epoch")
    assert charts.curve_figure("loss", history, log_y=True).layout.yaxis.type == "log"


def test_a_quantity_never_below_zero_gets_no_axis_below_zero():
    falling = {"loss": [5.0, 1.0, 0.01], "val_loss": [6.0, 2.0, 0.02]}
    assert charts.curve_figure("loss", falling).layout.yaxis.rangemode == "nonnegative"
    r2 = {"r2_score": [-3.5, 0.2, 0.6]}  # R² can be negative: its axis follows it
    assert charts.curve_figure("r2_score", r2).layout.yaxis.rangemode is None


def test_the_heap_is_not_frozen_before_keras_is_imported():
    """No Keras, no collection at the end of Streamlit's runs: the first page (the Data page)
    does not wait for a full collection."""
    code = ("import gc, sys, pandas\n"
            "from gui.ui.common import heap\n"
            "heap.freeze_after_imports()\n"
            "print('keras' in sys.modules, gc.get_freeze_count())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": "."})
    assert out.stdout.split()[-2:] == ["False", "0"]


def test_the_server_s_heap_is_frozen_once_after_imports():
    code = ("import gc, keras\n"
            "from gui.ui.common import heap\n"
            "heap.freeze_after_imports(); frozen = gc.get_freeze_count()\n"
            "heap.freeze_after_imports()\n"
            "print(frozen, gc.get_freeze_count())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": "."})
    frozen, again = map(int, out.stdout.split()[-2:])
    assert frozen > 100_000 and again == frozen  # TensorFlow's objects; not frozen twice
    assert gc.get_freeze_count() >= 0
