"""The Runs page through AppTest: finished runs written into the workspace's store."""

from __future__ import annotations

import copy
import functools

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.core import trained_models as tm
from tests.ui import runs_helper

APP = str(ROOT / "app.py")


@functools.cache
def narrow_iris() -> tm.Trained:
    """Iris on 8 units for 3 epochs: other settings than tm.iris() (16 units, 8 epochs)."""
    return tm.train("iris.csv", "species", epochs=3, units=8)


def open_runs(add_runs=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    if add_runs is not None:
        add_runs(at)
    at.switch_page("steps/runs.py").run()
    assert not at.exception, at.exception
    return at


def two_runs(at: AppTest) -> None:
    runs_helper.finished(at, tm.iris())
    runs_helper.finished(at, narrow_iris(), name="Narrow")


def test_an_empty_workspace_has_no_run_yet():
    at = open_runs()
    assert at.title[0].value == "Runs"
    assert [i.value for i in at.info][0].startswith("No run yet.")
    assert [p.proto.label for p in at.page_link][-1] == "Go to 3 · Train"
    assert not at.dataframe


def test_the_table_lists_every_run_with_the_settings_that_differ():
    at = open_runs(two_runs)
    table = at.dataframe(key="runs.table").value
    assert list(table["Name"]) == ["Run 1", "Narrow"]
    assert list(table.columns[:4]) == ["Name", "Dataset", "layers[0].units", "fit.epochs"]
    assert list(table["layers[0].units"]) == ["16", "8"]
    assert list(table["Epochs"]) == [8, 3]
    assert list(table["Status"]) == ["done", "done"]
    records = runs_helper.runs().list(runs_helper.token(at))
    assert list(table["test loss"]) == pytest.approx([r.test_metrics["loss"] for r in records])
    assert list(table["train accuracy"]) == pytest.approx(
        [r.history["accuracy"][-1] for r in records])
    assert any(c.value.startswith("2 run(s).") for c in at.caption)
    assert any("Tick one or more rows" in c.value for c in at.caption)
    assert not at.get("plotly_chart")  # nothing chosen yet


def test_chosen_runs_are_compared_and_one_opens_on_evaluate():
    at = open_runs(two_runs)
    at.session_state["runs.table"] = {"selection": {"rows": [0, 1], "columns": []}}
    at.run()
    assert not at.exception, at.exception
    differ = at.dataframe[1].value  # after the runs table
    assert list(differ.columns) == ["Run 1", "Narrow"]
    assert list(differ.index) == ["layers[0].units", "fit.epochs"]
    loss = [c for c in at.get("plotly_chart") if '"loss"' in c.proto.spec]
    assert loss, "no loss chart"
    assert at.selectbox(key="runs.one").value == runs_helper.runs().list(
        runs_helper.token(at))[1].id  # the last chosen
    at.button(key="runs.evaluate").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "4 · Evaluate"
    assert any("Showing Narrow, started at" in c.value for c in at.caption)


def test_a_run_is_renamed_in_the_store():
    at = open_runs(two_runs)
    at.session_state["runs.table"] = {"selection": {"rows": [1], "columns": []}}
    at.run()
    narrow = runs_helper.runs().list(runs_helper.token(at))[1]
    at.text_input(key=f"runs.name.{narrow.id}").input("Eight units").run()
    assert not at.exception, at.exception
    assert runs_helper.runs().get(runs_helper.token(at), narrow.id).name == "Eight units"
    assert list(at.dataframe(key="runs.table").value["Name"]) == ["Run 1", "Eight units"]


def test_variant_specs_are_what_the_table_compares():
    """The helper records the spec it is given: a seed-only variant differs in fit.seed."""
    def runs(at):
        runs_helper.finished(at, tm.iris())
        spec = copy.deepcopy(tm.iris().spec)
        spec.fit.seed = 7
        runs_helper.finished(at, tm.iris(), spec=spec)

    at = open_runs(runs)
    table = at.dataframe(key="runs.table").value
    assert list(table["fit.seed"]) == ["1", "7"]
    assert "layers[0].units" not in table.columns


def test_a_chosen_run_offers_its_own_downloads_named_after_it():
    at = open_runs(two_runs)
    at.session_state["runs.table"] = {"selection": {"rows": [1], "columns": []}}
    at.run()
    assert not at.exception, at.exception
    buttons = {b.proto.label: b.proto for b in at.download_button}
    assert list(buttons) == ["Model (.keras)", "Model (.h5)", "Bundle (.zip)",
                             "Python script (.py)", "History (.csv)", "Model card (.md)",
                             "ONNX (.zip)", "LiteRT (.zip)",
                             "TensorFlow SavedModel (.zip)"]
    exports = [buttons[n] for n in list(buttons)[-3:]]
    assert all(b.deferred_file_id for b in exports)  # made on click, not on every draw
    assert "predict.py" in buttons["ONNX (.zip)"].help
    assert "only onnxruntime, NumPy and pandas" in buttons["ONNX (.zip)"].help
    assert "python iris-narrow.py [iris.csv]" in buttons["Python script (.py)"].help
