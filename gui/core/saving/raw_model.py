"""The downloadable model: one named input per raw column, the preprocessing inside it.

LayerLab trains a network on encoded rows (Preprocessor.encode: missing values filled,
text one-hot encoded; the scaling is already the network's first layer). `raw_input_model`
wraps that network in a Keras functional model that takes the raw columns, the way Keras'
own structured-data examples do (one `keras.Input` per column, preprocessing layers
inside), built from stock Keras layers and ops only, so `safe_mode=True` loads it and
nothing but Keras is needed to call it:

- a number column: a float32 input; a missing (NaN), infinite or too large value becomes
  the training fill value (Isfinite / Where), exactly as Preprocessor.encode does;
- a numeric column treated as categories (codes 1/2/3): a float32 input, compared with each
  known code (Equal); a missing code is the most frequent one;
- a text column: a string input, one-hot encoded by a StringLookup whose vocabulary is the
  training categories; an empty string is the most frequent one (missing), an unseen value
  none of them. A fixed, non-trainable Dense drops StringLookup's out-of-vocabulary slot.

The inputs are concatenated in the network's input order (`encoded_names_`) and fed to the
network, a nested layer named NETWORK that load.py takes back out for LayerLab's own use.
`model_inputs` turns a DataFrame into the dict the model takes; the bundle README carries
the same few lines for people without LayerLab.

Example:
    raw = raw_input_model(deploy, prep)
    raw.predict(model_inputs(prep, frame))   # == deploy.predict(prep.encode(frame))

No Streamlit here.
"""

from __future__ import annotations

import re
import warnings

import keras
import numpy as np
import pandas as pd

from gui.core.data.preprocess import Preprocessor

NETWORK = "network"          # the nested network (encoded inputs) inside the raw-input model
RAW_FORM = "raw-columns"     # metadata "input_form" of a model that takes the raw columns
NUMBER, CODE, TEXT = "number", "code", "text"
OP_NAMES = re.compile(r"^(isfinite|where|equal|cast)(_\d+)?$")  # the ops used below


def column_kinds(prep: Preprocessor) -> dict[str, str]:
    """{column: "number" | "code" | "text"} in the network's input order."""
    kinds = {c: NUMBER for c in prep.numeric_}
    for col in prep.text_:
        kinds[col] = CODE if col in prep.spec.categorical and _codes(prep, col) else TEXT
    return kinds


def _codes(prep: Preprocessor, col: str) -> list[float] | None:
    """The categories of a numeric-coded column as numbers (None if one is not a number)."""
    try:
        return [float(c) for c in [*prep.categories_[col], prep.fill_[col]]]
    except (TypeError, ValueError):
        return None


def input_names(prep: Preprocessor) -> dict[str, str]:
    """{column: Keras input name}: the column name itself where Keras allows it."""
    names: dict[str, str] = {}
    taken = {NETWORK, "layerlab_numbers", "layerlab_encoded"}  # the model's own layers
    for i in range(1, len(prep.text_) + 1):
        taken |= {f"layerlab_lookup_{i}", f"layerlab_categories_{i}"}
    for col in prep.feature_names_:
        name = str(col).replace("/", "_") or "column"
        if OP_NAMES.match(name):  # Keras names the ops' nodes so: 'where', 'where_2'
            name = f"{name}_column"
        base, i = name, 2
        while name in taken:
            name, i = f"{base}_{i}", i + 1
        taken.add(name)
        names[col] = name
    return names


def describe_inputs(prep: Preprocessor) -> list[dict]:
    """What the metadata says about each input: column, Keras name, dtype, kind."""
    names = input_names(prep)
    return [{"column": col, "name": names[col], "kind": kind,
             "dtype": "string" if kind == TEXT else "float32"}
            for col, kind in column_kinds(prep).items()]


