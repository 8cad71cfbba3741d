"""Save a trained model with everything it needs, and load model files without trusting them.

A LayerLab model file is a plain Keras file plus one JSON document (`layerlab.json`): the
spec, the fitted preprocessing (imputation, one-hot categories), the feature names and
order, the class names. In a `.keras` file it is an extra entry in the zip (Keras ignores
it: `keras.models.load_model` still loads the file); in an `.h5` file it is a root attribute.
So the saved file alone is enough to predict from raw CSV rows.

Uploaded model files are hostile until proven otherwise. `inspect_model_file` reads the
archive / HDF5 structure itself — member paths, sizes, the model config — and refuses
anything that is not built from Keras' own layers and functions *before* Keras sees it;
`load_model_safely` then loads with `safe_mode=True` on the pinned Keras.

Example:
    meta = metadata(spec, prepared.preprocessor)
    raw = save_keras_bytes(deploy_model, meta)
    loaded = load_model_safely(raw, "iris_20261123-0912.keras")
    loaded.preprocessor.encode(rows)  # → what loaded.model takes

No Streamlit here.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import keras
import numpy as np

from gui.core.dataset import Preprocessor
from gui.core.spec import ExperimentSpec, SpecError

FORMAT = "layerlab-model"
FORMAT_VERSION = 1
METADATA_ENTRY = "layerlab.json"  # the extra member of a .keras zip
H5_ATTRIBUTE = "layerlab"         # the root attribute of an .h5 file
MAX_MODEL_MB = 100                # upload limit for model files
MAX_MEMBERS = 64                  # a .keras file has 3; a bundle about 8
MAX_MEMBER_MB = 400               # uncompressed size of one archive member
MAX_TOTAL_MB = 800                # uncompressed size of all members together
MAX_RATIO = 100                   # uncompressed / compressed: more is a zip bomb
MAX_CONFIG_MB = 20
MAX_DEPTH = 60                    # nesting of a model config
PINNED_KERAS = (3, 15, 1)         # earlier Keras 3 releases have model-loading CVEs

MODEL_EXTENSIONS = ("keras", "h5", "hdf5", "zip")
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"


class ModelFileError(ValueError):
    """A model file LayerLab will not load; the message says why in plain words."""


# ---- names ---------------------------------------------------------------------------------

def file_stem(source: str, when: datetime | None = None) -> str:
    """'iris.csv' → 'iris_20261123-0912': the dataset's name and the time, safe as a file name."""
    base = Path(source or "layerlab").stem
    base = re.sub(r"[^A-Za-z0-9_-]+", "_", base).strip("_-")[:40] or "layerlab"
    return f"{base}_{(when or datetime.now()).strftime('%Y%m%d-%H%M')}"


# ---- metadata ------------------------------------------------------------------------------

