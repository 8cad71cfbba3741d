"""Find a better network: a time-boxed Optuna search around the recommended spec.

Each trial is a spec — the data's recommended spec (heads.recommended_spec) with the
hidden layers, activation, Dropout, L2 penalty, learning rate and batch size drawn from
vocabulary.SEARCH_SPACE within what the data supports (search_space) — trained by a
TrainingJob on the training rows only: it validates on the held-out share of them, and the
data it gets has no test rows at all, so the test rows stay unseen until Evaluate. The
first trial is the recommended spec itself, so the best is never worse than the defaults
on validation.

A trial reports its validation score after every epoch (accuracy, or R² for regression);
Optuna's MedianPruner stops one whose curve is below the median of the earlier trials at
the same epoch. The score of a trial is its validation score at the epoch with the lowest
validation loss, whose weights early stopping restores.

Example:
    result = search(prepared, minutes=1, on_trial=print)
    result.best_spec, result.best_score, result.trials_table()
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import keras
import optuna

from gui.core.data.dataset import PreparedData
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import recommended_spec, size_rule
from gui.core.spec.schema import ExperimentSpec, LayerSpec, RegularizerSpec
from gui.core.spec.validate import validation_rows
from gui.core.spec.vocabulary import DONE, SEARCH_SPACE, STOPPED
from gui.core.training.job import TrainingJob

optuna.logging.set_verbosity(optuna.logging.WARNING)

COMPLETE, PRUNED, FAILED = "complete", "pruned", "failed"


def score_metric(task: str) -> str:
    """The Keras metric a trial is scored by: accuracy, or R² for regression."""
    return "r2_score" if task == "regression" else "accuracy"


def search_space(info: DataInfo, validation_split: float = 0.2) -> dict:
    """vocabulary.SEARCH_SPACE narrowed to what the data supports: batch sizes no larger
    than the rows a trial fits on, and no more units per layer than about four per
    training row (a 30-row table gets no 512-wide layers)."""
    space = dict(SEARCH_SPACE)
    fit_rows = max(1, info.n_train - validation_rows(info.n_train, validation_split))
    batches = [b for b in space["batch_size"] if b <= fit_rows] or [space["batch_size"][0]]
    low, high = space["units"]
    space["batch_size"] = tuple(batches)
    space["units"] = (low, int(min(high, max(4 * low, 4 * info.n_train))))
    return space


def suggest(trial: optuna.Trial, space: dict) -> dict:
    """One point of `space`, as plain values (the keys of SEARCH_SPACE)."""
    return {
        "layers": trial.suggest_int("layers", *space["layers"]),
        "units": trial.suggest_int("units", *space["units"], log=True),
        "activation": trial.suggest_categorical("activation", space["activation"]),
        "dropout": trial.suggest_float("dropout", *space["dropout"]),
        "l2": trial.suggest_float("l2", *space["l2"], log=True),
        "learning_rate": trial.suggest_float("learning_rate", *space["learning_rate"],
                                             log=True),
        "batch_size": trial.suggest_categorical("batch_size", space["batch_size"]),
    }


def default_params(base: ExperimentSpec, info: DataInfo, space: dict) -> dict:
    """The point of `space` that is the recommended spec (the first trial)."""
    rule = size_rule(info.n_train)
    hidden = [x for x in base.layers[:-1] if x.type == "Dense"]
    low_l2 = space["l2"][0]
    batch = min(space["batch_size"], key=lambda b: abs(b - base.fit.batch_size))
    units = hidden[0].units if hidden else rule.units
    return {"layers": int(min(max(len(hidden), space["layers"][0]), space["layers"][1])),
            "units": int(min(max(units, space["units"][0]), space["units"][1])),
            "activation": hidden[0].activation if hidden else "relu",
            "dropout": float(rule.dropout),
            "l2": float(max(rule.l2_for(info.task), low_l2)),
            "learning_rate": float(base.compile.learning_rate), "batch_size": batch}


def trial_spec(base: ExperimentSpec, params: dict) -> ExperimentSpec:
    """`base` with the hidden layers, learning rate and batch size of `params`; an L2 at the
    space's floor means none, a Dropout rate under 0.05 no Dropout layer. The score metric
    is added to the metrics when missing."""
    spec = copy.deepcopy(base)
    hidden: list[LayerSpec] = []
    for _ in range(int(params["layers"])):
        layer = LayerSpec(type="Dense", units=int(params["units"]),
                          activation=params["activation"])
        if params["l2"] > SEARCH_SPACE["l2"][0] * 1.0001:
            layer.kernel_regularizer = RegularizerSpec(kind="l2", l2=float(params["l2"]))
        hidden.append(layer)
        if params["dropout"] >= 0.05:
            hidden.append(LayerSpec(type="Dropout", rate=round(float(params["dropout"]), 3)))
    spec.layers = [*hidden, copy.deepcopy(base.layers[-1])]
    spec.compile.learning_rate = float(params["learning_rate"])
    spec.fit.batch_size = int(params["batch_size"])
    spec.fit = replace(spec.fit, validation="split", early_stopping=True, monitor="val_loss",
                       restore_best_weights=True)
    return spec


def without_test_rows(prepared: PreparedData) -> PreparedData:
    """`prepared` with no test rows: what every trial trains on."""
    return replace(prepared, X_test=prepared.X_test[:0], y_test=prepared.y_test[:0],
                   raw_test=prepared.raw_test.iloc[:0])


class PruneOnValidation(keras.callbacks.Callback):
    """Reports a trial's validation score after each epoch; stops training when Optuna's
    pruner says the trial is worse than the others at this epoch, or the time is up."""

    def __init__(self, trial: optuna.Trial, key: str, deadline: float):
        super().__init__()
        self.trial, self.key, self.deadline = trial, key, deadline
        self.pruned = self.timed_out = False

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.key)
        if value is not None and math.isfinite(float(value)):
            self.trial.report(float(value), epoch)
            if self.trial.should_prune():
                self.pruned = self.model.stop_training = True
        if time.monotonic() >= self.deadline:
            self.timed_out = self.model.stop_training = True


@dataclass
class Trial:
    """One trial: its number, state (complete / pruned / failed), validation score,
    epochs trained, seconds, the params and the spec trained."""

    number: int
    state: str
    score: float
    epochs: int
    seconds: float
    params: dict
    spec: ExperimentSpec
    note: str = ""


@dataclass
class SearchResult:
    """Every trial, and the best one's spec, score and trained job (None: none finished)."""

    trials: list[Trial] = field(default_factory=list)
    best: Trial | None = None
    best_job: TrainingJob | None = None
    metric: str = "accuracy"

    @property
    def best_spec(self) -> ExperimentSpec | None:
        return self.best.spec if self.best else None

    @property
    def best_score(self) -> float:
        return self.best.score if self.best else float("nan")

    def trials_table(self):
        """A pandas DataFrame: one row per trial (the CSV the CLI writes)."""
        import pandas as pd

        return pd.DataFrame([{"trial": t.number, "state": t.state,
                              f"validation_{self.metric}": t.score, "epochs": t.epochs,
                              "seconds": round(t.seconds, 2), **t.params, "note": t.note}
                             for t in self.trials])


