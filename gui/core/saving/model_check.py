"""Inspect an uploaded model file by allow-list, without running anything from it.

Uploaded model files are hostile until proven otherwise. `inspect_model_file` reads the
archive / HDF5 structure itself — member paths, sizes, compression ratios, the model config —
and refuses anything that is not built from Keras' own layers and functions *before* Keras
sees it: Lambda layers, custom registered objects, functions from modules outside Keras,
paths that escape the archive, zip bombs, damaged or truncated files, files that are not
models. `check_config` is the walk over a model config; ModelFileError carries the plain
message shown to the user. Loading what passes is load.py's job.

Example:
    try:
        kind = inspect_model_file(raw, "upload.keras")  # "keras", "bundle" or "h5"
    except ModelFileError as exc:
        print(exc)  # "The model contains a Lambda layer ('double'), which runs Python code..."

No Streamlit here.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import keras
import numpy as np

MAX_MODEL_MB = 100                # upload limit for model files
MAX_MEMBERS = 64                  # a .keras file has 3; a bundle about 8
MAX_MEMBER_MB = 400               # uncompressed size of one archive member
MAX_TOTAL_MB = 800                # uncompressed size of all members together
MAX_RATIO = 100                   # uncompressed / compressed: more is a zip bomb
MAX_CONFIG_MB = 20
MAX_DEPTH = 60                    # nesting of a model config

MODEL_EXTENSIONS = ("keras", "h5", "hdf5", "zip")
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"


class ModelFileError(ValueError):
    """A model file LayerLab will not load; the message says why in plain words."""


# ---- the allow-list ------------------------------------------------------------------------

# Layers a table model can be built from. Lambda, TFOpLambda, TFSMLayer and the JAX / Flax /
# Torch wrappers run code of their own and are never accepted.
ALLOWED_LAYERS = frozenset({
    "InputLayer", "Dense", "EinsumDense", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU",
    "Softmax", "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise",
    "SpatialDropout1D", "ActivityRegularization", "BatchNormalization", "LayerNormalization",
    "GroupNormalization", "RMSNormalization", "UnitNormalization", "Normalization",
    "Rescaling", "Discretization", "CategoryEncoding", "Identity", "Flatten", "Reshape",
    "RepeatVector", "Permute", "Masking", "Embedding", "Concatenate", "Add", "Subtract",
    "Multiply", "Average", "Maximum", "Minimum", "Dot", "Conv1D", "MaxPooling1D",
    "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "SimpleRNN", "GRU",
    "LSTM", "Bidirectional", "TimeDistributed", "SimpleRNNCell", "GRUCell", "LSTMCell",
    "StringLookup", "IntegerLookup",
})
# Keras ops a functional model may call between layers (module keras.src.ops.*): pure maths
# on tensors, the ones a model that takes raw columns uses to fill missing values
# (raw_model.py) and a few of their kin.
ALLOWED_OPS = frozenset({
    "Isfinite", "Isnan", "Where", "Equal", "NotEqual", "Cast", "LogicalAnd", "LogicalOr",
    "LogicalNot", "Absolute", "Less", "LessEqual", "Greater", "GreaterEqual", "Add",
    "Subtract", "Multiply", "Divide", "FullLike", "Concatenate", "ExpandDims", "Squeeze",
})
MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})
CODE_LAYERS = frozenset({"Lambda", "TFOpLambda", "SlicingOpLambda", "TFSMLayer", "JaxLayer",
                         "FlaxLayer", "TorchModuleWrapper", "__lambda__", "__typespec__"})
# Serialised values that are data, not code.
VALUE_CLASSES = frozenset({"__tuple__", "__numpy__", "__tensor__", "__bytes__",
                           "__ellipsis__", "__slice__", "__keras_tensor__"})
FUNCTION_KEYS = ("activation", "recurrent_activation")


@cache
def _builtin_classes() -> frozenset:
    """Class names exported by Keras' configuration modules (initializers, optimizers...)."""
    names = {"DTypePolicy", "FloatDTypePolicy"}
    for module in (keras.initializers, keras.regularizers, keras.constraints,
                   keras.optimizers, keras.optimizers.schedules, keras.losses, keras.metrics):
        for name in dir(module):
            obj = getattr(module, name)
            if name[:1].isupper() and isinstance(obj, type):
                names.add(name)
    return frozenset(names)


@cache
def _builtin_functions() -> frozenset:
    """Function names of keras.activations, keras.losses and keras.metrics."""
    names = set()
    for module in (keras.activations, keras.losses, keras.metrics):
        for name in dir(module):
            if name[:1].islower() and callable(getattr(module, name)):
                names.add(name)
    return frozenset(names - {"get", "serialize", "deserialize"})


