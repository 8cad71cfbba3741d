"""The network view: inputs, every Dense neuron and the outputs as nodes, weights as lines.

As TensorFlow Playground draws it: a line's colour is the weight's sign (blue positive, orange
negative: gui/ui/figures/palette.py), its thickness the weight's size relative to the
largest in its layer; hovering a line's middle shows the exact weight, hovering a neuron
its bias (and, with a row probe, its activation for that row). The scaling layer, Dropout,
BatchNormalization and Activation layers are labelled bands between the columns where they
act. Nodes are as large as their column's
room allows, so a row's activations read as colour (squares that touch past WIDE units); dead
neurons are grey with a cross, in the legend. The viewer chooses how many of each neuron's
strongest incoming weights are drawn (all, by default, until a layer is wider than WIDE).
Labels get the margin the longest needs at the projector's font size.

Example:
    fig = network_figure(model, prepared.preprocessor, probe=row_probe.show(trained))
    st.plotly_chart(fig)

A what-if row changes only the neurons' colours and hover text: `drawing` makes the rest
once (the page keeps it per weights), `paint` gives a copy a row's activations:

    drawn = drawing(model, prep, dead=probe.dead, lines=2)
    fig = paint(drawn, probe.activations)

Plotly only (no Streamlit): the figure is built from the model's current weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from gui.core.spec.layer_kinds import KINDS, SCALING_LAYERS, kind_of
from gui.ui.figures.palette import DEAD, DIVERGING, NEGATIVE, POSITIVE
from gui.ui.text import plot_text

WIDE = 32          # units past which a column's neurons are squares and lines are thinned
LINES = 2          # incoming weights drawn per neuron by default once a layer is wide (1 past
                   # 2 × WIDE units)
LINE_CHOICES = (1, 2, 3, 4, 8)  # the viewer's choices of lines per neuron (or all)
WIDTHS = (0.4, 0.9, 1.6, 2.6, 4.0)  # line widths by |w| / max |w| in fifths
MAX_GAP = 0.2      # the most vertical space between two nodes (the column's height is 1)
LABEL_FONT = 13    # node labels' font size (projector mode scales it by PROJECTOR_SCALE)
PROJECTOR_SCALE = 1.35
MAX_LABELS = 40    # columns taller than this have hover-only labels
LABEL_CHARS = 32   # a node's label is cut to this many characters (whole on hover)
FIXED_WIDTH = "fixed width"  # projector mode keeps these lines' widths
STRIP = 0.14       # a wide column's strip of cells, in columns' widths


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


def default_lines(model, prep) -> int | None:
    """Lines per neuron to start with: every weight (None) while no layer is wider than
    WIDE, LINES up to twice that, else one."""
    return _default_lines(columns(model, prep))


def _default_lines(cols: list[Column]) -> int | None:
    widest = max(len(c.labels) for c in cols)
    return None if widest <= WIDE else LINES if widest <= 2 * WIDE else 1


@dataclass
class Drawn:
    """A network figure without a row's activations, and where `paint` puts them: the part
    that stays while a what-if row changes (lines, labels, bands, dead marks), made once.

    nodes: per column with neurons, (column index, its node trace's index in fig.data, each
    node's hover text so far, each node's dead mark). `plain`: fig as a plain dict, made on
    the first `paint` (set `fig` before that, e.g. to a projector-styled copy)."""

    fig: go.Figure
    cols: list[Column]
    nodes: list[tuple[int, int, list[str], np.ndarray]]
    plain: dict | None = None
    svg: object | None = None  # network_svg's conversion of what no row changes, made once


def network_figure(model, prep, probe=None, title: str | None = None, height: int = 540,
                   lines: int | None | str = "auto") -> go.Figure:
    """The figure of `model`'s current weights; `probe` (row_probe.RowProbe) colours the
    neurons by their activation for its row and marks its dead neurons.

    lines: the incoming weights drawn per neuron, its strongest ones (None: all;
    "auto": default_lines)."""
    drawn = drawing(model, prep, probe.dead if probe is not None else None, title, height,
                    lines)
    return paint(drawn, probe.activations if probe is not None else None)


def drawing(model, prep, dead: dict | None = None, title: str | None = None,
            height: int = 540, lines: int | None | str = "auto") -> Drawn:
    """network_figure's figure with no activations yet (`paint` adds a row's); `dead`:
    {Dense layer name: bool per unit} to mark."""
    cols = columns(model, prep)
    if lines == "auto":
        lines = _default_lines(cols)
    ys = [_positions(len(c.labels), min(MAX_GAP, 1.0 / max(len(c.labels) - 1, 1)))
          for c in cols]
    margin = _margins(cols, title)
    plot_px = max(height - margin["t"] - margin["b"], 100) / (1 + 0.03 + 0.2)
    traces: list = []
    for k in range(1, len(cols)):
        col = cols[k]
        thin = 0.5 if max(col.kernel.shape) > WIDE else 1.0
        x0 = k - 1 + (STRIP / 2 if len(cols[k - 1].labels) > WIDE else 0)
        x1 = k - (STRIP / 2 if len(col.labels) > WIDE else 0)
        traces += _weight_lines(x0, x1, ys[k - 1], ys[k], col.kernel,
                                _shown(col.kernel, lines), cols[k - 1].labels, col.labels,
                                thin)
    dead_any, nodes = False, []
    for k, col in enumerate(cols):
        spacing = plot_px * min(MAX_GAP, 1.0 / max(len(col.labels) - 1, 1))
        d = None if dead is None or col.layer is None else dead.get(col.layer)
        d = (np.zeros(len(col.labels), dtype=bool) if d is None
             else np.asarray(d, dtype=bool)[:len(col.labels)])
        made, hover = _nodes(k, ys[k], col, d, last=k == len(cols) - 1,
                             size=float(np.clip(spacing * 0.92, 3, 18)))
        nodes.append((k, len(traces), hover, d))
        traces += made
        dead_any = dead_any or bool(d.any())
    traces += _legend(dead_any)
    fig = go.Figure(traces)
    _decorate(fig, cols, title, height, margin)
    return Drawn(fig, cols, nodes)


def paint(drawn: Drawn, activations: dict | None) -> go.Figure:
    """`drawn`'s figure with each neuron coloured by its activation (activations: {Keras
    layer name: the row's output, 1-D}; None: no row, white neurons); `drawn` is left as it
    was. Only the node traces are new: the rest of the figure is `drawn.plain`, validated
    once, so a what-if change costs a few milliseconds, not a figure's validation."""
    data = painted(drawn, activations)
    return go.Figure({**drawn.plain, "data": data}, _validate=False)


