"""What the pages say about the downloaded .keras and .h5, checked the way a user checks it.

Each test takes the sentence the product shows (Evaluate's caption, the model card, the
bundle's README, the download buttons' help), downloads the file exactly as the button
makes it, and runs the user's side in a fresh `python` that can import Keras, NumPy,
pandas and h5py but not LayerLab — on raw rows with a text column, missing values,
unseen categories and class names (tips.csv made messy: test_raw_model.messy_tips).
The outputs must be the app's own predictions, in the target's units and class names.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

from gui.core.data.formats import csv_io
from gui.core.inspection import predict
from gui.core.saving import export, load, model_formats
from gui.core.saving.model_card import model_card
from tests.core.test_model_card import facts
from tests.core.test_raw_model import TASKS, raw_rows, trained

# Guards every fresh process: LayerLab is not importable there, and never imported.
NO_LAYERLAB = ("import importlib.util, sys\n"
               "assert importlib.util.find_spec('gui') is None, 'LayerLab must not be "
               "importable'\n")
NEVER_IMPORTED = "\nassert not [m for m in sys.modules if m == 'gui' or m.startswith('gui.')]\n"


def fresh_python(code: str, cwd, *args: str) -> subprocess.CompletedProcess:
    """`python script.py ARGS` in `cwd`, a fresh process without PYTHONPATH or LayerLab."""
    script = cwd / "user.py"
    script.write_text(NO_LAYERLAB + code + NEVER_IMPORTED)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "TF_CPP_MIN_LOG_LEVEL": "3",
           "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, str(script), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done


def app_prediction(t, rows: pd.DataFrame) -> predict.Prediction:
    """What Predict shows for `rows` with the model just trained (threshold 0.5)."""
    loaded = load.LoadedModel.from_training(t.deploy, t.spec, t.prepared.preprocessor)
    return predict.predict_rows(loaded, rows)


def expected_columns(t, rows: pd.DataFrame) -> dict[str, list]:
    """The app's predictions as the user compares them: class names or values in units."""
    result = app_prediction(t, rows)
    table, outputs = result.table, result.outputs
    target = f"predicted_{t.spec.data.target}"
    if t.prepared.task == "regression":
        # in the target's own units: the training-space network's output, un-scaled
        prep = t.prepared.preprocessor
        scaled = t.model.predict(prep.encode(rows), verbose=0)[:, 0]
        np.testing.assert_allclose(table[target], prep.decode_target(scaled), rtol=1e-5,
                                   atol=1e-5)
        assert prep.target_range_ != 1.0  # the target really was scaled while training
    return {"outputs": outputs.tolist(), "decoded": table[target].tolist()}


def write_task_files(folder, t, keras_bytes: bytes | None = None) -> pd.DataFrame:
    """rows.csv (raw, messy) and the Evaluate page's .keras download in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    csv = raw_rows(t)
    (folder / "rows.csv").write_bytes(csv)
    (folder / "model.keras").write_bytes(
        keras_bytes or export.save_raw_keras_bytes(t.deploy, t.spec, t.prepared.preprocessor))
    return csv_io.read_csv(csv, "rows.csv").frame  # as the Predict page reads the file


def assert_matches(got: dict, want: dict, task: str) -> None:
    np.testing.assert_allclose(np.asarray(got["outputs"]), np.asarray(want["outputs"]),
                               rtol=1e-5, atol=1e-5, err_msg=task)
    if task == "regression":
        np.testing.assert_allclose(got["decoded"], want["decoded"], rtol=1e-5, atol=1e-5)
    else:
        assert [str(x) for x in got["decoded"]] == [str(x) for x in want["decoded"]], task


# The Evaluate caption (export.HOW_TO_CALL), followed word by word: the columns the file
# says it takes, text as Python str in a dtype=object array with "" for a missing value,
# numbers as float32 with NaN; the class names from the file's own metadata.
SENTENCE_USER = """
import json, zipfile
import keras
import numpy as np
import pandas as pd

