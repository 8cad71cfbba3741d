"""The model for other runtimes: ONNX, LiteRT (.tflite) and a TensorFlow SavedModel.

Each export is a folder (a .zip for a download) with the model file, `preprocessing.json`
(the fitted encoder, as data), `predict.py` (predict_template.py, set to the format: it needs
only that runtime, NumPy and pandas) and a README. The model in it is the deployable
network: it takes the encoded rows (missing values filled, text one-hot encoded) and
returns the target's units or the class probabilities; those formats cannot hold the text
lookup of the raw-column .keras (raw_model.py), so predict.py encodes the rows itself.

Keras' own `model.export(path, format=...)` writes each file, from `portable_network`: the
same layers, with a Normalization's fitted mean and variance as constants of the graph
(tf2onnx would otherwise ask for them as extra inputs).

Example:
    files = export_files(deploy, prep, "onnx")       # {"model.onnx": b"...", ...}
    download = export_zip(deploy, prep, "litert")     # a .zip of the same files
    write_export(deploy, prep, "savedmodel", Path("out"))

No Streamlit here.
"""

from __future__ import annotations

import functools
import inspect
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from gui.core.data.formats.number_text import read_numbers
from gui.core.data.preprocess import Preprocessor, code_text
from gui.core.saving.export import _dumps
from gui.core.spec.vocabulary import index_column

TEMPLATE = Path(__file__).with_name("predict_template.py")
# The template's stand-ins for LayerLab's own functions, which predict_script writes in: each
# function's own first line, then a line that says so and one that raises
STUBS = {function: (inspect.getsource(function).split("\n", 1)[0] + "\n    # LayerLab puts its "
                    "own function here\n    raise NotImplementedError(\"export.py writes "
                    f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__} here\")\n")
         for function in (code_text, read_numbers)}


@dataclass(frozen=True)
class ModelFormat:
    """One export format: its label, the model's name in the folder, Keras' export name,
    and the packages predict.py needs."""

    label: str
    model_file: str
    keras_format: str
    runtime: str
    needs: str


FORMATS = {
    "onnx": ModelFormat("ONNX", "model.onnx", "onnx", "onnxruntime",
                        "onnxruntime numpy pandas"),
    "litert": ModelFormat("LiteRT", "model.tflite", "litert",
                          "the LiteRT interpreter (ai-edge-litert)",
                          "ai-edge-litert numpy pandas"),
    "savedmodel": ModelFormat("TensorFlow SavedModel", "saved_model", "tf_saved_model",
                              "TensorFlow", "tensorflow numpy pandas"),
}


class ExportError(ValueError):
    """A model that cannot be exported in a format; the message says why."""


def portable_network(network: keras.Model) -> keras.Model:
    """`network` (a Sequential on encoded rows) as a functional model whose Normalization
    is written with constants: (x - mean) / max(sqrt(variance), epsilon), as Keras does."""
    inputs = keras.Input(shape=tuple(network.inputs[0].shape[1:]), name="features",
                         dtype="float32")
    x = inputs
    for layer in network.layers:
        if isinstance(layer, keras.layers.Normalization):
            mean = np.asarray(keras.ops.convert_to_numpy(layer.mean), np.float32)
            variance = np.asarray(keras.ops.convert_to_numpy(layer.variance), np.float32)
            scale = np.maximum(np.sqrt(variance), np.float32(keras.backend.epsilon()))
            x = keras.ops.divide(keras.ops.subtract(x, mean.reshape(1, -1)),
                                 scale.reshape(1, -1).astype(np.float32))
        else:
            x = layer(x)
    model = keras.Model(inputs, x, name=f"{network.name}_portable")
    model(np.zeros((1, *inputs.shape[1:]), np.float32))  # Keras exports called models only
    return model


