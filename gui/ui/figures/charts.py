"""Plotly figures for LayerLab's pages. No Streamlit here: pages pass the figures on.

Training curves: one figure per quantity (loss, then each metric), the training and
validation values on the same axes, and optionally the previous run's curves overlaid, dashed,
for comparison. A curve spanning more than two decades (e.g. a regression's MSE falling from
1e7) reads better on a log axis: `wants_log` says when that is the default.

The training curves are redrawn while a run trains, for every tab that watches it, so they
cost little: built as plain dicts (plotly's per-property validation skipped; a test checks
that they validate), with at most decimate.MAX_POINTS points per curve (every epoch stays
in the run's record), and the same figure for the same values, so Streamlit's message cache
can skip sending it again.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from gui.ui.figures.decimate import kept_points
from gui.ui.text import plot_text

TRAIN_COLOR = "#1c7ed6"       # same colours as the evaluate page's train / test
VALIDATION_COLOR = "#c2255c"  # crimson: orange means a negative weight (palette.py)
CURVE_LAYOUT = dict(template="plotly_white", height=320,
                    margin=dict(l=60, r=20, t=48, b=44),
                    legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right",
                                x=1.0, font=dict(size=11)),
                    hovermode="x unified")


def quantity_label(name: str) -> str:
    """'mean_absolute_error' → 'mean absolute error'."""
    return name.replace("_", " ")


def curve_quantities(*histories: dict | None) -> list[str]:
    """The quantities to plot: loss first, then the metrics, in the order Keras logs them."""
    names: list[str] = []
    for history in histories:
        for key in history or {}:
            base = key[4:] if key.startswith("val_") else key
            if base not in names:
                names.append(base)
    return sorted(names, key=lambda n: (n != "loss", names.index(n)))


DECADES = 100.0  # max/min above this: the log axis is the default


def _values(name: str, histories) -> list[float]:
    return [v for h in histories if h for key in (name, f"val_{name}")
            for v in h.get(key) or [] if v is not None and math.isfinite(v)]


def can_log(name: str, *histories: dict | None) -> bool:
    """A log axis can draw the `name` curves: every value is positive."""
    values = _values(name, histories)
    return bool(values) and min(values) > 0


def wants_log(name: str, *histories: dict | None) -> bool:
    """Whether the `name` curves span more than two decades (max/min > 100) of positive
    values, so that a log y axis is the better default."""
    values = _values(name, histories)
    return can_log(name, *histories) and max(values) / min(values) > DECADES


@functools.cache
def _template() -> dict:
    """CURVE_LAYOUT's template as a plain dict: its layout and its scatter defaults only."""
    template = pio.templates[CURVE_LAYOUT["template"]]
    return {"layout": template.layout.to_plotly_json(),
            "data": {"scatter": [t.to_plotly_json() for t in template.data.scatter]}}


def _trace(values: list[float], name: str, color: str, previous: bool) -> dict:
    kept = kept_points(values)
    line = dict(color=color, width=1.5 if previous else 2.5)
    if previous:
        line["dash"] = "dash"
    kept = np.asarray(kept, dtype=np.int64)
    return dict(
        type="scatter", x=kept + 1, y=np.asarray(values, dtype=float)[kept], name=name,
        mode="lines+markers" if len(values) < 30 else "lines", line=line,
        marker=dict(size=4 if previous else 6), opacity=0.55 if previous else 1.0,
        hovertemplate=f"{name}: %{{y:.4f}}<extra></extra>")