def painted(drawn: Drawn, activations: dict | None) -> list[dict]:
    """`paint`'s traces as plain dicts (the node traces new, the others `drawn.plain`'s)."""
    if drawn.plain is None:
        drawn.plain = {"data": [trace.to_plotly_json() for trace in drawn.fig.data],
                       "layout": drawn.fig.layout.to_plotly_json()}
    data = list(drawn.plain["data"])
    for k, index, hover, dead in drawn.nodes:
        col, trace = drawn.cols[k], dict(data[index])
        a = None
        if activations is not None and col.layer is not None:
            a = activations.get(col.layer)
        if a is not None:
            a = np.asarray(a, dtype=float).ravel()[:len(hover)]
            hover = [f"{h}<br>activation {v:+.4f}" for h, v in zip(hover, a, strict=True)]
        hover = [f"{h}<br>dead: zero on every training row" if x else h
                 for h, x in zip(hover, dead, strict=True)]
        top = (float(np.abs(a).max()) or 1.0) if a is not None else 1.0
        if trace["type"] == "heatmap":  # a wide column's strip, top row last
            z = np.where(dead, np.nan, np.zeros(len(hover)) if a is None else a)[::-1]
            trace.update(z=z[:, None], zmin=-top, zmax=top, text=[[h] for h in hover[::-1]])
        else:
            marker = {name: value for name, value in trace["marker"].items()
                      if name not in ("color", "cmin", "cmax", "cmid", "colorscale")}
            if a is None:
                marker["color"] = "#ffffff" if k else "#eeeeee"
            else:
                marker.update(color=a, cmin=-top, cmax=top, cmid=0,
                              colorscale=DIVERGING)
            trace.update(hovertext=hover, marker=marker)
        data[index] = trace
    return data


def _shown(kernel: np.ndarray, lines: int | None) -> np.ndarray:
    """A mask of the weights to draw: all, or each neuron's `lines` strongest incoming."""
    if lines is None or kernel.shape[0] <= lines:
        return np.ones(kernel.shape, dtype=bool)
    order = np.argsort(-np.abs(kernel), axis=0, kind="stable")[:lines]  # per output neuron
    mask = np.zeros(kernel.shape, dtype=bool)
    mask[order, np.arange(kernel.shape[1])[None, :]] = True
    return mask


def lines_note(lines: int | None) -> str:
    """What the lines show, in words (plain text)."""
    if lines is None:
        return "Every weight is drawn."
    return (f"Each neuron's {lines} strongest incoming weight{'s' if lines > 1 else ''} "
            "only.")


def _weight_lines(x0, x1, y0, y1, kernel, mask, sources, targets,
                  thin: float = 1.0) -> list:
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
                                     showlegend=False, meta=FIXED_WIDTH,
                                     line={"color": colour, "width": width * thin},
                                     opacity=0.35 + 0.13 * b))
    w = kernel[src, dst]
    text = [f"{plot_text(sources[a])} → {plot_text(targets[c])}<br>weight {v:+.4f}"
            for a, c, v in zip(src, dst, w, strict=True)]
    traces.append(go.Scatter(
        x=np.full(len(src), x0 + (x1 - x0) * 0.5), y=(y0[src] + y1[dst]) / 2, mode="markers",
        marker={"size": 5, "color": "rgba(0,0,0,0)"}, hovertext=text, hoverinfo="text",
        showlegend=False, name="weights"))
    return traces