def metadata(spec: ExperimentSpec, prep: Preprocessor) -> dict:
    """What travels with the model: spec, preprocessing, feature and class names."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "keras_version": keras.__version__,
        "saved": datetime.now().isoformat(timespec="seconds"),
        "task": prep.task,
        "target": spec.data.target,
        "feature_names": list(prep.feature_names_),
        "encoded_names": list(prep.encoded_names_),
        "class_names": [_json_value(c) for c in prep.classes_],
        "preprocessing": prep.to_dict(),
        "spec": spec.to_dict(),
    }


def _json_value(value):
    return value.item() if hasattr(value, "item") else value


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=_json_value) + "\n"


# ---- saving --------------------------------------------------------------------------------

def save_keras_bytes(model: keras.Model, meta: dict | None = None) -> bytes:
    """The native .keras file of `model`, with `meta` as an extra `layerlab.json` entry."""
    with tempfile.TemporaryDirectory(prefix="layerlab-") as tmp:
        path = Path(tmp) / "model.keras"
        model.save(path)
        if meta is not None:
            with zipfile.ZipFile(path, "a") as zf:
                zf.writestr(METADATA_ENTRY, _dumps(meta))
        return path.read_bytes()


def save_h5_bytes(model: keras.Model, meta: dict | None = None) -> bytes:
    """The legacy HDF5 file of `model`, with `meta` as the root attribute `layerlab`."""
    import h5py

    # Keras' legacy HDF5 writer pops "optimizer" from the model's own compile config, so a
    # later .keras save would lose the optimizer; keep a copy and put it back.
    compile_config = getattr(model, "_compile_config", None)
    kept = dict(compile_config.config) if compile_config is not None else None
    with tempfile.TemporaryDirectory(prefix="layerlab-") as tmp:
        path = Path(tmp) / "model.h5"
        try:
            model.save(path)
        finally:
            if kept is not None:
                compile_config.config = kept
        if meta is not None:
            with h5py.File(path, "a") as f:
                f.attrs[H5_ATTRIBUTE] = _dumps(meta)
        return path.read_bytes()


def history_csv(history: dict) -> bytes:
    """{'loss': [...], 'val_loss': [...]} → CSV with an epoch column (1-based)."""
    names = list(history)
    rows = max((len(v) for v in history.values()), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["epoch", *names])
    for i in range(rows):
        writer.writerow([i + 1, *(_cell(history[n], i) for n in names)])
    return out.getvalue().encode("utf-8")


def _cell(values, i):
    if i >= len(values) or values[i] is None:
        return ""
    return repr(float(values[i]))


def figures_html(figures: dict, title: str = "LayerLab charts") -> str:
    """Plotly figures → one self-contained HTML page (plotly.js embedded once, works offline)."""
    import html

    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             "</title></head><body style='font-family:sans-serif'>",
             f"<h1>{html.escape(title)}</h1>"]
    for i, (name, fig) in enumerate(figures.items()):
        parts.append(f"<h2>{html.escape(str(name))}</h2>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0)))
    parts.append("</body></html>")
    return "\n".join(parts)


README_TEMPLATE = """# {stem}

A Keras model trained with LayerLab on `{source}` to predict `{target}` ({task}).

| file | what it is |
|---|---|
| `model.keras` | the trained Keras model; the feature scaling is its first layer{unscale} |
| `spec.json` | the whole experiment (data choices, layers, compile and fit settings, seed) |
| `preprocessing.json` | the fitted preprocessing: feature order, fills, text categories |
| `train.py` | a Python script that rebuilds and retrains the model from the CSV |
| `history.csv` | loss and metrics per epoch |

## Load and predict

Inputs, in this order: {inputs}.
{outputs}

```python
import json

import keras
import numpy as np
import pandas as pd

model = keras.models.load_model("model.keras")  # plain Keras: no LayerLab needed
prep = json.load(open("preprocessing.json"))
rows = pd.read_csv("rows.csv")                   # raw columns, as in the training CSV


def encode(rows, prep):
    \"\"\"Fill missing values and one-hot the text columns, exactly as LayerLab did.\"\"\"
    parts = []
    if prep["numeric"]:
        numbers = rows[prep["numeric"]].apply(pd.to_numeric, errors="coerce")
        numbers = numbers.fillna({{c: prep["fill"][c] for c in prep["numeric"]}})
        parts.append(numbers.to_numpy(dtype="float32"))
    for col in prep["text"]:
        values = rows[col].astype(object).where(rows[col].notna(), prep["fill"][col])
        values = values.astype(str).to_numpy()
        parts += [(values == cat).astype("float32")[:, None] for cat in prep["categories"][col]]
    return np.hstack(parts)


outputs = model.predict(encode(rows, prep), verbose=0)
{decode}
```

{numeric_note}You never scale the inputs yourself: the model's first layer scales the raw numbers
with the statistics of the training rows.
"""


def readme(spec: ExperimentSpec, prep: Preprocessor, stem: str) -> str:
    """The bundle's README.md: what each file is and how to call the model."""
    classes = [str(c) for c in prep.classes_]
    if prep.task == "regression":
        outputs = f"Output: one number per row, `{spec.data.target}` in its own units."
        decode = "predictions = outputs[:, 0]"
    elif prep.task == "binary":
        outputs = (f"Output: the probability of class `{classes[-1]}` (the other class is "
                   f"`{classes[0]}`).")
        decode = (f"classes = {classes!r}\n"
                  "labels = [classes[int(p >= 0.5)] for p in outputs[:, 0]]  # threshold 0.5")
    else:
        outputs = (f"Output: one probability per class, in this order: "
                   f"{', '.join(f'`{c}`' for c in classes)}.")
        decode = (f"classes = {classes!r}\n"
                  "labels = [classes[i] for i in outputs.argmax(axis=1)]")
    numeric_note = ""
    if not prep.text_ and prep.spec.missing == "drop":
        numeric_note = ("All inputs are numeric, so for rows without missing values "
                        "`model.predict(rows[features].to_numpy('float32'))` with "
                        f"`features = {list(prep.feature_names_)!r}` is the same thing.\n")
    unscale = (", and a final Rescaling layer returns the target in its own units"
               if prep.task == "regression" and prep.target_range_ != 1.0 else "")
    return README_TEMPLATE.format(
        stem=stem, source=spec.data.source or "the training CSV",
        target=spec.data.target, task=prep.task,
        inputs=", ".join(f"`{n}`" for n in prep.feature_names_),
        outputs=outputs, decode=decode, numeric_note=numeric_note, unscale=unscale)


