"""The Inside page through AppTest, on finished runs written into the workspace's store."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from streamlit.testing.v1 import AppTest

from gui.core.model.build import build_model
from gui.core.training.snapshots import Snapshots, model_weights
from gui.ui.figures import palette
from tests.conftest import ROOT
from tests.core import trained_models as tm
from tests.ui import runs_helper

APP = str(ROOT / "app.py")


def open_inside(add_run=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if add_run is not None:
        add_run(at)
    at.switch_page("steps/inside.py").run()
    assert not at.exception, at.exception
    return at


def texts(figure: dict) -> str:
    parts = [a.get("text", "") for a in figure["layout"].get("annotations", [])]
    for trace in figure["data"]:
        for key in ("text", "hovertext", "name"):
            value = trace.get(key)
            if isinstance(value, list):
                parts += [str(v) for v in value]
            elif value:
                parts.append(str(value))
    return "\n".join(parts)


def network(at) -> ET.Element:
    """The what-if's network view: the SVG drawn through st.markdown, parsed."""
    bodies = [e.value for e in at.markdown if 'class="network-svg"' in e.value]
    assert len(bodies) == 1, f"{len(bodies)} network views"
    return ET.fromstring(bodies[0])


def words(element: ET.Element) -> str:
    """Every text of the SVG, its tooltips included, one per line."""
    return "\n".join(t.strip() for t in element.itertext() if t.strip())


def fills(element: ET.Element, name: str) -> list[str]:
    """The fill of each node (circle) or cell (rect) of the trace called `name`."""
    group = next(g for g in element.iter("g") if g.get("data-name", "").startswith(name))
    return [e.get("fill") for e in group if e.tag in ("circle", "rect")]


def with_snapshots(at) -> None:
    t = tm.iris()
    record = runs_helper.finished(at, t)
    snaps = Snapshots()
    snaps.add(0, model_weights(build_model(t.spec, t.prepared.preprocessor)))
    snaps.add(record.model_epoch, model_weights(t.model))
    runs_helper.runs().files.write(runs_helper.token(at), record.id, "snapshots", snaps.save)


def test_without_a_run_it_points_to_the_train_page():
    at = open_inside()
    assert any("Nothing has been trained yet" in i.value for i in at.info)
    assert [p.proto.page for p in at.page_link][-1] == "train"
    assert at.checkbox(key="inside.snapshots").value is True
    label = at.checkbox(key="inside.snapshots").label
    at.switch_page("steps/train.py").run()  # one name for the switch on both pages
    assert at.checkbox(key="train.snapshots").label == label == (
        "record the weights after every epoch")


def test_a_finished_run_shows_its_network_maps_and_an_epoch_scrubber():
    at = open_inside(with_snapshots)
    slider = at.select_slider(key=next(s.key for s in at.select_slider
                                      if s.key.startswith("inside.epoch.")))
    assert slider.options == ["0", "8"] and slider.value == 8
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    shown = words(network(at))
    for name in (*tm.IRIS_FEATURES, "setosa", "versicolor", "virginica", "Inputs\n4",
                 "dense_1\n16 relu", "scaling", "positive weight", "negative weight"):
        assert name in shown, name
    decision = next(f for f in figs if any(t.get("name") == "decision" for t in f["data"]))
    before = next(t for t in decision["data"] if t.get("name") == "decision")["z"]
    assert any("Others held at" in c.value for c in at.caption)
    assert any("neurons" in texts(f) for f in figs)  # the neuron pictures

    slider.set_value(0).run()
    assert not at.exception, at.exception
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    decision = next(f for f in figs if any(t.get("name") == "decision" for t in f["data"]))
    after = next(t for t in decision["data"] if t.get("name") == "decision")["z"]
    assert after != before  # the untrained network decides differently


def test_a_run_without_snapshots_shows_its_trained_model():
    at = open_inside(lambda at: runs_helper.finished(at, tm.iris()))
    assert any("kept no weight snapshots" in c.value for c in at.caption)
    assert not [s for s in at.select_slider if s.key.startswith("inside.epoch.")]
    assert len(at.get("plotly_chart")) >= 2  # the decision map, the neuron pictures
    assert "dense_1\n16 relu" in words(network(at))


def test_a_what_if_change_keeps_the_maps_and_redraws_the_row_and_network():
    at = open_inside(with_snapshots)

    def charts() -> dict:
        return {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}

    maps = at.session_state["ll_memo"]["inside.maps"]
    before, old = charts(), network(at)
    slider = next(s for s in at.slider if s.key.startswith("probe.") and ".f" in s.key)
    slider.set_value(slider.max).run()
    assert not at.exception, at.exception
    after = charts()
    # The decision map and neuron pictures are not remade: the same memo entry, the same
    # chart ids (the browser keeps a chart whose id is unchanged) ...
    assert at.session_state["ll_memo"]["inside.maps"] is maps
    kept = [i for i in before if i in after]
    assert any("decision" in json.dumps(before[i]) for i in kept)
    assert any("neurons" in texts(before[i]) for i in kept)
    # ... while the network view (SVG, no plotly chart) shows the new row's activations:
    # its neurons coloured anew, their tooltips with the new values.
    new = network(at)
    assert not any("Inputs" in texts(f) for f in after.values())
    assert new.find("svg").get("role") == "img"
    assert "For this row" in new.find("svg").get("aria-label")
    for layer in ("dense_1", "Output"):
        assert len(fills(new, layer)) == len(fills(old, layer)) > 0
        assert fills(new, layer) != fills(old, layer), layer
        assert all(f.startswith("#") for f in fills(new, layer))
    assert "activation" in words(new) and words(new) != words(old)


def test_the_viewer_thins_the_network_s_lines():
    at = open_inside(runs_helper_finished_iris)
    lines = next(s for s in at.select_slider if s.label == "Lines per neuron")
    assert lines.value == "all"  # 4-16-3: narrow enough for every weight

    def weights() -> int:
        shown = network(at)
        tips = [e for e in shown.iter("circle") if e.get("fill") == "rgba(0,0,0,0)"]
        lines = "".join(e.get("d") for e in shown.iter("path") if e.get("stroke") in (
            palette.POSITIVE, palette.NEGATIVE))
        assert lines.count("M") == len(tips)  # a line per weight, each with its tooltip
        return len(tips)

    assert weights() == 4 * 16 + 16 * 3
    lines.set_value(1).run()
    assert not at.exception, at.exception
    assert weights() == 16 + 3
    assert any("1 strongest incoming weight only" in c.value for c in at.caption)


def runs_helper_finished_iris(at) -> None:
    runs_helper.finished(at, tm.iris())


def test_the_weights_can_be_heat_maps_instead_of_lines():
    at = open_inside(runs_helper_finished_iris)
    view = next(r for r in at.radio if r.label == "Weights as")
    view.set_value("heat maps").run()
    assert not at.exception, at.exception
    assert not [s for s in at.select_slider if s.label == "Lines per neuron"]
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    maps = [t for f in figs for t in f["data"] if t.get("name", "").startswith(
        ("dense_1 · 16", "Output"))]
    assert len(maps) == 2 and all(t["type"] == "heatmap" for t in maps)
    assert any("a row per source, a column per neuron" in c.value for c in at.caption)
