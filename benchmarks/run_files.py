"""A run's files through the database (run_files.py): what a worker's save costs, and what the
live view's poll costs in another process's home when nothing changed and when it did;
asserts nothing.

The worker writes the latest epoch's weights at most every 0.5 s and the model every few
seconds; a page polls each second. An unchanged file must cost one short query, not a
download.

Run: .venv/bin/python benchmarks/run_files.py [--kb 64] [--model-mb 4] [--url URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gui.core.spec.heads import default_spec  # noqa: E402
from gui.core.spec.schema import DataSpec  # noqa: E402
from gui.core.store.runs import Runs  # noqa: E402
from gui.core.store.workspaces import Store  # noqa: E402


def median_ms(action, times: int = 20) -> float:
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kb", type=int, default=64, help="the latest snapshot's size")
    parser.add_argument("--model-mb", type=float, default=4.0)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    spec = default_spec("multiclass", 3, DataSpec(source="iris.csv", target="species"))
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as other:
        store = Store(home, args.url)
        token = store.create()
        runs = Runs(store)
        run_id = runs.create(token, spec, {"dataset": {"sample": "Iris flowers"}})
        viewer = Runs(Store(other, store.url))  # the page, in another home
        latest = os.urandom(args.kb * 1024)
        model = os.urandom(int(args.model_mb * 2**20))

        def write(name, raw):
            return lambda: runs.files.write(token, run_id, name, lambda p: p.write_bytes(raw))

        counter = iter(range(10**9))

        def changed_latest():
            runs.files.write(token, run_id, "latest",
                             lambda p: p.write_bytes(latest + next(counter).to_bytes(8)))

        save_latest = median_ms(changed_latest)
        save_model = median_ms(write("model", model), 10)
        viewer.snapshot_paths(token, run_id)
        poll_unchanged = median_ms(lambda: viewer.snapshot_paths(token, run_id))

        fetches = []
        for _ in range(20):
            changed_latest()  # not timed: only the poll that finds it
            start = time.perf_counter()
            viewer.snapshot_paths(token, run_id)
            fetches.append(time.perf_counter() - start)
        poll_changed_ms = statistics.median(fetches) * 1000
        backend = store.engine.dialect.name
    print(f"A run's files through the database ({backend}), medians:")
    for label, ms, note in (
            (f"worker saves a {args.kb} KB latest snapshot", save_latest, ""),
            (f"worker saves a {args.model_mb:g} MB model", save_model, ""),
            ("page polls, nothing changed", poll_unchanged, " (one query)"),
            ("page polls, a new latest snapshot", poll_changed_ms, " (fetched)")):
        print(f"  {label:<40}: {ms:7.1f} ms{note}")

if __name__ == "__main__":
    main()