def bundle_bytes(model: keras.Model, spec: ExperimentSpec, prep: Preprocessor,
                 history: dict | None = None, script: str | None = None,
                 stem: str | None = None) -> bytes:
    """A .zip of model.keras (with metadata), spec.json, preprocessing.json, train.py,
    history.csv and README.md — everything needed to use or rebuild the model."""
    stem = stem or file_stem(spec.data.source)
    meta = metadata(spec, prep)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.keras", save_keras_bytes(model, meta))
        zf.writestr("spec.json", spec.to_json())
        zf.writestr("preprocessing.json", _dumps(prep.to_dict()))
        if script:
            zf.writestr("train.py", script)
        if history:
            zf.writestr("history.csv", history_csv(history))
        zf.writestr("README.md", readme(spec, prep, stem))
    return out.getvalue()


# ---- inspecting an upload ------------------------------------------------------------------

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
    raise ModelFileError(f"The model contains a '{cls}' ('{label}'), which is not one of the "
                         "built-in Keras layers LayerLab loads (Dense, Dropout, "
                         "BatchNormalization, Normalization, ...).")


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


def _read_json_member(zf: zipfile.ZipFile, member: str, name: str) -> Any:
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
    config = _read_json_member(zf, "config.json", name)
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
                    _read_json_member(zf, member, name)
            return "bundle"
        raise ModelFileError(f"'{name}' is a zip archive without a Keras model in it (expected "
                             "config.json, or model.keras in a LayerLab bundle).")
    if raw.startswith(HDF5_SIGNATURE):
        _inspect_h5(raw, name)
        return "h5"
    raise ModelFileError(f"'{name}' is not a Keras model file{_looks_like(raw)}. Upload a "
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


def _h5_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return _h5_text(value.item())
    return str(value)


def _inspect_h5(raw: bytes, name: str) -> dict:
    import h5py

    try:
        with h5py.File(io.BytesIO(raw), "r") as f:
            if "model_config" not in f.attrs:
                raise ModelFileError(f"'{name}' holds weights only, not a whole model (no "
                                     "model_config). Save the model with model.save(...).")
            text = _h5_text(f.attrs["model_config"])
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


# ---- loading -------------------------------------------------------------------------------

@dataclass
class LoadedModel:
    """A model ready to predict, with the LayerLab metadata when it has some.

    Args:
        model: the Keras model (takes encoded raw features, returns target units or class
            probabilities).
        meta: the LayerLab metadata dict, or None for a model made elsewhere.
        source: where it came from (a file name, or "this session's training").
        kind: "keras", "h5", "bundle" or "session".
        compiled: whether the model came with its compile settings (an .h5 never does here).
        notes: things the user should know about this model (shown as captions).
    """

    model: Any
    meta: dict | None = None
    source: str = ""
    kind: str = "keras"
    compiled: bool = True
    notes: list[str] = field(default_factory=list)
    preprocessor: Preprocessor | None = None
    spec: ExperimentSpec | None = None

    @classmethod
    def from_training(cls, model, spec: ExperimentSpec, prep: Preprocessor,
                      source: str = "the model just trained") -> LoadedModel:
        return cls(model=model, meta=metadata(spec, prep), source=source, kind="session",
                   compiled=True, preprocessor=prep, spec=spec)

    @property
    def has_metadata(self) -> bool:
        return self.preprocessor is not None

    @property
    def task(self) -> str | None:
        return self.preprocessor.task if self.preprocessor else None

    @property
    def target(self) -> str:
        return (self.meta or {}).get("target") or "prediction"

    @property
    def class_names(self) -> list:
        return list(self.preprocessor.classes_) if self.preprocessor else []

    @property
    def feature_names(self) -> list[str]:
        if self.preprocessor:
            return list(self.preprocessor.feature_names_)
        return [f"input_{i + 1}" for i in range(self.n_inputs)]

    @property
    def n_inputs(self) -> int:
        return input_width(self.model)

    @property
    def n_outputs(self) -> int:
        shape = self.model.outputs[0].shape if getattr(self.model, "outputs", None) else None
        return int(shape[-1]) if shape is not None and shape[-1] is not None else 1


def input_width(model) -> int:
    """The number of columns `model` takes (its one input is (batch, n))."""
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) != 1:
        raise ModelFileError(f"The model takes {len(inputs)} inputs; LayerLab predicts with "
                             "models that take one table of numbers.")
    shape = tuple(inputs[0].shape)
    if len(shape) != 2 or shape[-1] is None:
        raise ModelFileError(f"The model's input has shape {shape}; LayerLab predicts with "
                             "models that take rows of numbers, shape (None, n).")
    return int(shape[-1])


