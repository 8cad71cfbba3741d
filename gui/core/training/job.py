"""TrainingJob: one `model.fit`, with live history, progress and a stop flag.

A job builds the model from the spec and the fitted preprocessing — or takes a model that
already trained, to continue it from `initial_epoch` with its optimizer state — and runs
`fit` in the calling thread (`run`, as a training worker process does in its main thread).
A Keras callback only appends each epoch's logs to the job's history under a lock and
checks the stop flag, so another thread (the worker's stop watcher) can call `job.stop()`
and read `job.history`, `job.progress()` and `job.status` at any time.

Example:
    job = TrainingJob(spec, prepared)
    job.run()
    job.status, job.history["loss"][-1], job.deploy_model().predict(raw_rows)

Speed: tabular models are tiny, so Keras' per-step overhead dominates a plain `fit`. The job
runs several batches per call into TensorFlow (`steps_per_execution`, chosen from the model's
size so that one call stays well under a second and Stop still answers at once), feeds the
batches through a vectorised, prefetching `tf.data` pipeline read through one iterator for the
whole fit where the epochs allow (pipeline.py: starting one costs ~15 ms of CPU, and Keras
otherwise starts four an epoch), and validates in large batches.
XLA (`jit_compile`) is left to Keras' "auto": on for accelerators, off on CPU, where it does
not win for these models.

Determinism: the same spec on the same data gives the same curves to the last digit on the
same machine, even while other jobs train beside it. Every source of randomness is seeded by
the job itself, never by process-wide state: initializers and Dropout get explicit seeds
(build.py), and the epoch order is a stateless shuffle keyed by the seed and the epoch.
`keras.utils.set_random_seed` is still called for anything else, but as it is process-global
the job does not rely on it.
"""

from __future__ import annotations

import copy
import math
import threading
import time

import keras
import numpy as np
import tensorflow as tf

from gui.core.data.dataset import PreparedData
from gui.core.inspection import hints
from gui.core.inspection.evaluate import run_scores
from gui.core.model.build import training_targets, with_unscaled_output
from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.schema import ExperimentSpec
from gui.core.spec.validate import validation_rows
from gui.core.spec.vocabulary import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    STOPPED,
    STOPPING,
)
from gui.core.store.progress import Progress
from gui.core.training.callbacks import (
    LiveCallback,
    OneBatchValidation,
    ValidateUnlessStopped,
)
from gui.core.training.model_reuse import compiled_model
from gui.core.training.model_reuse import forget as forget_kept_model
from gui.core.training.pipeline import (
    repeats,
    training_dataset,
    validation_dataset,
)

MIN_VALIDATION_BATCH = 1024


# ---- the job -------------------------------------------------------------------------------

