"""ONNX, LiteRT and SavedModel exports, each checked by its own runtime.

Each format, for a binary, a multiclass and a scaled-target regression model (tips.csv with
missing values, a numeric-coded category and unseen values), gives the app's predictions to
1e-5 on the same raw rows. The export's predict.py, run as its README says in a fresh
process where TensorFlow, Keras and LayerLab cannot be imported (ONNX, LiteRT), writes the
same prediction columns as `python -m gui predict`.
"""

from __future__ import annotations

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

from gui.cli import main
from gui.core.data.formats import csv_io
from gui.core.saving import export, model_formats
from tests.core.test_raw_model import TASKS, app_outputs, raw_rows, trained

FORMATS = list(model_formats.FORMATS)
BLOCKED = ("tensorflow", "keras", "tf_keras", "gui", "tensorboard")

# Runs a predict.py as `python predict.py ARGS...` would, with an import hook that makes
# TensorFlow, Keras and LayerLab impossible to import (and checks none was imported).
NO_TF_DRIVER = f"""
import importlib.abc, runpy, sys
BLOCKED = {BLOCKED!r}

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not installed here")
        return None

sys.meta_path.insert(0, Refuse())
script, *args = sys.argv[1:]
sys.argv = [script, *args]
runpy.run_path(script, run_name="__main__")
assert not [m for m in sys.modules if m.split(".")[0] in BLOCKED]
"""


def runtime_outputs(folder, fmt: str, X: np.ndarray) -> np.ndarray:
    """The model file in `folder` run by its own runtime on the encoded rows `X`."""
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(folder / "model.onnx"),
                                               providers=["CPUExecutionProvider"])
        return session.run(None, {session.get_inputs()[0].name: X})[0]
    if fmt == "litert":
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_path=str(folder / "model.tflite"))
        given = interpreter.get_input_details()[0]
        interpreter.resize_tensor_input(given["index"], list(X.shape))
        interpreter.allocate_tensors()
        interpreter.set_tensor(given["index"], X)
        interpreter.invoke()
        return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    import tensorflow as tf

    loaded = tf.saved_model.load(str(folder / "saved_model"))  # kept while it runs
    return loaded.serve(tf.constant(X)).numpy()


def exported(tmp_path, task: str, fmt: str):
    t = trained(task)
    folder = tmp_path / f"{task}-{fmt}"
    model_formats.write_export(t.deploy, t.prepared.preprocessor, fmt, folder)
    return t, folder


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("task", TASKS)
def test_each_format_predicts_like_the_app_in_its_own_runtime(tmp_path, task, fmt):
    t, folder = exported(tmp_path, task, fmt)
    prep = t.prepared.preprocessor
    rows = csv_io.read_csv(raw_rows(t), "rows.csv").frame
    got = runtime_outputs(folder, fmt, prep.encode(rows))
    np.testing.assert_allclose(got, app_outputs(t, rows), rtol=1e-5, atol=1e-5)
    assert json.loads((folder / "preprocessing.json").read_text()) == json.loads(
        export._dumps(prep.to_dict()))


def cli_predictions(tmp_path, t, rows_csv) -> pd.DataFrame:
    """`python -m gui predict model.keras --data rows.csv --out cli.csv`, read back."""
    model = tmp_path / "cli-model.keras"
    model.write_bytes(export.save_raw_keras_bytes(t.deploy, t.spec, t.prepared.preprocessor))
    out = tmp_path / "cli.csv"
    assert main(["predict", str(model), "--data", str(rows_csv), "--out", str(out)]) == 0
    return pd.read_csv(out)


def assert_same_predictions(got: pd.DataFrame, want: pd.DataFrame, target: str) -> None:
    added = [c for c in want.columns if c.startswith(("predicted_", "probability_"))]
    assert added and f"predicted_{target}" in added
    assert list(got.columns) == list(want.columns)  # every input column, then the same ones
    for col in added:
        if pd.api.types.is_numeric_dtype(want[col]):
            np.testing.assert_allclose(got[col], want[col], rtol=1e-5, atol=1e-5, err_msg=col)
        else:
            assert got[col].astype(str).tolist() == want[col].astype(str).tolist(), col


