"""codegen: the downloaded Python script runs, trains, saves, and prepares data like LayerLab."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pandas as pd
import pytest

from gui.core.data import dataset
from gui.core.data.formats import csv_io, loaded
from gui.core.model import codegen
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import (
    CompileSpec,
    DataSpec,
    ExperimentSpec,
    InitializerSpec,
    LayerSpec,
    RegularizerSpec,
    SpecError,
)
from gui.core.spec.vocabulary import OPTIMIZERS
from tests.conftest import SAMPLES

ALLOWED_IMPORTS = {"argparse", "sys", "pathlib", "keras", "numpy", "pandas", "sklearn.impute",
                   "sklearn.model_selection", "sklearn.preprocessing"}


def load(name: str, **data) -> tuple[loaded.LoadedTable, dataset.PreparedData, DataSpec]:
    loaded = csv_io.read_csv((SAMPLES / name).read_bytes(), name)
    spec = DataSpec(source=name, delimiter=loaded.delimiter, encoding=loaded.encoding, **data)
    return loaded, dataset.prepare(loaded.frame, spec), spec


def run(script: str, cwd, *args: str) -> subprocess.CompletedProcess:
    path = cwd / "train.py"
    path.write_text(script, encoding="utf-8")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, str(path), *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def scaling_of(model: keras.Model) -> dict:
    norm = next(x for x in model.layers if isinstance(x, keras.layers.Normalization))
    return {"mean": np.asarray(norm.mean).ravel(), "variance": np.asarray(norm.variance).ravel()}


def assert_same_scaling(model: keras.Model, prep) -> None:
    """The script's scaler saw exactly the app's training rows, encoded the same way."""
    got = scaling_of(model)
    np.testing.assert_allclose(got["mean"], prep.scaling_["mean"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["variance"], prep.scaling_["variance"], rtol=1e-4,
                               atol=1e-6)


def imports(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module)
    return found


# ---- it runs -------------------------------------------------------------------------------

def test_iris_script_trains_and_saves_a_loadable_model(tmp_path):
    loaded, data, data_spec = load("iris.csv", target="species")
    spec = default_spec(data.task, data.n_classes, data=data_spec)
    spec.layers[0].kernel_initializer = InitializerSpec("RandomUniform",
                                                        {"minval": -0.1, "maxval": 0.1}, 3)
    script = codegen.python_script(spec, data.preprocessor)
    assert imports(ast.parse(script)) == ALLOWED_IMPORTS
    shutil.copy(SAMPLES / "iris.csv", tmp_path / "iris.csv")
    result = run(script, tmp_path, "--epochs", "2")  # the CSV defaults to the spec's file
    assert "120 training rows, 30 test rows" in result.stdout
    assert "Classes: ['setosa', 'versicolor', 'virginica']" in result.stdout
    assert "Epoch 2/2" in result.stdout and "Test: {" in result.stdout
    model = keras.models.load_model(tmp_path / "model.keras")
    assert model.output_shape == (None, 3)
    assert [type(x).__name__ for x in model.layers] == ["Normalization", "Dense", "Dense",
                                                        "Dense"]
    assert model.count_params() == 4675
    assert_same_scaling(model, data.preprocessor)
    probabilities = model.predict(data.X_test, verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_tips_script_one_hot_encodes_text_and_unscales_the_target(tmp_path):
    loaded, data, data_spec = load("tips.csv", target="tip", scaling="minmax",
                                   scale_target=True)
    assert data.preprocessor.text_ == ["sex", "smoker", "day", "time"]
    spec = default_spec("regression", 0, data=data_spec)
    spec.layers[0].kernel_regularizer = RegularizerSpec("l2", l2=0.001)
    spec.layers.insert(1, LayerSpec(type="Dropout", rate=0.1))
    spec.layers.insert(2, LayerSpec(type="BatchNormalization", momentum=0.9))
    spec.compile = CompileSpec(loss="huber", optimizer="sgd", learning_rate=0.01,
                               options={"momentum": 0.9, "nesterov": True}, clipnorm=1.0,
                               metrics=["mean_absolute_error"])
    spec.fit.early_stopping, spec.fit.patience = True, 3
    script = codegen.python_script(spec, data.preprocessor)
    assert "keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True, " \
           "clipnorm=1.0)" in script
    assert "keras.layers.BatchNormalization(momentum=0.9)" in script
    csv = tmp_path / "data" / "my tips.csv"
    csv.parent.mkdir()
    shutil.copy(SAMPLES / "tips.csv", csv)
    result = run(script, tmp_path, str(csv), "--epochs", "2", "--output", "out.keras")
    assert "Inputs per row after encoding: 12" in result.stdout
    assert "195 training rows, 49 test rows" in result.stdout
    model = keras.models.load_model(tmp_path / "out.keras")
    assert model.input_shape == (None, 12)
    last = model.layers[-1]
    assert isinstance(last, keras.layers.Rescaling)
    prep = data.preprocessor
    assert last.get_config()["scale"] == pytest.approx(prep.target_range_)
    assert last.get_config()["offset"] == pytest.approx(prep.target_min_)
    assert_same_scaling(model, prep)


# ---- it is safe ----------------------------------------------------------------------------

HOSTILE = ['"); import os; os.system("touch pwned', "'''", '"""', "a\\", "x\ny", "#}{"]


