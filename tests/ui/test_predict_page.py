"""The predict page through AppTest: trained or uploaded models, one row, CSV rows, refusals."""

from __future__ import annotations

import io
import re
import time

import keras
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from gui.core.saving import export
from gui.ui.session.data_source import Choice
from tests.conftest import ROOT, SAMPLES
from tests.core import trained_models as tm
from tests.ui import runs_helper

APP = str(ROOT / "layerlab.py")


def open_predict(trained: tm.Trained | None = None, sample: str | None = None) -> AppTest:
    """The Predict page of a fresh workspace (on the Iris sample, or on `sample`), showing a
    finished run of `trained` if given."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    if trained is not None:
        runs_helper.finished(at, trained)
    if sample is not None:
        at.selectbox(key="data.dataset").set_value(Choice.of({"sample": sample}).key).run()
    at.switch_page("steps/predict.py").run()
    assert not at.exception, at.exception
    return at


def upload_model(at: AppTest, name: str, raw: bytes) -> AppTest:
    at.file_uploader(key="predict.model_upload").set_value(
        (name, raw, "application/octet-stream")).run()
    assert not at.exception, at.exception
    return at


def upload_rows(at: AppTest, raw: bytes, name: str = "rows.csv") -> AppTest:
    at.file_uploader(key="predict.rows_upload").set_value((name, raw, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def iris_keras() -> bytes:
    t = tm.iris()
    return export.save_keras_bytes(t.deploy, export.metadata(t.spec, t.prepared.preprocessor))


def iris_rows(n: int = 5, drop=()) -> bytes:
    return pd.read_csv(SAMPLES / "iris.csv").head(n).drop(columns=list(drop)).to_csv(
        index=False).encode()


def field_labels(at: AppTest, n: int) -> list[str]:
    """The one-row form's inputs in feature order (AppTest lists columns one by one)."""
    return [at.number_input(key=f"predict.field.{i}").label for i in range(n)]


