"""The downloadable .keras that takes raw columns, against the network it wraps: file size,
time to the first prediction in a cold process (import keras, load, predict), and the time
of a warm predict on many rows. Prints figures, asserts nothing.

Run: .venv/bin/python benchmarks/raw_model.py [--rows 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD = """
import time
start = time.perf_counter()
import keras, numpy as np, pandas as pd
model = keras.models.load_model({path!r})
rows = pd.read_csv({rows!r}).head(10)
if {raw}:
    text = {text!r}
    inputs = {{c: (np.array(["" if pd.isna(v) else str(v) for v in rows[c]], dtype=object)
                  if c in text else pd.to_numeric(rows[c], errors="coerce").to_numpy("float32"))
               for c in {columns!r}}}
else:
    inputs = np.load({encoded!r})[:10]
model.predict(inputs, verbose=0)
print(time.perf_counter() - start)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import numpy as np

    from gui.core.saving import export, raw_model
    from tests.core import trained_models as tm

    t = tm.tips()
    prep = t.prepared.preprocessor
    frame = t.frame.sample(args.rows, replace=True, random_state=0).reset_index(drop=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        raw_path, net_path = folder / "raw.keras", folder / "network.keras"
        raw_path.write_bytes(export.save_raw_keras_bytes(t.deploy, t.spec, prep))
        net_path.write_bytes(export.save_keras_bytes(t.deploy, export.metadata(t.spec, prep)))
        frame.to_csv(folder / "rows.csv", index=False)
        np.save(folder / "encoded.npy", prep.encode(frame))
        print(f"file size: raw-column .keras {raw_path.stat().st_size / 1024:.1f} KiB, "
              f"network-only .keras {net_path.stat().st_size / 1024:.1f} KiB")
        kinds = raw_model.column_kinds(prep)
        text = [c for c, k in kinds.items() if k == raw_model.TEXT]
        for name, path, raw in (("raw columns", raw_path, True),
                                ("network (encoded rows)", net_path, False)):
            code = COLD.format(path=str(path), rows=str(folder / "rows.csv"), raw=raw,
                               text=text, columns=list(kinds), encoded=str(folder / "encoded.npy"))
            times = []
            for _ in range(args.repeats):
                done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                      text=True, env={"TF_CPP_MIN_LOG_LEVEL": "3",
                                                      "PATH": "/usr/bin:/bin"})
                times.append(float(done.stdout.strip().splitlines()[-1]))
            print(f"cold process to first prediction, {name}: median "
                  f"{statistics.median(times):.2f} s over {args.repeats}")
        import keras

        raw = keras.models.load_model(raw_path)
        net = keras.models.load_model(net_path)
        inputs = raw_model.model_inputs(prep, frame)
        raw.predict(inputs, batch_size=1024, verbose=0)  # warm up
        start = time.perf_counter()
        raw.predict(inputs, batch_size=1024, verbose=0)
        raw_s = time.perf_counter() - start
        start = time.perf_counter()
        net.predict(prep.encode(frame), batch_size=1024, verbose=0)
        net_s = time.perf_counter() - start
        start = time.perf_counter()
        prep.encode(frame)
        encode_s = time.perf_counter() - start
        print(f"warm predict of {args.rows:,} rows: raw columns {raw_s:.3f} s (conversion to "
              f"arrays not included); network {net_s:.3f} s + pandas encode {encode_s:.3f} s")


if __name__ == "__main__":
    main()
