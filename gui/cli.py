"""LayerLab without the browser: the same core, driven from the command line.

    python -m gui train --data train.csv --target species --epochs 20 --out runs/iris
    python -m gui train --data train.csv --spec spec.json --test test.csv --out runs/life
    python -m gui predict runs/iris/model.keras --data rows.csv --out predictions.csv
    python -m gui export runs/iris/model.keras --format onnx --out iris-onnx

`train` reads the CSV exactly like the data page, trains with the spec (a spec JSON exported
from the GUI runs unchanged) or with the default network for the task, prints Keras' epoch
log and the test metrics, and writes model.keras, spec.json and preprocessing.json to --out.
Problems with the input end with exit status 1 and one line on stderr, never a traceback.

Each subcommand is one `add_<name>(subparsers)` function in SUBCOMMANDS that registers its
parser and sets `func`; adding a subcommand is writing such a function and listing it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from gui.core.data import data_ref
from gui.core.data.formats.loaded import DataError
from gui.core.data.formats.tables import read_table
from gui.core.inspection import new_rows, safe_csv
from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import DataSpec, ExperimentSpec, SpecError
from gui.core.spec.vocabulary import FAILED

PROG = "python -m gui"


class CLIError(Exception):
    """A problem the user can fix; main() prints it as one line and exits with status 1."""


# ---- helpers shared by subcommands ---------------------------------------------------------

def file_bytes(path: str) -> tuple[bytes, str]:
    """(the file's bytes, its name), or a CLIError in words."""
    file = Path(path)
    if not file.is_file():
        raise CLIError(f"file not found: {path}")
    try:
        return file.read_bytes(), file.name
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc.strerror or exc}") from None


def load_table(path: str, header: str = "auto", sheet: str = ""):
    """A data file (CSV, .xlsx, .parquet) through the same reader as the GUI's upload."""
    return read_table(*file_bytes(path), header=header, sheet=sheet)


def load_spec(path: str) -> ExperimentSpec:
    file = Path(path)
    if not file.is_file():
        raise CLIError(f"spec file not found: {path}")
    try:
        return ExperimentSpec.from_json(file.read_bytes())
    except SpecError as exc:
        raise CLIError(f"{path}: {exc}") from None


@contextlib.contextmanager
def quiet_stderr():
    """Silence C++ start-up notices (oneDNN, CUDA) that TensorFlow prints while importing."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def import_training():
    """gui.core.training.job (which imports TensorFlow), quietly."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with quiet_stderr():
        from gui.core.training import job as training
    return training