def shown(markdown: str) -> str:
    """Markdown source → the text a person reads (the pages escape user text, and put an
    invisible word joiner into URLs so that they are not made links)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def texts(at: AppTest, kind: str) -> str:
    return " ".join(shown(e.value) for e in getattr(at, kind))


def test_without_a_trained_model_it_asks_for_a_model_file():
    at = open_predict()
    assert at.title[0].value == "5 · Predict"
    assert at.radio(key="predict.source").options == ["Upload a model file"]
    assert "No model trained in this session yet" in texts(at, "caption")
    assert not at.tabs


def test_one_row_form_with_the_model_just_trained():
    at = open_predict(tm.iris())
    assert at.radio(key="predict.source").value == "trained"
    assert "Using Run 1, trained on iris.csv: a LayerLab model that predicts **species**" in \
        texts(at, "markdown"), texts(at, "markdown")
    assert field_labels(at, 4) == tm.IRIS_FEATURES
    at.number_input(key="predict.field.2").set_value(1.4)
    at.number_input(key="predict.field.3").set_value(0.2)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    metric = at.metric[0]
    assert shown(metric.label) == "Predicted species"
    assert metric.value in ("setosa", "versicolor", "virginica")
    probabilities = at.dataframe[0].value
    assert list(probabilities["class"]) == ["setosa", "versicolor", "virginica"]
    assert probabilities["probability"].sum() == pytest.approx(1.0, abs=1e-4)


def test_uploaded_keras_model_predicts_a_csv_of_rows_and_offers_the_download():
    at = upload_model(open_predict(), "iris_20261123-0912.keras", iris_keras())
    assert "a LayerLab model that predicts **species**" in texts(at, "markdown")
    upload_rows(at, iris_rows(6))
    table = at.dataframe[-1].value
    assert len(table) == 6
    assert {"predicted_species", "predicted_label", "probability_setosa"} <= set(table.columns)
    assert "Column(s) the model does not use were ignored: species." in texts(at, "info")
    assert "Download rows with predictions (.csv)" in [b.proto.label for b in at.download_button]


def test_missing_columns_are_named():
    at = upload_model(open_predict(), "iris.keras", iris_keras())
    upload_rows(at, iris_rows(3, drop=["petal width (cm)", "sepal width (cm)"]))
    assert ("Missing column(s): sepal width (cm), petal width (cm)."
            in texts(at, "error")), texts(at, "error")


@pytest.mark.parametrize("name,make,message", [
    ("lambda.keras", lambda: export.save_keras_bytes(keras.Sequential(
        [keras.Input(shape=(2,)), keras.layers.Lambda(lambda x: x * 3)])), "Lambda layer"),
    ("iris.keras", lambda: (SAMPLES / "iris.csv").read_bytes(), "looks like a CSV"),
    ("cut.keras", lambda: iris_keras()[:4000], "damaged or incomplete"),
])
def test_hostile_or_broken_model_files_are_refused_in_plain_words(name, make, message):
    at = upload_model(open_predict(), name, make())
    assert message in texts(at, "error"), texts(at, "error")
    assert f"**{name}** was not loaded" in texts(at, "error")
    assert not at.tabs


def test_plain_keras_h5_model_gets_the_numeric_columns_in_order(tmp_path):
    path = tmp_path / "trained_model.h5"
    tm.plain_sequential(4, 1).save(path)
    at = upload_model(open_predict(), "trained_model.h5", path.read_bytes())
    assert "a Keras model with 4 numeric input(s) and 1 output(s)" in texts(at, "markdown")
    assert field_labels(at, 4) == [f"input_{i}" for i in range(1, 5)]
    upload_rows(at, iris_rows(4))
    # every column comes back (the text label too, not fed to the model) + the output
    assert list(at.dataframe[-1].value.columns) == [*tm.IRIS_FEATURES, "species", "output"]
    upload_rows(at, iris_rows(4, drop=["sepal length (cm)"]))
    assert "takes 4 numeric input(s), but the rows have 3" in texts(at, "error")


def test_binary_threshold_applies_to_uploaded_rows():
    t = tm.cancer()
    raw = export.save_keras_bytes(t.deploy, export.metadata(t.spec, t.prepared.preprocessor))
    at = upload_model(open_predict(), "cancer.keras", raw)
    rows = pd.read_csv(SAMPLES / "breast_cancer.csv").head(20).to_csv(index=False).encode()
    at.slider(key="predict.threshold").set_value(0.0).run()
    upload_rows(at, rows)
    table = at.dataframe[-1].value
    assert set(table["predicted_label"]) == {1}


def test_continue_training_an_uploaded_h5_model_on_the_current_data():
    t = tm.iris()
    raw = export.save_h5_bytes(t.deploy, export.metadata(t.spec, t.prepared.preprocessor))
    at = upload_model(open_predict(), "iris.h5", raw)  # the workspace is on Iris
    assert "fresh optimizer" in texts(at, "caption")
    at.number_input(key="predict.more_epochs").set_value(2)
    at.button(key="predict.train_more").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "3 · Train"  # the run is watched where runs are watched
    token = runs_helper.token(at)
    run_id = at.session_state["ll_doc"].run
    record = runs_helper.runs().get(token, run_id)
    assert record.name == "iris.h5 +2" and record.data["model"]["name"] == "iris.h5"
    deadline = time.time() + 120
    while record.active:  # the process's worker pool trains it
        assert time.time() < deadline, record.status
        time.sleep(0.1)
        record = runs_helper.runs().get(token, run_id)
    assert record.status == "done", (record.status, record.error)
    assert record.epochs_done == 2 and record.has_model
    assert "Continued iris.h5 with a fresh optimizer" in record.note
    at.switch_page("steps/train.py").run()  # AppTest reruns its own page, not the one
    assert not at.exception, at.exception    # the script switched to
    assert at.success[0].value.startswith("Trained 2 epochs in "), texts(at, "error")
    at.switch_page("steps/predict.py").run()  # the continued model is now the trained one
    assert at.radio(key="predict.source").value == "trained"
    assert "Using iris.h5 +2" in texts(at, "markdown")


def test_continue_training_on_incompatible_data_says_why():
    raw = export.save_keras_bytes(tm.plain_sequential(3))
    at = upload_model(open_predict(), "plain.keras", raw)
    assert "takes 3 input(s), but the current data gives 4" in texts(at, "error")
    assert not [b for b in at.button if b.key == "predict.train_more"]
    at = upload_model(open_predict(sample="Wine cultivars"), "plain.keras", raw)
    assert "takes 3 input(s), but the current data gives 13" in texts(at, "error")
    assert not [b for b in at.button if b.key == "predict.train_more"]
    assert not runs_helper.runs().list(runs_helper.token(at))  # nothing was queued


def test_downloaded_csv_from_the_page_is_formula_safe():
    at = upload_model(open_predict(), "iris.keras", iris_keras())
    rows = pd.read_csv(io.BytesIO(iris_rows(2)))
    rows["note"] = ["=HYPERLINK(\"x\")", "ok"]
    upload_rows(at, rows.to_csv(index=False).encode())
    assert "ignored: species, note" in texts(at, "info")


def test_names_from_a_model_file_are_shown_as_text_not_markdown():
    t = tm.iris()
    meta = export.metadata(t.spec, t.prepared.preprocessor)
    meta["target"] = "![pixel](http://tracker.invalid/x.png)"
    meta["preprocessing"]["classes"] = [":red[setosa]", "versicolor", "virginica"]
    at = upload_model(open_predict(), "[click](http://evil.invalid).keras",
                      export.save_keras_bytes(t.deploy, meta))
    source = " ".join(m.value for m in at.markdown)
    assert "![pixel](" not in source and "[click](" not in source and ":red[" not in source
    assert "!\\[pixel\\]" in source
    assert "![pixel](http://tracker.invalid/x.png)" in texts(at, "markdown")


def iris_raw_keras() -> bytes:
    """A downloaded .keras of today's form: it takes the raw columns (raw_model.py)."""
    t = tm.iris()
    return export.save_raw_keras_bytes(t.deploy, t.spec, t.prepared.preprocessor)


