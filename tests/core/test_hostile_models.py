"""Hostile model files are refused with a plain message before Keras loads anything."""

from __future__ import annotations

import io
import json
import os
import zipfile

import h5py
import keras
import numpy as np
import pytest

from gui.core.saving import export, load, model_check
from gui.core.saving.model_check import ModelFileError
from tests.conftest import SAMPLES
from tests.core import trained_models as tm


@pytest.fixture
def keras_never_loads(monkeypatch):
    """Fail the test if Keras is asked to load the file at all."""
    def boom(*args, **kwargs):
        raise AssertionError("keras.models.load_model was called on a refused file")

    monkeypatch.setattr(keras.models, "load_model", boom)
    monkeypatch.setattr(keras.saving, "load_model", boom)


def refused(raw: bytes, name: str, match: str) -> str:
    with pytest.raises(ModelFileError, match=match) as info:
        load.load_model_safely(raw, name)
    message = str(info.value)
    assert "Traceback" not in message and len(message) < 400
    return message


def good_keras() -> bytes:
    return export.save_keras_bytes(tm.plain_sequential(4, 1))


def rezip(raw: bytes, replace: dict | None = None, add: dict | None = None) -> bytes:
    """A copy of the zip `raw` with some members replaced and others added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = (replace or {}).get(info.filename, src.read(info.filename))
            dst.writestr(info.filename, data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def edited_config(raw: bytes, edit) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        config = json.loads(zf.read("config.json"))
    edit(config)
    return rezip(raw, replace={"config.json": json.dumps(config)})


def first_dense(config: dict) -> dict:
    return next(layer for layer in config["config"]["layers"]
                if layer["class_name"] == "Dense")


def lambda_model() -> keras.Model:
    return keras.Sequential([keras.Input(shape=(4,)),
                             keras.layers.Lambda(lambda x: x * 2.0, name="double"),
                             keras.layers.Dense(1)])


# ---- files that are fine --------------------------------------------------------------------

def test_layerlab_and_plain_keras_models_pass_the_inspection():
    t = tm.tips()
    assert model_check.inspect_model_file(
        export.save_keras_bytes(t.deploy, export.metadata(t.spec, t.prepared.preprocessor)),
        "t.keras") == "keras"
    assert model_check.inspect_model_file(export.save_h5_bytes(t.deploy), "t.h5") == "h5"
    inputs = keras.Input(shape=(3,))
    hidden = keras.layers.Dense(4, activation="tanh")(inputs)
    merged = keras.layers.Concatenate()([hidden, inputs])
    functional = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(merged))
    functional.compile(optimizer="sgd", loss=keras.losses.categorical_crossentropy,
                       metrics=["accuracy", keras.metrics.AUC()])
    assert model_check.inspect_model_file(export.save_keras_bytes(functional), "f.keras") == "keras"


# ---- code inside the model ------------------------------------------------------------------

def test_lambda_layer_in_keras_file_is_refused(keras_never_loads):
    raw = export.save_keras_bytes(lambda_model())
    message = refused(raw, "lambda.keras", "Lambda layer")
    assert "'double'" in message


def test_lambda_layer_in_h5_file_is_refused(keras_never_loads):
    raw = export.save_h5_bytes(lambda_model())
    refused(raw, "lambda.h5", "Lambda layer")


def test_activation_pointing_at_os_system_is_refused(keras_never_loads, tmp_path):
    def evil(config):
        first_dense(config)["config"]["activation"] = {
            "module": "os", "class_name": "function", "config": "system",
            "registered_name": "system"}

    raw = edited_config(good_keras(), evil)
    refused(raw, "evil.keras", r"'os\.system'.*outside Keras")


@pytest.mark.parametrize("name", ["eval", "exec", "system", "__import__"])
def test_builtins_function_that_is_not_a_keras_function_is_refused(keras_never_loads, name):
    def evil(config):
        first_dense(config)["config"]["activation"] = {
            "module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}

    refused(edited_config(good_keras(), evil), "evil.keras", "not a Keras activation")


def test_keras_module_function_that_is_not_an_activation_is_refused(keras_never_loads):
    def evil(config):
        first_dense(config)["config"]["activation"] = {
            "module": "keras.utils", "class_name": "function", "config": "get_file",
            "registered_name": None}

    refused(edited_config(good_keras(), evil), "evil.keras", "not a Keras activation")


def test_activation_string_that_is_not_a_keras_activation_is_refused(keras_never_loads):
    def evil(config):
        first_dense(config)["config"]["activation"] = "os.system"

    refused(edited_config(good_keras(), evil), "evil.keras", "not a Keras activation")


def test_custom_registered_layer_is_refused(keras_never_loads):
    def evil(config):
        first_dense(config)["registered_name"] = "evilpkg>Backdoor"

    refused(edited_config(good_keras(), evil), "custom.keras", "custom object")


def test_layer_class_outside_the_allow_list_is_refused(keras_never_loads):
    def evil(config):
        first_dense(config)["class_name"] = "TFSMLayer"

    refused(edited_config(good_keras(), evil), "tfsm.keras", "TFSMLayer")

    def unknown(config):
        first_dense(config)["class_name"] = "Subprocess"

    refused(edited_config(good_keras(), unknown), "x.keras", "not one of the built-in")


def test_h5_model_config_pointing_at_os_system_is_refused(keras_never_loads):
    raw = bytearray(export.save_h5_bytes(tm.plain_sequential()))
    buffer = io.BytesIO(bytes(raw))
    with h5py.File(buffer, "a") as f:
        config = json.loads(f.attrs["model_config"])
        first_dense(config)["config"]["activation"] = {
            "module": "posix", "class_name": "function", "config": "system"}
        f.attrs["model_config"] = json.dumps(config)
    refused(buffer.getvalue(), "evil.h5", "outside Keras")


def test_lambda_in_a_bundle_is_refused(keras_never_loads):
    inner = export.save_keras_bytes(lambda_model())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("model.keras", inner)
        zf.writestr("spec.json", "{}")
    refused(out.getvalue(), "bundle.zip", "Lambda layer")


# ---- archives that escape or explode ---------------------------------------------------------

@pytest.mark.parametrize("member", ["../evil", "assets/../../evil.py", "/etc/cron.d/evil",
                                    "C:/Windows/evil.dll", "..\\evil"])
def test_archive_member_escaping_its_folder_is_refused(keras_never_loads, member):
    raw = rezip(good_keras(), add={member: "print('pwned')"})
    refused(raw, "escape.keras", "outside its folder")


def test_zip_bomb_member_is_refused(keras_never_loads):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good_keras())) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("assets/bomb.bin", b"\0" * (20 * 2**20))
    refused(out.getvalue(), "bomb.keras", "too large")


def test_too_many_members_is_refused(keras_never_loads):
    raw = rezip(good_keras(), add={f"assets/{i}.txt": "x" for i in range(100)})
    refused(raw, "many.keras", "holds 103 files")


def test_oversized_upload_is_refused(keras_never_loads, monkeypatch):
    monkeypatch.setattr(model_check, "MAX_MODEL_MB", 0.01)
    refused(good_keras(), "big.keras", "limit for model files")


# ---- things that are not models --------------------------------------------------------------

def test_random_bytes_are_refused(keras_never_loads):
    raw = np.random.default_rng(0).bytes(5000)
    refused(raw, "random.keras", "not a Keras model file")


def test_csv_renamed_keras_is_refused(keras_never_loads):
    message = refused((SAMPLES / "iris.csv").read_bytes(), "iris.keras",
                      "not a Keras model file")
    assert "CSV" in message


def test_truncated_keras_file_is_refused(keras_never_loads):
    raw = good_keras()
    for cut in (len(raw) // 2, len(raw) - 30, 100):
        refused(raw[:cut], "cut.keras", "damaged or incomplete")


def test_truncated_h5_file_is_refused(keras_never_loads):
    raw = export.save_h5_bytes(tm.plain_sequential())
    refused(raw[: len(raw) // 2], "cut.h5", "damaged or incomplete")


def test_corrupted_member_fails_its_checksum(keras_never_loads):
    raw = bytearray(good_keras())
    i = bytes(raw).index(b'"class_name"') + 3  # inside config.json's stored bytes
    raw[i] ^= 0xFF
    refused(bytes(raw), "flipped.keras", "damaged or incomplete|not valid JSON")


def test_weights_only_h5_is_refused(keras_never_loads, tmp_path):
    path = tmp_path / "w.weights.h5"
    tm.plain_sequential().save_weights(path)
    refused(path.read_bytes(), "w.h5", "weights only")


def test_zip_without_a_model_is_refused(keras_never_loads):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("notes.txt", "hello")
    refused(out.getvalue(), "notes.zip", "without a Keras model")


def test_keras_zip_without_weights_is_refused(keras_never_loads):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good_keras())) as src, zipfile.ZipFile(out, "w") as dst:
        dst.writestr("config.json", src.read("config.json"))
    refused(out.getvalue(), "noweights.keras", "no weights")


def test_empty_file_is_refused(keras_never_loads):
    refused(b"", "empty.keras", "empty")


def test_deeply_nested_config_is_refused(keras_never_loads):
    def deep(config):
        node = {}
        first_dense(config)["config"]["extra"] = node
        for _ in range(200):
            node["x"] = {}
            node = node["x"]

    refused(edited_config(good_keras(), deep), "deep.keras", "nested too deeply")


def test_a_refused_file_leaves_nothing_behind(keras_never_loads, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    raw = rezip(good_keras(), add={"../evil": "x"})
    refused(raw, "escape.keras", "outside its folder")
    assert os.listdir(tmp_path) == [] and not (tmp_path.parent / "evil").exists()


def test_safe_mode_holds_even_when_unsafe_loading_was_enabled_process_wide(tmp_path):
    """load._load_with_keras relies on Keras' private SafeModeScope
    (keras.src.saving.serialization_lib). If a Keras upgrade moves it, this test fails
    instead of the guard silently going away. Run in a fresh process: enabling unsafe
    deserialization is process-wide and cannot be undone through the public API."""
    import subprocess
    import sys

    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2.0)])
    path = tmp_path / "lambda.keras"
    model.save(path)
    code = (
        "import sys, keras\n"
        "from keras.src.saving.serialization_lib import SafeModeScope, in_safe_mode\n"
        "from gui.core.saving import load\n"
        "from gui.core.saving.model_check import ModelFileError\n"
        "keras.config.enable_unsafe_deserialization()\n"
        "with SafeModeScope(True):\n"
        "    assert in_safe_mode()\n"
        f"raw = open({str(path)!r}, 'rb').read()\n"
        "try:\n"
        "    load._load_with_keras(raw, 'keras', True, 'lambda.keras')\n"
        "except ModelFileError as exc:\n"
        "    print('refused:', exc)\n"
        "else:\n"
        "    sys.exit('a Lambda layer loaded although safe mode was asked for')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=SAMPLES.parent,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused:" in done.stdout