results = {}
for task in sys.argv[1].split(","):
    model = keras.models.load_model(f"{task}/model.keras")
    meta = json.loads(zipfile.ZipFile(f"{task}/model.keras").read("layerlab.json"))
    rows = pd.read_csv(f"{task}/rows.csv", skipinitialspace=True)
    inputs = {}
    for column in meta["feature_names"]:
        values = rows[column]
        if pd.api.types.is_numeric_dtype(values):
            inputs[column] = values.to_numpy("float32")
        else:
            inputs[column] = np.array(["" if pd.isna(v) else str(v) for v in values],
                                      dtype=object)
    outputs = model.predict(inputs, verbose=0)
    if meta["task"] == "regression":
        decoded = outputs[:, 0].tolist()
    elif outputs.shape[1] == 1:
        decoded = [meta["class_names"][int(p >= 0.5)] for p in outputs[:, 0]]
    else:
        decoded = [meta["class_names"][i] for i in outputs.argmax(axis=1)]
    results[task] = {"outputs": outputs.tolist(), "decoded": decoded}
json.dump(results, open("results.json", "w"))
"""


def test_the_evaluate_caption_as_written_predicts_raw_rows_in_a_fresh_process(tmp_path):
    sentence = export.HOW_TO_CALL
    for words in ("keras.models.load_model(file).predict({column: values})", "dtype=object",
                  '("" when missing', "numbers as float32 (NaN when missing)"):
        assert words in sentence  # what SENTENCE_USER does, the sentence says
    want = {}
    for task in TASKS:
        t = trained(task)
        rows = write_task_files(tmp_path / task, t)
        want[task] = expected_columns(t, rows)
    fresh_python(SENTENCE_USER, tmp_path, ",".join(TASKS))
    got = json.loads((tmp_path / "results.json").read_text())
    for task in TASKS:
        assert_matches(got[task], want[task], task)


def code_block(markdown: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", markdown, flags=re.S)
    assert len(blocks) == 1, "one way to call the model"
    return blocks[0]


# Runs a document's code block as it is, in each task's folder, and keeps what it made.
RUN_DOCUMENT = """
import json, os
results = {}
home = os.getcwd()
for task in sys.argv[1].split(","):
    os.chdir(os.path.join(home, task))
    scope = {}
    exec(open(sys.argv[2]).read(), scope)
    decoded = scope.get("labels", scope.get("predictions"))
    results[task] = {"outputs": scope["outputs"].tolist(), "decoded": list(map(
        lambda v: v if isinstance(v, str) else float(v), decoded))}