def workbook(sheets: dict) -> bytes:
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return out.getvalue()


def test_rows_from_a_workbook_with_a_sheet_choice_come_back_with_every_column():
    at = upload_model(open_predict(), "iris-run-1.keras", iris_raw_keras())
    rows = pd.read_csv(SAMPLES / "iris.csv").iloc[[0, 60, 120]]
    raw = workbook({"notes": pd.DataFrame({"note": ["rows are on the next sheet"]}),
                    "rows": rows})
    upload_rows(at, raw, "new_irises.xlsx")
    assert at.selectbox(key="predict.sheet").options == ["notes", "rows"]
    # the sheet that holds the model's columns is read first, and said; the other on request
    assert at.selectbox(key="predict.sheet").value == "rows" and not at.error, at.error
    assert any("The sheet 'rows' holds the model's columns" in i.value for i in at.info)
    at.selectbox(key="predict.sheet").set_value("notes").run()
    assert "Missing column(s): sepal length (cm)" in texts(at, "error")
    at.selectbox(key="predict.sheet").set_value("rows").run()
    assert not at.exception and not at.error, at.error
    table = at.dataframe[-1].value
    assert list(table.columns[:5]) == list(rows.columns)  # the true label is kept
    assert list(table["species"]) == ["setosa", "versicolor", "virginica"]
    assert "predicted_species" in table.columns
    labels = [b.proto.label for b in at.download_button]
    assert labels == ["Download rows with predictions (.csv)",
                      "Download rows with predictions (.xlsx)"]


def test_rows_from_a_parquet_file_and_a_refused_file_in_words():
    at = upload_model(open_predict(), "iris-run-1.keras", iris_raw_keras())
    rows = pd.read_csv(SAMPLES / "iris.csv").head(4)
    upload_rows(at, rows.to_parquet(index=False), "rows.parquet")
    table = at.dataframe[-1].value
    assert len(table) == 4 and "species" in table.columns and "probability_setosa" in table
    assert [b.proto.label for b in at.download_button] == [
        "Download rows with predictions (.csv)"]  # no workbook in, no workbook out
    upload_rows(at, b"%PDF-1.4 not a table", "rows.pdf")
    assert ("rows.pdf is a PDF document; this uploader takes data tables: CSV, TSV or TXT "
            "text files, Excel workbooks (.xlsx) or Parquet files.") in texts(at, "error")


def test_a_number_in_large_units_is_predicted_in_plain_digits():
    """A price of 659,096 reads as such, not as 6.591e+05 (numbers.number, as Evaluate)."""
    frame = pd.read_csv(SAMPLES / "tips.csv")
    frame["tip"] = frame["tip"] * 100_000
    at = open_predict(tm.train("tips.csv", "tip", epochs=2, frame=frame, scale_target=True),
                      sample="Restaurant tips")
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    value = at.metric[0].value
    assert re.fullmatch(r"-?\d{1,3}(,\d{3})+", value), value  # e.g. 291,370
