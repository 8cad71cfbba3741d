"""Load a model file without trusting it, and read the LayerLab metadata it carries.

`load_model_safely` first has model_check.py inspect the file (nothing from it runs), then
loads it with `safe_mode=True` on the pinned Keras (PINNED_KERAS or newer; earlier releases
have model-loading vulnerabilities), and reads the metadata export.py saved inside it. The
result is a `LoadedModel`: the Keras model plus, when the metadata is present and agrees
with the model, the fitted Preprocessor and the spec. A model made elsewhere loads as a
plain Keras model with notes saying so.

Example:
    loaded = load_model_safely(raw, "iris_20261123-0912.keras")
    loaded.preprocessor.encode(rows)  # → what loaded.model takes

No Streamlit here.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras

from gui.core.data.preprocess import Preprocessor, encoded_names
from gui.core.saving.export import (
    FORMAT,
    FORMAT_VERSION,
    H5_ATTRIBUTE,
    METADATA_ENTRY,
    metadata,
)
from gui.core.saving.model_check import (
    HDF5_SIGNATURE,
    ZIP_SIGNATURE,
    ModelFileError,
    h5_text,
    inspect_model_file,
    read_json_member,
)
from gui.core.saving.raw_model import NETWORK, RAW_FORM, network_of
from gui.core.spec.schema import ExperimentSpec, SpecError

PINNED_KERAS = (3, 15, 1)         # earlier Keras 3 releases have model-loading CVEs


@dataclass
class LoadedModel:
    """A model ready to predict, with the LayerLab metadata when it has some.

    Args:
        model: the Keras model LayerLab calls: it takes encoded rows (Preprocessor.encode)
            and returns target units or class probabilities.
        raw_model: the file's own model when it takes the raw columns (a LayerLab download,
            raw_model.py); `model` is then the network inside it.
        meta: the LayerLab metadata dict, or None for a model made elsewhere.
        source: where it came from (a file name, or "this session's training").
        kind: "keras", "h5", "bundle" or "session".
        compiled: whether the model came with its compile settings (an .h5 never does here).
        notes: things the user should know about this model (shown as captions).
        training_notes: what training it further would do differently (said where it can be
            trained further, not beside a prediction alone).
    """

    model: Any
    raw_model: Any = None
    meta: dict | None = None
    source: str = ""
    kind: str = "keras"
    compiled: bool = True
    notes: list[str] = field(default_factory=list)
    training_notes: list[str] = field(default_factory=list)
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
            return read_json_member(zf, METADATA_ENTRY, name)
        if "model.keras" in names:
            inner = read_metadata(zf.read("model.keras"), name)
            if inner is not None:
                return inner
            if {"spec.json", "preprocessing.json"} <= names:
                prep = read_json_member(zf, "preprocessing.json", name)
                spec = read_json_member(zf, "spec.json", name)
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
            text = h5_text(f.attrs[H5_ATTRIBUTE])
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
    prep.encoded_names_ = encoded_names(prep.numeric_, prep.text_, prep.categories_)
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
    training: list[str] = []
    if kind == "h5":
        training.append("Loaded from .h5 without its optimizer state (Keras cannot restore "
                        "it from .h5); continuing to train starts a fresh optimizer.")
    compiled = compile and bool(getattr(model, "compiled", False))
    if compile and not compiled:
        training.append("The file has no compile settings (loss, optimizer); continuing to "
                        "train compiles it afresh.")
    out = LoadedModel(model=model, source=name, kind=kind, compiled=compiled, notes=notes,
                      training_notes=training)
    try:
        meta = read_metadata(raw, name)
    except (ModelFileError, OSError, ValueError, KeyError, zipfile.BadZipFile):
        meta = None
        notes.append("Its LayerLab details could not be read; it is used as a plain Keras "
                     "model.")
    if isinstance(meta, dict) and meta.get("input_form") == RAW_FORM:
        try:
            out.raw_model, out.model = model, network_of(model)
        except ValueError:
            raise ModelFileError(f"'{name}' says it takes the raw columns but has no "
                                 f"'{NETWORK}' inside it; it is damaged.") from None
        model = out.model
    input_width(model)
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


def load_run_model(path: Path):
    """(model, Preprocessor, spec) from a run's .keras file, which LayerLab saved itself:
    compiled with its optimizer state, in training units (see build.with_unscaled_output)."""
    raw = path.read_bytes()
    model = _load_with_keras(raw, "keras", True, path.name)
    prep, spec = _parse_metadata(read_metadata(raw, path.name), model)
    return model, prep, spec
