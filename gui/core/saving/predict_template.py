"""Predict raw rows with this exported model: python predict.py rows.csv [out.csv]

Written by LayerLab next to the model file and preprocessing.json. It needs only this
format's runtime, NumPy and pandas (README.md says which); neither TensorFlow nor LayerLab.
The rows are encoded as in training (preprocessing.json: missing values filled, text
one-hot encoded; the scaling is inside the model), and every input column comes back with
the prediction columns that LayerLab's own predictions have. Without out.csv the result
is written to rows_predictions.csv beside rows.csv; "-" writes it to standard output.
"""

import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

FORMAT = "onnx"  # the model file beside this script: onnx, litert or savedmodel
HERE = Path(__file__).resolve().parent
FLOAT32_MAX = float(np.finfo(np.float32).max)


def load_model():
    """A function: encoded rows (float32, rows × inputs) → the model's outputs."""
    if FORMAT == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(HERE / "model.onnx"),
                                               providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        return lambda x: session.run(None, {name: x})[0]
    if FORMAT == "litert":
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_path=str(HERE / "model.tflite"))
        given, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]

        def run(x):
            interpreter.resize_tensor_input(given["index"], list(x.shape))
            interpreter.allocate_tensors()
            interpreter.set_tensor(given["index"], x)
            interpreter.invoke()
            return interpreter.get_tensor(out["index"])
        return run
    import tensorflow as tf

    model = tf.saved_model.load(str(HERE / "saved_model"))
    return lambda x: model.serve(tf.constant(x)).numpy()


