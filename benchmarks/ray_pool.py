"""The pool on Ray beside the local pool: how soon Stop ends a run, and how long from queueing
a run to its first epoch, on a two-node Ray cluster on 127.0.0.1 (started here) and on the
local process pool, in one run on the same machine. Asserts nothing; prints figures (the
tests, tests/core/test_ray_pool.py, check only that each happens).

Run: .venv/bin/python benchmarks/ray_pool.py [--repeat 3]
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

from benchmarks.stop_and_refusals import IRIS, iris_spec, wait_for  # noqa: E402
from gui.core.store.runs import Runs  # noqa: E402
from gui.core.store.workspaces import Store  # noqa: E402
from gui.core.workers.engines import RAY_ADDRESS_ENV, make_pool  # noqa: E402
from tests.ray_cluster import local_cluster  # noqa: E402


def one_run(runs: Runs, pool, token: str) -> tuple[float, float]:
    """(queued → first epoch, Stop → run ended) in seconds, for one run."""
    queued = time.monotonic()
    run_id = runs.create(token, iris_spec(), IRIS)
    pool.wake()
    wait_for(lambda: runs.get(token, run_id).epochs_done >= 1)
    first = time.monotonic() - queued
    wait_for(lambda: runs.get(token, run_id).epochs_done >= 3)
    asked = time.monotonic()
    runs.request_stop(token, run_id)
    pool.wake()
    wait_for(lambda: not runs.get(token, run_id).active, 60)
    stop = time.monotonic() - asked
    wait_for(lambda: pool.busy() == {}, 60)
    return first, stop


def measure(label: str, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as home:
        store = Store(home)
        runs, token = Runs(store), store.create()
        began = time.monotonic()
        pool = make_pool(store, slots=2, idle_seconds=600)
        try:
            wait_for(lambda: pool.ready_workers == 2, 600)
            print(f"{label}: {pool.engine.name} pool of 2 ready in "
                  f"{time.monotonic() - began:.1f} s")
            figures = [one_run(runs, pool, token) for _ in range(repeat)]
        finally:
            pool.close()
    for name, values in (("queued → first epoch", [f for f, _ in figures]),
                         ("Stop → run ended", [s for _, s in figures])):
        print(f"  {name:<24} median {statistics.median(values):.2f} s  "
              f"(min {min(values):.2f}, max {max(values):.2f}, n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.pop(RAY_ADDRESS_ENV, None)
    measure("local processes", args.repeat)
    with local_cluster(nodes=2) as cluster:
        os.environ[RAY_ADDRESS_ENV] = cluster.address
        measure("Ray, two nodes on 127.0.0.1", args.repeat)


if __name__ == "__main__":
    main()