def curve_figure(name: str, history: dict, previous: dict | None = None,
                 epochs: int | None = None, validation_label: str = "validation",
                 previous_name: str = "previous run", log_y: bool = False) -> go.Figure:
    """`name` per epoch: training and validation (solid), another run's for comparison
    (dashed, named `previous_name` in the legend).

    Args:
        name: the quantity, e.g. "loss" or "accuracy"; `val_<name>` is the validation curve.
        history / previous: {quantity: values per epoch}, e.g. TrainingJob.history.
        epochs: the planned number of epochs, to fix the x axis while training runs.
        validation_label: legend name of the validation curve (e.g. "test" when the test
            set is the validation data).
        log_y: a logarithmic y axis (only drawn when every value is positive).
    """
    traces = []
    for source, is_previous in ((previous, True), (history, False)):
        if not source:
            continue
        suffix = f" ({plot_text(previous_name)})" if is_previous else ""
        if source.get(name):
            traces.append(_trace(source[name], "training" + suffix, TRAIN_COLOR, is_previous))
        if source.get(f"val_{name}"):
            traces.append(_trace(source[f"val_{name}"], validation_label + suffix,
                                 VALIDATION_COLOR, is_previous))
    longest = max([len(v) for h in (history, previous) if h for v in h.values()] + [1])
    right = max(epochs or 0, longest, 2)
    label = quantity_label(name)
    yaxis = dict(title=dict(text=label), tickformat=",.4~g")
    if all(v >= 0 for t in traces for v in t["y"] if v == v):
        yaxis["rangemode"] = "nonnegative"  # a loss never drawn below an axis' 0
    if log_y and can_log(name, history, previous):
        yaxis.update(type="log", title=dict(text=f"{label} (log scale)"))
    layout = {key: value for key, value in CURVE_LAYOUT.items() if key != "template"}
    layout.update(template=_template(), title=dict(text=label, x=0.01), uirevision=name,
                  xaxis=dict(title=dict(text="epoch"), range=[0.5, right + 0.5],
                             rangemode="tozero", **epoch_ticks(right)),
                  yaxis=yaxis)
    if not traces:
        layout["annotations"] = [dict(
            text="The first epoch's values appear here when it ends.", showarrow=False,
            x=0.5, y=0.5, xref="paper", yref="paper", font=dict(color="#868e96"))]
        yaxis["showticklabels"] = False
    # Plain dicts, already in plotly's own form: no per-property validation on each redraw.
    return go.Figure(dict(data=traces, layout=layout), _validate=False)


def epoch_ticks(last: int) -> dict:
    """Whole-epoch ticks: one per epoch up to 10 epochs (plotly would tick 0.5 apart and
    round them to "1, 1, 2, 2, 3"), else plotly's own whole-number steps."""
    return {"tickformat": "d", "dtick": 1, "tick0": 1} if last <= 10 else {"tickformat": "d"}


def history_figures(history: dict, previous: dict | None = None, epochs: int | None = None,
                    validation_label: str = "validation", previous_name: str = "previous run",
                    log_loss: bool = False) -> list[tuple[str, go.Figure]]:
    """[(quantity, figure)] for every quantity in `history` (and `previous`), loss first;
    `log_loss`: the loss on a log axis."""
    names = curve_quantities(history, previous) or ["loss"]
    return [(n, curve_figure(n, history, previous, epochs, validation_label, previous_name,
                             log_y=log_loss and n == "loss"))
            for n in names]


RUN_COLORS = ("#1c7ed6", "#c2255c", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599", "#e03131",
              "#5c940d", "#6741d9", "#868e96")


def overlay_figures(histories: dict[str, dict]) -> list[tuple[str, go.Figure]]:
    """Several runs on the same axes, one colour per run: training solid, validation dashed.

    Args:
        histories: {run name: {quantity: values per epoch}}, in the order to draw them.
    """
    names = curve_quantities(*histories.values()) or ["loss"]
    figures = []
    for name in names:
        fig = go.Figure()
        for i, (run, history) in enumerate(histories.items()):
            color = RUN_COLORS[i % len(RUN_COLORS)]
            for key, dash, what in ((name, None, "training"), (f"val_{name}", "dash",
                                                                "validation")):
                values = history.get(key) or []
                if values:
                    fig.add_trace(go.Scatter(
                        x=list(range(1, len(values) + 1)), y=values,
                        name=f"{plot_text(run)} · {what}",
                        mode="lines", line=dict(color=color, width=2, dash=dash),
                        hovertemplate=f"{plot_text(run)} {what}: %{{y:.4f}}<extra></extra>"))
        fig.update_layout(**CURVE_LAYOUT, title=dict(text=quantity_label(name), x=0.01),
                          xaxis=dict(title="epoch", rangemode="tozero",
                                     **epoch_ticks(max((len(v) for h in histories.values()
                                                        for v in h.values()), default=1))),
                          yaxis=dict(title=quantity_label(name), tickformat=",.4~g"))
        figures.append((name, fig))
    return figures