def _score(job: TrainingJob, key: str) -> float:
    """The validation score at the epoch of the lowest validation loss."""
    history = job.history
    losses, scores = history.get("val_loss", []), history.get(key, [])
    if not losses or not scores:
        return float("nan")
    finite = [i for i, x in enumerate(losses) if math.isfinite(x)]
    if not finite:
        return float("nan")
    best = min(finite, key=lambda i: losses[i])
    return float(scores[best])


def search(prepared: PreparedData, minutes: float, base: ExperimentSpec | None = None,
           seed: int = 0, max_trials: int | None = None,
           on_trial: Callable[[Trial, SearchResult], None] | None = None,
           enqueue: list[dict] | None = None,
           pruner: optuna.pruners.BasePruner | None = None) -> SearchResult:
    """Search for `minutes` (and at most `max_trials` trials) from `base` (default: the
    recommended spec for the data); `on_trial` is called after each trial.

    Args:
        prepared: the data; its test rows are never used.
        minutes: the time box; a trial still training when it ends stops there and keeps
            its best epoch.
        base: the spec whose data choices, output layer and compile settings trials keep.
        seed: the sampler's seed (each trial trains with the base's fit seed).
        max_trials: stop after this many trials (None: only the time box).
        on_trial: called with each finished trial and the result so far.
        enqueue: more points to try first, after the recommended spec (for tests).
        pruner: Optuna's pruner (default: MedianPruner after 2 trials and 5 epochs).
    """
    info = DataInfo.from_prepared(prepared)
    base = copy.deepcopy(base) if base is not None else recommended_spec(info)
    key = score_metric(info.task)
    if key not in base.compile.metrics:
        base.compile.metrics = [*base.compile.metrics, key]
    space = search_space(info, base.fit.validation_split)
    data = without_test_rows(prepared)
    deadline = time.monotonic() + minutes * 60.0
    result = SearchResult(metric=key.replace("r2_score", "r2"))
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=pruner or optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=5))
    for point in [default_params(base, info, space), *(enqueue or [])]:
        study.enqueue_trial(point)

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial, space)
        spec = trial_spec(base, params)
        watch = PruneOnValidation(trial, f"val_{key}", deadline)
        began = time.monotonic()
        job = TrainingJob(spec, data, callbacks=[watch])
        job.run()
        value = _score(job, f"val_{key}") if job.status in (DONE, STOPPED) else float("nan")
        state = (PRUNED if watch.pruned else COMPLETE if math.isfinite(value) else FAILED)
        note = job.error or ("stopped by the time limit" if watch.timed_out else "")
        record = Trial(trial.number, state, value, job.epochs_done,
                       time.monotonic() - began, params, spec, note)
        result.trials.append(record)
        if state == COMPLETE and (result.best is None or value > result.best.score):
            result.best, result.best_job = record, job
        if on_trial is not None:
            on_trial(record, result)
        if state == PRUNED:
            raise optuna.TrialPruned()
        if state == FAILED:
            return float("nan")  # Optuna records the trial as failed
        return value

    def stop_when_done(study_, _trial):
        if time.monotonic() >= deadline or (max_trials and len(result.trials) >= max_trials):
            study_.stop()

    study.optimize(objective, callbacks=[stop_when_done], catch=())
    return result

