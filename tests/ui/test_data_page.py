"""The data page through Streamlit's AppTest: samples, uploads, choices and errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, SAMPLES

APP = str(ROOT / "app.py")


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def upload(at: AppTest, name: str, raw: bytes, key: str = "data.upload") -> AppTest:
    at.file_uploader(key=key).set_value((name, raw, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def test_opens_on_the_iris_sample_ready_to_train(at):
    assert at.title[0].value == "1 · Data"
    assert metrics(at) == {"Training rows": "120", "Test rows": "30",
                           "Inputs after encoding": "4", "Task": "Multiclass"}
    assert "setosa" in " ".join(c.value for c in at.caption)
    assert at.selectbox(key="data.target").value == "species"


def test_picking_a_sample_with_text_columns_one_hot_encodes_them(at):
    at.selectbox(key="data.sample").set_value("Restaurant tips").run()
    assert metrics(at)["Task"] == "Regression"
    assert metrics(at)["Inputs after encoding"] == "12"
    assert any("sex=Female" in c.value for c in at.caption)


def test_train_test_pair_sample_uses_its_test_file(at):
    at.selectbox(key="data.sample").set_value("Life expectancy (train/test pair)").run()
    assert at.radio(key="data.split").value == "file"
    assert metrics(at)["Test rows"] == "284"
    assert metrics(at)["Training rows"] == "1,420"


def test_upload_semicolon_latin1_csv(at):
    text = "âge;taille;classe\n" + "".join(f"{20 + i};{150 + i};{'A' if i % 3 else 'B'}\n"
                                           for i in range(30))
    upload(at, "latin.csv", text.encode("latin-1"))
    assert at.selectbox(key="data.target").value == "classe"
    assert metrics(at)["Task"] == "Binary"
    assert "semicolon-separated" in " ".join(c.value for c in at.caption)


def test_choices_change_the_prepared_data(at):
    at.slider(key="data.test_fraction").set_value(0.5).run()
    assert metrics(at)["Test rows"] == "75"
    at.multiselect(key="data.features").set_value(["petal length (cm)"]).run()
    assert metrics(at)["Inputs after encoding"] == "1"
    at.selectbox(key="data.target").set_value("sepal length (cm)").run()
    assert metrics(at)["Task"] == "Regression"
    at.checkbox(key="data.scale_target").check().run()
    assert any("Target scaling: y_scaled = (y − 4." in i.value for i in at.info), at.info


def test_choices_are_written_into_the_spec(at):
    at.radio(key="data.scaling").set_value("minmax").run()
    at.radio(key="data.missing").set_value("median").run()
    spec = at.session_state["ll_spec"]
    assert spec.data.scaling == "minmax" and spec.data.missing == "median"
    assert spec.data.target == "species" and spec.data.source == "iris.csv"
    assert spec.layers[-1].units == 3 and spec.layers[-1].activation == "softmax"


@pytest.mark.parametrize("name,raw,message", [
    ("empty.csv", b"", "The file is empty"),
    ("header.csv", b"a,b,c\n", "no data rows"),
    ("page.csv", b"<!doctype html><html><body>hi</body></html>", "web page (HTML)"),
    ("ragged.csv", b"a,b\n1,2\n3,4,5\n6,7\n8,9\n1,1\n", "different numbers of values"),
    ("dups.csv", b"a,a,b\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n", "appear more than once"),
])
def test_bad_uploads_show_a_message_and_keep_the_previous_dataset(at, name, raw, message):
    upload(at, name, raw)
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert any("iris.csv" in i.value for i in at.info)
    assert metrics(at)["Training rows"] == "120"  # the page still works on the good data


def test_target_with_a_single_value_is_explained(at):
    upload(at, "flat.csv", b"x,y\n" + b"".join(b"%d,1\n" % i for i in range(10)))
    assert any("single value" in e.value for e in at.error)


def test_test_csv_with_other_columns_is_refused(at):
    at.radio(key="data.split").set_value("file").run()
    at.file_uploader(key="data.test_upload").set_value(
        ("test.csv", b"a,b\n1,2\n3,4\n5,6\n7,8\n9,0\n", "text/csv")).run()
    assert any("test CSV lacks column(s)" in e.value for e in at.error)


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