class TrainingJob:
    """One training run of `spec` on `prepared`, trained by `run()` in the calling thread.

    Thread-safe from any other thread: `stop()`, and the read side `status`, `error`,
    `note`, `history`, `progress()`, `elapsed`, `epoch_seconds`, `log_lines()`, `stop_heard`.

    `model` is the Keras model in training units (set once building succeeded; None when
    the job failed, e.g. on a NaN loss); `deploy_model()` returns the target in its own
    units. `spec` is the snapshot taken at construction, `prepared` the data trained on.

    Args:
        spec: the experiment; a deep copy is taken, so later edits do not reach the run.
        prepared: the arrays and fitted preprocessing from `dataset.prepare`.
        on_epoch: optional function called (from the training thread) with each epoch's
            log line, after the epoch's values are in the history.
        initial_model: a compiled model to train further (its optimizer state goes on);
            None builds a fresh one from the spec.
        initial_epoch: the epochs `initial_model` has trained; `spec.fit.epochs` is the total.
        before: the earlier epochs' {"history", "log", "epoch_seconds"}, so the curves go on.
        callbacks: more Keras callbacks for `fit` (e.g. snapshots.SnapshotRecorder).
        reuse_model: train the process's kept model when it has the same configuration
            (model_reuse: no new trace); only where nothing holds a finished job's model
            while the next one trains (a training worker).
    """

    def __init__(self, spec: ExperimentSpec, prepared: PreparedData, on_epoch=None,
                 initial_model: keras.Model | None = None, initial_epoch: int = 0,
                 before: dict | None = None, callbacks: list | None = None,
                 reuse_model: bool = False):
        self.spec = copy.deepcopy(spec)
        self.reuse_model = reuse_model
        self.callbacks = list(callbacks or [])
        self.prepared = prepared
        self.on_epoch = on_epoch
        self.initial_model = initial_model
        self.initial_epoch = int(initial_epoch)
        self.created = time.time()  # when the job was made, to name the run
        self.model: keras.Model | None = None
        self.error: str | None = None
        self.error_detail: str | None = None  # the exception's type and text, for logs
        self.note: str | None = None          # e.g. why training ended early
        self.steps_per_execution: int | None = None
        self._status = QUEUED
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.stop_heard = threading.Event()  # fit saw the stop flag, or the job ended
        before = before or {}
        self._history: dict[str, list[float]] = {
            k: [float(x) for x in v] for k, v in before.get("history", {}).items()}
        self._logs: list[str] = list(before.get("log", []))
        self._epoch = self.initial_epoch
        self._epoch_began = 0.0
        self._epoch_seconds: list[float] = list(before.get("epoch_seconds", []))
        self._step = 0
        self._steps = 0
        self._started: float | None = None
        self._ended: float | None = None
        self._nan_epoch: int | None = None
        self._deploy: keras.Model | None = None
        self.problems = validate(self.spec, DataInfo.from_prepared(prepared))

    # ---- control -------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the job to end after the current batches (within a second); keeps the model."""
        self._stop.set()
        with self._lock:
            if self._status == RUNNING:
                self._status = STOPPING

    def run(self) -> None:
        """Train in the calling thread. Never raises."""
        if self.problems:
            self._finish(FAILED, "Cannot start training: "
                         + " ".join(p.message for p in self.problems))
            return
        try:
            with self._lock:
                self._status = STOPPING if self._stop.is_set() else RUNNING
                self._started = time.monotonic()
            self._train()
        except BaseException as exc:  # noqa: BLE001 - every failure becomes a plain message
            self.model = None
            forget_kept_model()  # a model whose fit raised is not trained again
            self.error_detail = f"{type(exc).__name__}: {exc}"
            self._finish(FAILED, explain_exception(exc))
        else:
            if self._nan_epoch is not None:
                self.model = None
                self._finish(FAILED, self._nan_message())
            elif self._stop.is_set():
                self._finish(STOPPED, None)
            else:
                self._finish(DONE, None)

    # ---- read side -----------------------------------------------------------------------
    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    @property
    def history(self) -> dict[str, list[float]]:
        """{name: one value per finished epoch}: loss, metrics, val_loss, val_<metric>; a copy
        that later epochs do not change."""
        with self._lock:
            return {k: list(v) for k, v in self._history.items()}

    def log_lines(self) -> list[str]:
        """One line per finished epoch, as Keras prints them."""
        with self._lock:
            return list(self._logs)

    def progress(self) -> Progress:
        with self._lock:
            return Progress(self._epoch, self.spec.fit.epochs, self._step, self._steps)

    @property
    def epoch_seconds(self) -> list[float]:
        """Wall time of each finished epoch (the first includes compiling the step)."""
        with self._lock:
            return list(self._epoch_seconds)

    @property
    def epochs_done(self) -> int:
        with self._lock:
            return len(self._history.get("loss", []))

    @property
    def elapsed(self) -> float:
        """Seconds spent training (not waiting for a slot)."""
        with self._lock:
            if self._started is None:
                return 0.0
            return (self._ended or time.monotonic()) - self._started

    def deploy_model(self) -> keras.Model | None:
        """The trained model that returns the target in its own units (see build.py)."""
        if self.model is None:
            return None
        if self._deploy is None:
            self._deploy = with_unscaled_output(self.model, self.prepared.preprocessor)
        return self._deploy

    def evaluate_test(self) -> dict[str, float]:
        """loss and metrics on the test rows (in training units, like the curves); for a
        number also its R² in the target's own units (vocabulary.UNITS_SCORE), which compares
        runs whether or not they scaled the target (the class board)."""
        if self.model is None:
            return {}
        data = self.prepared
        return run_scores(self.model, data.X_test, data.y_test, self.spec, data,
                          max(self.spec.fit.batch_size, MIN_VALIDATION_BATCH))

    # ---- worker --------------------------------------------------------------------------
    def _train(self) -> None:
        spec, data, fit = self.spec, self.prepared, self.spec.fit
        keras.utils.set_random_seed(fit.seed)  # process-wide; the job does not rely on it
        X, y = data.X_train, training_targets(data.y_train, spec, data.n_classes)
        validation = None
        if fit.validation == "split":
            keep = len(X) - validation_rows(len(X), fit.validation_split)
            X, y, validation = X[:keep], y[:keep], (X[keep:], y[keep:])
        elif fit.validation == "test":
            validation = (data.X_test,
                          training_targets(data.y_test, spec, data.n_classes))
        batch = min(fit.batch_size, len(X))
        steps = math.ceil(len(X) / batch)
        if self.initial_model is not None:
            model = self.initial_model  # compiled: its optimizer state carries on
        else:
            model, self.steps_per_execution = compiled_model(spec, data.preprocessor, batch,
                                                             steps, reuse=self.reuse_model)
        self.model = model
        with self._lock:
            self._steps = steps
        validation_batch = max(batch, MIN_VALIDATION_BATCH)
        scored: list[keras.callbacks.Callback] = []
        if validation is not None and len(validation[0]) <= validation_batch:
            scored, validation = [OneBatchValidation(self, *validation)], None
        callbacks = [*scored, LiveCallback(self), *self.callbacks]
        early = None
        if fit.early_stopping:
            early = keras.callbacks.EarlyStopping(
                monitor=fit.monitor, patience=fit.patience,
                restore_best_weights=fit.restore_best_weights)
            callbacks.append(early)
        if self._stop.is_set():
            return
        if validation is not None:
            validation = validation_dataset(*validation, validation_batch)
        endless = repeats(steps, int(getattr(model, "steps_per_execution", 1) or 1))
        model.fit(training_dataset(X, y, batch, fit.shuffle, fit.seed, endless),
                  steps_per_epoch=steps, epochs=fit.epochs,
                  initial_epoch=self.initial_epoch, validation_data=validation,
                  callbacks=callbacks, verbose=0, shuffle=False,
                  validation_freq=ValidateUnlessStopped(self))
        if early is not None and early.stopped_epoch > 0 and self._nan_epoch is None:
            best = getattr(early, "best_epoch", None)
            restored = (f" The weights of epoch {best + 1} (the best {fit.monitor}) were "
                        "restored." if fit.restore_best_weights and best is not None else "")
            self.note = (f"Early stopping ended training after epoch {early.stopped_epoch + 1}:"
                         f" {fit.monitor} did not improve for {fit.patience} epoch(s)."
                         f"{restored}")

    def _begin_epoch(self, epoch: int) -> None:
        with self._lock:
            self._epoch, self._step = epoch + 1, 0
            self._epoch_began = time.monotonic()

    def _on_batch(self, batch: int, loss: float | None) -> bool:
        """Record progress; True when training must stop (asked to, or the loss is NaN)."""
        with self._lock:
            self._step = min(batch + 1, self._steps)
            if loss is not None and not math.isfinite(loss) and self._nan_epoch is None:
                self._nan_epoch = self._epoch
        return self._heard_stop() or self._nan_epoch is not None

    def _heard_stop(self) -> bool:
        """Whether to stop now; fit has answered a stop request once this returns True."""
        if self._stop.is_set():
            self.stop_heard.set()
            return True
        return False

    def _stopped_midway(self) -> bool:
        with self._lock:
            return self._stop.is_set() and self._step < self._steps

    def _end_epoch(self, epoch: int, logs: dict) -> bool:
        if self._stopped_midway():  # a partial epoch: not a point on the curves
            with self._lock:
                line = (f"Epoch {epoch + 1}/{self.spec.fit.epochs} - stopped after batch "
                        f"{self._step}/{self._steps}")
                self._logs.append(line)
            if self.on_epoch is not None:
                self.on_epoch(line)
            return True
        values = {k: float(v) for k, v in logs.items() if np.ndim(v) == 0}
        names = ["loss", *[str(m) for m in self.spec.compile.metrics]]
        order = [k for k in names if k in values]
        order += [f"val_{k}" for k in names if f"val_{k}" in values]
        order += sorted(k for k in values if k not in order)
        parts = " - ".join(f"{k}: {values[k]:.4f}" for k in order)
        line = f"Epoch {epoch + 1}/{self.spec.fit.epochs} - {parts}"
        bad = [k for k in order if not math.isfinite(values[k])]
        with self._lock:
            self._epoch_seconds.append(time.monotonic() - self._epoch_began)
            for k in order:
                self._history.setdefault(k, []).append(values[k])
            self._logs.append(line)
            self._step = self._steps
            if bad and self._nan_epoch is None:
                self._nan_epoch = epoch + 1
        if self.on_epoch is not None:
            self.on_epoch(line)
        return bool(bad) or self._stop.is_set()

    def _finish(self, status: str, error: str | None) -> None:
        self.stop_heard.set()
        with self._lock:
            self._status = status
            self.error = error
            if self._started is not None and self._ended is None:
                self._ended = time.monotonic()

    def _nan_message(self) -> str:
        c = self.spec.compile
        hint = ("scale the features (data page: scaling 'standard')"
                if self.prepared.preprocessor.scaling_["kind"] == "none"
                else "check the data for extreme values")
        if self.prepared.task == "regression" and not self.spec.data.scale_target:
            hint += ", or scale the target"
        return (f"The loss became NaN (not a number) in epoch {self._nan_epoch}, so training "
                f"stopped there: the weights blew up. Lower the learning rate (now "
                f"{c.learning_rate:g} for {c.optimizer}; "
                f"{hints.lower_rate_advice(c.optimizer, c.learning_rate)}), or "
                f"{hint}. Gradient clipping (clipnorm) also helps.")


def explain_exception(exc: BaseException) -> str:
    """An exception from building or fitting, as one or two plain sentences (no traceback)."""
    text = str(exc).strip()
    if isinstance(exc, MemoryError) or isinstance(exc, tf.errors.ResourceExhaustedError) or (
            "OOM" in text or "out of memory" in text.lower()):
        return ("Training ran out of memory. Use a smaller batch size, fewer or narrower "
                "layers, or fewer rows, then train again.")
    if isinstance(exc, KeyboardInterrupt):
        return "Training was interrupted."
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if isinstance(exc, tf.errors.OpError):
        first = exc.message.strip().splitlines()[0] if exc.message else first
    if len(first) > 300:
        first = first[:297] + "..."
    first = first.replace("Traceback", "trace")
    return (f"Training failed: {first or type(exc).__name__}. Check the model's output layer "
            "and loss against the task on the model page, then train again.")
