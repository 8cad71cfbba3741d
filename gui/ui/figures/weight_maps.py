"""The network's weights as heat maps: where lines cannot work (hundreds of units), each
Dense layer's weight matrix is one picture, a cell per weight.

Rows are where a weight comes from (the inputs, or the previous layer's neurons), columns
the neuron it goes into (its layer named under it); the colour is its sign (the weight
colours of palette.py) and its strength relative to the largest weight of that layer.
Hovering a cell names both ends.

Example:
    st.plotly_chart(weights_figure(model, prepared.preprocessor))

Plotly only, no Streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gui.ui.figures.network_view import columns
from gui.ui.figures.palette import DIVERGING
from gui.ui.text import plot_text


def weights_figure(model, prep, height: int = 450) -> go.Figure:
    """One heat map per Dense layer's weights, side by side, first layer on the left."""
    cols = columns(model, prep)
    layers = cols[1:]
    gap = 0.07
    width = (1 - gap * (len(layers) - 1)) / len(layers)
    fig = go.Figure()
    axes: dict = {}
    for i, col in enumerate(layers):
        source = cols[i]
        kernel = np.asarray(col.kernel, dtype=float)
        top = float(np.abs(kernel).max()) or 1.0
        suffix = "" if i == 0 else str(i + 1)
        sources = np.array([plot_text(s) for s in source.labels], dtype=object)
        targets = np.array([plot_text(t) for t in col.labels], dtype=object)
        text = np.char.add(np.char.add(sources[:, None].astype(str), " → "),
                           targets[None, :].astype(str))
        fig.add_trace(go.Heatmap(
            z=np.round(kernel / top, 4), customdata=np.round(kernel, 4), text=text,
            colorscale=DIVERGING, zmin=-1, zmax=1, showscale=False,
            xaxis=f"x{suffix}", yaxis=f"y{suffix}", name=col.title,
            hovertemplate="%{text}<br>weight %{customdata:+.4f}<extra></extra>"))
        left = i * (width + gap)
        axes[f"xaxis{suffix}"] = {"domain": [left, left + width], "anchor": f"y{suffix}",
                                  "showticklabels": False,
                                  "ticks": "", "title": {"text": "<br>".join(
                                      plot_text(part) for part in col.title.split(" · "))}}
        axes[f"yaxis{suffix}"] = {"autorange": "reversed", "anchor": f"x{suffix}",
                                  "showticklabels": False,
                                  "ticks": "", "title": {"text": "" if i else
                                                         "from: a row each"}}
    fig.update_layout(height=height, margin={"l": 40, "r": 10, "t": 10, "b": 90},
                      plot_bgcolor="#ffffff", paper_bgcolor="#ffffff", dragmode=False, **axes)
    return fig