def read_rows(path: Path, needs=()) -> tuple[pd.DataFrame, bool]:
    """(the rows, whether their numbers may have a decimal comma) of a CSV/TSV/TXT (its
    encoding and delimiter detected, as LayerLab reads them), .xlsx (openpyxl: the first
    sheet that has the columns the model `needs`) or .parquet (pyarrow) file. A file not
    separated by commas may write 1.5 as "1,5"."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        sheets = pd.read_excel(path, sheet_name=None)
        for name, rows in sheets.items():
            if set(needs) <= {str(c).strip() for c in rows.columns}:
                if name != next(iter(sheets)):
                    print(f"note: the sheet '{name}' has the model's columns: it is the one "
                          "read.", file=sys.stderr)
                return rows, False
        return next(iter(sheets.values())), False
    if suffix == ".parquet":
        return pd.read_parquet(path), False
    raw = path.read_bytes()
    for encoding in ("utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig",
                     "cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    lines = text[:65536].splitlines()[:50]
    counts = {sep: min(line.count(sep) for line in lines if line.strip())
              for sep in (",", ";", "\t", "|")} if any(x.strip() for x in lines) else {}
    sep = max(counts, key=counts.get) if counts and max(counts.values()) > 0 else ","
    try:  # index_col=False: a row that ends with the separator keeps its columns in place
        rows = pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=True, index_col=False)
    except pd.errors.EmptyDataError:
        sys.exit(f"{path} is empty: it needs a header row and rows to predict.")
    return rows, sep != ","


def code_text(values: pd.Series) -> pd.Series:
    # LayerLab puts its own function here
    raise NotImplementedError("export.py writes preprocess.code_text here")


def read_numbers(values: pd.Series, decimal_comma: bool = False) -> pd.Series:
    # LayerLab puts its own function here
    raise NotImplementedError("export.py writes number_text.read_numbers here")


def encode(prep: dict, rows: pd.DataFrame, decimal_comma: bool = False) -> np.ndarray:
    """Raw rows → the float32 table the model takes (preprocessing.json's recipe)."""
    missing = [c for c in prep["feature_names"] if c not in rows.columns]
    if missing:
        near = {c: next((str(o) for o in rows.columns
                         if str(o).strip().lower() == c.strip().lower()), None) for c in missing}
        hint = "".join(f" The file has '{o}': rename it '{c}'." for c, o in near.items() if o)
        sys.exit(f"Missing column(s): {', '.join(missing)}. The model needs these columns: "
                 f"{', '.join(prep['feature_names'])}.{hint}")
    numeric, text, fill = prep["numeric"], prep["text"], prep["fill"]
    out = np.zeros((len(rows), len(prep["encoded_names"])), dtype=np.float32)
    for i, col in enumerate(numeric):
        values = read_numbers(rows[col], decimal_comma)
        bad = int((values.isna() & rows[col].notna()).sum())
        if bad:
            print(f"note: column '{col}': {bad} value(s) that are not numbers count as "
                  "missing.", file=sys.stderr)
        values = values.to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(values) & (np.abs(values) <= FLOAT32_MAX)
        out[:, i] = np.where(ok, values, fill[col])
    at = len(numeric)
    for col in text:
        codes = col in prep["data"]["categorical"] or pd.api.types.is_numeric_dtype(rows[col])
        values = code_text(rows[col]) if codes else rows[col]  # 3.0 is the category "3"
        empty = values.isna() | (values.astype(object) == "")
        values = values.astype(object).where(~empty, fill[col]).astype(str)
        cats = prep["categories"][col]
        unseen = sorted(set(values) - set(cats))
        if unseen:
            print(f"note: column '{col}': value(s) {', '.join(map(repr, unseen[:5]))} were not "
                  "seen in training; they count as none of the known values.", file=sys.stderr)
        out[:, at:at + len(cats)] = values.to_numpy()[:, None] == np.array(cats, object)[None]
        at += len(cats)
    return out


def decode(prep: dict, outputs: np.ndarray, threshold: float = 0.5) -> dict:
    """Outputs → {column: values}: the target in its units, or class names and
    probabilities (the columns LayerLab's own predictions have)."""
    outputs = np.asarray(outputs, dtype=float).reshape(len(outputs), -1)
    target = f"predicted_{prep['data']['target']}"
    if prep["task"] == "regression":
        return {target: outputs[:, 0]}
    classes = prep["classes"]
    if outputs.shape[1] == 1:  # a sigmoid: the probability of the second class
        p = np.clip(outputs[:, 0], 0.0, 1.0)
        proba = np.column_stack([1 - p, p])
        index = (proba[:, 1] >= threshold).astype(int)
    else:
        proba = outputs[:, :len(classes)]
        index = proba.argmax(axis=1)
    # the index's column: predicted_label, unless the target's names are there (a target
    # called "label" in any case), as gui.core.spec.vocabulary.index_column names it
    label = ("predicted_label" if target.lower() != "predicted_label"
             else "predicted_label_index")
    columns = {target: [classes[i] for i in index], label: index}
    columns.update({f"probability_{c}": proba[:, i] for i, c in enumerate(classes)})
    return columns


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help"):
        sys.exit("Usage: python predict.py rows.csv [out.csv]  (rows: the training file's "
                 "columns; out.csv defaults to rows_predictions.csv, '-' prints it)")
    source = Path(argv[0])
    if not source.is_file():
        sys.exit(f"File not found: {source}. Pass the rows to predict, e.g. "
                 "python predict.py rows.csv")
    prep = json.loads((HERE / "preprocessing.json").read_text(encoding="utf-8"))
    rows, decimal_comma = read_rows(source, prep["feature_names"])
    if len(rows) == 0:
        sys.exit(f"{source} has no rows to predict.")
    rows.columns = [str(c).strip() for c in rows.columns]
    outputs = load_model()(encode(prep, rows, decimal_comma))
    table = rows.reset_index(drop=True)
    for name, values in decode(prep, outputs).items():
        table[name] = values
    target = argv[1] if len(argv) > 1 else str(source.with_name(f"{source.stem}_predictions.csv"))
    if target == "-":
        table.to_csv(sys.stdout, index=False)
        return
    if not Path(target).parent.is_dir():
        sys.exit(f"The folder of {target} does not exist: create it, or name another file.")
    table.to_csv(target, index=False)
    print(f"Wrote {len(table)} row(s) with their predictions to {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
