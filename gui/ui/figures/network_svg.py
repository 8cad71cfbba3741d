"""The network view as inline SVG (with an HTML legend): what the what-if draws beside its
sliders, so a change swaps a few kilobytes of markup instead of remounting a plotly chart.

A generic converter of the drawn figure (network_view.Drawn: its plain dict, the projector's
style already in it): line traces become one <path> each, marker traces a <circle> per point
(its hover text a native <title> tooltip), heat-map strips a <rect> per cell, shapes <rect>s,
text traces and annotations <text>. Lines, strips and bands are drawn in the axes' units
(a nested, stretched viewBox; the strokes keep their width); nodes and texts are placed in
percentages of the plot, so a label is always drawn at its font size, never scaled. The
margins are the figure's own (room for the longest label at the projector's size).

Only the neurons change with a row: every other trace is converted once per Drawn. Weights'
tooltips are left out past MAX_HOVERS weights (the neurons keep theirs).

Example:
    html = network_svg.html(drawn, probe.activations, alt="Chart: the network ...")
    st.markdown(html, unsafe_allow_html=True)  # st.html's sanitiser drops SVG
"""

from __future__ import annotations

import html as _html
import re

import numpy as np

from gui.ui.figures import network_view
from gui.ui.figures.palette import DEAD

MAX_HOVERS = 1500  # weights with a hover tooltip at most (past it, the neurons' only)
_TAG = re.compile(r"<[^>]+>")
BOLD = ' font-weight="bold"'


def html(drawn: network_view.Drawn, activations: dict | None, alt: str) -> str:
    """The network of `drawn` with each neuron coloured by `activations` (None: no row), as
    an HTML block: role="img" SVG named by `alt`, its legend under it."""
    data = network_view.painted(drawn, activations)
    layout = drawn.plain["layout"]
    if drawn.svg is None:
        drawn.svg = _Static(drawn, data)
    static: _Static = drawn.svg
    nodes = {index for _, index, _, _ in drawn.nodes}
    view = _View(layout)
    scaled, placed = [], []
    for index, trace in enumerate(data):
        part = _trace(view, trace) if index in nodes else static.traces[index]
        scaled.append(part[0])
        placed.append(part[1])
    m = view.margin
    font = layout.get("font", {})
    colour = font.get("color", "#444444")
    return (
        f'<div class="network-svg" style="position:relative;height:{view.height}px;'
        f'padding:{m["t"]}px {m["r"]}px {m["b"]}px {m["l"]}px;box-sizing:border-box;'
        f'background:#ffffff;color:{colour}">'
        f'<svg role="img" aria-label="{_attr(alt)}" width="100%" height="100%" '
        f'style="display:block;overflow:visible" fill="{colour}">'
        f'<svg viewBox="{view.box}" preserveAspectRatio="none" width="100%" height="100%" '
        f'style="overflow:visible">{static.shapes}{"".join(scaled)}</svg>'
        f'{"".join(placed)}{static.annotations}</svg>{static.legend}</div>')


class _View:
    """Where a point of the axes lies: in the stretched viewBox's units, or in percent."""

    def __init__(self, layout: dict):
        self.x0, self.x1 = layout["xaxis"]["range"]
        self.y0, self.y1 = layout["yaxis"]["range"]
        self.height = int(layout.get("height") or 450)
        self.margin = {k: int(layout.get("margin", {}).get(k, 0)) for k in "lrtb"}
        self.box = f"{self.x0:.4f} {-self.y1:.4f} {self.x1 - self.x0:.4f} {self.y1 - self.y0:.4f}"

    def px(self, x) -> np.ndarray:
        return (np.asarray(x, dtype=float) - self.x0) / (self.x1 - self.x0) * 100

    def py(self, y) -> np.ndarray:
        return (self.y1 - np.asarray(y, dtype=float)) / (self.y1 - self.y0) * 100


class _Static:
    """What no row changes, converted once: every trace but the neurons', the bands, the
    annotations and the legend."""

    def __init__(self, drawn: network_view.Drawn, data: list[dict]):
        layout = drawn.plain["layout"]
        view = _View(layout)
        nodes = {index for _, index, _, _ in drawn.nodes}
        hovers = sum(len(t.get("hovertext") or ()) for t in data if t.get("name") == "weights")
        self.traces = [("", "") if i in nodes else
                       _trace(view, t, hover=hovers <= MAX_HOVERS) for i, t in enumerate(data)]
        self.shapes = "".join(_shape(s) for s in layout.get("shapes", ()))
        font = layout.get("font", {})
        self.annotations = "".join(_annotation(view, a, font)
                                   for a in layout.get("annotations", ()))
        self.legend = _legend(view, data, layout)


def _trace(view: _View, trace: dict, hover: bool = True) -> tuple[str, str]:
    """(its part in the viewBox's units, its part placed in percent)."""
    if trace.get("type") == "heatmap":
        return _cells(trace), ""
    x = trace.get("x")
    if x is None or all(v is None for v in np.asarray(x, dtype=object).ravel()):
        return "", ""  # a legend entry
    mode = trace.get("mode", "markers")
    if "lines" in mode:
        return _path(trace), ""
    if trace.get("name") == "weights" and not hover:
        return "", ""
    return "", _markers(view, trace)