@cache
def _activations() -> frozenset:
    return frozenset(n for n in dir(keras.activations)
                     if n[:1].islower() and n not in ("get", "serialize", "deserialize"))


def check_config(config: Any, where: str = "model", depth: int = 0) -> None:
    """Walk a Keras model config; raise ModelFileError at the first thing that could run code.

    Accepted: the layers in ALLOWED_LAYERS, Sequential / Functional models, Keras' own
    initializers, regularizers, constraints, optimizers, losses and metrics, and functions
    that are Keras activations, losses or metrics — all from modules under `keras`.
    """
    if depth > MAX_DEPTH:
        raise ModelFileError("The model configuration is nested too deeply to be a real model.")
    if isinstance(config, list):
        for item in config:
            check_config(item, where, depth + 1)
        return
    if not isinstance(config, dict):
        return
    if "class_name" in config:
        _check_object(config, where)
        if config.get("class_name") not in ("function",):
            where = _describe(config, where)
    for key, value in config.items():
        if key in FUNCTION_KEYS and isinstance(value, str) and value not in _activations():
            raise ModelFileError(f"{where} uses the activation '{value}', which is not a Keras "
                                 "activation. LayerLab loads only models built from Keras' own "
                                 "layers and functions.")
        check_config(value, where, depth + 1)


def _describe(config: dict, where: str) -> str:
    inner = config.get("config")
    name = inner.get("name") if isinstance(inner, dict) else None
    return f"The {config['class_name']} '{name}'" if name else where


def _check_object(config: dict, where: str) -> None:
    cls = config.get("class_name")
    module = config.get("module")
    registered = config.get("registered_name")
    if not isinstance(cls, str):
        raise ModelFileError(f"{where}: the model configuration is malformed (class_name "
                             f"{cls!r}).")
    inner = config.get("config")
    label = inner.get("name") if isinstance(inner, dict) and inner.get("name") else cls
    if cls in CODE_LAYERS:
        kind = "Lambda layer" if "Lambda" in cls or cls == "__lambda__" else f"{cls} layer"
        raise ModelFileError(f"The model contains a {kind} ('{label}'), which runs Python code "
                             "stored in the file. LayerLab does not load models that carry "
                             "code; rebuild it from standard Keras layers.")
    keras_module = isinstance(module, str) and (module == "keras" or module.startswith("keras."))
    # Keras writes its own functions (activations, losses) as module "builtins" + their name.
    builtin_function = cls == "function" and module == "builtins"
    if module is not None and not keras_module and not builtin_function:
        target = f"{module}.{inner}" if cls == "function" else f"{module}.{cls}"
        raise ModelFileError(f"{where} refers to '{target}', which is code outside Keras. "
                             "LayerLab loads only models built from Keras' own layers and "
                             "functions.")
    if cls in VALUE_CLASSES:
        return
    if cls == "function":
        if not isinstance(inner, str) or inner not in _builtin_functions():
            raise ModelFileError(f"{where} refers to the function {inner!r}, which is not a "
                                 "Keras activation, loss or metric.")
        if registered not in (None, inner, cls):
            raise ModelFileError(f"{where} refers to the custom function '{registered}'. "
                                 "LayerLab loads only Keras' own functions.")
        return
    if registered not in (None, cls):
        raise ModelFileError(f"The model uses the custom object '{registered}' (a class "
                             "registered by other code). LayerLab loads only Keras' built-in "
                             "layers.")
    if cls in ALLOWED_LAYERS or cls in MODEL_CLASSES or cls in _builtin_classes():
        return
    if cls in ALLOWED_OPS and isinstance(module, str) and module.startswith("keras.src.ops."):
        return
    raise ModelFileError(f"The model contains a '{cls}' ('{label}'), which is not one of the "
                         "built-in Keras layers LayerLab loads (Dense, Dropout, "
                         "BatchNormalization, Normalization, ...).")


# ---- archives ------------------------------------------------------------------------------