def raw_input_model(network: keras.Model, prep: Preprocessor) -> keras.Model:
    """`network` (it takes prep.encode's rows) behind one input per raw column."""
    kinds = column_kinds(prep)
    names = input_names(prep)
    inputs = {col: keras.Input(shape=(1,), name=names[col],
                               dtype="string" if kind == TEXT else "float32")
              for col, kind in kinds.items()}
    parts = []
    if prep.numeric_:
        numbers = [inputs[c] for c in prep.numeric_]
        x = numbers[0] if len(numbers) == 1 else keras.layers.Concatenate(
            name="layerlab_numbers")(numbers)
        fill = np.array([[prep.fill_[c] for c in prep.numeric_]], dtype=np.float32)
        # float32 input: a value too large for float32 arrives as inf, so isfinite is the
        # whole of encode's test (NaN, inf, |x| > FLOAT32_MAX)
        parts.append(keras.ops.where(keras.ops.isfinite(x), x, fill))
    for i, col in enumerate(prep.text_, start=1):
        parts.append(_code_one_hot(inputs[col], prep, col) if kinds[col] == CODE
                     else _text_one_hot(inputs[col], prep, col, i))
    encoded = parts[0] if len(parts) == 1 else keras.layers.Concatenate(
        name="layerlab_encoded")(parts)
    name = f"{network.name}_raw_columns"
    network = keras.Sequential([keras.Input(shape=(prep.n_inputs,)), *network.layers],
                               name=NETWORK)
    with warnings.catch_warnings():  # a key that Keras could not take as a name ('a/b')
        warnings.simplefilter("ignore", UserWarning)
        return keras.Model(inputs, network(encoded), name=name)


def _code_one_hot(x, prep: Preprocessor, col: str):
    """A numeric-coded category → one-hot, comparing float32 codes; missing → the fill."""
    codes = _codes(prep, col)
    fill = np.float32(codes[-1])
    known = np.array([codes[:-1]], dtype=np.float32)
    x = keras.ops.where(keras.ops.isfinite(x), x, fill)
    return keras.ops.cast(keras.ops.equal(x, known), "float32")


def _text_one_hot(x, prep: Preprocessor, col: str, index: int):
    """A text column → one-hot over the training categories; "" (missing) → the fill."""
    cats = [str(c) for c in prep.categories_[col]]
    vocabulary = cats + ([""] if "" not in cats else [])
    lookup = keras.layers.StringLookup(vocabulary=vocabulary, num_oov_indices=1,
                                       output_mode="one_hot", name=f"layerlab_lookup_{index}")
    # row 0: out of vocabulary → no category; row 1 + j: category j; "" → the fill
    select = np.zeros((len(vocabulary) + 1, len(cats)), dtype=np.float32)
    select[np.arange(1, len(cats) + 1), np.arange(len(cats))] = 1.0
    if "" not in cats:
        select[-1, cats.index(str(prep.fill_[col]))] = 1.0
    dense = keras.layers.Dense(len(cats), use_bias=False, trainable=False,
                               name=f"layerlab_categories_{index}")
    out = dense(lookup(x))
    dense.set_weights([select])
    return out


def model_inputs(prep: Preprocessor, rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """A DataFrame of raw rows → the dict `raw_input_model` takes (what the README shows):
    text as Python strings with "" for a missing value, everything else as float32 with NaN
    for a missing or non-numeric value."""
    out = {}
    for col, kind in column_kinds(prep).items():
        values = rows[col]
        if kind == TEXT:
            out[col] = np.array(["" if pd.isna(v) else str(v) for v in values], dtype=object)
        else:
            out[col] = pd.to_numeric(values, errors="coerce").to_numpy("float32")
    return out


def compiled_like(target: keras.Model, source: keras.Model) -> keras.Model:
    """`target` compiled with `source`'s loss, metrics and optimizer object (its state kept:
    the two share their trainable weights); `target` unchanged when `source` is not
    compiled."""
    config = getattr(source, "_compile_config", None)
    if config is None or getattr(source, "optimizer", None) is None:
        return target
    target.compile(**{**config.config, "optimizer": source.optimizer})
    return target


def network_of(model: keras.Model) -> keras.Model:
    """The network inside a raw-input model (it takes encoded rows), compiled like it."""
    return compiled_like(model.get_layer(NETWORK), model)