def _path(trace: dict) -> str:
    xs = np.asarray(trace["x"], dtype=float)
    ys = np.asarray(trace["y"], dtype=float)
    parts, pen = [], "M"
    for x, y in zip(xs, ys, strict=True):
        if np.isnan(x) or np.isnan(y):
            pen = "M"
            continue
        parts.append(f"{pen}{x:.4g} {-y:.4g}")
        pen = "L"
    line = trace.get("line", {})
    return (f'<path d="{"".join(parts)}" fill="none" stroke="{line.get("color", "#444")}" '
            f'stroke-width="{float(line.get("width", 2)):.3g}" '
            f'stroke-opacity="{float(trace.get("opacity", 1)):.3g}" '
            f'vector-effect="non-scaling-stroke"/>')


def colours(values, low, high, scale) -> list[str]:
    """Each value's colour on the plotly colour scale `scale` ([[position, '#rrggbb'], ...])."""
    stops = np.array([float(p) for p, _ in scale])
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in scale], dtype=float)
    v = np.asarray(values, dtype=float)
    t = np.clip((v - low) / ((high - low) or 1.0), 0, 1)
    mixed = np.stack([np.interp(t, stops, rgb[:, i]) for i in range(3)], axis=-1)
    return ["#{:02x}{:02x}{:02x}".format(*np.round(c).astype(int)) for c in mixed]


def _markers(view: _View, trace: dict) -> str:
    marker = trace.get("marker", {})
    x, y = view.px(trace["x"]), view.py(trace["y"])
    r = float(marker.get("size", 6)) / 2
    colour = marker.get("color", "#444444")
    if isinstance(colour, str):
        fills = [colour] * len(x)
    else:
        fills = colours(colour, marker.get("cmin", -1), marker.get("cmax", 1),
                         marker.get("colorscale", [[0, "#000000"], [1, "#ffffff"]]))
    edge = marker.get("line", {})
    stroke = (f' stroke="{edge["color"]}" stroke-width="{float(edge.get("width", 1)):.3g}"'
              if edge.get("color") else "")
    symbol = marker.get("symbol", "circle")
    hovers = trace.get("hovertext") if trace.get("hoverinfo") != "skip" else None
    out = []
    for i, (cx, cy) in enumerate(zip(x, y, strict=True)):
        tip = f"<title>{_plain(hovers[i])}</title>" if hovers is not None else ""
        if symbol in ("circle-x", "x-thin"):
            arm = r * 0.72 if symbol == "circle-x" else r
            ring = (f'<circle r="{r:.3g}" fill="{fills[i]}"{stroke}/>' if symbol == "circle-x"
                    else "")
            out.append(f'<svg x="{cx:.3f}%" y="{cy:.3f}%" overflow="visible" '
                       f'pointer-events="none" data-dead="1">{ring}<path d="M{-arm:.3g} '
                       f'{-arm:.3g}L{arm:.3g} {arm:.3g}M{-arm:.3g} {arm:.3g}L{arm:.3g} '
                       f'{-arm:.3g}" stroke="{edge.get("color", "#1a1a1a")}" '
                       f'stroke-width="{float(edge.get("width", 1.5)):.3g}"/></svg>')
        else:
            out.append(f'<circle cx="{cx:.3f}%" cy="{cy:.3f}%" r="{max(r, 2):.3g}" '
                       f'fill="{fills[i]}"{stroke}>{tip}</circle>')
    if "text" in trace.get("mode", "") and trace.get("text") is not None:
        out.append(_labels(x, y, r, trace))
    name = _attr(_plain(trace.get("name", "")))
    return f'<g data-name="{name}">{"".join(out)}</g>'


def _labels(x, y, r, trace: dict) -> str:
    """A node trace's labels left or right of its nodes, at their font size."""
    left = trace.get("textposition") == "middle left"
    font = trace.get("textfont", {})
    size = float(font.get("size", network_view.LABEL_FONT))
    shift = -(r + 4) if left else r + 4
    return "".join(
        f'<text x="{cx:.3f}%" y="{cy:.3f}%" dx="{shift:.3g}" dominant-baseline="central" '
        f'text-anchor="{"end" if left else "start"}" font-size="{size:.3g}">'
        f'{_plain(text)}</text>'
        for cx, cy, text in zip(x, y, trace["text"], strict=True))