def _check_members(zf: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ModelFileError(f"'{name}' holds {len(infos)} files; a model file holds a few. "
                             "It is not a Keras model file.")
    total = 0
    for info in infos:
        path = info.filename.replace("\\", "/")
        parts = PurePosixPath(path).parts
        if (path.startswith("/") or re.match(r"^[A-Za-z]:", path) or ".." in parts
                or "\x00" in path):
            raise ModelFileError(f"'{name}' contains the path '{info.filename}', which points "
                                 "outside its folder. Refused: a genuine model file never does.")
        if info.file_size > MAX_MEMBER_MB * 2**20 or (
                info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise ModelFileError(f"'{name}': the member '{info.filename}' unpacks to "
                                 f"{info.file_size / 2**20:.0f} MB, too large for a model file.")
        total += info.file_size
    if total > MAX_TOTAL_MB * 2**20:
        raise ModelFileError(f"'{name}' unpacks to {total / 2**20:.0f} MB; the limit is "
                             f"{MAX_TOTAL_MB} MB.")
    return infos


def read_json_member(zf: zipfile.ZipFile, member: str, name: str) -> Any:
    info = zf.getinfo(member)
    if info.file_size > MAX_CONFIG_MB * 2**20:
        raise ModelFileError(f"'{name}': {member} is {info.file_size / 2**20:.0f} MB, too large.")
    try:
        return json.loads(zf.read(member))
    except (ValueError, RecursionError):
        raise ModelFileError(f"'{name}': {member} is not valid JSON; the file is damaged or "
                             "not a Keras model.") from None


def _open_zip(raw: bytes, name: str) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ModelFileError(f"'{name}' is damaged or incomplete (the zip archive cannot be "
                             "read). Download the model file again.") from None
    _check_members(zf, name)
    try:
        bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        bad = "?"
    if bad is not None:
        raise ModelFileError(f"'{name}' is damaged or incomplete (archive member {bad!r} fails "
                             "its checksum). Download the model file again.")
    return zf


def _inspect_keras_zip(zf: zipfile.ZipFile, name: str) -> dict:
    names = set(zf.namelist())
    if "config.json" not in names:
        raise ModelFileError(f"'{name}' is a zip archive but not a Keras model (no config.json).")
    if not names & {"model.weights.h5", "model.weights.npz"}:
        raise ModelFileError(f"'{name}' is incomplete: it has no weights (model.weights.h5).")
    config = read_json_member(zf, "config.json", name)
    check_config(config)
    return config


def inspect_model_file(raw: bytes, name: str = "model") -> str:
    """Check an uploaded model file without running anything from it.

    Returns its kind: "keras" (a .keras zip), "bundle" (a LayerLab .zip holding model.keras)
    or "h5". Raises ModelFileError with a plain message for anything else.
    """
    if len(raw) > MAX_MODEL_MB * 2**20:
        raise ModelFileError(f"'{name}' is {len(raw) / 2**20:.0f} MB; the limit for model "
                             f"files is {MAX_MODEL_MB} MB.")
    if not raw:
        raise ModelFileError(f"'{name}' is empty.")
    if raw.startswith(ZIP_SIGNATURE):
        zf = _open_zip(raw, name)
        names = set(zf.namelist())
        if "config.json" in names:
            _inspect_keras_zip(zf, name)
            return "keras"
        if "model.keras" in names:
            inner = zf.read("model.keras")
            if not inner.startswith(ZIP_SIGNATURE):
                raise ModelFileError(f"'{name}': model.keras inside it is not a Keras model.")
            _inspect_keras_zip(_open_zip(inner, f"{name}/model.keras"), f"{name}/model.keras")
            for member in ("spec.json", "preprocessing.json"):
                if member in names:
                    read_json_member(zf, member, name)
            return "bundle"
        raise ModelFileError(f"'{name}' is a zip archive without a Keras model in it (expected "
                             "config.json, or model.keras in a LayerLab bundle).")
    if raw.startswith(HDF5_SIGNATURE):
        _inspect_h5(raw, name)
        return "h5"
    raise ModelFileError(f"'{name}' is not a Keras model file{_looks_like(raw)}. Use a "
                         ".keras or .h5 file saved by Keras, or a LayerLab bundle .zip.")


def _looks_like(raw: bytes) -> str:
    head = raw[:2048]
    if b"\x00" in head:
        return ""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    first = text.splitlines()[0] if text.strip() else ""
    if first.count(",") or first.count(";") or first.count("\t"):
        return " (it is text that looks like a CSV table)"
    return " (it is a text file)"


def h5_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return h5_text(value.item())
    return str(value)


def _inspect_h5(raw: bytes, name: str) -> dict:
    import h5py

    try:
        with h5py.File(io.BytesIO(raw), "r") as f:
            if "model_config" not in f.attrs:
                raise ModelFileError(f"'{name}' holds weights only, not a whole model (no "
                                     "model_config). Save the model with model.save(...).")
            text = h5_text(f.attrs["model_config"])
            if "model_weights" not in f:
                raise ModelFileError(f"'{name}' is incomplete: it has no model weights.")
    except ModelFileError:
        raise
    except Exception:  # h5py raises OSError, KeyError, ValueError... on damaged files
        raise ModelFileError(f"'{name}' is damaged or incomplete (the HDF5 file cannot be "
                             "read). Download the model file again.") from None
    if len(text) > MAX_CONFIG_MB * 2**20:
        raise ModelFileError(f"'{name}': the model configuration is too large.")
    try:
        config = json.loads(text)
    except (ValueError, RecursionError):
        raise ModelFileError(f"'{name}': the model configuration is not valid JSON.") from None
    check_config(config)
    return config