def save_trained(model, spec: ExperimentSpec, preprocessor, out: Path, h5: bool = False,
                 ) -> list[Path]:
    """Write model.keras (+ model.h5), spec.json and preprocessing.json into `out`.

    `model` is the deployable network (encoded rows in, target units out); model.keras
    wraps it to take the raw columns (raw_model.py), model.h5 takes the encoded rows. Both
    carry LayerLab's metadata, so `gui predict` gives class names and units.
    """
    from gui.core.saving import export

    out.mkdir(parents=True, exist_ok=True)
    meta = export.metadata(spec, preprocessor)
    written = [out / "model.keras"]
    written[0].write_bytes(export.save_raw_keras_bytes(model, spec, preprocessor))
    if h5:
        written.append(out / "model.h5")
        written[-1].write_bytes(export.save_h5_bytes(model, meta))
    (out / "spec.json").write_text(spec.to_json(), encoding="utf-8")
    (out / "preprocessing.json").write_text(
        json.dumps(preprocessor.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return written + [out / "spec.json", out / "preprocessing.json"]


# ---- train ---------------------------------------------------------------------------------

def add_train(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train a model on a CSV and save it",
        description="Train a LayerLab model on a CSV file and save it with its spec.")
    p.add_argument("--data", required=True, help="training data: a CSV/TSV/TXT, Excel "
                                                 "(.xlsx) or Parquet file")
    first_row = p.add_mutually_exclusive_group()
    first_row.add_argument("--header", dest="header", action="store_const", const="yes",
                           help="the first row names the columns (default: the spec's "
                                "choice, which detects it)")
    first_row.add_argument("--no-header", dest="header", action="store_const", const="no",
                           help="the first row is data: the columns are named column_1 … "
                                "column_N")
    p.add_argument("--sheet", help="the worksheet of an .xlsx file (default: the spec's, or "
                                   "the first)")
    p.add_argument("--target", help="column to predict (default: the spec's target)")
    p.add_argument("--test", help="separate test file, read like --data (default: split "
                                  "off the spec's "
                                  "test_fraction of the training rows)")
    p.add_argument("--spec", help="spec JSON exported from LayerLab (default: a two-layer "
                                  "network suited to the task)")
    p.add_argument("--epochs", type=int, help="override the spec's epochs")
    p.add_argument("--out", required=True, help="folder for model.keras, spec.json and "
                                               "preprocessing.json")
    p.add_argument("--h5", action="store_true", help="also write the legacy model.h5")
    p.add_argument("--quiet", action="store_true", help="do not print the epoch log")
    p.add_argument("--workspace", metavar="TOKEN",
                   help="record the run in this workspace (the ?w= token of its link): it "
                        "shows on the Runs page, live while it trains, and Stop there stops "
                        "it; the data files are stored in the workspace. Uses the same store "
                        "as the app (LAYERLAB_HOME / LAYERLAB_DATABASE_URL). Write "
                        "--workspace=TOKEN for an older token that starts with '-'")
    p.set_defaults(func=run_train)


def run_train(args) -> int:
    from gui.core.data.dataset import prepare

    if args.spec:
        spec = load_spec(args.spec)
        if args.target:
            spec.data.target = args.target
        if not spec.data.target:
            raise CLIError(f"{args.spec} names no target column; give one with --target.")
    elif args.target:
        spec = None
    else:
        raise CLIError("give the column to predict with --target (or a --spec that names it).")
    data = spec.data if spec else DataSpec(target=args.target)
    data.header = args.header or data.header
    data.sheet = args.sheet if args.sheet is not None else data.sheet
    # read by data_ref's rules, as the pages and the workers read a run's data
    loaded = data_ref.read_table_as(*file_bytes(args.data), data)
    test = data_ref.read_test(*file_bytes(args.test), loaded) if args.test else None
    print(f"Read {loaded.name}: {len(loaded.frame):,} rows × {loaded.frame.shape[1]:,} "
          f"columns, {loaded.layout()}. {loaded.header_note}".rstrip(), flush=True)
    data.source, data.delimiter, data.encoding = loaded.name, loaded.delimiter, loaded.encoding
    data.test_source = test.name if test else ""
    prepared = prepare(loaded.frame, data, test.frame if test else None)
    loaded.frame = test = None  # the arrays are all training needs: a million rows is ~150 MB less
    if spec is None:
        spec = default_spec(prepared.task, prepared.n_classes, data=data)
    if args.epochs is not None:
        spec.fit.epochs = args.epochs
    for warning in loaded.warnings + prepared.warnings:
        print(f"note: {warning}", file=sys.stderr)

    training = import_training()
    problems = validate(spec, DataInfo.from_prepared(prepared))
    if problems:
        raise CLIError("the spec cannot train on this data: "
                       + " ".join(f"{p.where}: {p.message}" for p in problems))
    print(f"Training on {len(prepared.X_train)} rows ({prepared.task}, "
          f"{prepared.n_inputs} inputs), testing on {len(prepared.X_test)} rows.", flush=True)
    echo = None if args.quiet else (lambda line: print(line, flush=True))
    if args.workspace:
        job, prepared = train_in_workspace(args, spec, echo)
    else:
        job = training.TrainingJob(spec, prepared, on_epoch=echo)
        job.run()
    if job.status == FAILED:
        raise CLIError(job.error)
    if job.note:
        print(job.note)
    metrics = job.evaluate_test()
    print("Test: " + " - ".join(f"{k}: {v:.4f}" for k, v in metrics.items()))
    out = Path(args.out)
    try:
        written = save_trained(job.deploy_model(), job.spec, prepared.preprocessor, out,
                               h5=args.h5)
    except OSError as exc:
        raise CLIError(f"cannot write to {out}: {exc.strerror or exc}") from None
    print("Wrote " + ", ".join(str(p) for p in written))
    return 0


def train_in_workspace(args, spec: ExperimentSpec, echo):
    """Train as a run of workspace `args.workspace`, by the same code as a pool's worker:
    the files are stored in the workspace, the run is created and claimed by this process,
    its record follows every epoch, and a Stop asked on the Runs page ends it."""
    import socket
    import threading

    from gui.core.store.runs import Runs
    from gui.core.store.workspaces import Store, StoreError
    from gui.core.workers import worker

    try:
        store = Store.from_env()
        if not store.exists(args.workspace):
            raise CLIError("no workspace has the token given with --workspace: copy it from "
                           "the app's address (?w=…), with the same LAYERLAB_HOME or "
                           "LAYERLAB_DATABASE_URL as the app.")
        runs = Runs(store)
        if runs.active(args.workspace) is not None:
            raise CLIError("that workspace is training a run already: wait for it or stop "
                           "it on the Runs page, then train again.")
        data = {"dataset": _stored(store, args.workspace, args.data),
                "test": _stored(store, args.workspace, args.test) if args.test else None}
        run_id = runs.create(args.workspace, spec, data)
        owner = f"{socket.gethostname()}:{os.getpid()}:cli"
        if not runs.claim(run_id, owner):
            raise CLIError("a training pool took the run first: it trains there and shows on "
                           "the Runs page.")
    except StoreError as exc:
        raise CLIError(f"the workspace store: {exc}") from None
    print(f"Recording run {run_id} in workspace {args.workspace[:6]}…", flush=True)
    stop, finished = threading.Event(), threading.Event()

    def watch_stop():
        while not finished.wait(0.2):
            if run_id in runs.stop_requests([run_id]):
                stop.set()
                return

    watcher = threading.Thread(target=watch_stop, daemon=True)
    watcher.start()
    try:
        trained = worker.train(runs, run_id, stop, lambda: None, on_epoch=echo)
    finally:
        finished.set()
        watcher.join(timeout=1)
    if trained is None:
        raise CLIError(runs.get_any(run_id).error or "the run could not start.")
    return trained.job, trained.prepared


def _stored(store, token: str, path: str) -> dict:
    raw, name = file_bytes(path)
    record = store.add_file(token, name, raw)
    return {"file": record.sha256, "name": name}


# ---- predict -------------------------------------------------------------------------------

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
    p.add_argument("--sheet", default="", help="the sheet of an .xlsx (default: the first)")
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
    rows = new_rows.read_rows(raw_rows, rows_file.name, sheet=args.sheet)
    try:
        with quiet_stderr():
            loaded = load.load_model_safely(raw_model, model_file.name)
            result = predict.predict_rows(loaded, rows.frame, threshold=args.threshold)
    except (model_check.ModelFileError, predict.PredictError) as exc:
        raise CLIError(str(exc)) from None
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


# ---- export --------------------------------------------------------------------------------

EXPORT_FORMATS = ["keras", "onnx", "litert", "savedmodel"]  # model_formats.FORMATS + keras


def add_export(subparsers) -> None:
    p = subparsers.add_parser(
        "export", help="write a LayerLab model in another format",
        description="Write a .keras file or bundle .zip that LayerLab saved as a .keras that "
                    "takes the raw columns, or as ONNX, LiteRT (.tflite) or a TensorFlow "
                    "SavedModel, each with preprocessing.json, a predict.py that needs only "
                    "that runtime, and a README.")
    p.add_argument("model", help="a .keras file or bundle .zip that LayerLab wrote")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS,
                   help="keras, onnx, litert (.tflite) or savedmodel")
    p.add_argument("--out", required=True, help="folder to write the files into")
    p.set_defaults(func=run_export)


def run_export(args) -> int:
    raw, name = file_bytes(args.model)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out must be a folder; {out} is a file.")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with quiet_stderr():
        from gui.core.saving import export, load, model_check, model_formats
    try:
        with quiet_stderr():
            loaded = load.load_model_safely(raw, name)
            if loaded.preprocessor is None or loaded.spec is None:
                raise CLIError(f"{name} has no LayerLab details (preprocessing, classes), so "
                               "it cannot be exported with its encoder; pass a .keras or "
                               "bundle .zip that LayerLab wrote.")
            out.mkdir(parents=True, exist_ok=True)
            if args.format == "keras":
                written = [out / "model.keras"]
                written[0].write_bytes(export.save_raw_keras_bytes(
                    loaded.model, loaded.spec, loaded.preprocessor))
            else:
                written = model_formats.write_export(loaded.model, loaded.preprocessor,
                                                     args.format, out)
    except (model_check.ModelFileError, model_formats.ExportError) as exc:
        raise CLIError(str(exc)) from None
    except OSError as exc:
        raise CLIError(f"cannot write into {out}: {exc.strerror or exc}") from None
    print(f"Wrote {', '.join(sorted({p.relative_to(out).parts[0] for p in written}))} to {out}")
    if args.format != "keras":
        print(f"Predict raw rows: python {out / 'predict.py'} rows.csv (see README.md)")
    return 0


# ---- entry ---------------------------------------------------------------------------------

SUBCOMMANDS: list[Callable] = [add_train, add_predict, add_export]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="LayerLab on the command line: the GUI's core, no browser.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse `argv`, run the subcommand; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CLIError, DataError, SpecError) as exc:
        message = " ".join(str(exc).split())
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
