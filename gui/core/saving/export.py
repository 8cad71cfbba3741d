"""Save a trained model with everything it needs: .keras / .h5 files, charts, the bundle.

A LayerLab model file is a plain Keras file plus one JSON document (`layerlab.json`): the
spec, the fitted preprocessing (imputation, one-hot categories), the feature names and
order, the class names. In a `.keras` file it is an extra entry in the zip (Keras ignores
it: `keras.models.load_model` still loads the file); in an `.h5` file it is a root attribute.
The downloadable `.keras` (`save_raw_keras_bytes`) takes the raw columns, one input each,
with the preprocessing inside it (raw_model.py). `bundle_bytes` adds the
spec, the preprocessing, the training script, the history and a README in one .zip.
Loading (load.py) and checking uploads (model_check.py) live beside this module.

Example:
    meta = metadata(spec, prepared.preprocessor)
    raw = save_raw_keras_bytes(deploy_model, spec, prepared.preprocessor)  # raw columns in
    bundle = bundle_bytes(deploy_model, spec, prepared.preprocessor, history)
    file_name = f"{file_stem(spec.data.source)}.keras"  # 'iris_20261123-0912.keras'

No Streamlit here.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import re
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import keras

from gui.core.data.formats.number_text import read_numbers
from gui.core.data.preprocess import Preprocessor, plain
from gui.core.saving.raw_model import (
    RAW_FORM,
    TEXT,
    column_kinds,
    compiled_like,
    describe_inputs,
    raw_input_model,
)
from gui.core.spec.names import safe_name
from gui.core.spec.schema import ExperimentSpec

FORMAT = "layerlab-model"
FORMAT_VERSION = 2                # 2: the downloaded .keras takes the raw columns (raw_model)
METADATA_ENTRY = "layerlab.json"  # the extra member of a .keras zip
H5_ATTRIBUTE = "layerlab"         # the root attribute of an .h5 file
# How to call a downloaded .keras, in the metadata and on Evaluate (the README shows the code).
HOW_TO_CALL = ("The downloaded .keras takes the raw columns, one named input each: "
               "keras.models.load_model(file).predict({column: values}), with one NumPy array "
               "per column: text as Python str in an array of dtype=object (\"\" when "
               "missing; Keras' predict refuses a fixed-width '<U' string array), numbers as "
               "float32 (NaN when missing). Read the rows as LayerLab does: with the file's own "
               "separator, a space after it not part of a value, and numbers written as text "
               "(\"1,234\", \"12%\", \"$1,200\", a decimal comma) read as numbers, which "
               "pandas.read_csv alone leaves as text. Missing values are filled, text is "
               "one-hot encoded and numbers are scaled inside the model; the bundle's "
               "README.md and the model card have the lines to copy, LayerLab's own "
               "read_numbers with them.")


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


def run_stem(source: str, run_name: str) -> str:
    """'penguins.csv', 'Run 3' → 'penguins-run-3': downloads of a run carry its name.

        >>> run_stem("penguins.csv", "Run 3")
        'penguins-run-3'
    """
    run = re.sub(r"[^a-z0-9]+", "-", str(run_name).lower()).strip("-")[:40] or "run"
    return f"{safe_name(Path(source or 'layerlab').stem)}-{run}"


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


def raw_metadata(spec: ExperimentSpec, prep: Preprocessor) -> dict:
    """`metadata` of a model that takes the raw columns: how to call it, input by input."""
    return {**metadata(spec, prep), "input_form": RAW_FORM,
            "inputs": describe_inputs(prep),
            "how_to_call": HOW_TO_CALL}


def save_raw_keras_bytes(deploy: keras.Model, spec: ExperimentSpec, prep: Preprocessor) -> bytes:
    """The downloadable .keras: `deploy` behind one input per raw column (raw_model.py),
    compiled like `deploy`, with its metadata. For a number whose target was standardised,
    `deploy` is the trained network plus its un-scaling layer, never compiled: the file has
    no compile settings, and training on compiles it afresh (load.py says so)."""
    model = compiled_like(raw_input_model(deploy, prep), deploy)
    return save_keras_bytes(model, raw_metadata(spec, prep))


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


CALL_CODE = """import csv
import io

import keras
import numpy as np
import pandas as pd

TEXT = {text!r}  # Python str, "" when missing
NUMBERS = {numbers!r}  # float32, NaN when missing


READ_NUMBERS_HERE

model = keras.models.load_model("model.keras")
# raw rows with the training file's columns, read as LayerLab reads a file: its own
# separator, a space after it not part of a value, and numbers written as text
# ("1,234", "12%", "$1,200"; "1.234,5" in a file not separated by commas) as numbers
raw = open("rows.csv", "rb").read()
for encoding in ("utf-8-sig", "cp1252", "latin-1"):  # Excel on Windows writes cp1252
    try:
        text = raw.decode(encoding)
        break
    except UnicodeDecodeError:
        continue
try:
    sep = csv.Sniffer().sniff(text[:20_000], delimiters=",;\\t|").delimiter
