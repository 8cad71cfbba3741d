"""The Inside page through AppTest, on finished runs written into the workspace's store."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from gui.core.model.build import build_model
from gui.core.training.snapshots import Snapshots, model_weights
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
    network = next(f for f in figs if "<b>Inputs</b><br><b>4</b>" in texts(f))
    words = texts(network)
    for name in (*tm.IRIS_FEATURES, "setosa", "versicolor", "virginica",
                 "<b>dense_1</b><br><b>16 relu</b>", "scaling"):
        assert name in words, name
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
    assert len(at.get("plotly_chart")) >= 3


def test_a_what_if_change_keeps_the_maps_and_redraws_the_row_and_network():
    at = open_inside(with_snapshots)

    def charts() -> dict:
        return {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}

    maps = at.session_state["ll_memo"]["inside.maps"]
    before = charts()
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
    # ... while the network view shows the new row's activations.
    network = [f for f in after.values() if "<b>Inputs</b><br><b>4</b>" in texts(f)]
    old = [f for f in before.values() if "<b>Inputs</b><br><b>4</b>" in texts(f)]
    assert "activation" in texts(network[0]) and texts(network[0]) != texts(old[0])


def test_the_viewer_thins_the_network_s_lines():
    at = open_inside(runs_helper_finished_iris)
    lines = next(s for s in at.select_slider if s.label == "Lines per neuron")
    assert lines.value == "all"  # 4-16-3: narrow enough for every weight

    def weights() -> int:
        figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        network = next(f for f in figs if "<b>Inputs</b><br><b>4</b>" in texts(f))
        return sum(len(t["hovertext"]) for t in network["data"] if t.get("name") == "weights")

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