def run_script(folder, *args, blocked: bool = True) -> subprocess.CompletedProcess:
    """`python predict.py ARGS` in a fresh process, from another folder, no PYTHONPATH."""
    driver = folder.parent / "no_tf_driver.py"
    driver.write_text(NO_TF_DRIVER)
    command = ([sys.executable, str(driver)] if blocked else [sys.executable])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([*command, str(folder / "predict.py"), *map(str, args)],
                          cwd=folder.parent, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("fmt", ["onnx", "litert"])
def test_predict_py_needs_only_its_runtime_and_matches_the_cli(tmp_path, fmt):
    for task in TASKS:
        t, folder = exported(tmp_path, task, fmt)
        rows_csv = tmp_path / f"{task}-rows.csv"
        rows_csv.write_bytes(raw_rows(t))
        done = run_script(folder, rows_csv)
        assert done.returncode == 0, done.stderr[-3000:]
        written = tmp_path / f"{task}-rows_predictions.csv"  # the README's default name
        assert f"to {written}" in done.stdout
        assert_same_predictions(pd.read_csv(written), cli_predictions(tmp_path, t, rows_csv),
                                t.spec.data.target)


def test_the_savedmodel_predict_py_runs_with_tensorflow(tmp_path):
    t, folder = exported(tmp_path, "multiclass", "savedmodel")
    rows_csv = tmp_path / "rows.csv"
    rows_csv.write_bytes(raw_rows(t))
    done = run_script(folder, rows_csv, tmp_path / "out.csv", blocked=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_same_predictions(pd.read_csv(tmp_path / "out.csv"),
                            cli_predictions(tmp_path, t, rows_csv), t.spec.data.target)


def test_the_blocker_really_blocks(tmp_path):
    """The driver itself: a script that imports TensorFlow fails under it."""
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "predict.py").write_text("import tensorflow\n")
    done = run_script(folder)
    assert done.returncode != 0 and "tensorflow is not installed here" in done.stderr


def test_predict_py_says_what_is_wrong_in_words(tmp_path):
    t, folder = exported(tmp_path, "binary", "onnx")
    done = run_script(folder, tmp_path / "nowhere.csv")
    assert done.returncode == 1 and "File not found" in done.stderr
    assert "Traceback" not in done.stderr
    rows = tmp_path / "short.csv"
    rows.write_text("total_bill,Sex\n10,Male\n")
    done = run_script(folder, rows)
    assert done.returncode == 1 and "Missing column(s): " in done.stderr
    assert "smoker" not in done.stderr.split("needs these columns")[0]
    assert "The file has 'Sex': rename it 'sex'." in done.stderr  # as gui predict says it
    assert "Traceback" not in done.stderr


def test_the_zip_and_its_readme(tmp_path):
    t = trained("multiclass")
    prep = t.prepared.preprocessor
    data = model_formats.export_zip(t.deploy, prep, "onnx")
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert names == {"model.onnx", "preprocessing.json", "predict.py", "README.md"}
    readme = zipfile.ZipFile(io.BytesIO(data)).read("README.md").decode()
    assert "pip install onnxruntime numpy pandas" in readme
    assert "python predict.py rows.csv" in readme
    assert re.search(r"probability_<class>.*\(Fri, Sat, Sun, Thur\)", readme, flags=re.S)
    script = zipfile.ZipFile(io.BytesIO(data)).read("predict.py").decode()
    assert 'FORMAT = "onnx"' in script and "NotImplementedError" not in script
    assert "import tensorflow" in script  # only inside the SavedModel branch, never run


def test_an_unknown_format_is_refused_in_words():
    t = trained("binary")
    with pytest.raises(model_formats.ExportError, match="choose one of: onnx, litert"):
        model_formats.export_files(t.deploy, t.prepared.preprocessor, "pickle")


@pytest.mark.parametrize("scaling", ["standard", "l2", "none"])
def test_every_layer_kind_and_scaling_converts(tmp_path, scaling):
    """Dense, Activation, Dropout and BatchNormalization (with moving statistics that are
    not 0 and 1), behind each scaling layer, in every format."""
    import keras

    from gui.core.data import dataset
    from gui.core.model import build
    from gui.core.spec.heads import default_spec
    from gui.core.spec.schema import DataSpec, LayerSpec
    from tests.core.trained_models import iris

    frame = iris().frame
    data = DataSpec(source="iris.csv", target="species", scaling=scaling)
    prepared = dataset.prepare(frame, data)
    spec = default_spec(prepared.task, prepared.n_classes, data)
    spec.layers = [LayerSpec(type="Dense", units=8, activation="tanh"),
                   LayerSpec(type="BatchNormalization"), LayerSpec(type="Dropout", rate=0.3),
                   LayerSpec(type="Activation", activation="elu"), spec.layers[-1]]
    keras.utils.set_random_seed(3)
    network = build.build_model(spec, prepared.preprocessor)
    norm = next(la for la in network.layers if isinstance(la, keras.layers.BatchNormalization))
    norm.moving_mean.assign(np.linspace(-1, 1, 8).astype("float32"))
    norm.moving_variance.assign(np.linspace(0.5, 2, 8).astype("float32"))
    X = prepared.X_test
    want = network.predict(X, verbose=0)
    for fmt in FORMATS:
        folder = tmp_path / fmt
        model_formats.write_export(network, prepared.preprocessor, fmt, folder)
        np.testing.assert_allclose(runtime_outputs(folder, fmt, X), want, rtol=1e-5,
                                   atol=1e-5, err_msg=fmt)


def test_predict_py_reads_xlsx_and_parquet_like_csv(tmp_path):
    t, folder = exported(tmp_path, "multiclass", "litert")
    frame = pd.read_csv(io.BytesIO(raw_rows(t)))
    frame.to_csv(tmp_path / "rows.csv", index=False)
    frame.to_excel(tmp_path / "rows.xlsx", index=False)
    frame.to_parquet(tmp_path / "rows.parquet", index=False)
    tables = {}
    for name in ("rows.csv", "rows.xlsx", "rows.parquet"):
        done = run_script(folder, tmp_path / name, tmp_path / f"{name}.out.csv")
        assert done.returncode == 0, done.stderr[-3000:]
        tables[name] = pd.read_csv(tmp_path / f"{name}.out.csv")
    for name in ("rows.xlsx", "rows.parquet"):
        assert_same_predictions(tables[name], tables["rows.csv"], "day")
    # a workbook that opens on a sheet of notes: the sheet with the model's columns is read
    with pd.ExcelWriter(tmp_path / "book.xlsx", engine="openpyxl") as writer:
        pd.DataFrame({"about": ["the rows are on the next sheet"]}).to_excel(
            writer, sheet_name="about", index=False)
        frame.to_excel(writer, sheet_name="rows", index=False)
    done = run_script(folder, tmp_path / "book.xlsx", tmp_path / "book.out.csv")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "the sheet 'rows' has the model's columns" in done.stderr
    assert_same_predictions(pd.read_csv(tmp_path / "book.out.csv"), tables["rows.csv"], "day")


def test_predict_py_reads_true_and_false_as_the_app_does(tmp_path):
    """A column trained from True/False (1/0): predict.py reads "True", "false" and 1 as the
    app and the CLI do, instead of counting the words as missing."""
    from tests.conftest import SAMPLES
    from tests.core import trained_models as tm

    raw = pd.read_csv(SAMPLES / "tips.csv")
    raw["smoker"] = raw["smoker"] == "Yes"
    t = tm.train("tips.csv", "tip", epochs=1,
                 frame=csv_io.read_csv(raw.to_csv(index=False).encode()).frame)
    folder = tmp_path / "onnx"
    model_formats.write_export(t.deploy, t.prepared.preprocessor, "onnx", folder)
    rows = raw.drop(columns="tip").head(4).astype({"smoker": object})
    rows["smoker"] = ["True", "false", "1", "FALSE"]
    rows["day"] = ["Sun", "Holiday", "Sat", "Sun"]  # unseen: said, as the app says it
    rows_csv = tmp_path / "rows.csv"
    rows.to_csv(rows_csv, index=False)
    done = run_script(folder, rows_csv)
    assert done.returncode == 0 and "smoker" not in done.stderr, done.stderr[-2000:]
    assert "column 'day': value(s) 'Holiday' were not seen in training" in done.stderr
    assert_same_predictions(pd.read_csv(tmp_path / "rows_predictions.csv"),
                            cli_predictions(tmp_path, t, rows_csv), "tip")


@pytest.mark.parametrize("name", ["label", "Label"])
def test_a_target_called_label_keeps_its_class_names_beside_the_index(tmp_path, name):
    """A target named `label` (in any case: a spreadsheet takes `predicted_Label` and
    `predicted_label` for one name): predicted_<target> holds its class names, and the index
    moves to predicted_label_index, in the CLI and in the exported predict.py alike."""
    from tests.conftest import SAMPLES
    from tests.core import trained_models as tm

    raw = pd.read_csv(SAMPLES / "iris.csv").rename(columns={"species": name})
    t = tm.train("flowers.csv", name, epochs=1,
                 frame=csv_io.read_csv(raw.to_csv(index=False).encode()).frame)
    folder = tmp_path / "onnx"
    model_formats.write_export(t.deploy, t.prepared.preprocessor, "onnx", folder)
    assert (f"`predicted_{name}` (the class name), `predicted_label_index` (its index)"
            in (folder / "README.md").read_text())
    rows_csv = tmp_path / "rows.csv"
    raw.drop(columns=name).head(6).to_csv(rows_csv, index=False)
    done = run_script(folder, rows_csv)
    assert done.returncode == 0, done.stderr[-2000:]
    cli = cli_predictions(tmp_path, t, rows_csv)
    assert list(cli.columns[4:7]) == [f"predicted_{name}", "predicted_label_index",
                                      "probability_setosa"]
    classes = list(t.prepared.preprocessor.classes_)
    assert [classes[i] for i in cli["predicted_label_index"]] == cli[f"predicted_{name}"].tolist()
    assert_same_predictions(pd.read_csv(tmp_path / "rows_predictions.csv"), cli, name)


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8", ";"), ("utf-16", ","),
                                               ("latin-1", "\t")])
