"""A million rows: time and peak resident memory from upload to one epoch; asserts nothing.

A seeded 1,000,000-row × 20-column CSV (19 float features and a class target, ~157 MB) is
written to a temporary folder, then each stage runs in a fresh process so that its peak RSS
(read by the parent from the child's rusage) is its own:

  a. preview:  read the file, parse it (csv_io.read_csv) and profile it, as the data page
  b. prepare:  (a) and then split, encode and fit the scaling (dataset.prepare)
  c. CLI:      `python -m gui train --data … --spec … --epochs 1` with batch size 256,
               end to end (its own output lines time the preparing and the epoch)
  d. upload:   the page's path: the uploaded bytes held (as Streamlit's UploadedFile does),
               stored in the workspace store, read back, parsed, profiled and prepared

The issue's goal for every stage: peak RSS ≤ 3 × the float32 data + 1 GB.

Run: .venv/bin/python benchmarks/million_rows.py [--rows 1000000] [--columns 20]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET = "label"
CLASSES = 3


def write_csv(path: Path, rows: int, columns: int, seed: int = 7) -> None:
    """`columns - 1` float features (six significant digits, like a spreadsheet export) and a
    class target that depends on the first features."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, columns - 1)).astype(np.float32)
    frame = pd.DataFrame(features, columns=[f"x{i + 1}" for i in range(columns - 1)])
    frame[TARGET] = np.digitize(features[:, 0] + 0.5 * features[:, 1], [-0.5, 0.5])
    frame.to_csv(path, index=False, float_format="%.6g")


# ---- the stages, each run in a child process -------------------------------------------

def stage_preview(csv: Path) -> dict:
    from gui.core.data import dataset
    from gui.core.data.formats import csv_io

    began = time.perf_counter()
    loaded = csv_io.read_csv(csv.read_bytes(), csv.name)
    parsed = time.perf_counter()
    dataset.profile(loaded.frame)
    dataset.default_features(loaded.frame, TARGET)
    loaded.frame.head(50)
    return {"read": parsed - began, "profile": time.perf_counter() - parsed,
            "loaded": loaded}


def stage_prepare(csv: Path) -> dict:
    from gui.core.data import dataset
    from gui.core.spec.schema import DataSpec

    out = stage_preview(csv)
    began = time.perf_counter()
    prepared = dataset.prepare(out.pop("loaded").frame, DataSpec(target=TARGET))
    out["prepare"] = time.perf_counter() - began
    out["float32_mb"] = (prepared.X_train.nbytes + prepared.X_test.nbytes) / 2**20
    return out


def stage_upload(csv: Path) -> dict:
    from gui.core.data import dataset
    from gui.core.data.formats import csv_io
    from gui.core.spec.schema import DataSpec
    from gui.core.store.workspaces import Store

    upload = io.BytesIO(csv.read_bytes())  # what the uploader holds for the session
    out = {}
    with tempfile.TemporaryDirectory() as home:
        store = Store(home)
        token = store.create()
        began = time.perf_counter()
        loaded = csv_io.read_csv(upload.getvalue(), csv.name)  # steps/data.store_upload
        record = store.add_file(token, csv.name, upload)
        out["parse_and_store"] = time.perf_counter() - began
        began = time.perf_counter()
        dataset.profile(loaded.frame)
        out["profile"] = time.perf_counter() - began
        began = time.perf_counter()
        dataset.prepare(loaded.frame, DataSpec(target=TARGET))
        out["prepare"] = time.perf_counter() - began
        began = time.perf_counter()
        again = csv_io.read_csv(store.read_file(token, record.sha256), csv.name)
        out["read_back"] = time.perf_counter() - began
        del again
    return out


STAGES = {"preview": stage_preview, "prepare": stage_prepare, "upload": stage_upload}


def child(stage: str, csv: Path) -> None:
    out = STAGES[stage](csv)
    out.pop("loaded", None)
    print(json.dumps(out))


# ---- the parent: run each stage in a fresh process -------------------------------------

def measure(argv: list[str]) -> tuple[float, float, list[tuple[float, str]]]:
    """Run `argv`; return (seconds, peak RSS in MB, its stdout lines with their times)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
    began = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines = [(time.perf_counter() - began, line.rstrip("\n")) for line in proc.stdout]
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv[1:4])} failed:\n{stderr[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--stage", choices=list(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        child(args.stage, Path(args.csv))
        return
    data_mb = args.rows * args.columns * 4 / 2**20
    goal = 3 * data_mb + 1024
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "million.csv"
        began = time.perf_counter()
        write_csv(csv, args.rows, args.columns)
        print(f"{args.rows:,} rows × {args.columns} columns: a {csv.stat().st_size / 2**20:.0f}"
              f" MB CSV (written in {time.perf_counter() - began:.0f} s); float32 data "
              f"{data_mb:.0f} MB, so the goal is a peak RSS ≤ 3 × {data_mb:.0f} MB + 1 GB = "
              f"{goal:,.0f} MB.\n")
        me = [sys.executable, __file__, "--csv", str(csv), "--stage"]
        for stage, title in (("preview", "a. read → preview"),
                             ("prepare", "b. + prepare (split, encode, scale)")):
            seconds, peak, lines = measure(me + [stage])
            parts = json.loads(lines[-1][1])
            steps = ", ".join(f"{k} {v:.1f} s" for k, v in parts.items() if k != "float32_mb")
            print(f"{title:38}: {seconds:5.1f} s ({steps}); peak RSS {peak:,.0f} MB "
                  f"(goal ≤ {goal:,.0f} MB)")
        spec = Path(tmp) / "spec.json"
        spec.write_text(cli_spec(), encoding="utf-8")
        seconds, peak, lines = measure(
            [sys.executable, "-m", "gui", "train", "--data", str(csv), "--spec", str(spec),
             "--epochs", "1", "--out", str(Path(tmp) / "run")])
        ready = next(t for t, line in lines if line.startswith("Training on"))
        epoch = next(t for t, line in lines if line.startswith("Epoch 1/1"))
        tested = next(t for t, line in lines if line.startswith("Test:"))
        print(f"{'c. CLI train, 1 epoch, batch 256':38}: {seconds:5.1f} s (to prepared "
              f"{ready:.1f} s, build + 1 epoch {epoch - ready:.1f} s, test {tested - epoch:.1f}"
              f" s); peak RSS "
              f"{peak:,.0f} MB (goal ≤ {goal:,.0f} MB; issue 12 measured 1.53 GB, 13 s)")
        seconds, peak, lines = measure(me + ["upload"])
        parts = json.loads(lines[-1][1])
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in parts.items())
        print(f"{'d. upload → store → preview → prepare':38}: {seconds:5.1f} s ({steps}); "
              f"peak RSS {peak:,.0f} MB (goal ≤ {goal:,.0f} MB)")


def cli_spec() -> str:
    """The default network for the task, with batch size 256."""
    from gui.core.spec.heads import default_spec
    from gui.core.spec.schema import DataSpec

    spec = default_spec("multiclass", CLASSES, data=DataSpec(target=TARGET))
    spec.fit.batch_size = 256
    return spec.to_json()


if __name__ == "__main__":
    main()
