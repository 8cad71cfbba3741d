"""The charts' numbers and projector styling: the probability histogram counts every row,
the confusion matrix's cell text, the log-scale default, and projector mode's fonts."""

from __future__ import annotations

import numpy as np

from gui.ui.common.projector import FONT, MIN_TEXT_PX, projector_style
from gui.ui.figures import charts, eval_charts


def test_probability_histogram_counts_rows_at_exactly_0_and_1():
    p = np.array([0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.999, 0.05, 0.97])
    y = np.array([0, 0, 1, 1, 1, 1, 0, 1, 0, 1])
    fig = eval_charts.probability_histogram(p, y, ["benign", "malignant"], 0.5)
    counts = {trace.name: int(np.sum(trace.y)) for trace in fig.data}
    assert counts == {"true benign": 4, "true malignant": 6}  # every row, none dropped
    malignant = next(t for t in fig.data if t.name == "true malignant")
    last = int(np.argmax(malignant.x))
    assert malignant.x[last] - 0.025 < 1.0 <= malignant.x[last] + 0.025  # the bin holds 1.0
    assert malignant.y[last] == 6  # 1.0 ×4, 0.999 and 0.97: all in [0.95, 1]
    benign = next(t for t in fig.data if t.name == "true benign")
    assert benign.y[0] == 2  # the two rows at exactly 0


def test_confusion_matrix_cells_count_on_one_line_and_drop_the_share_for_many_classes():
    three = eval_charts.confusion_matrix(np.array([[12, 0, 0], [0, 9, 3], [0, 1, 11]]),
                                         ["a", "b", "c"])
    cell = three.data[0].text[1][2]
    assert cell.startswith("3<br>") and "25%" in cell and "font-size" in cell
    ten = eval_charts.confusion_matrix(np.diag(np.arange(1, 11)), [str(i) for i in range(10)])
    assert ten.data[0].text[3][3] == "4" and ten.data[0].text[0][1] == "0"


def test_log_scale_is_the_default_when_the_loss_spans_more_than_two_decades():
    regression = {"loss": [1.2e7, 3e5, 9e3, 2e3], "val_loss": [1.1e7, 4e5, 1e4, 2.5e3]}
    classification = {"loss": [1.1, 0.6, 0.3, 0.1]}
    assert charts.wants_log("loss", regression) and not charts.wants_log("loss", classification)
    assert not charts.wants_log("loss", {"loss": [5.0, -1.0, 0.001]})  # not all positive
    figures = dict(charts.history_figures(regression, log_loss=True))
    assert figures["loss"].layout.yaxis.type == "log"
    assert dict(charts.history_figures(regression))["loss"].layout.yaxis.type is None
    # A curve with a value ≤ 0 cannot be drawn on a log axis: the axis stays linear.
    cosine = charts.curve_figure("loss", {"loss": [-0.2, -0.5]}, log_y=True)
    assert cosine.layout.yaxis.type is None


def test_projector_style_makes_text_large_and_lines_thick():
    fig = dict(charts.history_figures({"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}))["loss"]
    styled = projector_style(fig)
    least = MIN_TEXT_PX  # the mode's promise: no text smaller
    assert styled.layout.font.size >= least and styled.layout.title.font.size > least
    assert styled.layout.xaxis.tickfont.size >= least <= styled.layout.yaxis.tickfont.size
    assert styled.layout.xaxis.title.font.size >= least <= styled.layout.legend.font.size
    assert all(trace.line.width >= 3.5 for trace in styled.data)
    cm = projector_style(eval_charts.confusion_matrix(np.eye(10, dtype=int),
                                                      [str(i) for i in range(10)]))
    assert cm.data[0].textfont.size == MIN_TEXT_PX
    small = projector_style(eval_charts.confusion_matrix(np.eye(3, dtype=int), "abc"))
    assert small.data[0].textfont.size > FONT
