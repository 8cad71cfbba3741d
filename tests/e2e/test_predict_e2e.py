"""Train → evaluate → download the .keras → upload it on the predict page → predict a CSV.

Real chromium, real downloads (page.expect_download), real uploads (set_input_files).
"""

from __future__ import annotations

import io
import zipfile

import keras
import numpy as np
import pandas as pd
from playwright.sync_api import Page, expect

from gui.core.saving import export
from tests.conftest import SAMPLES
from tests.core.test_model_formats import run_script
from tests.e2e.conftest import open_app, wait_idle
from tests.e2e.controls import shown

FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def go(page: Page, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).first.click()
    wait_idle(page)


def keyed(page: Page, key: str, inner: str = ""):
    """The element with widget key `key` (Streamlit marks it with the class st-key-...)."""
    return page.locator(f".st-key-{key.replace('.', '-')} {inner}".strip()).first


def test_train_download_upload_and_predict(page: Page, app_url: str, tmp_path):
    open_app(page, app_url)  # the iris sample is prepared on the data page
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Training rows")) \
        .to_contain_text("120", timeout=60_000)

    go(page, "3 · Train")
    keyed(page, "train.start", "button").click()
    expect(keyed(page, "train.start", "button")).to_contain_text("Train again", timeout=240_000)
    wait_idle(page)

    go(page, "4 · Evaluate")
    expect(page.get_by_text("Confusion matrix").first).to_be_visible(timeout=60_000)
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Test accuracy")) \
        .to_be_visible()
    with page.expect_download(timeout=60_000) as info:
        keyed(page, "evaluate.dl_keras", "button").click()
    download = info.value
    assert download.suggested_filename == "iris-run-1.keras"  # named after the run
    model_path = tmp_path / download.suggested_filename
    download.save_as(model_path)
    with zipfile.ZipFile(model_path) as zf:
        assert export.METADATA_ENTRY in zf.namelist()
    plain = keras.models.load_model(model_path)  # plain Keras loads LayerLab's file
    assert sorted(plain.input.keys() if isinstance(plain.input, dict) else []) == \
        sorted(FEATURES)  # one input per raw column

    with page.expect_download(timeout=120_000) as info:
        keyed(page, "evaluate.dl_bundle", "button").click()
    bundle = info.value
    assert bundle.suggested_filename == "iris-run-1.zip"
    with zipfile.ZipFile(io.BytesIO(open(bundle.path(), "rb").read())) as zf:
        assert {"model.keras", "spec.json", "preprocessing.json", "README.md",
                "train.py", "model_card.md"} <= set(zf.namelist())
    with page.expect_download(timeout=60_000) as info:
        keyed(page, "evaluate.dl_script", "button").click()
    assert info.value.suggested_filename == "iris-run-1.py"
    with page.expect_download(timeout=120_000) as info:  # made in the app's own process
        keyed(page, "evaluate.dl_onnx", "button").click()
    assert info.value.suggested_filename == "iris-run-1-onnx.zip"
    onnx_dir = tmp_path / "onnx" / "iris-run-1-onnx"
    with zipfile.ZipFile(info.value.path()) as zf:
        zf.extractall(onnx_dir)
    sample = pd.read_csv(SAMPLES / "iris.csv").sample(6, random_state=1)
    sample.to_csv(tmp_path / "onnx" / "rows.csv", index=False)
    done = run_script(onnx_dir, tmp_path / "onnx" / "rows.csv", "-")  # no TF, Keras, gui
    assert done.returncode == 0, done.stderr[-2000:]
    predicted = pd.read_csv(io.StringIO(done.stdout))
    classes = ["probability_setosa", "probability_versicolor", "probability_virginica"]
    assert list(predicted.columns) == [*sample.columns, "predicted_species", "predicted_label",
                                       *classes]
    np.testing.assert_allclose(predicted[classes].sum(axis=1), 1.0, atol=1e-5)

    go(page, "5 · Predict")
    page.get_by_text("Upload a model file").click()
    wait_idle(page)
    keyed(page, "predict.model_upload", "input[type='file']").set_input_files(str(model_path))
    wait_idle(page)
    expect(page.get_by_text("a LayerLab model that predicts", exact=False)).to_be_visible(
        timeout=60_000)

    rows = pd.read_csv(SAMPLES / "iris.csv").sample(8, random_state=3).drop(columns="species")
    rows["note"] = ["=HYPERLINK(\"http://evil\")"] + ["ok"] * 7
    rows_path = tmp_path / "new_flowers.csv"
    rows.to_csv(rows_path, index=False)
    page.get_by_role("tab", name="Rows from a file").click()
    keyed(page, "predict.rows_upload", "input[type='file']").set_input_files(str(rows_path))
    wait_idle(page)
    expect(page.get_by_text("ignored: note", exact=False)).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=60_000) as info:
        keyed(page, "predict.download", "button").click()
    predictions = info.value
    assert predictions.suggested_filename == "iris-run-1-predictions.csv"
    table = pd.read_csv(predictions.path())
    assert len(table) == 8 and "predicted_species" in table
    assert list(table.columns[:5]) == list(rows.columns)  # every input column is kept
    expected = plain.predict({c: rows[c].to_numpy("float32") for c in FEATURES}, verbose=0)
    got = table[["probability_setosa", "probability_versicolor", "probability_virginica"]]
    np.testing.assert_allclose(got.to_numpy(), expected, atol=1e-5)
    assert set(table["predicted_species"]) <= {"setosa", "versicolor", "virginica"}
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(tmp_path / "predict.png"), full_page=True)

    # a workbook of rows, its second sheet, with the true label: a workbook comes back
    labelled = pd.read_csv(SAMPLES / "iris.csv").sample(5, random_state=4)
    book = tmp_path / "flowers.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        pd.DataFrame({"about": ["the rows are on the next sheet"]}).to_excel(
            writer, sheet_name="about", index=False)
        labelled.to_excel(writer, sheet_name="rows", index=False)
    keyed(page, "predict.rows_upload", "input[type='file']").set_input_files(str(book))
    wait_idle(page)
    # the sheet that holds the model's columns is read, and said
    expect(page.get_by_text("The sheet 'rows' holds the model's columns")).to_be_visible(
        timeout=60_000)
    assert shown(page, "Sheet") == "rows"
    with page.expect_download(timeout=60_000) as info:
        keyed(page, "predict.download_xlsx", "button").click()
    assert info.value.suggested_filename == "iris-run-1-predictions.xlsx"
    back = pd.read_excel(info.value.path())
    assert list(back["species"]) == list(labelled["species"])  # the true label is kept
    np.testing.assert_allclose(
        back[["probability_setosa", "probability_versicolor", "probability_virginica"]],
        plain.predict({c: labelled[c].to_numpy("float32") for c in FEATURES}, verbose=0),
        atol=1e-5)

    # a Parquet file of rows
    parquet = tmp_path / "flowers.parquet"
    labelled.to_parquet(parquet, index=False)
    keyed(page, "predict.rows_upload", "input[type='file']").set_input_files(str(parquet))
    wait_idle(page)
    with page.expect_download(timeout=60_000) as info:
        keyed(page, "predict.download", "button").click()
    assert len(pd.read_csv(info.value.path())) == 5
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(tmp_path / "predict_files.png"), full_page=True)


def test_hostile_model_upload_is_refused_in_the_browser(page: Page, app_url: str, tmp_path):
    evil = tmp_path / "evil.keras"
    evil.write_bytes(export.save_keras_bytes(keras.Sequential(
        [keras.Input(shape=(2,)), keras.layers.Lambda(lambda x: x * 3, name="payload")])))
    open_app(page, app_url)
    go(page, "5 · Predict")
    keyed(page, "predict.model_upload", "input[type='file']").set_input_files(str(evil))
    wait_idle(page)
    expect(page.get_by_text("evil.keras was not loaded", exact=False)).to_be_visible(
        timeout=60_000)
    expect(page.get_by_text("Lambda layer ('payload')", exact=False)).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0
