"""Saving: .keras / .h5 with the metadata inside, the bundle, history CSV, charts HTML.

Loading what was saved is tested in test_load.py; refused uploads in test_hostile_models.py.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
import zipfile
from datetime import datetime

import h5py
import keras
import numpy as np
import pandas as pd

from gui.core.data.preprocess import Preprocessor
from gui.core.inspection import predict
from gui.core.saving import export, load
from gui.core.spec.names import safe_name
from gui.core.spec.schema import ExperimentSpec
from tests.conftest import ROOT, SAMPLES
from tests.core import trained_models as tm


def meta_of(t: tm.Trained) -> dict:
    return export.metadata(t.spec, t.prepared.preprocessor)


def test_file_stem_carries_the_dataset_name_and_a_timestamp():
    when = datetime(2026, 11, 23, 9, 12)
    assert export.file_stem("iris.csv", when) == "iris_20261123-0912"
    assert export.file_stem("../My Data (v2).csv", when) == "My_Data_v2_20261123-0912"
    assert export.file_stem("", when) == "layerlab_20261123-0912"


def test_safe_name_keeps_letters_digits_dash_and_underscore_only():
    assert safe_name("iris.csv") == "iris_csv"
    assert safe_name("../My Data (v2).csv") == "My_Data_v2_csv"
    assert safe_name("my-data_2.csv") == "my-data_2_csv"
    assert safe_name("Données été.csv") == "Donn_es_t_csv"
    assert safe_name("数据.csv") == "csv"
    assert safe_name("") == safe_name("../..") == safe_name("日本") \
        == "layerlab"
    assert safe_name("-_x_-") == "x"
    assert safe_name("a" * 60 + ".csv") == "a" * 40
    for hostile in ("../../etc/passwd", "C:\\Windows\\x.dll", "a\x00b", "<script>.csv"):
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}", safe_name(hostile))


def test_model_name_is_the_safe_source_name():
    assert tm.iris().model.name == "iris_csv"  # build_model names it with export.safe_name


def test_keras_file_holds_the_metadata_and_plain_keras_still_loads_it(tmp_path):
    t = tm.iris()
    raw = export.save_keras_bytes(t.deploy, meta_of(t))
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert {"config.json", "metadata.json", "model.weights.h5",
                export.METADATA_ENTRY} <= set(zf.namelist())
        meta = json.loads(zf.read(export.METADATA_ENTRY))
    assert meta["class_names"] == ["setosa", "versicolor", "virginica"]
    assert meta["feature_names"] == tm.IRIS_FEATURES
    assert meta["target"] == "species"
    assert ExperimentSpec.from_dict(meta["spec"]) == t.spec
    path = tmp_path / "iris.keras"
    path.write_bytes(raw)
    model = keras.models.load_model(path)
    X = t.prepared.X_test
    np.testing.assert_allclose(model.predict(X, verbose=0), t.deploy.predict(X, verbose=0),
                               atol=1e-6)
    assert load.read_metadata(raw) == meta


def test_downloaded_keras_file_predicts_raw_csv_columns_in_a_fresh_process(tmp_path):
    """The check of issue 5.2: plain keras.models.load_model, raw iris columns, 1e-5."""
    t = tm.iris()
    raw = export.save_keras_bytes(t.deploy, meta_of(t))
    model_path = tmp_path / "iris_20261123-0912.keras"
    model_path.write_bytes(raw)
    rows = pd.read_csv(SAMPLES / "iris.csv")
    app = predict.predict_rows(load.load_model_safely(raw, model_path.name), rows)
    app_proba = app.table[[f"probability_{c}" for c in ("setosa", "versicolor", "virginica")]]
    out = tmp_path / "fresh.npy"
    code = textwrap.dedent(f"""
        import keras, numpy as np, pandas as pd
        model = keras.models.load_model({str(model_path)!r})
        rows = pd.read_csv({str(SAMPLES / 'iris.csv')!r})
        X = rows[{tm.IRIS_FEATURES!r}]
        np.save({str(out)!r}, model.predict(X.to_numpy("float32"), verbose=0))
    """)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, timeout=240,
                   env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin",
                        "HOME": str(tmp_path)})
    fresh = np.load(out)
    assert fresh.shape == (150, 3)
    np.testing.assert_allclose(fresh, app_proba.to_numpy(), atol=1e-5)
    assert list(app.table["predicted_species"]) == [
        ["setosa", "versicolor", "virginica"][i] for i in fresh.argmax(axis=1)]


def test_h5_file_holds_the_metadata_as_a_root_attribute():
    t = tm.tips()
    raw = export.save_h5_bytes(t.deploy, meta_of(t))
    with h5py.File(io.BytesIO(raw), "r") as f:
        meta = json.loads(f.attrs[export.H5_ATTRIBUTE])
    assert meta["task"] == "regression" and meta["target"] == "tip"
    loaded = load.load_model_safely(raw, "tips.h5")
    assert loaded.kind == "h5" and not loaded.compiled
    assert any("optimizer" in n for n in loaded.training_notes)  # said where it trains on
    X = t.prepared.X_test
    np.testing.assert_allclose(loaded.model.predict(X, verbose=0),
                               t.deploy.predict(X, verbose=0), atol=1e-5)


def test_saved_regression_model_returns_the_target_in_its_own_units():
    t = tm.tips()
    loaded = load.load_model_safely(export.save_keras_bytes(t.deploy, meta_of(t)), "t.keras")
    assert loaded.model.layers[-1].name == "unscale_target"
    scaled = t.model.predict(t.prepared.X_test, verbose=0)[:, 0]
    units = loaded.model.predict(t.prepared.X_test, verbose=0)[:, 0]
    np.testing.assert_allclose(units, t.prepared.preprocessor.decode_target(scaled), rtol=1e-5)


def test_bundle_has_model_spec_preprocessing_script_history_and_readme():
    t = tm.tips()
    script = "print('train')\n"
    raw = export.bundle_bytes(t.deploy, t.spec, t.prepared.preprocessor, t.history, script,
                              stem="tips_20261123-0912")
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        names = set(zf.namelist())
        assert names == {"model.keras", "spec.json", "preprocessing.json", "train.py",
                         "history.csv", "README.md"}
        assert ExperimentSpec.from_json(zf.read("spec.json")) == t.spec
        prep = Preprocessor.from_dict(json.loads(zf.read("preprocessing.json")))
        readme = zf.read("README.md").decode()
        assert zf.read("train.py").decode() == script
        assert zf.read("history.csv").decode().startswith("epoch,loss,")
    rows = t.frame.head(7)
    np.testing.assert_array_equal(prep.encode(rows), t.prepared.preprocessor.encode(rows))
    assert "keras.models.load_model" in readme and "preprocessing.json" in readme
    assert "model.predict(model_inputs(rows)" in readme
    assert "`sex`" in readme  # the input columns are listed
    loaded = load.load_model_safely(raw, "tips_20261123-0912.zip")
    assert loaded.kind == "bundle" and loaded.has_metadata and loaded.task == "regression"


def test_bundle_readme_code_runs_without_layerlab_and_matches_the_app(tmp_path):
    """The README's recipe (load model.keras, one array per raw column, predict) on text
    columns with missing values."""
    t = tm.tips()
    raw = export.bundle_bytes(t.deploy, t.spec, t.prepared.preprocessor, t.history)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        zf.extractall(tmp_path)
    code = re.search(r"```python\n(.*?)```", (tmp_path / "README.md").read_text(), re.S)[1]
    rows = t.frame.head(12).copy()
    rows.loc[0, "sex"] = None          # a missing text value
    rows.loc[1, "total_bill"] = None   # a missing number
    rows.to_csv(tmp_path / "rows.csv", index=False)
    code += "\nnp.save('out.npy', outputs)\n"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, timeout=240,
                   env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin",
                        "HOME": str(tmp_path)})
    app = predict.predict_rows(load.load_model_safely(raw, "b.zip"), rows)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy")[:, 0], app.table["predicted_tip"],
                               rtol=1e-5)


def test_bundle_includes_the_generated_training_script():
    from gui.core.model import codegen

    t = tm.iris()
    script = codegen.python_script(t.spec, t.prepared.preprocessor)
    raw = export.bundle_bytes(t.deploy, t.spec, t.prepared.preprocessor, script=script)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        text = zf.read("train.py").decode()
    compile(text, "train.py", "exec")
    assert "keras" in text


def test_history_csv_has_one_row_per_epoch():
    text = export.history_csv({"loss": [1.0, 0.5], "val_loss": [1.2, 0.7]}).decode()
    assert text.splitlines() == ["epoch,loss,val_loss", "1,1.0,1.2", "2,0.5,0.7"]
    frame = pd.read_csv(io.StringIO(export.history_csv(tm.iris().history).decode()))
    assert list(frame["epoch"]) == list(range(1, 9))


def test_figures_html_is_one_offline_page_with_every_chart():
    import plotly.graph_objects as go

    figs = {"First <chart>": go.Figure(go.Scatter(y=[1, 2])), "Second": go.Figure(go.Bar(y=[3]))}
    page = export.figures_html(figs, "iris charts")
    assert page.startswith("<!DOCTYPE html>")
    assert "First &lt;chart&gt;" in page and "Second" in page
    assert page.count("plotly.js v") <= 2 and page.count('class="plotly-graph-div"') == 2


def test_saving_h5_first_does_not_lose_the_optimizer_of_a_later_keras_file():
    """Keras' HDF5 writer pops the optimizer from the model's compile config; not ours."""
    model = tm.train("iris.csv", "species", epochs=1).model
    export.save_h5_bytes(model)
    loaded = load.load_model_safely(export.save_keras_bytes(model), "after_h5.keras")
    assert type(loaded.model.optimizer).__name__ == type(model.optimizer).__name__ == "Adam"
    assert int(loaded.model.optimizer.iterations.numpy()) > 0


def test_saving_and_inspection_load_without_streamlit():
    """What a headless user imports brings no Streamlit with it (lint-imports checks the
    static imports; this checks what a fresh process really loads)."""
    code = ("import sys\n"
            "import gui.core.saving.export, gui.core.saving.load, gui.core.saving.model_check\n"
            "import gui.core.inspection.predict, gui.core.inspection.evaluate, gui.cli\n"
            "print('streamlit' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"
