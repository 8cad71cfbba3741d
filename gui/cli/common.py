"""What the subcommands share: reading files and specs, quieting TensorFlow, saving a model."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

from gui.core.data.formats.tables import read_table
from gui.core.spec.schema import ExperimentSpec, SpecError

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


def read_data(args, data):
    """(the training file, the --test file or None), read by data_ref's rules as the pages
    and the workers read a run's data, into `data`'s source fields; each file said in a
    "Read …" line with what its reading noticed (numbers written as text, missing marks)."""
    from gui.core.data import data_ref

    loaded = data_ref.read_table_as(*file_bytes(args.data), data)
    test = data_ref.read_test(*file_bytes(args.test), loaded) if args.test else None
    for part, table in (("", loaded), ("the test file ", test)):
        if table is not None:
            note = table.header_note if table is loaded else ""  # a test file: read alike
            print(f"Read {part}{table.name}: {len(table.frame):,} rows × "
                  f"{table.frame.shape[1]:,} columns, {table.layout()}. {note}".rstrip(),
                  flush=True)
            for warning in table.warnings:
                print(f"note: {'Test file: ' if table is test else ''}{warning}",
                      file=sys.stderr)
    data.source, data.delimiter, data.encoding = loaded.name, loaded.delimiter, loaded.encoding
    data.test_source = test.name if test else ""
    return loaded, test


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


def writable_folder(path: str) -> Path:
    """The --out folder, checked before any training (it is made when the model is saved):
    a CLIError in words when it could not be written (a file of that name, a path under a
    file, no permission) rather than after minutes of training."""
    import os

    out = Path(path)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out must be a folder; {out} is a file. Give a folder's name.")
    existing = out.absolute()
    while not existing.exists():  # the nearest folder that is there: the rest is made
        existing = existing.parent
    if not existing.is_dir():
        raise CLIError(f"cannot make the --out folder {out}: {existing} is a file. Give a "
                       "folder you can write to.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CLIError(f"cannot write the --out folder {out}: {existing} is not writable. "
                       "Give a folder you can write to.")
    return out


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


TARGET_HELP = ("column to predict (default: the spec's target, else the one the app "
               "chooses: a column named like a label, such as target, class or species; the "
               "column the file is named after; or the last column that is not an id or a "
               "date part)")


def choose_target(frame, data, file_name: str) -> None:
    """Set `data.target`, when none was given, to the column the Data page would choose,
    and say which and why (as the page does)."""
    from gui.core.data.columns import default_target

    if data.target:
        return
    data.target, why = default_target(frame, file_name)
    print(f"note: predicting {data.target}: {why}. Give --target to choose another column.",
          file=sys.stderr)


def left_out_note(frame, data) -> str | None:
    """The columns the default features leave out, with why, as the Data page lists them
    (None when the spec names its features, or nothing is left out)."""
    from gui.core.data.columns import left_out
    from gui.core.data.dataset import default_features

    if data.features:
        return None
    out = left_out(frame, data.target, data.categorical)
    if not out:
        return None
    reasons = "; ".join(f"{col}: {why}" for col, why in out.items())
    if set(out) & set(default_features(frame, data.target, data.categorical)):
        return ("every column would be left out by default, so all are used, as nothing "
                f"else is left: {reasons} Choose the features with a --spec.")
    return f"left out by default: {reasons}"


def test_scores_line(metrics: dict, preprocessor) -> str:
    """'Test: …' with each score, saying which are on the standardised target (the loss and
    Keras' metrics, as trained) and which are in the target's units (R²), as Evaluate does."""
    line = "Test: " + " - ".join(f"{k}: {v:.4f}" for k, v in metrics.items())
    if preprocessor.scales_target:  # a number, standardised for training
        line += (f" (the loss and metrics on the standardised {preprocessor.spec.target}, "
                 "as trained; R² in its own units)")
    return line