def _nodes(k: int, y: np.ndarray, col: Column, d: np.ndarray, last: bool,
           size: float) -> tuple[list, list[str]]:
    """(the column's node traces, no activations yet: `paint` colours the first; each node's
    hover text so far). A wide column is a strip of cells, one per neuron, so a row's
    activations read as a band of colour."""
    count = len(col.labels)
    names = [plot_text(label) for label in col.labels]
    hover = [f"<b>{n}</b>" for n in names]  # the whole name on hover
    names = [plot_text(_short(label)) for label in col.labels]
    if col.bias is not None:
        hover = [f"{h}<br>bias {b:+.4f}" for h, b in zip(hover, col.bias, strict=True)]
    if count > WIDE:
        return _strip(k, y, d, col.title), hover
    marker: dict = {"size": size, "color": "#ffffff" if k else "#eeeeee",
                    "line": {"color": "#333333", "width": 1.2}}
    position = "middle left" if k == 0 else "middle right" if last else None
    show_text = position is not None and count <= MAX_LABELS
    traces = [go.Scatter(
        x=np.full(count, k), y=y, mode="markers+text" if show_text else "markers",
        text=names if show_text else None, textposition=position,
        textfont={"size": LABEL_FONT}, marker=marker, hovertext=hover,
        hoverinfo="text", showlegend=False, name=col.title, cliponaxis=False)]
    if d.any():
        traces.append(go.Scatter(
            x=np.full(int(d.sum()), k), y=y[d], mode="markers", hoverinfo="skip",
            marker={"symbol": "circle-x", "size": size, "color": DEAD,
                    "line": {"color": "#1a1a1a", "width": 1.2}},
            showlegend=False, name="dead"))
    return traces, hover


def _strip(k: int, y: np.ndarray, dead: np.ndarray, title: str) -> list:
    """A wide column as a strip of touching cells (STRIP wide), white until `paint` gives
    them a row's activation colours; dead neurons grey with a cross."""
    step = (y[0] - y[1]) if len(y) > 1 else 1.0
    edges = np.concatenate([y + step / 2, [y[-1] - step / 2]])[::-1]
    traces = [go.Heatmap(
        x=[k - STRIP / 2, k + STRIP / 2], y=edges, z=np.where(dead, np.nan, 0.0)[::-1, None],
        zmin=-1, zmax=1, colorscale=DIVERGING, showscale=False, ygap=1 if len(y) <= 64 else 0,
        hoverinfo="text", name=title)]
    if dead.any():
        traces.append(go.Heatmap(
            x=[k - STRIP / 2, k + STRIP / 2], y=edges,
            z=np.where(dead, 1.0, np.nan)[::-1, None], colorscale=[[0, DEAD], [1, DEAD]],
            showscale=False, ygap=1 if len(y) <= 64 else 0, hoverinfo="skip", name="dead"))
        traces.append(go.Scatter(
            x=np.full(int(dead.sum()), k), y=y[dead], mode="markers", hoverinfo="skip",
            marker={"symbol": "x-thin", "size": max(min(step * 300, 10), 5),
                    "line": {"color": "#1a1a1a", "width": 1.5}},
            showlegend=False, name="dead"))
    return traces


def _legend(dead: bool) -> list:
    """Legend entries: the two weight colours and, when there are any, a dead neuron."""
    entries = [go.Scatter(x=[None], y=[None], mode="lines", name=name,
                          line={"color": colour, "width": 4}, hoverinfo="skip")
               for name, colour in (("positive weight", POSITIVE),
                                    ("negative weight", NEGATIVE))]
    if dead:
        entries.append(go.Scatter(
            x=[None], y=[None], mode="markers", name="dead neuron (zero on every training row)",
            marker={"symbol": "square-x", "size": 14, "color": DEAD,
                    "line": {"color": "#1a1a1a", "width": 1.2}}, hoverinfo="skip"))
    return entries


def _label_px(labels: list[str]) -> float:
    """Room for the longest of `labels` at the projector's font size (both modes, so a
    label is never clipped)."""
    if not labels or len(labels) > MAX_LABELS:
        return 0.0
    longest = max(len(_short(label)) for label in labels)
    return longest * LABEL_FONT * PROJECTOR_SCALE * 0.62 + 16


def _short(label) -> str:
    """A node's label as drawn beside it: at most LABEL_CHARS characters (a long category,
    "degree=Bachelor of Science in …", left no room for the drawing)."""
    text = str(label)
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"


def _margins(cols: list[Column], title) -> dict:
    return {"l": round(max(30, _label_px(cols[0].labels))),
            "r": round(max(30, _label_px(cols[-1].labels))),
            "t": 40 if title else 10, "b": 70}


def _decorate(fig: go.Figure, cols: list[Column], title, height: int, margin: dict) -> None:
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
    fig.update_layout(
        height=height, margin=margin,
        title={"text": plot_text(title)} if title else None, plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff", hovermode="closest", dragmode=False,
        legend={"orientation": "h", "x": 0, "y": -0.01, "yanchor": "top",
                "bgcolor": "rgba(255,255,255,0)"},
        xaxis={"visible": False, "range": [-0.05, len(cols) - 1 + 0.25], "fixedrange": True},
        yaxis={"visible": False, "range": [-0.5 - 0.03, 0.5 + 0.2], "fixedrange": True})
