"""One model in every export format: the size of each artifact and the time from a cold
process to the first predictions, each with its own runtime. Prints figures, asserts nothing.

The model is tips.csv's regression network (text columns, a scaled target). Cold start is
the wall time of a fresh `python` process that imports the runtime, loads the model and
writes predictions for 10 raw rows: the export's own `predict.py rows.csv out.csv` for
ONNX, LiteRT and the SavedModel, and the bundle README's code (Keras) for the raw-column
.keras.

Run: .venv/bin/python benchmarks/model_formats.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"}


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def installed_mib(*names: str) -> float:
    """The size on disk of installed distributions (their RECORD files), in MiB."""
    from importlib import metadata

    total = 0
    for name in names:
        for file in metadata.distribution(name).files or []:
            path = Path(file.locate())
            total += path.stat().st_size if path.is_file() else 0
    return total / 2**20


RUNTIMES = {"keras": ("tensorflow", "keras"), "onnx": ("onnxruntime",),
            "litert": ("ai-edge-litert",), "savedmodel": ("tensorflow",)}


def cold(command: list[str], cwd: Path, repeats: int) -> float:
    """The median wall time of `command` in a fresh process."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=ENV)
        times.append(time.perf_counter() - start)
        if done.returncode:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from gui.core.saving import export, model_formats
    from tests.core import trained_models as tm

    t = tm.tips()
    prep = t.prepared.preprocessor
    rows = t.frame.drop(columns=[t.spec.data.target]).head(10)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        results = []
        keras_dir = base / "keras"
        keras_dir.mkdir()
        bundle = zipfile.ZipFile(io.BytesIO(export.bundle_bytes(t.deploy, t.spec, prep)))
        (keras_dir / "model.keras").write_bytes(bundle.read("model.keras"))
        code = re.findall(r"```python\n(.*?)```", bundle.read("README.md").decode(), re.S)[0]
        (keras_dir / "readme_code.py").write_text(code)
        rows.to_csv(keras_dir / "rows.csv", index=False)
        size = (keras_dir / "model.keras").stat().st_size
        results.append((".keras (raw columns), README code with Keras", size, size,
                        cold([sys.executable, "readme_code.py"], keras_dir, args.repeats),
                        installed_mib(*RUNTIMES["keras"])))
        for fmt, info in model_formats.FORMATS.items():
            folder = base / fmt
            start = time.perf_counter()
            data = model_formats.export_zip(t.deploy, prep, fmt)
            made = time.perf_counter() - start
            zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
            rows.to_csv(folder / "rows.csv", index=False)
            model_path = folder / info.model_file
            model_size = (folder_size(model_path) if model_path.is_dir()
                          else model_path.stat().st_size)
            seconds = cold([sys.executable, "predict.py", "rows.csv", "out.csv"], folder,
                           args.repeats)
            results.append((f"{info.label} ({info.model_file}), predict.py "
                            f"[export {made:.1f} s]", model_size, len(data), seconds,
                            installed_mib(*RUNTIMES[fmt])))
    print(f"tips.csv regression model, {prep.n_inputs} encoded inputs; cold = median of "
          f"{args.repeats} fresh processes, 10 raw rows")
    print(f"{'artifact':<58} {'model':>9} {'download':>9} {'cold':>7} {'runtime':>9}")
    for name, model_size, download, seconds, runtime in results:
        print(f"{name:<58} {model_size / 1024:>7.1f}Ki {download / 1024:>7.1f}Ki "
              f"{seconds:>6.2f}s {runtime:>6.0f}MiB")
    print("runtime: the installed size of the runtime's own package(s), without NumPy/pandas")


if __name__ == "__main__":
    main()