def test_hostile_column_and_file_names_stay_string_literals(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({HOSTILE[0]: rng.normal(size=40), HOSTILE[1]: rng.normal(size=40),
                          HOSTILE[2]: rng.choice(["u", 'v"); os.system("w'], size=40),
                          HOSTILE[3]: rng.normal(size=40),
                          HOSTILE[4]: rng.choice(["p", "q"], size=40)})
    data_spec = DataSpec(source='evil"); import os #.csv', target=HOSTILE[4])
    data = dataset.prepare(frame, data_spec)
    spec = default_spec(data.task, data.n_classes, data=data_spec)
    script = codegen.python_script(spec, data.preprocessor)
    tree = ast.parse(script)
    assert imports(tree) == ALLOWED_IMPORTS
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "os" not in names and "system" not in attributes
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert set(HOSTILE[:5]) <= constants and data_spec.source in constants
    frame.to_csv(tmp_path / "evil.csv", index=False)
    run(script, tmp_path, "evil.csv", "--epochs", "1")
    assert not (tmp_path / "pwned").exists()
    assert (tmp_path / "model.keras").exists()


def test_an_invalid_spec_is_not_exported():
    _, data, data_spec = load("iris.csv", target="species")
    spec = default_spec(data.task, data.n_classes, data=data_spec)
    spec.layers[0].activation = "__import__('os').system('x')"
    spec.layers[-1].units = 2
    with pytest.raises(SpecError) as info:
        codegen.python_script(spec, data.preprocessor)
    message = str(info.value)
    assert "- layers[0].activation: Expected one of Keras' activations" in message
    assert "- layers[2].units: Expected 3 output units, one per class. Received: units=2" in message


# ---- what it writes ------------------------------------------------------------------------

def test_layer_source_writes_only_non_default_arguments():
    assert codegen.layer_source(LayerSpec(units=16)) == \
        "keras.layers.Dense(units=16, activation='relu')"
    dense = LayerSpec(units=12, use_bias=False,
                      kernel_initializer=InitializerSpec("VarianceScaling",
                                                         {"scale": 2.0, "mode": "fan_out"}, 5),
                      bias_regularizer=RegularizerSpec("l1"),
                      activity_regularizer=RegularizerSpec("l1l2", 0.5, 0.25))
    assert codegen.layer_source(dense) == (
        "keras.layers.Dense(units=12, activation='relu', use_bias=False, "
        "kernel_initializer=keras.initializers.VarianceScaling(scale=2.0, mode='fan_out', "
        "seed=5), activity_regularizer=keras.regularizers.L1L2(l1=0.5, l2=0.25))")
    assert codegen.layer_source(LayerSpec(
        units=3, bias_initializer=InitializerSpec("Constant", {"value": 0.5}, 9))) == (
        "keras.layers.Dense(units=3, activation='relu', "
        "bias_initializer=keras.initializers.Constant(value=0.5))")
    assert codegen.layer_source(LayerSpec(type="Dropout", rate=0.3)) == \
        "keras.layers.Dropout(rate=0.3)"
    assert codegen.layer_source(LayerSpec(type="BatchNormalization")) == \
        "keras.layers.BatchNormalization()"
    assert codegen.layer_source(LayerSpec(type="Activation", activation="tanh")) == \
        "keras.layers.Activation(activation='tanh')"


def test_optimizer_source_uses_keras_class_names():
    spec = ExperimentSpec()
    for name, row in OPTIMIZERS.items():
        cls = row.keras_class
        spec.compile.optimizer, spec.compile.learning_rate = name, 0.001
        source = codegen.optimizer_source(spec)
        assert source.startswith(f"keras.optimizers.{cls}(learning_rate=0.001")
        assert hasattr(keras.optimizers, cls)
    spec.compile = CompileSpec(optimizer="adam", learning_rate=1e-4,
                               options={"beta_1": 0.9, "amsgrad": True}, clipvalue=0.5)
    assert codegen.optimizer_source(spec) == \
        "keras.optimizers.Adam(learning_rate=0.0001, amsgrad=True, clipvalue=0.5)"


@pytest.mark.parametrize("variant", ["one_hot_loss", "test_file", "binary", "l2", "none"])
def test_every_branch_writes_valid_python(variant):
    name, target, data = "iris.csv", "species", {}
    if variant == "test_file":
        name, target = "life_expectancy_train.csv", "lifeExp"
    elif variant == "binary":
        name, target = "breast_cancer.csv", "diagnosis"
    elif variant in ("l2", "none"):
        data = {"scaling": variant}
    loaded, prepared, data_spec = load(name, target=target, **data)
    if variant == "test_file":
        data_spec.test_source = "life_expectancy_test.csv"
    spec = default_spec(prepared.task, prepared.n_classes, data=data_spec)
    if variant == "one_hot_loss":
        spec.compile.loss, spec.compile.metrics = "categorical_crossentropy", [
            "categorical_accuracy"]
        spec.fit.validation = "test"
    if variant == "binary":
        spec.fit.validation, spec.fit.shuffle = "none", False
    script = codegen.python_script(spec, prepared.preprocessor)
    ast.parse(script)
    compile(script, "train.py", "exec")
    expected = {"one_hot_loss": "keras.utils.to_categorical(y_train",
                "test_file": "TEST_FILE = 'life_expectancy_test.csv'",
                "binary": "shuffle=False", "l2": "keras.layers.UnitNormalization",
                "none": "scaling = None"}[variant]
    assert expected in script
    if variant == "one_hot_loss":
        assert "validation_data=(X_test, y_test)" in script
    if variant == "binary":
        assert "validation_split" not in script
        assert "stratify = pd.factorize(data[TARGET])[0]" in script  # as the app numbers them


@pytest.mark.parametrize("kind", ["headerless.csv", "sheets.xlsx", "table.parquet"])
def test_script_reads_headerless_excel_and_parquet_files_as_layerlab_did(tmp_path, kind):
    from gui.core.data.formats.tables import read_table

    iris = pd.read_csv(SAMPLES / "iris.csv")
    path = tmp_path / kind
    if kind.endswith(".csv"):
        iris.to_csv(path, header=False, index=False)  # the file has no header row
    elif kind.endswith(".xlsx"):
        with pd.ExcelWriter(path) as book:
            iris.head(3).to_excel(book, sheet_name="notes", index=False)
            iris.to_excel(book, sheet_name="flowers", index=False)
    else:
        iris.to_parquet(path)
    sheet = "flowers" if kind.endswith(".xlsx") else ""
    loaded = read_table(path.read_bytes(), kind, sheet=sheet)
    target = loaded.frame.columns[-1]
    spec_data = DataSpec(source=kind, target=target, delimiter=loaded.delimiter,
                         encoding=loaded.encoding, sheet=sheet)
    data = dataset.prepare(loaded.frame, spec_data)
    assert (target == "column_5") == kind.endswith(".csv")
    spec = default_spec(data.task, data.n_classes, data=spec_data)
    result = run(codegen.python_script(spec, data.preprocessor), tmp_path, "--epochs", "1")
    assert "120 training rows, 30 test rows" in result.stdout
    assert_same_scaling(keras.models.load_model(tmp_path / "model.keras"), data.preprocessor)


def test_a_missing_data_file_is_one_sentence_saying_what_to_pass(tmp_path):
    """A run's script, run from another folder: without its data, one sentence and no
    traceback; given the path as its argument, it trains."""
    loaded, data, data_spec = load("iris.csv", target="species")
    spec = default_spec(data.task, data.n_classes, data=data_spec)
    script = tmp_path / "iris-run-3.py"
    script.write_text(codegen.python_script(spec, data.preprocessor), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    missing = subprocess.run([sys.executable, str(script)], cwd=elsewhere, env=env,
                             capture_output=True, text=True, timeout=300)
    assert missing.returncode == 1
    assert "Traceback" not in missing.stderr, missing.stderr
    last = missing.stderr.strip().splitlines()[-1]
    assert last.startswith("No file 'iris.csv' in ") and str(elsewhere) in last
    assert "pass the training data file as the first argument" in last
    assert "path/to/iris.csv" in last
    trained = subprocess.run([sys.executable, str(script), str(SAMPLES / "iris.csv"),
                              "--epochs", "1"], cwd=elsewhere, env=env, capture_output=True,
                             text=True, timeout=300)
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert (elsewhere / "model.keras").is_file()


def test_a_script_given_a_test_file_takes_the_training_rows_in_layerlabs_order(tmp_path):
    """iris.csv is sorted by species: in file order the validation share (its last rows)
    would be all virginica. The script takes the training rows in the order LayerLab does
    (split.shuffled, by the split seed), so its validation rows are LayerLab's."""
    loaded, _, data_spec = load("iris.csv", target="species")
    test = loaded.frame.iloc[::10]
    data = dataset.prepare(loaded.frame, data_spec, test)
    spec = default_spec(data.task, data.n_classes, data=data_spec)
    script = codegen.python_script(spec, data.preprocessor)
    shutil.copy(SAMPLES / "iris.csv", tmp_path / "iris.csv")
    test.to_csv(tmp_path / "test.csv", index=False)
    result = run(script, tmp_path, "--epochs", "1", "--test-csv", "test.csv")
    assert "150 training rows, 15 test rows" in result.stdout
    model = keras.models.load_model(tmp_path / "model.keras")
    assert_same_scaling(model, data.preprocessor)
    order = np.random.RandomState(data_spec.split_seed).permutation(150)
    assert data.X_train.shape[0] == 150
    held = data.y_train[-30:]  # the validation share
    assert len(set(np.asarray(held).tolist())) == 3
    expected = loaded.frame.iloc[order]["species"].iloc[-30:].tolist()
    assert [data.class_names[int(i)] for i in np.asarray(held)] == expected
    assert "RandomState(SPLIT_SEED).permutation(len(data))" in script


def test_the_script_reads_numbers_written_as_text_as_layerlab_did(tmp_path):
    """A semicolon file with decimal commas and thousands dots ("1.234,5"), and percents:
    the script reads them with LayerLab's own read_numbers, so its scaler sees the app's
    numbers (pd.to_numeric made them all missing)."""
    rng = np.random.default_rng(0)
    rows = 60
    price = rng.uniform(500, 9000, rows)
    frame = pd.DataFrame({
        "price": [f"{p:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
                  for p in price],
        "share": [f"{int(p) % 40}%" for p in price],
        "kind": rng.choice(["a", "b"], rows)})
    frame["y"] = [f"{v:.3f}".replace(".", ",") for v in price / 1000 + rng.normal(0, 1, rows)]
    raw = frame.to_csv(index=False, sep=";").encode()
    table = csv_io.read_csv(raw, "prices.csv")
    assert table.frame["price"].iloc[0] == pytest.approx(round(price[0], 2))
    spec_data = DataSpec(source="prices.csv", delimiter=table.delimiter,
                         encoding=table.encoding, target="y", scaling="standard")
    data = dataset.prepare(table.frame, spec_data)
    assert data.preprocessor.numeric_ == ["price", "share"]
    spec = default_spec("regression", 0, data=spec_data)
    script = codegen.python_script(spec, data.preprocessor)
    (tmp_path / "prices.csv").write_bytes(raw)
    run(script, tmp_path, "prices.csv", "--epochs", "1", "--output", "out.keras")
    assert_same_scaling(keras.models.load_model(tmp_path / "out.keras"), data.preprocessor)
