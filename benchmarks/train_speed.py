"""How fast LayerLab trains a small tabular network, against a plain Keras fit and sklearn.

One run measures, on the same data (100,000 training rows x 8 features, a smooth regression
target plus noise) and the same network (Dense 64-64-1, adam, mse, batch size 32):

  plain     build_model(spec, prep) compiled with Keras' defaults, model.fit(X, y, 32)
  LayerLab  TrainingJob.run(): steps_per_execution, a seeded tf.data pipeline (core only)
  sklearn   MLPRegressor(hidden_layer_sizes=(64, 64), batch_size=32), for reference
  GUI       TrainingJob.start() with a poller that does what the Train page's fragment does
            twice a second (read history, progress and log; rebuild the plotly figures when
            an epoch ended; validate and serialise them as st.plotly_chart does), against
            the core path with nothing attached

and prints seconds per epoch, the ratios and the test metrics. Timings are wall-clock on
this machine and vary with its load; the ratios come from one run. Usage:

    python benchmarks/train_speed.py [--epochs 3] [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from gui.core.dataset import prepare  # noqa: E402
from gui.core.heads import default_spec
from gui.core.spec import DataSpec, ExperimentSpec  # noqa: E402


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
    return spec, prepared


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

    from gui.core.build import build_model

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


def layerlab_fit(spec, prepared, poll: bool = False):
    """The app's core path; with `poll`, a thread reads the job like the page's fragment."""
    from gui.core.training import TrainingJob
    from gui.ui import charts

    job = TrainingJob(spec, prepared)
    polls = []
    began = time.perf_counter()
    if poll:
        job.start()
        stop = threading.Event()

        def poller():
            import plotly.io
            import plotly.tools

            figures, drawn = [], -1
            while not stop.wait(0.5):
                t = time.thread_time()  # this thread's CPU time: GIL waits excluded
                history, _, _ = job.history, job.progress(), job.log_lines()
                if len(history.get("loss", [])) != drawn:  # the page rebuilds once an epoch
                    drawn = len(history.get("loss", []))
                    figures = charts.history_figures(history, None, spec.fit.epochs)
                for _, fig in figures:  # what st.plotly_chart does with each on every run
                    plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(
                        fig, validate_figure=True), validate=False)
                polls.append(time.thread_time() - t)

        thread = threading.Thread(target=poller, daemon=True)
        thread.start()
        job.wait()
        stop.set()
        thread.join()
    else:
        job.run()
    total = time.perf_counter() - began
    assert job.status == "done", job.error
    return {"seconds": job.epoch_seconds, "total": total, "loss": job.history["loss"][-1],
            "test": job.evaluate_test(), "spe": job.steps_per_execution, "polls": polls}


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

    spec, prepared = make_data(args.rows)
    spec.fit.epochs = args.epochs
    print(f"LayerLab training benchmark: {len(prepared.X_train):,} training rows x "
          f"{prepared.n_inputs} features, Dense 64-64-1, batch_size {spec.fit.batch_size}, "
          f"{args.epochs} epochs, {os.cpu_count()} CPU core(s), load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)

    import keras
    import tensorflow as tf

    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}; devices: "
          f"{', '.join(d.device_type for d in tf.config.list_physical_devices())}\n", flush=True)

    runs = {}
    for name, fn in (("plain", lambda: plain_fit(spec, prepared)),
                     ("layerlab", lambda: layerlab_fit(spec, prepared)),
                     ("gui", lambda: layerlab_fit(spec, prepared, poll=True))):
        runs[name] = fn()
        print(f"  ran {name:9s} {runs[name]['total']:6.1f} s", flush=True)
    # The GUI overhead is a few percent: measure it on longer runs, alternating, twice each.
    longer = ExperimentSpec.from_dict(spec.to_dict())
    longer.fit.epochs = max(args.epochs, 5)
    core_epochs, gui_epochs = [], []
    for _ in range(2):
        core_epochs += layerlab_fit(longer, prepared)["seconds"][1:]
        gui_epochs += layerlab_fit(longer, prepared, poll=True)["seconds"][1:]
    print(f"  ran core / GUI pairs, {longer.fit.epochs} epochs each", flush=True)
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

    plain, ll, gui = runs["plain"], runs["layerlab"], runs["gui"]
    print(f"{'path':44s} {'s/epoch':>8s} {'1st epoch':>9s} {'total s':>8s} "
          f"{'test mse':>9s} {'test mae':>9s}")
    rows = [("plain model.fit(X, y, batch_size=32)", plain),
            (f"LayerLab core (steps_per_execution={ll['spe']})", ll),
            ("LayerLab + page poller (2/s, figures)", gui)]
    for label, r in rows:
        print(f"{label:44s} {steady(r['seconds']):8.3f} {r['seconds'][0]:9.2f} "
              f"{r['total']:8.1f} {r['test']['loss']:9.4f} "
              f"{r['test']['mean_absolute_error']:9.4f}")
    print(f"{'sklearn MLPRegressor (64, 64), batch 32':44s} {mlp['per_epoch']:8.3f} "
          f"{'':9s} {mlp['total']:8.1f} {mlp['test']['loss']:9.4f} "
          f"{mlp['test']['mean_absolute_error']:9.4f}")

    speedup = steady(plain["seconds"]) / steady(ll["seconds"])
    overall = plain["total"] / ll["total"]
    overhead = statistics.mean(gui_epochs) / statistics.mean(core_epochs) - 1
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
    polls = gui["polls"]
    print(f"GUI overhead: {100 * overhead:+.1f}% per epoch with the page's poller attached "
          f"({statistics.mean(gui_epochs):.3f} vs {statistics.mean(core_epochs):.3f} s/epoch "
          f"over {len(core_epochs)} compiled epochs each); one poll costs "
          f"{1000 * statistics.mean(polls) if polls else 0:.1f} ms of CPU on average "
          f"({len(polls)} polls).")


if __name__ == "__main__":
    main()
