"""`python -m gui export`: a LayerLab model as .keras (raw columns), ONNX, LiteRT or SavedModel."""

from __future__ import annotations

import os
from pathlib import Path

from gui.cli.common import (
    CLIError,
    file_bytes,
    quiet_stderr,
)

EXPORT_FORMATS = ["keras", "onnx", "litert", "savedmodel"]  # model_formats.FORMATS + keras


def add_export(subparsers) -> None:
    p = subparsers.add_parser(
        "export", help="write a LayerLab model in another format",
        description="Write a .keras file or bundle .zip that LayerLab saved as a .keras that "
                    "takes the raw columns (model.keras alone), or as ONNX, LiteRT (.tflite) "
                    "or a TensorFlow SavedModel, each of these three with preprocessing.json, "
                    "a predict.py that needs only that runtime, and a README.")
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
