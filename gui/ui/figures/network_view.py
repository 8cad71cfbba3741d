"""The network view: inputs, every Dense neuron and the outputs as nodes, weights as lines.

As TensorFlow Playground draws it: a line's colour is the weight's sign (blue positive, orange
negative), its thickness the weight's size relative to the largest in its layer; hovering a
line's middle shows the exact weight, hovering a neuron its bias (and, with a row probe, its
activation for that row). The scaling layer, Dropout, BatchNormalization and Activation layers
are labelled bands between the columns where they act. Past WIDE units a column shows only
the STRONGEST incoming weights of each neuron, and the chart says so.

Example:
    fig = network_figure(model, prepared.preprocessor, probe=row_probe.show(trained))
    st.plotly_chart(fig)

Plotly only (no Streamlit): the figure is built from the model's current weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from gui.core.spec.layer_kinds import KINDS, SCALING_LAYERS, kind_of
from gui.ui.text import plot_text

POSITIVE, NEGATIVE = "#0877bd", "#e8710a"  # Playground's blue and orange
WIDE = 32          # units past which only the strongest connections are drawn
STRONGEST = 4      # incoming weights kept per neuron in a wide layer
WIDTHS = (0.4, 0.9, 1.6, 2.6, 4.0)  # line widths by |w| / max |w| in fifths
DEAD = "#9e9e9e"
MAX_GAP = 0.2      # the most vertical space between two nodes (the column's height is 1)


@dataclass
class Column:
    """One column of nodes: the inputs or a Dense layer."""

    title: str
    labels: list[str]                 # plain text; escaped when drawn
    layer: str | None = None          # the Keras layer name (None: inputs)
    kernel: np.ndarray | None = None  # (inputs, units) into this column
    bias: np.ndarray | None = None
    bands: list[str] = field(default_factory=list)  # layers acting after this column


def columns(model, prep) -> list[Column]:
    """The model's Dense layers as columns, the other layers as bands between them."""
    cols = [Column(f"Inputs · {prep.n_inputs}", [str(n) for n in prep.encoded_names_])]
    dense = [item for item in model.layers if kind_of(type(item).__name__).learns]
    for item in model.layers:
        kind = type(item).__name__
        if kind_of(kind).learns:
            weights = item.get_weights()
            kernel = weights[0]
            bias = weights[1] if len(weights) > 1 else np.zeros(kernel.shape[1])
            units = kernel.shape[1]
            activation = item.get_config().get("activation", "linear")
            last = item is dense[-1]
            labels = (_output_labels(prep, units) if last
                      else [f"{item.name} #{i + 1}" for i in range(units)])
            title = (f"Output · {activation}" if last
                     else f"{item.name} · {units} {activation}")
            cols.append(Column(title, labels, item.name, kernel, bias))
        else:
            cols[-1].bands.append(_band(item, kind))
    return cols


def _band(item, kind: str) -> str:
    if kind in SCALING_LAYERS:
        return SCALING_LAYERS[kind].band
    if kind in KINDS:
        return KINDS[kind].label(item.get_config())
    if kind == "Rescaling":
        return "target units"
    return kind


def _output_labels(prep, units: int) -> list[str]:
    classes = [str(c) for c in getattr(prep, "classes_", [])]
    if prep.task == "regression":
        return [str(prep.spec.target or "prediction")] * units if units == 1 else [
            f"output {i + 1}" for i in range(units)]
    if units == len(classes):
        return classes
    if units == 1 and len(classes) == 2:
        return [f"P({classes[1]})"]
    return [f"output {i + 1}" for i in range(units)]


def _positions(count: int, spacing: float) -> np.ndarray:
    """Heights of a column's nodes, the first at the top."""
    return ((count - 1) / 2 - np.arange(count)) * spacing


def network_figure(model, prep, probe=None, title: str | None = None,
                   height: int = 540) -> go.Figure:
    """The figure of `model`'s current weights; `probe` (row_probe.RowProbe) colours the
    neurons by their activation for its row and marks its dead neurons."""
    cols = columns(model, prep)
    ys = [_positions(len(c.labels), min(MAX_GAP, 1.0 / max(len(c.labels) - 1, 1)))
          for c in cols]
    traces: list = []
    wide = False
    for k in range(1, len(cols)):
        col = cols[k]
        shown, pruned = _shown(col.kernel)
        wide = wide or pruned
        traces += _weight_lines(k - 1, k, ys[k - 1], ys[k], col.kernel, shown,
                                cols[k - 1].labels, col.labels)
    for k, col in enumerate(cols):
        traces += _nodes(k, ys[k], col, probe, last=k == len(cols) - 1)
    fig = go.Figure(traces)
    _decorate(fig, cols, wide, title, height)
    return fig


def _shown(kernel: np.ndarray) -> tuple[np.ndarray, bool]:
    """A mask of the weights to draw: all, or each neuron's STRONGEST incoming ones."""
    if max(kernel.shape) <= WIDE or kernel.shape[0] <= STRONGEST:
        return np.ones(kernel.shape, dtype=bool), False
    order = np.argsort(-np.abs(kernel), axis=0)[:STRONGEST]  # per output neuron
    mask = np.zeros(kernel.shape, dtype=bool)
    mask[order, np.arange(kernel.shape[1])[None, :]] = True
    return mask, True