def keras_version_ok(version: str | None = None) -> bool:
    numbers = re.findall(r"\d+", version or keras.__version__)[:3]
    return tuple(int(n) for n in numbers) >= PINNED_KERAS


def read_metadata(raw: bytes, name: str = "model") -> dict | None:
    """The LayerLab metadata inside a .keras, .h5 or bundle file (None if it has none).

    Reads JSON only; call inspect_model_file first for uploads.
    """
    if raw.startswith(ZIP_SIGNATURE):
        zf = zipfile.ZipFile(io.BytesIO(raw))
        names = set(zf.namelist())
        if METADATA_ENTRY in names:
            return _read_json_member(zf, METADATA_ENTRY, name)
        if "model.keras" in names:
            inner = read_metadata(zf.read("model.keras"), name)
            if inner is not None:
                return inner
            if {"spec.json", "preprocessing.json"} <= names:
                prep = _read_json_member(zf, "preprocessing.json", name)
                spec = _read_json_member(zf, "spec.json", name)
                if isinstance(prep, dict) and isinstance(spec, dict):
                    return {"format": FORMAT, "format_version": FORMAT_VERSION,
                            "task": prep.get("task"),
                            "target": (spec.get("data") or {}).get("target", ""),
                            "preprocessing": prep, "spec": spec}
        return None
    if raw.startswith(HDF5_SIGNATURE):
        import h5py

        with h5py.File(io.BytesIO(raw), "r") as f:
            if H5_ATTRIBUTE not in f.attrs:
                return None
            text = _h5_text(f.attrs[H5_ATTRIBUTE])
        try:
            return json.loads(text)
        except ValueError:
            return None
    return None


