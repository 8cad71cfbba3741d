"""What the download buttons say about the ONNX / LiteRT / SavedModel zips and the run's
Python script, checked as a user checks it, on messy rows (text, codes, missing values).

- "ONNX (.zip) … predict.py, which needs only {runtime}, NumPy and pandas: python
  predict.py rows.csv writes the rows with their predictions, as Predict does" and the
  zip README's "`-` prints it": the bytes the button serves, unzipped, `python predict.py
  rows.csv -` in a fresh process where TensorFlow, Keras and LayerLab cannot be imported;
  standard output is Predict's table (every column, class names, probabilities).
- "Python script (.py): python x.py data.csv retrains it from the data file" and the Model
  page's "prepares the CSV the same way and trains this network": the script, run on the
  messy file in a fresh process, splits, fills, encodes and scales as the app did and
  builds the same network.
"""

from __future__ import annotations

import io
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest

from gui.core.data.formats import csv_io
from gui.core.model import codegen
from gui.core.saving import model_formats
from tests.core.test_codegen import assert_same_scaling, run
from tests.core.test_model_formats import run_script
from tests.core.test_promises_keras import app_prediction
from tests.core.test_raw_model import messy_tips, raw_rows, trained


@pytest.mark.parametrize("fmt", ["onnx", "litert"])
def test_the_downloaded_zip_s_predict_py_prints_predict_s_table(tmp_path, fmt):
    t = trained("binary")
    folder = tmp_path / f"tips-run-1-{fmt}"
    zipfile.ZipFile(io.BytesIO(model_formats.export_zip(
        t.deploy, t.prepared.preprocessor, fmt))).extractall(folder)  # the button's bytes
    readme = (folder / "README.md").read_text()
    assert f"pip install {model_formats.FORMATS[fmt].needs}" in readme and "`-` prints" in readme
    csv = raw_rows(t)
    (tmp_path / "rows.csv").write_bytes(csv)
    done = run_script(folder, tmp_path / "rows.csv", "-")  # TF/Keras/LayerLab blocked
    assert done.returncode == 0, done.stderr[-3000:]
    printed = pd.read_csv(io.StringIO(done.stdout))
    want = app_prediction(t, csv_io.read_csv(csv, "rows.csv").frame).table
    assert list(printed.columns) == list(want.columns)
    assert printed["predicted_smoker"].tolist() == want["predicted_smoker"].tolist()
    assert set(printed["predicted_smoker"]) <= {"No", "Yes"}
    for col in ("probability_No", "probability_Yes"):
        np.testing.assert_allclose(printed[col], want[col], rtol=1e-5, atol=1e-5)
    assert not (tmp_path / "rows_predictions.csv").exists()  # printed, not written


def test_the_run_s_script_prepares_the_messy_file_as_the_app_did(tmp_path):
    t = trained("multiclass")
    prep = t.prepared.preprocessor
    data = tmp_path / "tips.csv"
    messy_tips().to_csv(data, index=False)
    done = run(codegen.python_script(t.spec, prep), tmp_path, str(data), "--epochs", "1")
    assert (f"{len(t.prepared.y_train)} training rows, {len(t.prepared.y_test)} test rows"
            in done.stdout)
    assert f"Inputs per row after encoding: {prep.n_inputs}" in done.stdout
    assert f"Classes: {[str(c) for c in prep.classes_]}" in done.stdout
    model = keras.models.load_model(tmp_path / "model.keras")
    assert_same_scaling(model, prep)  # filled and one-hot encoded as the app did
    assert model.count_params() == t.model.count_params()
    assert [type(x).__name__ for x in model.layers] == [type(x).__name__
                                                        for x in t.model.layers]
