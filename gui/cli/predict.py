"""`python -m gui predict`: predictions for new rows in the data's units and class names."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from gui.cli.common import (
    CLIError,
    quiet_stderr,
)
from gui.core.inspection import new_rows, safe_csv


def add_predict(subparsers) -> None:
    p = subparsers.add_parser(
        "predict", help="predict the rows of a data file with a saved model",
        description="Predict the rows of a data file (CSV/TSV/TXT, .xlsx or .parquet, read as "
                    "the Data page reads them) with a .keras / .h5 model or a LayerLab bundle "
                    ".zip, as the predict page does: the file is checked before it is loaded "
                    "(safe mode), and the rows come back, every column, with their "
                    "predictions.")
    p.add_argument("model", help="model file: .keras, .h5 or a LayerLab bundle .zip")
    p.add_argument("--data", required=True,
                   help="rows to predict: .csv, .tsv, .txt, .xlsx or .parquet")
    p.add_argument("--sheet", default="",
                   help="the sheet of an .xlsx (default: the first that holds the model's "
                        "columns)")
    p.add_argument("--out", default="-", help="file to write the rows with their predictions "
                                              "to: .csv, or .xlsx for a workbook (default: "
                                              "CSV on standard output)")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="decision threshold of a binary classifier (default 0.5)")
    p.set_defaults(func=run_predict)


def run_predict(args) -> int:
    model_file, rows_file = Path(args.model), Path(args.data)
    for file, what in ((model_file, "model file"), (rows_file, "file")):
        if not file.is_file():
            raise CLIError(f"{what} not found: {file}")
    if args.out != "-" and Path(args.out).suffix.lower() not in (".csv", ".xlsx"):
        raise CLIError(f"--out writes a .csv or an .xlsx file (or - for the screen); received "
                       f"{args.out}. Name the file with one of those endings.")
    if not 0.0 <= args.threshold <= 1.0:
        raise CLIError(f"--threshold must be between 0 and 1; received {args.threshold}.")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        raw_model, raw_rows = model_file.read_bytes(), rows_file.read_bytes()
    except OSError as exc:
        raise CLIError(f"cannot read {exc.filename}: {exc.strerror or exc}") from None
    with quiet_stderr():
        from gui.core.inspection import predict
        from gui.core.saving import load, model_check
    try:
        with quiet_stderr():
            loaded = load.load_model_safely(raw_model, model_file.name)
        rows = new_rows.read_rows(raw_rows, rows_file.name, sheet=args.sheet,
                                  needs=loaded.feature_names if loaded.has_metadata else ())
        with quiet_stderr():
            result = predict.predict_rows(loaded, rows.frame, threshold=args.threshold)
    except (model_check.ModelFileError, predict.PredictError) as exc:
        raise CLIError(str(exc)) from None
    if args.threshold != 0.5 and loaded.task != "binary":
        kind = {"regression": "predicts a number", "multiclass": "picks one of several "
                "classes"}.get(loaded.task, "has no LayerLab details")
        print(f"note: --threshold applies to a binary classifier only; this model {kind}, so "
              "it is not used.", file=sys.stderr)
    for note in rows.warnings + loaded.notes + result.notes:
        print(f"note: {note}", file=sys.stderr)
    xlsx = args.out != "-" and Path(args.out).suffix.lower() == ".xlsx"
    data = (safe_csv.safe_xlsx_bytes if xlsx else safe_csv.safe_csv_bytes)(result.table)
    if args.out == "-":
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
        return 0
    try:
        Path(args.out).write_bytes(data)
    except OSError as exc:
        raise CLIError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"Wrote {len(result.table)} row(s) with {', '.join(result.columns)} to {args.out}")
    return 0
