"""A chart in words, for screen readers: its name and what it shows (st.plotly_chart's alt).

    >>> import plotly.graph_objects as go
    >>> fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[1.1, 0.5, 0.21], name="training",
    ...                            mode="lines"))
    >>> _ = fig.update_layout(title="loss", xaxis_title="epoch")
    >>> describe(fig)
    'Chart: loss. Training fell from 1.1 to 0.21 over 3 epochs (lowest 0.21).'

Read from the figure itself (title, axis titles, traces), so one function speaks for every
chart: curves, scatter plots, histograms, heat maps and bars. No Streamlit here.
"""

from __future__ import annotations

import html
import re

import numpy as np
import plotly.graph_objects as go

from gui.core.inspection.numbers import number

MAX_TRACES = 8     # more (e.g. the network's weight lines): counted, not told one by one
MAX_BARS = 10
_TAG = re.compile(r"<[^>]+>")


def plain(text) -> str:
    """Plotly text (with <b>, <br>, escapes) as plain words."""
    return " ".join(html.unescape(_TAG.sub(" ", str(text or ""))).split())


def title(fig: go.Figure, fallback: str = "chart") -> str:
    return plain(fig.layout.title.text) or fallback


def _line(trace, unit: str, quantity: str) -> str:
    y = [v for v in np.asarray(trace.y, dtype=float) if np.isfinite(v)]
    name = plain(trace.name) or "the line"
    if not y:
        return f"{name} has no values yet"
    if len(y) == 1:
        return f"{name} is {number(y[0], quantity)} after 1 {unit}"
    way = "fell" if y[-1] < y[0] else "rose" if y[-1] > y[0] else "stayed"
    low, high = min(y), max(y)
    extreme = (f" (lowest {number(low, quantity)})" if way == "fell" else
               f" (highest {number(high, quantity)})" if way == "rose" else "")
    return (f"{name} {way} from {number(y[0], quantity)} to {number(y[-1], quantity)} over "
            f"{len(y)} {unit}s{extreme}")


def _points(trace, x_title: str, y_title: str) -> str:
    count = len(trace.x) if trace.x is not None else 0
    name = plain(trace.name)
    return (f"{count:,} points" + (f" of {name}" if name else "")
            + (f", {y_title} against {x_title}" if x_title and y_title else ""))


def _bars(trace) -> str:
    labels = [plain(v) for v in (trace.x if trace.orientation != "h" else trace.y)]
    values = list(trace.y if trace.orientation != "h" else trace.x)
    told = ", ".join(f"{label} {number(v)}" for label, v in
                     zip(labels[:MAX_BARS], values[:MAX_BARS], strict=False))
    more = f" and {len(labels) - MAX_BARS} more" if len(labels) > MAX_BARS else ""
    name = plain(trace.name)
    return (f"bars{' of ' + name if name else ''}: {told}{more}")


def _grid(trace, x_title: str = "", y_title: str = "") -> str:
    z = np.asarray(trace.z, dtype=float)
    if z.ndim != 2 or not z.size:
        return "a colour grid"
    rows, cols = z.shape
    text = f"a {rows} by {cols} colour grid from {number(np.nanmin(z))} to {number(np.nanmax(z))}"
    if trace.text is not None and rows * cols <= 36:  # small: every cell told (a confusion matrix)
        cells = np.asarray(trace.text, dtype=object)
        xs = [plain(v) for v in (trace.x if trace.x is not None else range(cols))]
        ys = [plain(v) for v in (trace.y if trace.y is not None else range(rows))]
        told = "; ".join(f"{y_title} {ys[i]}, {x_title} {xs[j]}: {plain(cells[i, j])}".strip()
                         for i in range(rows) for j in range(cols))
        text += f" ({told})"
    return text


def describe(fig: go.Figure, fallback: str = "chart") -> str:
    """"Chart: <title>. <what each trace shows>." in words a screen reader reads out."""
    x_title = plain(fig.layout.xaxis.title.text)
    y_title = plain(fig.layout.yaxis.title.text)
    unit = "epoch" if x_title.startswith("epoch") else "step"
    quantity = plain(fig.layout.title.text)
    traces = list(fig.data)
    parts = []
    for trace in traces[:MAX_TRACES]:
        kind = trace.type
        if kind in ("scatter", "scattergl"):
            mode = trace.mode or "lines"
            parts.append(_line(trace, unit, quantity) if "lines" in mode and unit == "epoch"
                         else _points(trace, x_title, y_title))
        elif kind == "histogram":
            count = len(trace.x if trace.x is not None else trace.y or [])
            parts.append(f"a histogram of {count:,} values"
                         + (f" of {plain(trace.name)}" if plain(trace.name) else ""))
        elif kind == "bar":
            parts.append(_bars(trace))
        elif kind in ("heatmap", "contour"):
            parts.append(_grid(trace, x_title, y_title))
        elif kind == "image":
            parts.append("a picture")
    if len(traces) > MAX_TRACES:  # e.g. the network: its labels say more than its lines
        labels = [plain(a.text) for a in fig.layout.annotations or [] if plain(a.text)]
        parts = [f"{len(traces):,} parts"] + ([f"labelled {', '.join(labels[:12])}"]
                                              if labels else [])
    axes = f" {y_title[:1].upper()}{y_title[1:]} against {x_title}." if x_title and y_title else ""
    body = "; ".join(p for p in parts if p)
    return f"Chart: {title(fig, fallback)}.{axes}" + (f" {body[0].upper()}{body[1:]}." if body
                                                     else "")