except csv.Error:  # a single column: every line is one value ("3.221,11" too)
    sep = "\\x1f"
rows = pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=True, dtype=str,
                   index_col=False)


def model_inputs(rows):
    \"\"\"The rows as the model's inputs take them: one array per column.\"\"\"
    inputs = {{c: np.array(["" if pd.isna(v) else str(v) for v in rows[c]], dtype=object)
              for c in TEXT}}
    inputs.update({{c: read_numbers(rows[c], sep != ",").to_numpy("float32")
                   for c in NUMBERS}})
    return inputs


outputs = model.predict(model_inputs(rows), verbose=0)
{decode}
"""


README_TEMPLATE = """# {stem}

A Keras model trained with LayerLab on {source} to predict {target} ({task}).

| file | what it is |
|---|---|
| `model.keras` | the trained Keras model: it takes the raw columns, preprocessing inside |
| `spec.json` | the whole experiment (data choices, layers, compile and fit settings, seed) |
| `preprocessing.json` | the fitted preprocessing: feature order, fills, text categories |
| `train.py` | a Python script that rebuilds and retrains the model from the data file |
| `history.csv` | loss and metrics per epoch |
{card_row}
## Load and predict

`model.keras` takes the raw columns, one named input per column: {inputs}. Missing values
are filled inside it as in training, text is looked up and one-hot encoded inside it (a
value it never saw counts as none of the known ones), and the numbers are scaled inside
it{unscale}. Loading and calling it needs only Keras (with TensorFlow), not LayerLab:

```python
{code}```

{outputs}
Keras cannot take a DataFrame with text in it directly (`model.predict(dict(rows))` stops
at "Invalid dtype"), which is why `model_inputs` makes one plain array per column.
"""


def call_code(prep: Preprocessor) -> str:
    """The Python lines that load the downloaded model.keras and predict raw rows.csv with
    only Keras, NumPy and pandas (the bundle's README and the model card show them)."""
    classes = [str(c) for c in prep.classes_]
    if prep.task == "regression":
        decode = "predictions = outputs[:, 0]"
    elif prep.task == "binary":
        decode = (f"classes = {classes!r}\n"
                  "labels = [classes[int(p >= 0.5)] for p in outputs[:, 0]]  # threshold 0.5")
    else:
        decode = (f"classes = {classes!r}\n"
                  "labels = [classes[i] for i in outputs.argmax(axis=1)]")
    kinds = column_kinds(prep)
    return CALL_CODE.format(text=[str(c) for c, k in kinds.items() if k == TEXT],
                            numbers=[str(c) for c, k in kinds.items() if k != TEXT],
                            decode=decode).replace("READ_NUMBERS_HERE\n",
                                                   inspect.getsource(read_numbers) + "\n")


def outputs_sentence(prep: Preprocessor, target: str) -> str:
    """What the model's outputs are, in words."""
    classes = [str(c) for c in prep.classes_]
    if prep.task == "regression":
        return f"Output: one number per row, {code_span(target)} in its own units."
    if prep.task == "binary":
        return (f"Output: the probability of class {code_span(classes[-1])} (the other "
                f"class is {code_span(classes[0])}).")
    return (f"Output: one probability per class, in this order: "
            f"{', '.join(map(code_span, classes))}.")


def readme(spec: ExperimentSpec, prep: Preprocessor, stem: str, card: bool = False) -> str:
    """The bundle's README.md: what each file is and how to call the model."""
    unscale = (", and a final Rescaling layer returns the target in its own units"
               if prep.task == "regression" and prep.target_range_ != 1.0 else "")
    return README_TEMPLATE.format(
        stem=stem, source=code_span(spec.data.source or "the training file"),
        target=code_span(spec.data.target), task=prep.task,
        inputs=", ".join(map(code_span, prep.feature_names_)), code=call_code(prep),
        outputs=outputs_sentence(prep, spec.data.target), unscale=unscale,
        card_row="| `model_card.md` | what the model predicts, from which data, how well, its "
                 "limits |\n" if card else "")


def bundle_bytes(model: keras.Model, spec: ExperimentSpec, prep: Preprocessor,
                 history: dict | None = None, script: str | None = None,
                 stem: str | None = None, card: str | None = None) -> bytes:
    """A .zip of model.keras (with metadata), spec.json, preprocessing.json, train.py,
    history.csv, model_card.md and README.md — everything needed to use or rebuild the
    model."""
    stem = stem or file_stem(spec.data.source)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.keras", save_raw_keras_bytes(model, spec, prep))
        zf.writestr("spec.json", spec.to_json())
        zf.writestr("preprocessing.json", _dumps(prep.to_dict()))
        if script:
            zf.writestr("train.py", script)
        if history:
            zf.writestr("history.csv", history_csv(history))
        if card:
            zf.writestr("model_card.md", card)
        zf.writestr("README.md", readme(spec, prep, stem, card=bool(card)))
    return out.getvalue()
