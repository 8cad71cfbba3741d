"""Save a trained model with everything it needs: .keras / .h5 files, charts, the bundle.

A LayerLab model file is a plain Keras file plus one JSON document (`layerlab.json`): the
spec, the fitted preprocessing (imputation, one-hot categories), the feature names and
order, the class names. In a `.keras` file it is an extra entry in the zip (Keras ignores
it: `keras.models.load_model` still loads the file); in an `.h5` file it is a root attribute.
So the saved file alone is enough to predict from raw CSV rows. `bundle_bytes` adds the
spec, the preprocessing, the training script, the history and a README in one .zip.
Loading (load.py) and checking uploads (model_check.py) live beside this module.

Example:
    meta = metadata(spec, prepared.preprocessor)
    raw = save_keras_bytes(deploy_model, meta)
    bundle = bundle_bytes(deploy_model, spec, prepared.preprocessor, history)
    file_name = f"{file_stem(spec.data.source)}.keras"  # 'iris_20261123-0912.keras'

No Streamlit here.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import keras

from gui.core.data.preprocess import Preprocessor, plain
from gui.core.spec.names import safe_name
from gui.core.spec.schema import ExperimentSpec

FORMAT = "layerlab-model"
FORMAT_VERSION = 1
METADATA_ENTRY = "layerlab.json"  # the extra member of a .keras zip
H5_ATTRIBUTE = "layerlab"         # the root attribute of an .h5 file


# ---- names ---------------------------------------------------------------------------------

def code_span(name) -> str:
    """`name` as a Markdown code span, shown literally: a fence longer than any run of
    backticks in it (CommonMark), on one line."""
    text = str(name).replace("\n", " ").replace("\r", " ")
    fence = "`" * (max((len(r) for r in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def file_stem(source: str, when: datetime | None = None) -> str:
    """'iris.csv' → 'iris_20261123-0912': the dataset's name and the time, safe as a file name."""
    base = safe_name(Path(source or "layerlab").stem)
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
        "class_names": [plain(c) for c in prep.classes_],
        "preprocessing": prep.to_dict(),
        "spec": spec.to_dict(),
    }


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=plain) + "\n"


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

A Keras model trained with LayerLab on {source} to predict {target} ({task}).

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
        values = rows[col].astype(object)
        if col in prep["data"]["categorical"]:  # numbers treated as categories: 3.0 is "3"
            numbers = pd.to_numeric(values, errors="coerce")
            whole = numbers.notna() & (numbers % 1 == 0)
            values = values.where(values.isna(), values.astype(str))
            values[whole] = numbers[whole].astype("int64").astype(str)
        values = values.where(values.notna(), prep["fill"][col])
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
        outputs = f"Output: one number per row, {code_span(spec.data.target)} in its own units."
        decode = "predictions = outputs[:, 0]"
    elif prep.task == "binary":
        outputs = (f"Output: the probability of class {code_span(classes[-1])} (the other "
                   f"class is {code_span(classes[0])}).")
        decode = (f"classes = {classes!r}\n"
                  "labels = [classes[int(p >= 0.5)] for p in outputs[:, 0]]  # threshold 0.5")
    else:
        outputs = (f"Output: one probability per class, in this order: "
                   f"{', '.join(map(code_span, classes))}.")
        decode = (f"classes = {classes!r}\n"
                  "labels = [classes[i] for i in outputs.argmax(axis=1)]")
    numeric_note = ""
    if not prep.text_ and prep.spec.missing == "drop":
        numeric_note = ("All inputs are numeric, so for rows without missing values "
                        "`model.predict(rows[features].to_numpy('float32'))` with "
                        f"{code_span(f'features = {list(prep.feature_names_)!r}')} is the same "
                        "thing.\n")
    unscale = (", and a final Rescaling layer returns the target in its own units"
               if prep.task == "regression" and prep.target_range_ != 1.0 else "")
    return README_TEMPLATE.format(
        stem=stem, source=code_span(spec.data.source or "the training CSV"),
        target=code_span(spec.data.target), task=prep.task,
        inputs=", ".join(map(code_span, prep.feature_names_)),
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
