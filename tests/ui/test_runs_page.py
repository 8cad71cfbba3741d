"""The Runs page through AppTest: finished runs written into the workspace's store."""

from __future__ import annotations

import copy
import functools
import re
import time

from streamlit.testing.v1 import AppTest

from gui.core.inspection.numbers import number
from gui.core.spec.vocabulary import DONE, RUNNING
from tests.conftest import ROOT
from tests.core import trained_models as tm
from tests.ui import runs_helper

APP = str(ROOT / "layerlab.py")


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
    # The mark, name, status and main values first (in view at 1280 px); settings last.
    assert list(table.columns) == [
        "Best", "Name", "Status", "validation accuracy", "test accuracy", "validation loss",
        "test loss", "train accuracy", "train loss", "Epochs", "Duration", "Dataset",
        "layers[0].units", "fit.epochs"]
    assert list(table["layers[0].units"]) == ["16", "8"]
    assert list(table["Epochs"]) == ["8", "3"]
    assert list(table["Status"]) == ["done", "done"]
    records = runs_helper.runs().list(runs_helper.token(at))
    # Every value as numbers.py writes it (the tiles' and curves' rounding), never "None".
    assert list(table["test loss"]) == [number(r.test_metrics["loss"], "loss") for r in records]
    assert list(table["train accuracy"]) == [number(r.history["accuracy"][-1], "accuracy")
                                             for r in records]
    val = [r.history["val_accuracy"][-1] for r in records]
    best = val.index(max(val))
    assert list(table["Best"]) == ["★ best" if i == best else "" for i in range(2)]
    assert any(c.value.startswith("2 run(s). ★ best marks the best finished run by validation "
                                  "accuracy") for c in at.caption)
    assert any("Tick one or more rows" in c.value for c in at.caption)
    assert not at.get("plotly_chart")  # nothing chosen yet


def test_a_number_trained_on_its_standardised_target_says_its_values_are_scaled():
    """The Train tiles say "scaled"; so do the Runs page's values (Evaluate's MAE is in the
    target's own units, and a user comparing the pages sees why they differ)."""
    at = open_runs(lambda at: runs_helper.finished(at, tm.tips()))
    table = at.dataframe(key="runs.table").value
    (record,) = runs_helper.runs().list(runs_helper.token(at))
    name = tm.tips().spec.compile.metrics[0]
    mae = next(c for c in table.columns if c.startswith("test ") and c != "test loss")
    assert table[mae][0] == number(record.test_metrics[name], name) + " (scaled)"
    assert table["train loss"][0].endswith(" (scaled)")


def test_values_read_the_best_is_by_validation_and_a_live_run_matches_its_banner():
    """2.63e-6 is not "0.0000"; a missing value is "–", not "None"; a better test value
    never makes a run best, nor does a validation that was the test set; a training run's
    status is the run banner's own line."""
    spec = tm.iris().spec

    def runs(at):
        def done(name, val, test, validation="split"):
            variant = copy.deepcopy(spec)
            variant.fit.validation = validation
            history = {"loss": [0.5, 2.63e-6], "accuracy": [0.5, 1.0],
                       "val_loss": [0.6, 0.4], "val_accuracy": [0.5, val]}
            runs_helper.add(at, variant, DONE, name, history=history, model_epoch=2,
                            test_metrics={"loss": 0.3, "accuracy": test},
                            progress=[2, 2, 4, 4], started=1.0, ended=3.5)

        done("Steady", val=0.9, test=0.5)
        done("Lucky on test", val=0.8, test=1.0)
        done("Tuned on test", val=0.99, test=0.99, validation="test")
        now = time.time()
        runs_helper.add(at, spec, RUNNING, "Live", history={"loss": [0.9]},
                        progress=[136, 300, 0, 4], started=now - 23, heartbeat=now,
                        owner="elsewhere:1")

    at = open_runs(runs)
    table = at.dataframe(key="runs.table").value.set_index("Name")
    assert table.loc["Steady", "train loss"] == "2.63e-6"
    assert table.loc["Live", "test loss"] == "–" and "None" not in table.to_string()
    assert [n for n in table.index if table.loc[n, "Best"]] == ["Steady"]
    assert table.loc["Steady", "Duration"] == "2.5 s"
    status = re.fullmatch(r"running · epoch 136/300 · (\d+) s", table.loc["Live", "Status"])
    assert status and 23 <= int(status[1]) < 60, table.loc["Live", "Status"]
    banner = [re.search(r"\*\*Training Live\*\* · epoch 136/300 · (\d+) s$", m)
              for m in runs_helper.banner(at)]  # the banner above the page: the same words
    seconds = [int(b[1]) for b in banner if b]
    assert len(seconds) == 1 and abs(seconds[0] - int(status[1])) <= 1, seconds
    runs_helper.runs().request_stop(runs_helper.token(at), runs_helper.runs().list(
        runs_helper.token(at))[-1].id)


def test_chosen_runs_are_compared_and_one_opens_on_evaluate():
    at = open_runs(two_runs)
    at.session_state["runs.table"] = {"selection": {"rows": [0, 1], "columns": []}}
    at.run()
    assert not at.exception, at.exception
    differ = at.table[0].value  # a table that wraps: every cell whole
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


def test_projector_mode_shows_the_runs_as_a_table_of_text_and_a_list_to_pick_from():
    """The canvas grid's text cannot be enlarged: projector mode draws an HTML table, and
    a list of run names takes the place of the ticks; picking runs works as ticking them."""
    made = []
    at = open_runs(lambda at: made.extend([runs_helper.finished(at, tm.iris()),
                                           runs_helper.finished(at, narrow_iris(),
                                                                name="Narrow")]))
    at.toggle(key="projector.on").set_value(True).run()
    assert not at.exception, at.exception
    assert not at.dataframe  # no canvas table left
    shown = at.table[0].value
    assert list(shown["Name"]) == ["Run 1", "Narrow"] and list(shown["Epochs"]) == ["8", "3"]
    picked = at.multiselect(key="runs.picked")
    assert picked.value == [] and picked.options == ["Run 1", "Narrow"]
    assert "Act on one run" not in [h.value for h in at.subheader]  # nothing picked yet
    picked.set_value([made[1].id, made[0].id]).run()
    assert not at.exception, at.exception
    assert at.multiselect(key="runs.picked").value == [made[1].id, made[0].id]
    assert "Compare" in [h.value for h in at.subheader]
    assert at.selectbox(key="runs.one").value == made[0].id  # the last picked
    at.toggle(key="projector.on").set_value(False).run()  # back to the grid, no error
    assert not at.exception, at.exception
    assert at.dataframe(key="runs.table") is not None
