"""How soon things answer: Stop on a worker's run, Stop on a worker that does not answer, and
the refusal of an Excel zip bomb and of a sheet that states a million rows. Asserts nothing;
prints figures (the tests check only that each happens).

Run: .venv/bin/python benchmarks/stop_and_refusals.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gui.core.data.formats.loaded import DataError  # noqa: E402
from gui.core.data.formats.tables import read_table  # noqa: E402
from gui.core.spec.heads import default_spec  # noqa: E402
from gui.core.spec.schema import DataSpec  # noqa: E402
from gui.core.store.runs import Runs  # noqa: E402
from gui.core.store.workspaces import Store  # noqa: E402
from gui.core.workers.pool import TrainingPool  # noqa: E402

IRIS = {"dataset": {"sample": "Iris flowers"}, "test": None}


def wait_for(predicate, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.01)
    raise SystemExit(f"not within {timeout} s")


def iris_spec():
    spec = default_spec("multiclass", 3, DataSpec(source="iris.csv", target="species"))
    spec.fit.epochs, spec.fit.batch_size = 5000, 16
    return spec


def stop_seconds(runs: Runs, pool: TrainingPool, token: str, freeze: bool) -> float:
    run_id = runs.create(token, iris_spec(), IRIS)
    pool.wake()
    wait_for(lambda: runs.get(token, run_id).epochs_done >= 3)
    if freeze:
        os.kill(pool.busy()[run_id], signal.SIGSTOP)
    asked = time.monotonic()
    runs.request_stop(token, run_id)
    pool.wake()
    wait_for(lambda: not runs.get(token, run_id).active, 60)
    took = time.monotonic() - asked
    wait_for(lambda: pool.busy() == {} and pool.ready_workers == 1, 180)
    return took


def refusal_seconds(raw: bytes, name: str) -> float:
    start = time.perf_counter()
    try:
        read_table(raw, name)
    except DataError:
        return time.perf_counter() - start
    raise SystemExit(f"{name} was not refused")


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        bomb.writestr("xl/workbook.xml", "<workbook/>")
        with bomb.open("xl/worksheets/sheet1.xml", "w") as entry:
            for _ in range(400):
                entry.write(b"\0" * 2**20)
    return out.getvalue()


def huge_sheet() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    book.active.append([1, 2])
    book.active.cell(row=1_048_000, column=2, value=3)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def show(label: str, values: list[float]) -> None:
    print(f"{label:<52} median {statistics.median(values):.2f} s  "
          f"(min {min(values):.2f}, max {max(values):.2f}, n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for label, raw, name in (("refuse a 400 MB zip bomb (.xlsx)", zip_bomb(), "bomb.xlsx"),
                             ("refuse a sheet stating 1,048,000 rows", huge_sheet(), "big.xlsx")):
        show(label, [refusal_seconds(raw, name) for _ in range(args.repeat)])
    with tempfile.TemporaryDirectory() as home:
        store = Store(home)
        runs, token = Runs(store), store.create()
        pool = TrainingPool(store, slots=1, idle_seconds=600)
        try:
            wait_for(lambda: pool.ready_workers == 1)
            show("Stop → run ended (model saved, test scored)",
                 [stop_seconds(runs, pool, token, False) for _ in range(args.repeat)])
            show("Stop of a frozen worker → run ended (2 s grace)",
                 [stop_seconds(runs, pool, token, True) for _ in range(args.repeat)])
        finally:
            pool.close()


if __name__ == "__main__":
    main()