def test_predict_py_reads_files_as_layerlab_does(tmp_path, encoding, sep):
    """A semicolon file with decimal commas ("-1,427" is -1.427 there), a UTF-16 file and a
    Latin-1 one: predict.py reads each as LayerLab reads it, so it predicts as `gui predict`
    does (it read "-1,427" as -1427, and raised UnicodeDecodeError on the others)."""
    from tests.conftest import SAMPLES
    from tests.core import trained_models as tm

    raw = pd.read_csv(SAMPLES / "tips.csv")
    t = tm.train("tips.csv", "tip", epochs=1, frame=raw)
    folder = tmp_path / "onnx"
    model_formats.write_export(t.deploy, t.prepared.preprocessor, "onnx", folder)
    rows = raw.drop(columns="tip").head(6).copy()
    rows["total_bill"] = rows["total_bill"] - 20  # negative values too
    rows.loc[0, "day"] = "Sá"  # a letter outside ASCII: a new value, said as such
    decimal = "," if sep != "," else "."
    rows_csv = tmp_path / "rows.csv"
    rows_csv.write_bytes(rows.to_csv(index=False, sep=sep, decimal=decimal).encode(encoding))
    done = run_script(folder, rows_csv)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "total_bill" not in done.stderr  # every number read as a number
    assert_same_predictions(pd.read_csv(tmp_path / "rows_predictions.csv"),
                            cli_predictions(tmp_path, t, rows_csv), "tip")