def _cells(trace: dict) -> str:
    """A heat-map strip (one column of z) as a rect per cell, each with its hover text."""
    xa, xb = (float(v) for v in trace["x"])
    edges = np.asarray(trace["y"], dtype=float)
    z = np.asarray(trace["z"], dtype=float)[:, 0]
    finite = z[np.isfinite(z)]
    low = trace.get("zmin", float(finite.min()) if finite.size else 0.0)
    high = trace.get("zmax", float(finite.max()) if finite.size else 1.0)
    fills = colours(np.nan_to_num(z), low, high, trace["colorscale"])
    texts = trace.get("text") if trace.get("hoverinfo") != "skip" else None
    gap = ' stroke="#ffffff" stroke-width="1" vector-effect="non-scaling-stroke"' if trace.get(
        "ygap") else ""
    out = []
    for i, value in enumerate(z):
        if not np.isfinite(value):
            continue
        tip = f"<title>{_plain(texts[i][0])}</title>" if texts is not None else ""
        out.append(f'<rect x="{xa:.4g}" y="{-edges[i + 1]:.5g}" width="{xb - xa:.4g}" '
                   f'height="{edges[i + 1] - edges[i]:.5g}" fill="{fills[i]}"{gap}>{tip}'
                   f'</rect>')
    return f'<g data-name="{_attr(_plain(trace.get("name", "")))}">{"".join(out)}</g>'


def _shape(shape: dict) -> str:
    if shape.get("type") != "rect":
        return ""
    x0, x1, y0, y1 = (float(shape[k]) for k in ("x0", "x1", "y0", "y1"))
    return (f'<rect x="{min(x0, x1):.4g}" y="{-max(y0, y1):.4g}" width="{abs(x1 - x0):.4g}" '
            f'height="{abs(y1 - y0):.4g}" fill="{shape.get("fillcolor", "#eeeeee")}"/>')


def _annotation(view: _View, note: dict, font: dict) -> str:
    """A column's heading (its bottom at its point) or a band's label (turned, on a pale
    ground)."""
    size = float(note.get("font", {}).get("size") or font.get("size") or 12)
    colour = note.get("font", {}).get("color") or font.get("color") or "#444444"
    x, y = float(view.px(note["x"])), float(view.py(note["y"]))
    lines = [line for line in str(note.get("text", "")).split("<br>")]
    bold = [line.startswith("<b>") for line in lines]
    if note.get("textangle") == -90:
        text = _plain(lines[0])
        wide, tall = len(text) * size * 0.58 + 8, size * 1.3
        ground = note.get("bgcolor", "rgba(255,255,255,0.85)")
        return (f'<svg x="{x:.3f}%" y="{y:.3f}%" overflow="visible"><g transform="rotate(-90)">'
                f'<rect x="{-wide / 2:.3g}" y="{-tall / 2:.3g}" width="{wide:.3g}" '
                f'height="{tall:.3g}" fill="{ground}"/><text text-anchor="middle" '
                f'dominant-baseline="central" font-size="{size:.3g}" fill="{colour}">{text}'
                f'</text></g></svg>')
    step = size * 1.2
    first = -((len(lines) - 1) * step + size * 0.3)
    spans = "".join(
        f'<tspan x="{x:.3f}%" dy="{first if i == 0 else step:.3g}"'
        f'{BOLD if b else ""}>{_plain(line)}</tspan>'
        for i, (line, b) in enumerate(zip(lines, bold, strict=True)))
    return (f'<text x="{x:.3f}%" y="{y:.3f}%" text-anchor="middle" font-size="{size:.3g}" '
            f'fill="{colour}">{spans}</text>')


def _legend(view: _View, data: list[dict], layout: dict) -> str:
    """The legend's entries (the traces with no points) as HTML under the plot."""
    size = float(layout.get("legend", {}).get("font", {}).get("size")
                 or layout.get("font", {}).get("size") or 12)
    items = []
    for trace in data:
        x = trace.get("x")
        if trace.get("type") != "scatter" or x is None or any(v is not None for v in x):
            continue
        if "lines" in trace.get("mode", ""):
            mark = (f'<span style="display:inline-block;width:28px;height:4px;'
                    f'background:{trace["line"]["color"]};vertical-align:middle"></span>')
        else:
            mark = (f'<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" '
                    f'style="vertical-align:middle"><rect x="0.6" y="0.6" width="12.8" '
                    f'height="12.8" fill="{trace["marker"].get("color", DEAD)}" '
                    f'stroke="#1a1a1a" stroke-width="1.2"/><path d="M3 3L11 11M3 11L11 3" '
                    f'stroke="#1a1a1a" stroke-width="1.2"/></svg>')
        items.append(f'<span style="white-space:nowrap">{mark} {_plain(trace["name"])}</span>')
    return (f'<div class="network-legend" style="position:absolute;left:{view.margin["l"]}px;'
            f'right:0;top:{view.height - view.margin["b"] + 6}px;display:flex;flex-wrap:wrap;'
            f'gap:2px 18px;font-size:{size:.3g}px;line-height:1.3">{"".join(items)}</div>')


def _plain(text) -> str:
    """A plotly text (escaped, with <br> and <b>) as XML text: tags dropped, lines joined."""
    words = _TAG.sub("", str(text).replace("<br>", "\n"))
    return _html.escape(_html.unescape(words), quote=False).replace("$", "&#36;")


def _attr(text: str) -> str:
    """`text` in an attribute ($ escaped too: the block goes through st.markdown)."""
    return _html.escape(str(text), quote=True).replace("$", "&#36;")
