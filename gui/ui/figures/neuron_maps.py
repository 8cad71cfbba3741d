"""Neuron pictures and the decision map: figures over the plane of two features.

Each hidden Dense neuron gets a picture of its output over the plane (feature_plane), as
TensorFlow Playground draws them: blue where it is positive, orange where negative, white at
zero (the weight colours, gui/ui/figures/palette.py), each picture scaled to its own largest
value. One layer at a time: its pictures are tiled into one large image (64 neurons cost one
heat map, not 64 subplots), the axes named by the two features. The output gets the decision
map: the predicted class's colour with its confidence as opacity (or the predicted value, in the
target's units, for a regression), with the test rows drawn on top, coloured by their true
class (or value).

Example:
    p = feature_plane.plane(prep, X_train, "petal length (cm)", "petal width (cm)")
    out = feature_plane.plane_outputs(model, p)
    st.plotly_chart(neurons_figure(model, out, p, layer="dense_1"))
    st.plotly_chart(decision_figure(out[model.layers[-1].name], p, prep, X_test, y_test))

Plotly only, no Streamlit.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from gui.core.inspection import feature_plane
from gui.core.inspection.numbers import number
from gui.core.spec.layer_kinds import kind_of
from gui.ui.figures.palette import DIVERGING, class_colours
from gui.ui.text import plot_text

TILE_STEP = 2  # past FINE neurons the pictures use every 2nd grid point (20×20 of 40×40)
FINE = 16      # up to this many neurons a layer's pictures keep every grid point


def hidden_layers(model) -> list[str]:
    """The Dense layers before the output one: the neurons that get pictures."""
    dense = [item.name for item in model.layers if kind_of(type(item).__name__).learns]
    return dense[:-1]


def mosaic(maps: np.ndarray, step: int = TILE_STEP) -> tuple[np.ndarray, np.ndarray, int]:
    """(image, neuron number per pixel, tiles per row): the (units, n, n) maps, each scaled
    to [-1, 1] by its own largest |value|, tiled with a one-pixel gap (NaN)."""
    maps = np.asarray(maps, dtype=float)[:, ::step, ::step]
    units, n, _ = maps.shape
    per_row = math.ceil(math.sqrt(units))
    rows = math.ceil(units / per_row)
    size = n + 1
    image = np.full((rows * size - 1, per_row * size - 1), np.nan)
    which = np.full(image.shape, -1, dtype=int)
    top = np.abs(maps).reshape(units, -1).max(axis=1)
    top[top == 0] = 1.0
    for k in range(units):
        r, c = divmod(k, per_row)
        r = rows - 1 - r  # the first neuron at the top left
        image[r * size:r * size + n, c * size:c * size + n] = maps[k] / top[k]
        which[r * size:r * size + n, c * size:c * size + n] = k + 1
    return image, which, per_row


def neurons_figure(model, outputs: dict[str, np.ndarray], plane: feature_plane.Plane,
                   layer: str | None = None, height: int = 460) -> go.Figure | None:
    """One hidden Dense layer's neurons (`layer`, default the first), one square picture
    each, tiled large; None with no hidden layer. The axes name the two features."""
    layers = hidden_layers(model)
    if not layers:
        return None
    name = layer if layer in layers else layers[0]
    maps = outputs[name]
    image, which, _ = mosaic(maps, 1 if maps.shape[0] <= FINE else TILE_STEP)
    fig = go.Figure(go.Heatmap(
        z=np.round(image, 3), customdata=which, colorscale=DIVERGING, zmin=-1, zmax=1,
        showscale=False, hoverongaps=False, name=f"{plot_text(name)} neurons",
        hovertemplate=(f"{plot_text(name)} neuron %{{customdata}}<br>output (scaled) "
                       "%{z:.2f}<extra></extra>")))
    fig.update_layout(
        height=height, margin={"l": 60, "r": 10, "t": 34, "b": 56}, plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff", dragmode=False,
        title={"text": f"{plot_text(name)} · {maps.shape[0]} neurons", "x": 0.5,
               "font": {"size": 14}},
        xaxis={"title": {"text": f"{plot_text(plane.x)} →"}, "showticklabels": False, "ticks": "",
               "showgrid": False, "zeroline": False, "scaleanchor": "y",
               "constrain": "domain"},
        yaxis={"title": {"text": f"{plot_text(plane.y)} →"}, "showticklabels": False, "ticks": "",
               "showgrid": False, "zeroline": False, "constrain": "domain"})
    return fig


def neurons_note(plane: feature_plane.Plane) -> str:
    """What a neuron picture shows, in plain text."""
    return (f"Each square: one neuron's output over {plane.x} (across) and {plane.y} (up), "
            "scaled to its own largest value. Blue positive, orange negative, white zero.")


def held_text(plane: feature_plane.Plane) -> str:
    """"Others held at: a = 1.5, b = red" in plain text (escape before Markdown/HTML)."""
    if not plane.held:
        return "No other features."
    parts = [f"{k} = {_short(v)}" for k, v in plane.held.items()]
    return "Others held at their training median / most frequent value: " + ", ".join(parts)


def _short(value) -> str:
    return number(value) if isinstance(value, float) else str(value)


def decision_figure(output: np.ndarray, plane: feature_plane.Plane, prep, X_test: np.ndarray,
                    y_test: np.ndarray, height: int = 420) -> go.Figure:
    """The output over the plane, with the test rows on top."""
    result = feature_plane.decision(output, prep)
    px = feature_plane.feature_column(prep, X_test, plane.x)
    py = feature_plane.feature_column(prep, X_test, plane.y)
    fig = go.Figure()
    if result.value is not None:
        _regression(fig, result.value, plane, px, py, prep.decode_target(y_test),
                    str(prep.spec.target))
    else:
        _classes(fig, result, plane, px, py, np.asarray(y_test, dtype=int),
                 [str(c) for c in prep.classes_])
    fig.update_layout(
        height=height, margin={"l": 60, "r": 20, "t": 30, "b": 50}, plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff", dragmode=False,
        xaxis={"title": plot_text(plane.x), "range": [plane.xs[0], plane.xs[-1]]},
        yaxis={"title": plot_text(plane.y), "range": [plane.ys[0], plane.ys[-1]]},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                "title": {"text": "test rows:"}})
    return fig


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.2f})"


def _classes(fig, result, plane, px, py, y_true, names) -> None:
    count = max(len(names), 2)
    colours = class_colours(count)
    floor = 1.0 / count
    strength = np.clip((result.confidence - floor) / (1 - floor), 0, 1)
    z = result.labels + strength * 0.999
    scale = []
    for k, colour in enumerate(colours):
        scale += [[k / count, _rgba(colour, 0.06)],
                  [(k + 1) / count - 1e-6, _rgba(colour, 0.75)]]
    scale[-1][0] = 1.0
    label = np.array([plot_text(names[i]) if i < len(names) else "?" for i in range(count)])
    text = np.char.add(np.char.add(label[result.labels], " "),
                       np.char.mod("%.0f%%", result.confidence * 100))
    fig.add_trace(go.Heatmap(
        x=plane.xs, y=plane.ys, z=z, zmin=0, zmax=count, colorscale=scale, showscale=False,
        text=text, hovertemplate=(f"{plot_text(plane.x)} %{{x:.3g}}<br>{plot_text(plane.y)} "
                                  "%{y:.3g}<br>predicted %{text}<extra></extra>"),
        name="decision"))
    for k, name in enumerate(names):
        pick = y_true == k
        fig.add_trace(go.Scatter(
            x=px[pick], y=py[pick], mode="markers", name=plot_text(name),
            marker={"color": colours[k], "size": 8, "line": {"color": "#222222", "width": 1}},
            hovertemplate=f"true {plot_text(name)}<extra></extra>"))


def _regression(fig, value, plane, px, py, y_true, target) -> None:
    low = float(min(np.min(value), np.min(y_true)))
    high = float(max(np.max(value), np.max(y_true)))
    fig.add_trace(go.Heatmap(
        x=plane.xs, y=plane.ys, z=value, zmin=low, zmax=high, colorscale="Viridis",
        colorbar={"title": {"text": plot_text(target)}},
        hovertemplate=(f"{plot_text(plane.x)} %{{x:.3g}}<br>{plot_text(plane.y)} %{{y:.3g}}<br>"
                       f"predicted {plot_text(target)} %{{z:,.4~r}}<extra></extra>"),
        name="prediction"))
    fig.add_trace(go.Scatter(
        x=px, y=py, mode="markers", name=f"{plot_text(target)} (true)",
        marker={"color": y_true, "colorscale": "Viridis", "cmin": low, "cmax": high,
                "size": 8, "line": {"color": "#ffffff", "width": 1.2}},
        hovertemplate=f"true {plot_text(target)} %{{marker.color:,.4~r}}<extra></extra>"))
