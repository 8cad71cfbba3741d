"""The data page through Streamlit's AppTest: samples, uploads, choices, errors, workspaces."""

from __future__ import annotations

import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from gui.core.store.workspaces import Store
from gui.ui.session.data_source import Choice
from tests.conftest import ROOT, SAMPLES

APP = str(ROOT / "layerlab.py")
IRIS = "sample:Iris flowers:iris.csv"


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def sample(name: str) -> str:
    """The dataset box's option for a bundled sample."""
    return Choice.of({"sample": name}).key


def uploader_key(at: AppTest, name: str = "upload") -> str:
    """The data uploader's current key (`data.upload.N`: N grows after each stored file)."""
    keys = [u.key for u in at.get("file_uploader") if u.key.startswith(f"data.{name}.")]
    assert len(keys) == 1, keys
    return keys[0]


def upload(at: AppTest, name: str, raw: bytes, part: str = "upload") -> AppTest:
    at.file_uploader(key=uploader_key(at, part)).set_value((name, raw, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def token(at: AppTest) -> str:
    return at.query_params["w"]


def stored(at: AppTest) -> dict:
    """The workspace document as saved in the store (what a reload or a second tab reads)."""
    return Store.from_env().load(token(at)).state


def data_source_prepared(at: AppTest) -> list[tuple]:
    """The prepared training rows, in their order, for the session's workspace spec."""
    from gui.core.data import data_ref
    from gui.core.spec.schema import ExperimentSpec

    doc = stored(at)
    refs = {"dataset": doc["dataset"], "test": doc["test"] if doc["split"] == "file" else None}
    prepared = data_ref.prepare(Store.from_env(), token(at), ExperimentSpec.from_dict(
        doc["spec"]), refs)
    return [tuple(row) for row in prepared.X_train.round(6).tolist()]


def test_opens_on_the_iris_sample_ready_to_train(at):
    assert at.title[0].value == "1 · Data"
    assert at.selectbox(key="data.dataset").value == IRIS
    assert metrics(at) == {"Training rows": "120", "Test rows": "30",
                           "Inputs after encoding": "4", "Task": "Multiclass"}
    assert "setosa" in " ".join(c.value for c in at.caption)
    assert at.selectbox(key="data.target").value == "species"
    assert Store.from_env().exists(token(at))
    assert stored(at)["dataset"] == {"sample": "Iris flowers"}
    # The preview: two light HTML tables (tables.html_table), no canvas grid on this page
    previews = [h.proto.body for h in at.get("html") if 'class="ll-table"' in h.proto.body]
    assert len(previews) == 2 and at.get("arrow_data_frame") == []
    assert "The first rows of" in previews[0] and previews[0].count("<tr>") == 51
    assert '<th scope="col" class="ll-num">sepal length (cm)</th>' in previews[0]
    assert previews[1].count("<tr>") == 6 and '<th scope="row">species</th>' in previews[1]


def test_picking_a_sample_with_text_columns_one_hot_encodes_them(at):
    at.selectbox(key="data.dataset").set_value(sample("Restaurant tips")).run()
    assert metrics(at)["Task"] == "Regression"
    assert metrics(at)["Inputs after encoding"] == "12"
    assert any("sex=Female" in c.value for c in at.caption)
    assert stored(at)["dataset"] == {"sample": "Restaurant tips"}


def test_train_test_pair_sample_uses_its_test_file(at):
    at.selectbox(key="data.dataset").set_value(
        "sample:Life expectancy (train/test pair):life_expectancy_train.csv").run()
    assert at.radio(key="data.split").value == "file"
    assert metrics(at)["Test rows"] == "284"
    assert metrics(at)["Training rows"] == "1,420"
    assert "Test data: **life_expectancy_test.csv**" in " ".join(c.value for c in at.caption)
    preview = at.get("html")[0].proto.body
    assert "<td class=\"ll-num\">1952</td>" in preview and "1,952" not in preview  # a year
    # The seed stays: it orders the training file's rows (validation holds out the last ones)
    before = data_source_prepared(at)
    at.number_input(key="data.split_seed").set_value(7).run()
    assert not at.exception, at.exception
    after = data_source_prepared(at)
    assert stored(at)["spec"]["data"]["split_seed"] == 7 and len(after) == len(before)
    assert sorted(after) == sorted(before) and after != before  # the same rows, reordered


def test_upload_semicolon_latin1_csv(at):
    text = "âge;taille;classe\n" + "".join(f"{20 + i};{150 + i};{'A' if i % 3 else 'B'}\n"
                                           for i in range(30))
    upload(at, "latin.csv", text.encode("latin-1"))
    assert at.selectbox(key="data.target").value == "classe"
    assert metrics(at)["Task"] == "Binary"
    assert "semicolon-separated" in " ".join(c.value for c in at.caption)
    assert any("**latin.csv** is stored in this workspace" in s.value for s in at.success)
    assert uploader_key(at) == "data.upload.1"  # emptied: the file is in the dataset box
    assert at.selectbox(key="data.dataset").value.startswith("file:")


def test_choices_change_the_prepared_data(at):
    at.slider(key="data.test_fraction").set_value(0.5).run()
    assert metrics(at)["Test rows"] == "75"
    at.multiselect(key="data.features").set_value(["petal length (cm)"]).run()
    assert metrics(at)["Inputs after encoding"] == "1"
    at.selectbox(key="data.target").set_value("sepal length (cm)").run()
    assert metrics(at)["Task"] == "Regression"
    assert at.checkbox(key="data.scale_target").value  # a regression target: on by default
    # standardised: the mean of the training rows' sepal lengths (about 5.8) is taken off
    assert any("Target scaling: y_scaled = (y − 5." in i.value for i in at.info), at.info
    at.checkbox(key="data.scale_target").uncheck().run()
    assert not any("Target scaling" in i.value for i in at.info)


def test_choices_are_written_into_the_spec(at):
    at.radio(key="data.scaling").set_value("minmax").run()
    at.radio(key="data.missing").set_value("median").run()
    spec = at.session_state["ll_doc"].spec
    assert spec.data.scaling == "minmax" and spec.data.missing == "median"
    assert spec.data.target == "species" and spec.data.source == "iris.csv"
    assert spec.layers[-1].units == 3 and spec.layers[-1].activation == "softmax"
    data = stored(at)["spec"]["data"]  # and saved: a reload shows the same choices
    assert (data["scaling"], data["target"], data["source"]) == ("minmax", "species", "iris.csv")


@pytest.mark.parametrize("name,raw,message", [
    ("empty.csv", b"", "The file is empty"),
    ("header.csv", b"a,b,c\n", "no data rows"),
    ("page.csv", b"<!doctype html><html><body>hi</body></html>", "web page (HTML)"),
    ("ragged.csv", b"a,b\n1,2\n3,4,5\n6,7\n8,9\n1,1\n", "different numbers of values"),
    ("dups.csv", b"a,a,b\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n", "appear more than once"),
])
def test_bad_uploads_show_a_message_and_keep_the_previous_dataset(at, name, raw, message):
    upload(at, name, raw)
    refusal = [e.value for e in at.error if f"**{name}** could not be used" in e.value]
    assert len(refusal) == 1, [e.value for e in at.error]
    assert message in refusal[0]
    assert "Still working with the previous dataset, **iris.csv**." in refusal[0]
    assert metrics(at)["Training rows"] == "120"  # the page still works on the good data
    assert at.selectbox(key="data.dataset").value == IRIS
    assert Store.from_env().files(token(at)) == []  # a refused file is not stored
    at.run()
    assert not [e for e in at.error if name in e.value]  # said once, not on every run


def test_target_with_a_single_value_is_explained(at):
    upload(at, "flat.csv", b"x,y\n" + b"".join(b"%d,1\n" % i for i in range(10)))
    assert any("single value" in e.value for e in at.error)


def test_test_csv_with_other_columns_is_refused(at):
    at.radio(key="data.split").set_value("file").run()
    # Choosing the option is not a mistake: what to do next, as information, naming every
    # kind of file the uploader takes (spreadsheets too), and no error yet.
    assert not at.error
    assert [i.value for i in at.info] == [
        "Upload the test file (.csv, .tsv, .txt, .xlsx, .parquet, with the training file's "
        "columns), or choose to hold out a share of the rows."]
    upload(at, "test.csv", b"a,b\n1,2\n3,4\n5,6\n7,8\n9,0\n", part="test_upload")
    assert any("test file lacks column(s)" in e.value for e in at.error)
    assert not at.metric


def test_a_stored_upload_survives_a_fresh_session_on_the_same_link(at):
    rows = "".join(f"{i},{i % 7},{'yes' if i % 2 else 'no'}\n" for i in range(40))
    upload(at, "visits.csv", f"day,count,busy\n{rows}".encode())
    at.selectbox(key="data.target").set_value("count").run()
    assert metrics(at)["Task"] == "Regression"
    link = token(at)

    later = AppTest.from_file(APP, default_timeout=60)
    later.query_params["w"] = link  # a reload, a bookmark or a second tab
    later.run()
    assert not later.exception, later.exception
    assert token(later) == link
    box = later.selectbox(key="data.dataset")
    assert box.value.startswith("file:")
    assert box.options[0].startswith("visits.csv · uploaded")
    assert later.subheader[0].value == "visits.csv"
    assert later.selectbox(key="data.target").value == "count"
    assert metrics(later)["Training rows"] == "32" and metrics(later)["Task"] == "Regression"


def test_an_unknown_link_says_so_and_creates_nothing(at):
    unknown = "Z" * 32  # well formed, never handed out
    assert not Store.from_env().exists(unknown)
    lost = AppTest.from_file(APP, default_timeout=60)
    lost.query_params["w"] = unknown
    lost.run()
    assert not lost.exception, lost.exception
    assert [t.value for t in lost.title] == ["This workspace does not exist"]
    assert lost.button(key="workspace.fresh").label == "Start a fresh workspace"
    assert not lost.selectbox and not lost.metric  # no page is drawn on a workspace
    assert not Store.from_env().exists(unknown)
    lost.button(key="workspace.fresh").click().run()
    assert not lost.exception, lost.exception
    fresh = token(lost)
    assert fresh != unknown and Store.from_env().exists(fresh)
    assert lost.title[0].value == "1 · Data"
    assert fresh != token(at)  # another user's workspace is never handed out
    assert not Store.from_env().exists(unknown)


def test_a_keras_model_dropped_on_the_data_uploader_is_refused_by_name(at):
    upload(at, "model.keras", b"PK\x03\x04 not a table")
    text = " ".join(e.value for e in at.error)
    assert "**model.keras** could not be used" in text
    assert "a Keras model" in text and "CSV, TSV or TXT" in text
    assert "Models go on the Predict page." in text
    assert at.selectbox(key="data.dataset").value == IRIS
    assert Store.from_env().files(token(at)) == []


def test_data_page_does_not_import_tensorflow():
    """The first page must not pay TensorFlow's import time (run in a fresh interpreter)."""
    code = ("import sys; from streamlit.testing.v1 import AppTest; "
            f"at = AppTest.from_file({APP!r}, default_timeout=60).run(); "
            "assert not at.exception; "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False False"


def test_sample_files_are_the_ones_on_disk():
    assert (SAMPLES / "iris.csv").exists() and (SAMPLES / "README.md").exists()
