"""How fast LayerLab trains a small tabular network, against a plain Keras fit and sklearn.

One run measures, on the same data (100,000 training rows x 8 features, a smooth regression
target plus noise) and the same network (Dense 64-64-1, adam, mse, batch size 32):

  plain     build_model(spec, prep) compiled with Keras' defaults, model.fit(X, y, 32)
  LayerLab  TrainingJob.run(): steps_per_execution, a seeded tf.data pipeline (core only)
  sklearn   MLPRegressor(hidden_layer_sizes=(64, 64), batch_size=32), for reference
  pool      the app's path: the data stored as a CSV in a workspace store, a run queued,
            trained by a worker process of a TrainingPool, while this process reads the
            run from the store twice a second as the Train page's fragment does (and
            rebuilds the plotly figures when an epoch ended), against the core path

and prints seconds per epoch, the ratios and the test metrics. Timings are wall-clock on
this machine and vary with its load; the ratios come from one run. Usage:

    python benchmarks/train_speed.py [--epochs 3] [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from gui.core.data.dataset import prepare  # noqa: E402
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import DataSpec, ExperimentSpec  # noqa: E402


def make_data(rows: int, seed: int = 0):
    """rows training rows (+25% test rows) of 8 features; y = smooth function + noise."""
    rng = np.random.default_rng(seed)
    n = int(rows * 1.25)
    X = rng.normal(size=(n, 8)) * [1, 2, 0.5, 10, 1, 1, 3, 100] + [0, 5, 0, 50, 0, 0, 0, 1e3]
    z = (X - X.mean(0)) / X.std(0)
    y = (np.sin(z[:, 0]) + 0.5 * z[:, 1] * z[:, 2] + 0.3 * z[:, 3] - 0.2 * z[:, 4]
         + 0.5 * rng.normal(size=n))
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(8)])
    frame["y"] = y
    data = DataSpec(source="benchmark", target="y", task="regression", scaling="standard",
                    test_fraction=0.2, split_seed=0)
    prepared = prepare(frame, data)
    spec = default_spec("regression", data=data)
    spec.fit.batch_size, spec.fit.validation = 32, "none"
    return spec, prepared, frame


class EpochTimer:
    def __init__(self):
        import keras

        timer = self

        class _Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                timer._began = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                timer.seconds.append(time.perf_counter() - timer._began)

        self.seconds: list[float] = []
        self.callback = _Callback()


def steady(seconds: list[float]) -> float:
    """Seconds per epoch once compiled: the median of the epochs after the first."""
    return statistics.median(seconds[1:]) if len(seconds) > 1 else seconds[0]


def plain_fit(spec, prepared, shuffle: bool = True):
    """What a tutorial does: model.fit(X, y, batch_size=32) with default compile settings."""
    import keras

    from gui.core.model.build import build_model

    keras.utils.set_random_seed(spec.fit.seed)
    model = build_model(spec, prepared.preprocessor)
    timer = EpochTimer()
    began = time.perf_counter()
    history = model.fit(prepared.X_train, prepared.y_train, batch_size=spec.fit.batch_size,
                        epochs=spec.fit.epochs, shuffle=shuffle, verbose=0,
                        callbacks=[timer.callback])
    total = time.perf_counter() - began
    test = model.evaluate(prepared.X_test, prepared.y_test, batch_size=1024, verbose=0,
                          return_dict=True)
    return {"seconds": timer.seconds, "total": total, "loss": history.history["loss"][-1],
            "test": {k: float(v) for k, v in test.items()}}


def layerlab_fit(spec, prepared):
    """The core path: TrainingJob.run() in this process, nothing attached."""
    from gui.core.training.job import TrainingJob

    job = TrainingJob(spec, prepared)
    began = time.perf_counter()
    job.run()
    total = time.perf_counter() - began
    assert job.status == "done", job.error
    return {"seconds": job.epoch_seconds, "total": total, "loss": job.history["loss"][-1],
            "test": job.evaluate_test(), "spe": job.steps_per_execution}


class PoolBench:
    """A store in a temporary folder with the data as a stored CSV, and a one-slot pool."""

    def __init__(self, frame):
        from gui.core.store.runs import Runs
        from gui.core.store.workspaces import Store
        from gui.core.workers.pool import TrainingPool

        self.store = Store(tempfile.mkdtemp(prefix="layerlab-bench-"))
        self.token = self.store.create()
        record = self.store.add_file(self.token, "bench.csv",
                                     frame.to_csv(index=False).encode())
        self.data = {"dataset": {"file": record.sha256, "name": "bench.csv"}, "test": None}
        self.runs = Runs(self.store)
        self.pool = TrainingPool(self.store, slots=1)
        while self.pool.ready_workers < 1:
            time.sleep(0.1)

    def fit(self, spec):
        """Queue a run and poll it like the Train page until it ends."""
        from gui.ui.figures import charts

        began = time.perf_counter()
        run_id = self.runs.create(self.token, spec, self.data)
        self.pool.wake()
        polls, drawn = [], -1
        while True:
            t = time.perf_counter()
            record = self.runs.get(self.token, run_id)
            if record.epochs_done != drawn:
                drawn = record.epochs_done
                charts.history_figures(record.history, None, spec.fit.epochs)
            polls.append(time.perf_counter() - t)
            if not record.active:
                break
            time.sleep(0.5)
        total = time.perf_counter() - began
        assert record.status == "done", record.error
        return {"seconds": record.epoch_seconds, "total": total,
                "loss": record.history["loss"][-1], "test": record.test_metrics,
                "polls": polls}


def sklearn_fit(spec, prepared):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(prepared.X_train)  # what the model's first layer does
    X = scaler.transform(prepared.X_train)
    mlp = MLPRegressor(hidden_layer_sizes=(64, 64), batch_size=spec.fit.batch_size,
                       learning_rate_init=spec.compile.learning_rate, max_iter=spec.fit.epochs,
                       shuffle=True, random_state=spec.fit.seed, tol=0.0,
                       n_iter_no_change=10**6)
    began = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, prepared.y_train)
    total = time.perf_counter() - began
    pred = mlp.predict(scaler.transform(prepared.X_test))
    err = pred - prepared.y_test
    return {"total": total, "per_epoch": total / spec.fit.epochs,
            "test": {"loss": float(np.mean(err ** 2)),
                     "mean_absolute_error": float(np.mean(np.abs(err)))}}


def pct(a: float, b: float) -> str:
    return f"{100 * (a - b) / b:+.2f}%"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)

    spec, prepared, frame = make_data(args.rows)
    spec.fit.epochs = args.epochs
    print(f"LayerLab training benchmark: {len(prepared.X_train):,} training rows x "
          f"{prepared.n_inputs} features, Dense 64-64-1, batch_size {spec.fit.batch_size}, "
          f"{args.epochs} epochs, {os.cpu_count()} CPU core(s), load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)

    import keras
    import tensorflow as tf

    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}; devices: "
          f"{', '.join(d.device_type for d in tf.config.list_physical_devices())}\n", flush=True)

    bench = PoolBench(frame)
    runs = {}
    for name, fn in (("plain", lambda: plain_fit(spec, prepared)),
                     ("layerlab", lambda: layerlab_fit(spec, prepared)),
                     ("pool", lambda: bench.fit(spec))):
        runs[name] = fn()
        print(f"  ran {name:9s} {runs[name]['total']:6.1f} s", flush=True)
    # The pool's overhead is small: measure it on longer runs, alternating, twice each.
    longer = ExperimentSpec.from_dict(spec.to_dict())
    longer.fit.epochs = max(args.epochs, 5)
    core_epochs, pool_epochs = [], []
    for _ in range(2):
        core_epochs += layerlab_fit(longer, prepared)["seconds"][1:]
        pool_epochs += bench.fit(longer)["seconds"][1:]
    bench.pool.close()
    print(f"  ran core / pool pairs, {longer.fit.epochs} epochs each", flush=True)
    reseeded = ExperimentSpec.from_dict(spec.to_dict())
    reseeded.fit.seed += 1
    plain_other = plain_fit(reseeded, prepared)
    print(f"  ran plain, seed {reseeded.fit.seed} {plain_other['total']:6.1f} s", flush=True)
    same = ExperimentSpec.from_dict(spec.to_dict())
    same.fit.shuffle = False
    plain_fixed = plain_fit(same, prepared, shuffle=False)
    print(f"  ran plain, unshuffled {plain_fixed['total']:6.1f} s", flush=True)
    layerlab_fixed = layerlab_fit(same, prepared)
    print(f"  ran LayerLab, unshuffled {layerlab_fixed['total']:6.1f} s", flush=True)
    mlp = sklearn_fit(spec, prepared)
    print(f"  ran sklearn   {mlp['total']:6.1f} s\n", flush=True)

    plain, ll, pooled = runs["plain"], runs["layerlab"], runs["pool"]
    print(f"{'path':44s} {'s/epoch':>8s} {'1st epoch':>9s} {'total s':>8s} "
          f"{'test mse':>9s} {'test mae':>9s}")
    rows = [("plain model.fit(X, y, batch_size=32)", plain),
            (f"LayerLab core (steps_per_execution={ll['spe']})", ll),
            ("LayerLab run in a worker, page polling 2/s", pooled)]
    for label, r in rows:
        print(f"{label:44s} {steady(r['seconds']):8.3f} {r['seconds'][0]:9.2f} "
              f"{r['total']:8.1f} {r['test']['loss']:9.4f} "
              f"{r['test']['mean_absolute_error']:9.4f}")
    print(f"{'sklearn MLPRegressor (64, 64), batch 32':44s} {mlp['per_epoch']:8.3f} "
          f"{'':9s} {mlp['total']:8.1f} {mlp['test']['loss']:9.4f} "
          f"{mlp['test']['mean_absolute_error']:9.4f}")

    speedup = steady(plain["seconds"]) / steady(ll["seconds"])
    overall = plain["total"] / ll["total"]
    overhead = statistics.mean(pool_epochs) / statistics.mean(core_epochs) - 1
    print(f"\nSpeed-up, LayerLab vs plain fit: {speedup:.2f}x per epoch once compiled, "
          f"{overall:.2f}x over the whole run (compiling included).")
    print(f"Test metrics, LayerLab vs plain (different shuffling order): mse "
          f"{pct(ll['test']['loss'], plain['test']['loss'])}, mae "
          f"{pct(ll['test']['mean_absolute_error'], plain['test']['mean_absolute_error'])}.")
    print(f"For scale, plain fit vs plain fit with seed {reseeded.fit.seed}: mse "
          f"{pct(plain_other['test']['loss'], plain['test']['loss'])}, mae "
          f"{pct(plain_other['test']['mean_absolute_error'], plain['test']['mean_absolute_error'])}"
          " (run-to-run spread after so few epochs).")
    print(f"Same data order (shuffle off): final training loss {layerlab_fixed['loss']:.6f} vs "
          f"{plain_fixed['loss']:.6f} ({pct(layerlab_fixed['loss'], plain_fixed['loss'])}), "
          f"test mse {pct(layerlab_fixed['test']['loss'], plain_fixed['test']['loss'])}: the "
          "speed-up does not change the arithmetic.")
    print(f"sklearn MLPRegressor: {mlp['per_epoch']:.3f} s/epoch "
          f"({steady(ll['seconds']) / mlp['per_epoch']:.2f}x LayerLab's time).")
    polls = pooled["polls"]
    print(f"Worker process overhead: {100 * overhead:+.1f}% per epoch against the core path "
          f"({statistics.mean(pool_epochs):.3f} vs {statistics.mean(core_epochs):.3f} s/epoch "
          f"over {len(core_epochs)} compiled epochs each); the whole run took "
          f"{pooled['total']:.1f} s against {ll['total']:.1f} s (reading the stored CSV, "
          f"preparing and saving included); one poll of the store costs "
          f"{1000 * statistics.mean(polls) if polls else 0:.1f} ms on average "
          f"({len(polls)} polls).")

if __name__ == "__main__":
    main()