def test_predict_py_keeps_columns_of_rows_that_end_with_a_separator_and_says_empty(tmp_path):
    """Rows that end with a comma (the header does not) keep their columns in place, as
    LayerLab reads them; an empty file and a folder that does not exist are said in words."""
    from tests.conftest import SAMPLES
    from tests.core import trained_models as tm

    raw = pd.read_csv(SAMPLES / "tips.csv")
    t = tm.train("tips.csv", "tip", epochs=1, frame=raw)
    folder = tmp_path / "onnx"
    model_formats.write_export(t.deploy, t.prepared.preprocessor, "onnx", folder)
    rows = raw.drop(columns="tip").head(5)
    text = rows.to_csv(index=False).splitlines()
    rows_csv = tmp_path / "rows.csv"
    rows_csv.write_text("\n".join([text[0], *(line + "," for line in text[1:])]) + "\n")
    done = run_script(folder, rows_csv)
    assert done.returncode == 0, done.stderr[-2000:]
    written = pd.read_csv(tmp_path / "rows_predictions.csv")
    assert written["total_bill"].tolist() == rows["total_bill"].tolist()
    plain = tmp_path / "plain.csv"
    rows.to_csv(plain, index=False)
    assert_same_predictions(written, cli_predictions(tmp_path, t, plain), "tip")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    done = run_script(folder, empty)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "empty.csv is empty: it needs a header row and rows to predict." in done.stderr
    done = run_script(folder, plain, tmp_path / "nowhere" / "out.csv")
    assert done.returncode == 1 and "does not exist: create it" in done.stderr