def _parse_metadata(meta: Any, model) -> tuple[Preprocessor, ExperimentSpec | None]:
    """Metadata dict → (Preprocessor, spec); ValueError/KeyError/TypeError when it is unusable."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError("it is not LayerLab metadata")
    if int(meta.get("format_version", 0)) > FORMAT_VERSION:
        raise ValueError("it was written by a newer LayerLab")
    state = meta["preprocessing"]
    prep = Preprocessor.from_dict(state)
    for key, kind in (("numeric_", list), ("text_", list), ("fill_", dict),
                      ("categories_", dict), ("feature_names_", list), ("classes_", list)):
        if not isinstance(getattr(prep, key), kind):
            raise TypeError(f"{key.rstrip('_')} is not a {kind.__name__}")
    if prep.task not in ("regression", "binary", "multiclass"):
        raise ValueError(f"unknown task {prep.task!r}")
    if set(prep.feature_names_) != set(prep.numeric_) | set(prep.text_):
        raise ValueError("the feature lists disagree")
    for col in prep.text_:
        if not isinstance(prep.categories_.get(col), list):
            raise ValueError(f"no categories for '{col}'")
    width = len(prep.numeric_) + sum(len(prep.categories_[c]) for c in prep.text_)
    if width != input_width(model):
        raise ValueError(f"the preprocessing makes {width} inputs but the model takes "
                         f"{input_width(model)}")
    outputs = LoadedModel(model=model).n_outputs
    if prep.task == "multiclass" and len(prep.classes_) != outputs:
        raise ValueError(f"it names {len(prep.classes_)} classes but the model has {outputs} "
                         "outputs")
    if prep.task == "binary" and (len(prep.classes_) != 2 or outputs not in (1, 2)):
        raise ValueError("a binary model needs 2 class names and 1 or 2 outputs")
    if prep.task == "regression" and outputs != 1:
        raise ValueError(f"a regression model has 1 output, this one {outputs}")
    prep.encoded_names_ = list(prep.numeric_) + [
        f"{c}={v}" for c in prep.text_ for v in prep.categories_[c]]
    spec = None
    if isinstance(meta.get("spec"), dict):
        try:
            spec = ExperimentSpec.from_dict(meta["spec"])
        except SpecError:
            spec = None
    return prep, spec


def load_model_safely(raw: bytes, name: str = "model.keras") -> LoadedModel:
    """Inspect, then load an uploaded .keras / .h5 / bundle .zip with safe_mode=True.

    Raises ModelFileError with a plain message when the file is not a model, is damaged,
    or carries anything that could run code. An .h5 file loads uncompiled (compile=False):
    Keras cannot restore an optimizer from it.
    """
    if not keras_version_ok():
        raise ModelFileError(f"This installation has Keras {keras.__version__}; LayerLab loads "
                             "model files only with Keras "
                             f"{'.'.join(map(str, PINNED_KERAS))} or newer (older versions "
                             "have known model-loading vulnerabilities).")
    kind = inspect_model_file(raw, name)
    model_bytes = raw
    if kind == "bundle":
        model_bytes = zipfile.ZipFile(io.BytesIO(raw)).read("model.keras")
    compile = kind != "h5"
    model = _load_with_keras(model_bytes, "h5" if kind == "h5" else "keras", compile, name)
    notes: list[str] = []
    if kind == "h5":
        notes.append("Loaded from .h5 without its optimizer state (Keras cannot restore it "
                     "from .h5); continuing to train starts a fresh optimizer.")
    compiled = compile and bool(getattr(model, "compiled", False))
    if compile and not compiled:
        notes.append("The file has no compile settings (loss, optimizer); continuing to "
                     "train compiles it afresh.")
    out = LoadedModel(model=model, source=name, kind=kind, compiled=compiled, notes=notes)
    input_width(model)
    try:
        meta = read_metadata(raw, name)
    except (ModelFileError, OSError, ValueError, KeyError, zipfile.BadZipFile):
        meta = None
        notes.append("Its LayerLab details could not be read; it is used as a plain Keras "
                     "model.")
    if meta is not None:
        try:
            out.preprocessor, out.spec = _parse_metadata(meta, model)
            out.meta = meta
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            notes.append(f"Its LayerLab details are unusable ({exc}); it is used as a plain "
                         "Keras model.")
    if out.preprocessor is None:
        notes.append(f"A Keras model without LayerLab details: it takes {out.n_inputs} numeric "
                     f"input(s) and gives {out.n_outputs} raw output(s).")
    return out


def _load_with_keras(raw: bytes, kind: str, compile: bool, name: str):
    from keras.src.saving.serialization_lib import SafeModeScope

    with tempfile.TemporaryDirectory(prefix="layerlab-") as tmp:
        path = Path(tmp) / ("model.h5" if kind == "h5" else "model.keras")
        path.write_bytes(raw)
        try:
            # SafeModeScope: even if something enabled unsafe deserialization process-wide.
            with SafeModeScope(True):
                return keras.models.load_model(path, compile=compile, safe_mode=True)
        except Exception as exc:  # Keras raises many types; the user gets one plain message
            reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else \
                type(exc).__name__
            raise ModelFileError(f"Keras could not load '{name}': {reason}") from None


def loaded_model_bytes(loaded: LoadedModel) -> bytes:
    """The .keras file of a LoadedModel, metadata included (e.g. after training it further)."""
    return save_keras_bytes(loaded.model, loaded.meta if loaded.has_metadata else None)