os.chdir(home)
json.dump(results, open(sys.argv[3], "w"))
"""


@pytest.mark.parametrize("document", ["README.md", "model_card.md"])
def test_the_bundle_readme_and_the_model_card_code_give_the_app_s_names_and_units(tmp_path,
                                                                                  document):
    """The lines to copy (the bundle's README, the model card), run as they are: the
    labels are the app's class names and the predictions its values in the target's
    units."""
    want = {}
    for task in TASKS:
        t = trained(task)
        card = model_card(facts(t))
        bundle = zipfile.ZipFile(io.BytesIO(export.bundle_bytes(
            t.deploy, t.spec, t.prepared.preprocessor, t.history, card=card)))
        rows = write_task_files(tmp_path / task, t, bundle.read("model.keras"))
        text = bundle.read(document).decode()
        assert text == card if document == "model_card.md" else "## Load and predict" in text
        (tmp_path / task / "code.py").write_text(code_block(text))
        want[task] = expected_columns(t, rows)
    fresh_python(RUN_DOCUMENT, tmp_path, ",".join(TASKS), "code.py",
                 str(tmp_path / "results.json"))
    got = json.loads((tmp_path / "results.json").read_text())
    for task in TASKS:
        assert_matches(got[task], want[task], task)


@pytest.mark.parametrize("form", ["currency", "semicolon", "cp1252"])
def test_the_lines_to_copy_read_numbers_written_as_text_as_the_app_does(tmp_path, form):
    """The same rows with the bill written as "$1,016.99" (a comma file), in a semicolon
    file with decimal commas ("16,99"), or as "16.99 €" in cp1252: the README's lines
    (export.call_code, LayerLab's read_numbers in them) predict what the app predicts.
    pandas.read_csv alone left such a column as text, and the model filled it in silently."""
    want = {}
    for task in TASKS:
        t = trained(task)
        rows = write_task_files(tmp_path / task, t)
        want[task] = expected_columns(t, rows)
        bills = rows["total_bill"].astype(object)
        if form == "currency":
            written = rows.assign(total_bill=[
                "" if pd.isna(v) else f"${v + 1000:,.2f}" if v < 1e30 else v for v in bills])
            want[task] = expected_columns(t, rows.assign(total_bill=rows.total_bill + 1000))
            text = written.to_csv(index=False)
        elif form == "semicolon":
            written = rows.assign(total_bill=[
                "" if pd.isna(v) else f"{v:.2f}".replace(".", ",") if v < 1e30 else v
                for v in bills])
            text = written.to_csv(index=False, sep=";")
        else:  # Excel's CSV on Windows, prices in euros
            written = rows.assign(total_bill=[
                "" if pd.isna(v) else f"{v:.2f} €" if v < 1e30 else v for v in bills])
            text = written.to_csv(index=False)
        (tmp_path / task / "rows.csv").write_bytes(text.encode("cp1252" if form == "cp1252"
                                                               else "utf-8"))
        assert not pd.api.types.is_numeric_dtype(pd.read_csv(
            io.StringIO(text), sep=None, engine="python")["total_bill"])  # pandas alone: text
        (tmp_path / task / "code.py").write_text(export.call_code(t.prepared.preprocessor))
    fresh_python(RUN_DOCUMENT, tmp_path, ",".join(TASKS), "code.py",
                 str(tmp_path / "results.json"))
    got = json.loads((tmp_path / "results.json").read_text())
    for task in TASKS:
        assert_matches(got[task], want[task], task)


# The card's "Known limits", checked on the downloaded file: a missing text value is the
# category the card names, a missing number the training value it gives; and the README's
# word that Keras refuses a DataFrame with text in it.
LIMITS_USER = """
import json
import keras
import numpy as np

case = json.loads(open("case.json").read())
model = keras.models.load_model("model.keras")

def call(row):
    return model.predict({c: (np.array([v], dtype=object) if isinstance(v, str)
                              else np.array([v], dtype="float32"))
                          for c, v in row.items()}, verbose=0)[0].tolist()

out = {name: call(row) for name, row in case.items()}
import pandas as pd
try:  # the README: "model.predict(dict(rows)) stops at 'Invalid dtype'"
    model.predict(dict(pd.read_csv("rows.csv")), verbose=0)
    out["dict_rows"] = "accepted"
except Exception as exc:
    out["dict_rows"] = f"{type(exc).__name__}: {exc}"
json.dump(out, open("limits.json", "w"))
"""


def test_the_model_card_s_limits_hold_in_the_downloaded_file(tmp_path):
    t = trained("multiclass")
    prep = t.prepared.preprocessor
    card = model_card(facts(t))
    limits = card.split("## Known limits")[1].split("## ")[0]
    said_text = re.search(r"- `sex`: .*\(missing: `([^`]*)`\)", limits)
    said_number = re.search(r"`total_bill` ([-0-9.e+]+)", limits.split("A missing number")[1])
    assert said_text and said_number, limits
    assert said_text[1] == str(prep.fill_["sex"])
    assert float(said_number[1]) == pytest.approx(prep.fill_["total_bill"], rel=1e-3)
    row = t.frame.dropna().iloc[0]
    base = {c: (str(row[c]) if c in prep.text_ and c not in t.spec.data.categorical
                else float(row[c])) for c in prep.feature_names_}
    case = {"missing_text": {**base, "sex": ""}, "said_text": {**base, "sex": said_text[1]},
            "missing_number": {**base, "total_bill": float("nan")},
            "said_number": {**base, "total_bill": float(said_number[1])}}
    write_task_files(tmp_path, t)
    (tmp_path / "case.json").write_text(json.dumps(case))
    fresh_python(LIMITS_USER, tmp_path)
    out = json.loads((tmp_path / "limits.json").read_text())
    np.testing.assert_allclose(out["missing_text"], out["said_text"], atol=1e-6)
    readme = export.readme(t.spec, prep, "tips")
    assert "`model.predict(dict(rows))` stops\nat \"Invalid dtype\"" in readme
    assert "Invalid dtype" in out["dict_rows"], out["dict_rows"]
    # the card rounds to 4 digits: a tiny net moves little over that rounding
    np.testing.assert_allclose(out["missing_number"], out["said_number"], atol=1e-3)
    other = {**base, "total_bill": float(said_number[1]) + 40.0}  # the check can fail
    moved = app_prediction(t, pd.DataFrame([other])).outputs[0]
    assert np.abs(moved - np.asarray(out["missing_number"])).max() > 1e-3


# The .h5 button's help: "It takes the encoded rows (missing values filled, text one-hot
# encoded as the preprocessing in its 'layerlab' attribute and the bundle's
# preprocessing.json say)". The user encodes with the recipe LayerLab hands out (an
# export's predict.py) and the preprocessing read from the file itself.
H5_USER = """
import json, runpy
import h5py
import keras
import numpy as np
import pandas as pd

results = {}
for task in sys.argv[1].split(","):
    with h5py.File(f"{task}/model.h5", "r") as f:
        meta = json.loads(f.attrs["layerlab"])
    recipe = runpy.run_path("predict.py")  # its encode() and decode(); main() is not run
    rows = pd.read_csv(f"{task}/rows.csv", skipinitialspace=True)
    model = keras.models.load_model(f"{task}/model.h5")
    outputs = model.predict(recipe["encode"](meta["preprocessing"], rows), verbose=0)
    columns = recipe["decode"](meta["preprocessing"], outputs)
    target = "predicted_" + meta["target"]
    results[task] = {"outputs": outputs.tolist(), "decoded": [
        v if isinstance(v, str) else float(v) for v in columns[target]]}
json.dump(results, open("results.json", "w"))
"""


def test_the_h5_download_takes_the_encoded_rows_in_a_fresh_process(tmp_path):
    want = {}
    for task in TASKS:
        t = trained(task)
        rows = write_task_files(tmp_path / task, t)
        (tmp_path / task / "model.h5").write_bytes(export.save_h5_bytes(
            t.deploy, export.metadata(t.spec, t.prepared.preprocessor)))
        want[task] = expected_columns(t, rows)
    (tmp_path / "predict.py").write_text(model_formats.predict_script("onnx"))
    fresh_python(H5_USER, tmp_path, ",".join(TASKS))
    got = json.loads((tmp_path / "results.json").read_text())
    for task in TASKS:
        assert_matches(got[task], want[task], task)


def test_the_sentences_name_what_the_user_code_does():
    """The README and the download help say the same as the caption the tests follow."""
    from tests.conftest import ROOT

    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "`dtype=object`" in readme and "only Keras and TensorFlow installed" in readme
    help_text = (ROOT / "gui/ui/common/downloads.py").read_text()
    assert "dtype=object" in help_text and "'layerlab' attribute" in help_text
    assert export.METADATA_ENTRY == "layerlab.json" and export.H5_ATTRIBUTE == "layerlab"


def test_a_run_trained_by_the_worker_code_downloads_as_evaluate_makes_it(tmp_path,
                                                                         monkeypatch):
    """The run as Evaluate has it: trained by the worker's code into a workspace (here
    through `gui train --workspace`), its stored model loaded and un-scaled as run_state
    does, then the .keras button's bytes, called as the caption says in a fresh process."""
    from gui.cli import main
    from gui.core.model.build import with_unscaled_output
    from gui.core.store.runs import Runs
    from gui.core.store.workspaces import Store
    from tests.core.test_raw_model import messy_tips

    home = tmp_path / "home"
    store = Store(home)
    token = store.create()
    monkeypatch.setenv("LAYERLAB_HOME", str(home))
    monkeypatch.delenv("LAYERLAB_DATABASE_URL", raising=False)
    data = tmp_path / "messy_tips.csv"
    messy_tips().to_csv(data, index=False)
    assert main(["train", "--data", str(data), "--target", "day", "--epochs", "2", "--quiet",
                 "--out", str(tmp_path / "out"), f"--workspace={token}"]) == 0
    runs = Runs(store)
    (record,) = runs.list(token)
    model, prep, _ = load.load_run_model(runs.model_path(token, record.id))  # run_state
    deploy = with_unscaled_output(model, prep)
    folder = tmp_path / "multiclass"
    write_task_files(folder, trained("multiclass"),
                     export.save_raw_keras_bytes(deploy, record.spec, prep))
    rows = csv_io.read_csv((folder / "rows.csv").read_bytes(), "rows.csv").frame
    shown = predict.predict_rows(load.LoadedModel.from_training(deploy, record.spec, prep),
                                 rows)  # what Predict shows for "The trained model"
    fresh_python(SENTENCE_USER, tmp_path, "multiclass")
    got = json.loads((tmp_path / "results.json").read_text())["multiclass"]
    assert_matches(got, {"outputs": shown.outputs.tolist(),
                         "decoded": shown.table["predicted_day"].tolist()}, "multiclass")
