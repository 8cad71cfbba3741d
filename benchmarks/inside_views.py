"""What the Inside page costs: training with weight snapshots on vs off, and its render times.

One run measures:

  training  the app's path (a stored CSV, a run queued and trained by a worker process of a
            TrainingPool), the same spec with `fit.snapshots` on and off, alternating, on
            Iris (150 rows: tiny epochs, the worst case for a per-epoch cost) and on 30
            numeric features x ROWS rows; mean seconds per epoch (the first, which compiles,
            left out) and the ratio on / off
  render    for a Dense 64-64 network on 30 inputs (3 classes): the network view, and the
            neuron pictures + decision map (the plane's outputs included), each built and
            serialised to JSON as st.plotly_chart sends it; the median of REPEAT

Timings are wall-clock on this machine and vary with its load; ratios come from one run.
Prints figures, asserts nothing. Usage:

    python benchmarks/inside_views.py [--epochs 60] [--rows 4000] [--pairs 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from gui.core.data.dataset import prepare  # noqa: E402
from gui.core.spec.heads import default_spec  # noqa: E402
from gui.core.spec.schema import DataSpec  # noqa: E402

REPEAT = 10
ROOT = Path(__file__).resolve().parents[1]


def wide_data(rows: int, seed: int = 0) -> pd.DataFrame:
    """`rows` rows of 30 numeric features and a 3-class target that depends on a few."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 30)) * rng.uniform(0.5, 20, 30) + rng.uniform(-50, 50, 30)
    z = (X - X.mean(0)) / X.std(0)
    score = z[:, 0] + 0.8 * z[:, 1] * z[:, 2] - 0.5 * z[:, 3]
    frame = pd.DataFrame(X, columns=[f"feature {i + 1}" for i in range(30)])
    frame["class"] = np.where(score < -0.5, "low", np.where(score < 0.5, "mid", "high"))
    return frame


def spec_for(frame: pd.DataFrame, target: str, epochs: int):
    data = DataSpec(source="bench.csv", target=target, scaling="standard")
    prepared = prepare(frame, data)
    spec = default_spec(prepared.task, prepared.n_classes, data)  # Dense 64-64 + output
    spec.fit.epochs, spec.fit.batch_size = epochs, 32
    return spec, prepared


class Pool:
    """A store in a temporary folder and a one-slot pool; runs are queued and awaited."""

    def __init__(self):
        from gui.core.store.runs import Runs
        from gui.core.store.workspaces import Store
        from gui.core.workers.pool import TrainingPool

        self.store = Store(tempfile.mkdtemp(prefix="layerlab-bench-inside-"))
        self.token = self.store.create()
        self.runs = Runs(self.store)
        self.pool = TrainingPool(self.store, slots=1)
        while self.pool.ready_workers < 1:
            time.sleep(0.1)

    def data(self, frame: pd.DataFrame) -> dict:
        record = self.store.add_file(self.token, "bench.csv", frame.to_csv(index=False).encode())
        return {"dataset": {"file": record.sha256, "name": "bench.csv"}, "test": None}

    def epoch_seconds(self, spec, data: dict) -> list[float]:
        run_id = self.runs.create(self.token, spec, data)
        self.pool.wake()
        while (record := self.runs.get(self.token, run_id)).active:
            time.sleep(0.25)
        assert record.status == "done", record.error
        return record.epoch_seconds[1:]


def training(pool: Pool, name: str, frame: pd.DataFrame, target: str, epochs: int,
             pairs: int) -> None:
    import copy

    spec, _ = spec_for(frame, target, epochs)
    data = pool.data(frame)
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(pairs):
        for on in (True, False):
            run = copy.deepcopy(spec)
            run.fit.snapshots = on
            times[on] += pool.epoch_seconds(run, data)
    on, off = statistics.mean(times[True]), statistics.mean(times[False])
    print(f"  {name}: {on * 1000:.1f} ms/epoch with snapshots, {off * 1000:.1f} without: "
          f"{(on / off - 1) * 100:+.1f} % ({pairs} x {epochs} epochs each, alternating)")


def median_ms(work) -> float:
    work()  # warm up (tracing, imports)
    times = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def render() -> None:
    from gui.core.inspection import feature_plane
    from gui.core.model.build import build_model
    from gui.ui.figures import network_view, neuron_maps

    frame = wide_data(2000)
    spec, prepared = spec_for(frame, "class", 1)
    prep = prepared.preprocessor
    model = build_model(spec, prep)
    units = [layer.units for layer in model.layers if type(layer).__name__ == "Dense"]
    print(f"  network: {prep.n_inputs} inputs, Dense {'-'.join(map(str, units))}")

    def network():
        network_view.network_figure(model, prep).to_json()

    def maps():
        plane = feature_plane.plane(prep, prepared.X_train, "feature 1", "feature 2")
        outputs = feature_plane.plane_outputs(model, plane)
        neuron_maps.neurons_figure(model, outputs, plane).to_json()
        neuron_maps.decision_figure(outputs[model.layers[-1].name], plane, prep,
                                    prepared.X_test, prepared.y_test).to_json()

    print(f"  network view: {median_ms(network):.0f} ms (median of {REPEAT}, goal <= 300)")
    print(f"  neuron pictures + decision map ({feature_plane.GRID}x{feature_plane.GRID} plane):"
          f" {median_ms(maps):.0f} ms (median of {REPEAT}, goal <= 300)")


def recorder_cost() -> None:
    """The snapshot work itself, apart from the noise of whole epochs."""
    from gui.core.model.build import build_model
    from gui.core.training.snapshots import Snapshots, model_weights

    spec, prepared = spec_for(wide_data(500), "class", 1)
    model = build_model(spec, prepared.preprocessor)
    snaps = Snapshots()
    snaps.add(0, model_weights(model))
    path = Path(tempfile.mkdtemp(prefix="layerlab-bench-inside-")) / "latest.npz"
    copy_ms = median_ms(lambda: model_weights(model))
    write_ms = median_ms(lambda: snaps.save_latest(path))
    print(f"  copying the weights after an epoch (training thread): {copy_ms:.2f} ms; "
          f"writing the latest epoch for the live view (reporter thread, at most every "
          f"0.5 s): {write_ms:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--pairs", type=int, default=2)
    args = parser.parse_args()
    print("Render times")
    render()
    print("Training in a worker, weight snapshots on vs off (goal: at most 5 % slower)")
    recorder_cost()
    pool = Pool()
    try:
        iris = pd.read_csv(ROOT / "sample_data" / "iris.csv")
        training(pool, "Iris (150 rows, 4 inputs, 64-64)", iris, "species", args.epochs,
                 args.pairs)
        training(pool, f"{args.rows:,} rows, 30 inputs, 64-64", wide_data(args.rows), "class",
                 max(args.epochs // 4, 5), args.pairs)
    finally:
        pool.pool.close()


if __name__ == "__main__":
    main()
