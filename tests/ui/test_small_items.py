"""Small readings that were wrong: "↑ ±0" deltas, half-epoch ticks, "batch 0/4"."""

from __future__ import annotations

import copy

from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from gui.core.store.progress import Progress
from gui.ui.figures import charts
from tests.conftest import ROOT
from tests.core import trained_models as tm
from tests.ui import runs_helper


def test_a_tile_equal_to_the_compared_run_says_plus_minus_zero_without_an_arrow():
    at = AppTest.from_file(str(ROOT / "layerlab.py"), default_timeout=90)
    at.run()
    first = runs_helper.finished(at, tm.iris(), shown=False)
    spec = copy.deepcopy(tm.iris().spec)
    spec.fit.seed = 99  # another run, with the very same values at every epoch
    second = runs_helper.finished(at, tm.iris(), name="Again", spec=spec)
    at.switch_page("steps/train.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="train.compare").value == first.id != second.id
    tiles = {m.label: m.proto for m in at.metric}
    assert tiles, "no value tiles"
    for label, tile in tiles.items():
        assert tile.delta == "±0", (label, tile.delta)
        assert tile.direction == Metric.MetricDirection.NONE, label  # no ↑ before ±0


def test_short_runs_tick_whole_epochs_once_each():
    for epochs in (1, 3):
        history = {"loss": [0.9, 0.5, 0.3][:epochs]}
        fig = charts.curve_figure("loss", history, None, None, "validation", "")
        axis = fig.layout.xaxis
        assert (axis.tick0, axis.dtick, axis.tickformat) == (1, 1, "d"), axis
        lo, hi = axis.range
        assert [t for t in range(0, 20) if lo <= t <= hi] == list(range(1, max(epochs, 2) + 1))
        overlay = dict(charts.overlay_figures({"a": history}))["loss"]
        assert (overlay.layout.xaxis.tick0, overlay.layout.xaxis.dtick) == (1, 1)
    long = charts.curve_figure("loss", {"loss": [1.0] * 50}, None, None, "validation", "")
    assert long.layout.xaxis.dtick is None and long.layout.xaxis.tickformat == "d"


def test_progress_names_the_batch_only_when_caught_midway():
    assert Progress(136, 300, 0, 4).text(23.4) == "epoch 136/300 · 23 s"  # between epochs
    assert Progress(136, 300, 4, 4).text(23.4) == "epoch 136/300 · 23 s"  # its end
    assert Progress(2, 10, 17, 40).text(61) == "epoch 2/10 · batch 17/40 · 61 s"
    assert Progress(0, 10, 0, 0).text(0) == "epoch 1/10 · 0 s"


def test_charts_are_told_in_words_for_screen_readers():
    import numpy as np

    from gui.ui.figures import eval_charts
    from gui.ui.figures.describe import describe

    loss = [1.1 * 0.95 ** i for i in range(50)]
    (_, fig), = charts.history_figures({"loss": loss, "val_loss": [v + 0.04 for v in loss]})
    assert describe(fig) == (
        "Chart: loss. Loss against epoch. Training fell from 1.1 to 0.08909 over 50 epochs "
        "(lowest 0.08909); validation fell from 1.14 to 0.1291 over 50 epochs (lowest 0.1291).")
    matrix = eval_charts.confusion_matrix(np.array([[5, 1], [2, 7]]), ["No", "Yes"])
    text = describe(matrix)
    assert text.startswith("Chart: Confusion matrix. True class against predicted class.")
    assert "true class Yes, predicted class No: 2 22%" in text
    assert "<" not in text and "&" not in text  # plotly markup never read out


def test_the_main_buttons_colour_reads_and_is_not_a_weight_sign():
    import tomllib

    from gui.ui.figures.palette import NEGATIVE, POSITIVE

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    primary = config["theme"]["primaryColor"].lower()
    assert primary not in (POSITIVE.lower(), NEGATIVE.lower(), "#e8590c")

    def luminance(colour: str) -> float:
        rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    assert (1.05 / (luminance(primary) + 0.05)) >= 4.5  # white text on it: WCAG AA