@functools.cache
def _filled_template() -> str:
    """The template with LayerLab's code_text and read_numbers inside, made once per
    process from the code it runs (read again after a server's files were updated in
    place, the sources on disk would no longer match the functions loaded)."""
    source = TEMPLATE.read_text(encoding="utf-8")
    if any(stub not in source for stub in STUBS.values()) or 'FORMAT = "onnx"' not in source:
        raise RuntimeError("predict_template.py lost the lines export fills in")
    for function, stub in STUBS.items():
        source = source.replace(stub, inspect.getsource(function))
    return source


def predict_script(fmt: str) -> str:
    """predict.py for `fmt`: the template, its FORMAT set, LayerLab's code_text and
    read_numbers inside."""
    return _filled_template().replace('FORMAT = "onnx"', f'FORMAT = "{fmt}"', 1)


README = """# {label} export of a LayerLab model

| file | what it is |
|---|---|
| `{model_file}` | the trained network: it takes the encoded rows ({width} numbers per row) |
| `preprocessing.json` | the fitted encoder: feature order, fills, text categories, classes |
| `predict.py` | encodes raw rows as in training, runs the model, writes the predictions |

Predict raw rows (a CSV with the training file's columns: {features}) with only
{runtime}, NumPy and pandas installed:

```
pip install {needs}
python predict.py rows.csv
```

It writes `rows_predictions.csv`: every column of `rows.csv` followed by {outputs}
(`python predict.py rows.csv out.csv` chooses the file, `-` prints it). An `.xlsx` (its
first sheet with the model's columns) or `.parquet` file of rows works too, with openpyxl or
pyarrow installed. Missing values are
filled as in training; a text value the model never saw counts as none of the known ones.
"""


def readme(prep: Preprocessor, fmt: str) -> str:
    """The export's README.md."""
    target = f"predicted_{prep.spec.target}"
    if prep.task == "regression":
        outputs = f"`{target}` in the target's units"
    else:
        outputs = (f"`{target}` (the class name), `{index_column(prep.spec.target)}` (its "
                   "index) and one "
                   f"`probability_<class>` column per class "
                   f"({', '.join(str(c) for c in prep.classes_)})")
    info = FORMATS[fmt]
    return README.format(label=info.label, model_file=info.model_file, width=prep.n_inputs,
                         features=", ".join(map(str, prep.feature_names_)),
                         runtime=info.runtime, needs=info.needs, outputs=outputs)


def export_files(network: keras.Model, prep: Preprocessor, fmt: str) -> dict[str, bytes]:
    """{path in the folder: bytes} of the `fmt` export of `network` (encoded rows in)."""
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}.")
    info = FORMATS[fmt]
    files = {}
    with tempfile.TemporaryDirectory(prefix="layerlab-export-") as tmp:
        target = Path(tmp) / info.model_file
        try:
            portable_network(network).export(str(target), format=info.keras_format,
                                             verbose=False)
        except Exception as exc:  # a layer the converter has no op for, in its words
            raise ExportError(f"This model cannot be written as {info.label}: "
                              f"{' '.join(str(exc).split())[:300]}") from None
        for path in sorted(p for p in Path(tmp).rglob("*") if p.is_file()):
            files[path.relative_to(tmp).as_posix()] = path.read_bytes()
    files["preprocessing.json"] = _dumps(prep.to_dict()).encode()  # as in the bundle
    files["predict.py"] = predict_script(fmt).encode()
    files["README.md"] = readme(prep, fmt).encode()
    return files


def export_zip(network: keras.Model, prep: Preprocessor, fmt: str) -> bytes:
    """The `fmt` export as one .zip (a download)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in export_files(network, prep, fmt).items():
            zf.writestr(name, data)
    return out.getvalue()


def write_export(network: keras.Model, prep: Preprocessor, fmt: str, folder: Path,
                 ) -> list[Path]:
    """The `fmt` export written into `folder` (made if needed); the paths written."""
    written = []
    for name, data in export_files(network, prep, fmt).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written
