"""The downloaded .keras takes raw rows: text, numbers, numeric-coded categories, missing
values and unseen categories, with the preprocessing inside the model.

The promise is checked where a user checks it: the bundle's README code, run in a fresh
process that cannot import LayerLab, on raw rows written to a CSV, gives the app's own
predictions to 1e-6 — for a binary, a multiclass and a scaled-target regression model.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

from gui.core.data.formats import csv_io
from gui.core.inspection import predict
from gui.core.saving import export, load, model_check, raw_model
from tests.conftest import SAMPLES
from tests.core import trained_models as tm


def messy_tips() -> pd.DataFrame:
    """tips.csv with missing numbers, text and codes; `size` is a numeric-coded category."""
    frame = csv_io.read_csv((SAMPLES / "tips.csv").read_bytes(), "tips.csv").frame
    frame = frame.copy()
    frame.loc[frame.index % 11 == 3, "total_bill"] = np.nan
    frame["sex"] = frame["sex"].astype(object)
    frame.loc[frame.index % 13 == 5, "sex"] = None
    frame.loc[frame.index % 17 == 7, "size"] = np.nan
    return frame


@functools.cache
def trained(task: str) -> tm.Trained:
    target = {"binary": "smoker", "multiclass": "day", "regression": "tip"}[task]
    extra = {"scale_target": True, "scaling": "minmax"} if task == "regression" else {}
    return tm.train("tips.csv", target, epochs=3, frame=messy_tips(), categorical=["size"],
                    **extra)


def raw_rows(t: tm.Trained) -> bytes:
    """Held-out-like rows as a CSV, plus rows with missing, unseen and odd values."""
    frame = t.frame.sample(40, random_state=3)
    odd = pd.DataFrame({
        "total_bill": [np.nan, 12.5, 1e40, 30.0, 22.0],
        "tip": [2.0, 3.0, 1.0, 4.0, 2.5],
        "sex": ["Other", "", None, "Female", "Male"],
        "smoker": ["No", "Yes", "No", "Yes", "No"],
        "day": ["Sun", "Sat", "Thur", "Fri", " Sun"],  # a space after the comma
        "time": ["Dinner", "Brunch", None, "Lunch", "Dinner"],
        "size": [9, np.nan, 3, 2.0, 1],
    })
    return pd.concat([frame, odd], ignore_index=True).to_csv(index=False).encode()


def app_outputs(t: tm.Trained, rows: pd.DataFrame) -> np.ndarray:
    loaded = load.LoadedModel.from_training(t.deploy, t.spec, t.prepared.preprocessor)
    return predict.predict_rows(loaded, rows).outputs


TASKS = ["binary", "multiclass", "regression"]


@pytest.mark.parametrize("task", TASKS)
def test_the_raw_input_model_is_the_network_behind_its_preprocessing(task):
    t = trained(task)
    prep = t.prepared.preprocessor
    rows = csv_io.read_csv(raw_rows(t), "rows.csv").frame
    model = raw_model.raw_input_model(t.deploy, prep)
    kinds = {i["column"]: i["kind"] for i in raw_model.describe_inputs(prep)}
    assert kinds["size"] == "code" and kinds["sex"] == "text" and kinds["total_bill"] == "number"
    got = model.predict(raw_model.model_inputs(prep, rows), verbose=0)
    np.testing.assert_allclose(got, app_outputs(t, rows), atol=1e-6)


@pytest.mark.parametrize("task", TASKS)
def test_a_downloaded_keras_file_loads_safely_and_predicts_like_the_app(task):
    t = trained(task)
    prep = t.prepared.preprocessor
    raw = export.save_raw_keras_bytes(t.deploy, t.spec, prep)
    assert model_check.inspect_model_file(raw, "m.keras") == "keras"  # allow-list passes
    loaded = load.load_model_safely(raw, "m.keras")
    assert loaded.raw_model is not None and loaded.has_metadata
    assert len(loaded.raw_model.inputs) == len(prep.feature_names_)
    rows = csv_io.read_csv(raw_rows(t), "rows.csv").frame
    np.testing.assert_allclose(predict.predict_rows(loaded, rows).outputs,
                               app_outputs(t, rows), atol=1e-6)
    meta = load.read_metadata(raw)
    assert meta["input_form"] == raw_model.RAW_FORM
    assert [i["column"] for i in meta["inputs"]] == list(prep.numeric_) + list(prep.text_)


def readme_code(readme: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert len(blocks) == 1, "the README shows one way to call the model"
    return blocks[0]


def test_the_readme_code_predicts_raw_rows_in_a_fresh_process_without_layerlab(tmp_path):
    """Each bundle's README code, run as it is in a process that cannot import gui."""
    expected = {}
    for task in TASKS:
        t = trained(task)
        folder = tmp_path / task
        folder.mkdir()
        bundle = zipfile.ZipFile(io.BytesIO(export.bundle_bytes(
            t.deploy, t.spec, t.prepared.preprocessor, t.history, stem=f"tips-{task}")))
        (folder / "model.keras").write_bytes(bundle.read("model.keras"))
        (folder / "code.py").write_text(readme_code(bundle.read("README.md").decode()))
        csv = raw_rows(t)
        (folder / "rows.csv").write_bytes(csv)
        rows = csv_io.read_csv(csv, "rows.csv").frame  # as the Predict page reads it
        expected[task] = app_outputs(t, rows)
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import importlib.util, json, os, sys\n"
        "assert importlib.util.find_spec('gui') is None, 'LayerLab must not be importable'\n"
        "import numpy as np\n"
        "for task in json.loads(sys.argv[1]):\n"
        "    os.chdir(os.path.join(sys.argv[2], task))\n"
        "    scope = {}\n"
        "    exec(open('code.py').read(), scope)\n"
        "    np.save('outputs.npy', scope['outputs'])\n"
        "    assert not [m for m in sys.modules if m == 'gui' or m.startswith('gui.')]\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, str(driver), json.dumps(TASKS), str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for task in TASKS:
        got = np.load(tmp_path / task / "outputs.npy")
        np.testing.assert_allclose(got, expected[task], atol=1e-6, err_msg=task)