def _weight_lines(x0, x1, y0, y1, kernel, mask, sources, targets) -> list:
    size = np.abs(kernel)
    top = float(size.max()) or 1.0
    bins = np.minimum((size / top * len(WIDTHS)).astype(int), len(WIDTHS) - 1)
    src, dst = np.nonzero(mask)
    traces = []
    for sign, colour in ((1, POSITIVE), (-1, NEGATIVE)):
        for b, width in enumerate(WIDTHS):
            pick = (np.sign(kernel[src, dst]) == sign) & (bins[src, dst] == b)
            if sign == 1:
                pick &= kernel[src, dst] != 0
            if not pick.any():
                continue
            s, d = src[pick], dst[pick]
            xs = np.tile([x0, x1, np.nan], len(s))
            yv = np.column_stack([y0[s], y1[d], np.full(len(s), np.nan)]).ravel()
            traces.append(go.Scatter(x=xs, y=yv, mode="lines", hoverinfo="skip",
                                     showlegend=False,
                                     line={"color": colour, "width": width},
                                     opacity=0.35 + 0.13 * b))
    w = kernel[src, dst]
    text = [f"{plot_text(sources[a])} → {plot_text(targets[c])}<br>weight {v:+.4f}"
            for a, c, v in zip(src, dst, w, strict=True)]
    traces.append(go.Scatter(
        x=np.full(len(src), x0 + (x1 - x0) * 0.5), y=(y0[src] + y1[dst]) / 2, mode="markers",
        marker={"size": 5, "color": "rgba(0,0,0,0)"}, hovertext=text, hoverinfo="text",
        showlegend=False, name="weights"))
    return traces


def _nodes(k: int, y: np.ndarray, col: Column, probe, last: bool) -> list:
    count = len(col.labels)
    names = [plot_text(label) for label in col.labels]
    hover = [f"<b>{n}</b>" for n in names]
    if col.bias is not None:
        hover = [f"{h}<br>bias {b:+.4f}" for h, b in zip(hover, col.bias, strict=True)]
    activation = None
    if probe is not None and col.layer is not None:
        activation = probe.activations.get(col.layer)
    marker: dict = {"size": 16 if count <= 16 else 11 if count <= 40 else 6,
                    "color": "#ffffff" if k else "#eeeeee",
                    "line": {"color": "#333333", "width": 1.2}}
    if activation is not None:
        a = np.asarray(activation, dtype=float).ravel()[:count]
        top = float(np.abs(a).max()) or 1.0
        marker.update(color=a, cmin=-top, cmax=top, cmid=0,
                      colorscale=[[0, NEGATIVE], [0.5, "#ffffff"], [1, POSITIVE]])
        hover = [f"{h}<br>activation {v:+.4f}" for h, v in zip(hover, a, strict=True)]
    dead = None
    if probe is not None and col.layer is not None:
        dead = probe.dead.get(col.layer)
    position = "middle left" if k == 0 else "middle right" if last else None
    show_text = position is not None and count <= 40
    traces = [go.Scatter(
        x=np.full(count, k), y=y, mode="markers+text" if show_text else "markers",
        text=names if show_text else None, textposition=position,
        textfont={"size": 13 if count <= 12 else 11}, marker=marker, hovertext=hover,
        hoverinfo="text", showlegend=False, name=col.title, cliponaxis=False)]
    if dead is not None and np.any(dead):
        d = np.asarray(dead, dtype=bool)[:count]
        traces.append(go.Scatter(
            x=np.full(int(d.sum()), k), y=y[d], mode="markers", hoverinfo="skip",
            marker={"symbol": "x-thin", "size": marker["size"],
                    "line": {"color": DEAD, "width": 2}, "color": DEAD},
            showlegend=False, name="dead"))
    return traces


def _decorate(fig: go.Figure, cols: list[Column], wide: bool, title, height: int) -> None:
    span = 0.5 + 0.06
    for k, col in enumerate(cols):
        head = "<br>".join(f"<b>{plot_text(part)}</b>" for part in col.title.split(" · ", 1))
        fig.add_annotation(x=k, y=span, text=head, showarrow=False, yanchor="bottom",
                           font={"size": 13})
        for j, band in enumerate(col.bands):
            x = k + 0.5 + (j - (len(col.bands) - 1) / 2) * 0.16
            if k == len(cols) - 1:
                x = k + 0.35 + j * 0.16
            fig.add_shape(type="rect", x0=x - 0.06, x1=x + 0.06, y0=-0.5, y1=0.5,
                          fillcolor="rgba(120,120,120,0.12)", line={"width": 0}, layer="below")
            fig.add_annotation(x=x, y=0, text=plot_text(band), textangle=-90, showarrow=False,
                               font={"size": 12, "color": "#333333"},
                               bgcolor="rgba(255,255,255,0.85)")
    note = (f"Layers wider than {WIDE}: each neuron's {STRONGEST} strongest incoming weights "
            "only." if wide else "")
    fig.add_annotation(x=0, y=0, xref="paper", yref="paper", text=note, showarrow=False,
                       xanchor="left", yanchor="top", font={"size": 12, "color": "#444444"},
                       align="left")
    fig.update_layout(
        height=height, margin={"l": 130, "r": 90, "t": 40 if title else 10, "b": 26},
        title={"text": plot_text(title)} if title else None, plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff", hovermode="closest", dragmode=False,
        xaxis={"visible": False, "range": [-0.15, len(cols) - 1 + 0.25], "fixedrange": True},
        yaxis={"visible": False, "range": [-0.5 - 0.03, 0.5 + 0.2], "fixedrange": True})
