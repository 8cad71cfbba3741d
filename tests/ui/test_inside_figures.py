"""The Inside page's figures and colours: one meaning per colour, wide layers that read,
neuron pictures with named axes, and a default feature pair that is stable and has contrast."""

from __future__ import annotations

import copy
import itertools

import numpy as np

from gui.core.inspection import feature_plane as fp
from gui.core.inspection import probe
from gui.core.model.layer_outputs import layer_outputs
from gui.ui.figures import network_view, neuron_maps, palette
from gui.ui.inside.row_probe import RowProbe
from tests.core import trained_models as tm

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
SIMULATIONS = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "normal vision": np.eye(3),
}


def _lab(colour: str, simulation: np.ndarray) -> np.ndarray:
    c = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    linear = np.clip(simulation @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear / np.array([0.95047, 1, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_weight_and_class_colours_stay_apart_for_colour_blind_viewers():
    classes = palette.class_colours(4)
    assert not {c.lower() for c in classes} & {palette.POSITIVE.lower(),
                                                palette.NEGATIVE.lower()}
    assert palette.class_colours(2) == classes[:2]  # a binary task too: no weight colour
    shown = [palette.POSITIVE, palette.NEGATIVE, *classes]
    for name, simulation in SIMULATIONS.items():
        for a, b in itertools.combinations(shown, 2):
            distance = np.linalg.norm(_lab(a, simulation) - _lab(b, simulation))
            assert distance > 15, f"{a} and {b} look alike under {name} (ΔE {distance:.1f})"


def _probe(t) -> RowProbe:
    out = layer_outputs(t.model, t.prepared.X_test[:1])
    dead = {k: np.asarray(v) for k, v in probe.dead_units(t.model, t.prepared.X_train).items()}
    name = t.model.layers[1].name if t.model.layers[1].name in dead else next(iter(dead), None)
    if name is not None:  # one neuron marked dead, whatever the training found
        dead[name] = dead[name].copy()
        dead[name][0] = True
    return RowProbe({}, {k: np.asarray(v)[0] for k, v in out.items()}, dead)


def test_the_network_uses_the_weight_colours_only_and_marks_dead_neurons():
    t = tm.cancer()  # 30 inputs, long names
    fig = network_view.network_figure(t.model, t.prepared.preprocessor, _probe(t))
    line_colours = {tr.line.color for tr in fig.data if tr.mode == "lines" and tr.x[0] is not None}
    assert line_colours == {palette.POSITIVE, palette.NEGATIVE}
    legend = [tr.name for tr in fig.data if tr.showlegend is not False]
    assert legend[:2] == ["positive weight", "negative weight"]
    assert any(name.startswith("dead neuron") for name in legend)
    assert not {c.lower() for c in palette.CLASS_COLOURS} & {
        str(tr.line.color).lower() for tr in fig.data if tr.mode == "lines"}


def test_labels_get_the_room_the_longest_needs_at_the_projector_s_size():
    t = tm.cancer()
    prep = t.prepared.preprocessor
    fig = network_view.network_figure(t.model, prep)
    longest = max(len(n) for n in prep.encoded_names_)
    assert fig.layout.margin.l >= longest * network_view.LABEL_FONT * 1.35 * 0.6
    # a long category ("degree=Bachelor of Science in …") is cut beside its node (whole on
    # hover), so the margin never takes the drawing's room
    long = copy.deepcopy(prep)
    long.encoded_names_[0] = "degree=Bachelor of Science in Mechanical Engineering (part-time)"
    fig = network_view.network_figure(t.model, long)
    drawn = [x for trace in fig.data if trace.text is not None for x in trace.text]
    assert "degree=Bachelor of Science in M…" in drawn
    assert fig.layout.margin.l <= network_view.LABEL_CHARS * network_view.LABEL_FONT * 1.35 \
        * 0.62 + 16


def test_the_viewer_chooses_how_many_lines_each_neuron_gets():
    t = tm.iris()  # 4 inputs -> 16 -> 3
    prep = t.prepared.preprocessor

    def drawn(lines):
        fig = network_view.network_figure(t.model, prep, lines=lines)
        return sum(len(tr.x) for tr in fig.data if tr.name == "weights")

    assert drawn(None) == 4 * 16 + 16 * 3
    assert drawn(1) == 16 + 3 and drawn(2) == 2 * 16 + 2 * 3
    assert network_view.default_lines(t.model, prep) is None  # narrow: every weight
    assert network_view.lines_note(2) == "Each neuron's 2 strongest incoming weights only."


def test_a_wide_layer_is_a_strip_of_activation_colours():
    t = tm.train("wine.csv", "cultivar", epochs=2, units=64)
    prep = t.prepared.preprocessor
    p = _probe(t)
    fig = network_view.network_figure(t.model, prep, p)
    strip = next(tr for tr in fig.data if tr.type == "heatmap" and "64" in tr.name)
    values = np.asarray(strip.z, dtype=float).ravel()[::-1]
    expected = np.asarray(p.activations[t.model.layers[1].name], dtype=float)
    live = ~np.isnan(values)
    np.testing.assert_allclose(values[live], expected[live], rtol=1e-6)
    assert np.isnan(values[0])  # the dead one is drawn grey, not as an activation
    assert network_view.default_lines(t.model, prep) == network_view.LINES
    wider = tm.train("wine.csv", "cultivar", epochs=1, units=256)
    assert network_view.default_lines(wider.model, wider.prepared.preprocessor) == 1


def test_neuron_pictures_one_layer_at_a_time_with_named_axes():
    t = tm.iris()
    prep = t.prepared.preprocessor
    plane = fp.plane(prep, t.prepared.X_train, "petal length (cm)", "petal width (cm)")
    fig = neuron_maps.neurons_figure(t.model, fp.plane_outputs(t.model, plane), plane)
    assert "petal length (cm)" in fig.layout.xaxis.title.text
    assert "petal width (cm)" in fig.layout.yaxis.title.text
    assert len(fig.data) == 1 and "16 neurons" in fig.layout.title.text


def test_the_default_pair_is_the_most_sensitive_and_stable():
    t = tm.cancer()
    prep, X = t.prepared.preprocessor, t.prepared.X_train
    first = fp.default_pair(prep, t.model, X)
    assert first == fp.default_pair(prep, t.model, X)  # the same every time
    score = fp.sensitivity(prep, t.model, X)
    assert [prep.numeric_.index(c) for c in first] == list(np.argsort(-score, kind="stable")[:2])
    # A constant column never wins; ties go to column order.
    flat = X.copy()
    flat[:, prep.numeric_.index(first[0])] = 1.0
    assert first[0] not in fp.default_pair(prep, t.model, flat)
    assert fp.default_pair(prep) == prep.numeric_[:2]


def test_heat_maps_show_every_weight_of_each_layer():
    from gui.ui.figures import weight_maps

    t = tm.iris()  # 4 -> 16 -> 3
    fig = weight_maps.weights_figure(t.model, t.prepared.preprocessor)
    maps = [tr for tr in fig.data if tr.type == "heatmap"]
    dense = [item for item in t.model.layers if item.get_weights()]
    assert [np.shape(m.z) for m in maps] == [(4, 16), (16, 3)]
    np.testing.assert_allclose(np.asarray(maps[0].customdata, dtype=float),
                               np.round(dense[0].get_weights()[0], 4), atol=1e-6)
    assert maps[0].text[0][0] == "sepal length (cm) → dense_1 #1"
    assert list(maps[0].colorscale[0])[1] == palette.NEGATIVE


def test_the_what_if_svg_colours_each_neuron_by_the_row_and_marks_the_dead():
    """The what-if's network as SVG: a wide layer's cells take the row's activation colours
    (top neuron first), a dead one is grey with a cross, and another row repaints them."""
    import xml.etree.ElementTree as ET

    from gui.ui.figures import network_svg

    t = tm.train("wine.csv", "cultivar", epochs=2, units=64)
    prep = t.prepared.preprocessor
    p = _probe(t)
    layer = t.model.layers[1].name
    drawn = network_view.drawing(t.model, prep, p.dead, height=450)

    def cells(activations) -> tuple[list, ET.Element]:
        root = ET.fromstring(network_svg.html(drawn, activations, "Chart: the network."))
        group = next(g for g in root.iter("g") if g.get("data-name", "").startswith(
            f"{layer} · 64"))
        rects = sorted(group.iter("rect"), key=lambda r: float(r.get("y")))  # top first
        return rects, root

    rects, root = cells(p.activations)
    svg = root.find("svg")
    assert svg.get("role") == "img" and svg.get("aria-label") == "Chart: the network."
    a = np.asarray(p.activations[layer], dtype=float)
    top = float(np.abs(a).max())
    dead_ones = np.asarray(p.dead[layer], dtype=bool)
    assert dead_ones[0] and len(rects) == int((~dead_ones).sum())  # dead: a grey cell instead
    expected = network_svg.colours(a[~dead_ones], -top, top, palette.DIVERGING)
    assert [r.get("fill") for r in rects] == expected
    assert all("activation" in r.findtext("title") for r in rects)
    dead = [g for g in root.iter("g") if g.get("data-name") == "dead"]
    assert any(r.get("fill") == palette.DEAD for g in dead for r in g.iter("rect"))
    assert root.find(".//svg[@data-dead='1']") is not None  # its cross
    # Another row: other colours, the rest of the drawing unchanged.
    other = {k: -np.asarray(v) for k, v in p.activations.items()}
    again, root2 = cells(other)
    assert [r.get("fill") for r in again] != [r.get("fill") for r in rects]
    paths = [e.get("d") for e in root.iter("path")]
    assert paths == [e.get("d") for e in root2.iter("path")]
    colours = {e.get("stroke") for e in root.iter("path") if e.get("fill") == "none"}
    assert colours == {palette.POSITIVE, palette.NEGATIVE}  # weight lines: sign colours only