def test_text_missing_as_empty_string_is_the_training_fill_in_the_app_too():
    t = trained("binary")
    prep = t.prepared.preprocessor
    row = t.frame.iloc[[0]].copy()
    blank, none = row.copy(), row.copy()
    blank["sex"], none["sex"] = "", None
    filled = row.copy()
    filled["sex"] = prep.fill_["sex"]
    np.testing.assert_array_equal(prep.encode(blank), prep.encode(filled))
    np.testing.assert_array_equal(prep.encode(none), prep.encode(filled))
    assert "" not in prep.categories_["sex"]


def test_a_downloaded_file_trains_on_with_its_optimizer_state():
    """Predict's "continue training" takes the network inside, compiled like the file."""
    t = trained("binary")
    raw = export.save_raw_keras_bytes(t.deploy, t.spec, t.prepared.preprocessor)
    loaded = load.load_model_safely(raw, "m.keras")
    assert loaded.compiled and loaded.model.name == raw_model.NETWORK
    steps = int(t.model.optimizer.iterations)
    assert steps > 0 and int(loaded.model.optimizer.iterations) == steps
    loaded.model.fit(t.prepared.X_train[:64], t.prepared.y_train[:64], epochs=1,
                     batch_size=32, verbose=0)
    assert int(loaded.model.optimizer.iterations) == steps + 2


def test_only_the_keras_ops_on_the_allow_list_load():
    import keras

    x = keras.Input(shape=(2,), name="x")
    model = keras.Model({"x": x}, keras.layers.Dense(1)(keras.ops.sin(x)))
    raw = export.save_keras_bytes(model)
    with pytest.raises(model_check.ModelFileError, match="'Sin'"):
        model_check.inspect_model_file(raw, "sin.keras")


def test_columns_named_like_the_model_s_own_parts_still_work():
    """Input names must differ from every layer and op node of the model ('where',
    'isfinite', 'network', 'layerlab_encoded'); a '/' is not allowed in one. The dict keys
    stay the column names."""
    from gui.core.data import dataset
    from gui.core.model import build
    from gui.core.spec.heads import default_spec
    from gui.core.spec.schema import DataSpec

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"where": rng.normal(size=60), "numbers": rng.normal(size=60),
                          "network": rng.choice(["a", "b"], 60),
                          "layerlab_encoded": rng.choice(["x", "y"], 60),
                          "isfinite": rng.integers(1, 4, 60), "a/b": rng.normal(size=60),
                          "y": rng.choice(["p", "q"], 60)})
    data = DataSpec(source="odd.csv", target="y", categorical=["isfinite"])
    prepared = dataset.prepare(frame, data)
    prep = prepared.preprocessor
    spec = default_spec(prepared.task, prepared.n_classes, data)
    network = build.build_model(spec, prep)
    loaded = load.load_model_safely(export.save_raw_keras_bytes(network, spec, prep), "o.keras")
    got = loaded.raw_model.predict(raw_model.model_inputs(prep, frame), verbose=0)
    np.testing.assert_allclose(got, network.predict(prep.encode(frame), verbose=0), atol=1e-6)
