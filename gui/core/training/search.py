"""Find a better network: a time-boxed Optuna search around the recommended spec.

The space, the trials' specs and the score are search_space.py's (shared with the search
whose trials are runs of the pool, workers/search_driver.py). Each trial is a spec — the
data's recommended spec (heads.recommended_spec) with the
hidden layers, activation, Dropout, L2 penalty, learning rate and batch size drawn from
vocabulary.SEARCH_SPACE within what the data supports (search_space) — trained by a
TrainingJob on the training rows only: it validates on the held-out share of them, and the
data it gets has no test rows at all, so the test rows stay unseen until Evaluate. The
first trial is the recommended spec itself, so the best is never worse than the defaults
on validation; the second a linear model (search_space.opening_points). Each trial trains
for at most a share of the time box (search_space.trial_seconds, ended at an epoch's end by
callbacks.StopAfter), and later trials with fewer epochs and less patience (trial_fit), so
a one-minute box holds several trials. TensorFlow is imported once, in this process.

A trial reports its validation score after every epoch (accuracy, or R² for regression);
Optuna's MedianPruner stops one whose curve is below the median of the earlier trials at
the same epoch. The score of a trial is its validation score at the epoch with the lowest
validation loss, whose weights early stopping restores. On a table too small to hold
validation rows back (its recommended spec has none), the best network is then trained again
on every training row (refit_on_every_row), so it never learns from fewer rows than the
defaults.

Example:
    result = search(prepared, minutes=1, on_trial=print)
    result.best_spec, result.best_score, result.trials_table()
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import keras
import optuna

from gui.core.data.dataset import PreparedData
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import recommended_spec
from gui.core.spec.schema import ExperimentSpec
from gui.core.spec.vocabulary import DONE, STOPPED
from gui.core.training.callbacks import StopAfter
from gui.core.training.job import TrainingJob
from gui.core.training.search_space import (  # noqa: F401  (search.search_space & co.)
    COMPLETE,
    FAILED,
    FIRST_TRIAL_SHARE,
    MIN_TRIAL_S,
    PRUNED,
    TRIAL_EPOCHS,
    TRIAL_PATIENCE,
    TRIAL_SHARE,
    VALIDATION_ROWS,
    best_of,
    default_params,
    history_score,
    new_study,
    opening_points,
    score_metric,
    score_name,
    search_space,
    suggest,
    trial_fit,
    trial_seconds,
    trial_spec,
    with_score_metric,
)


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
        enqueue: more points to try first, after the recommended spec and before the
            linear baseline (for tests).
        pruner: Optuna's pruner (default: MedianPruner after 2 trials and 5 epochs).
    """
    info = DataInfo.from_prepared(prepared)
    base = with_score_metric(base if base is not None else recommended_spec(info), info.task)
    key = score_metric(info.task)
    space = search_space(info, base.fit.validation_split)
    data = prepared.without_test_rows()
    deadline = time.monotonic() + minutes * 60.0
    result = SearchResult(metric=score_name(info.task))
    study = new_study(seed, pruner)
    for point in opening_points(default_params(base, info, space), space, enqueue):
        study.enqueue_trial(point)

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial, space)
        spec = trial_fit(trial_spec(base, params), trial.number)
        watch = PruneOnValidation(trial, f"val_{key}", deadline)
        cap = StopAfter(trial_seconds(minutes, trial.number))
        began = time.monotonic()
        job = TrainingJob(spec, data, callbacks=[watch, cap])
        job.run()
        finished = job.status in (DONE, STOPPED)
        value = history_score(job.history, info.task) if finished else float("nan")
        state = (PRUNED if watch.pruned else COMPLETE if math.isfinite(value) else FAILED)
        note = job.error or ("stopped by the time limit" if watch.timed_out else
                             cap.note if cap.stopped and not watch.pruned else "")
        record = Trial(trial.number, state, value, job.epochs_done,
                       time.monotonic() - began, params, spec, note)
        result.trials.append(record)
        if best_of(result.trials, space.get(VALIDATION_ROWS)) is record:
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
    if result.best is not None and base.fit.validation == "none":
        refit = refit_on_every_row(result.best, result.best_job.history, base, data)
        if refit.model is not None:  # else (it diverged) the trial's own model stays the best
            result.best_job = refit
    return result


def refit_on_every_row(best: Trial, history: dict, base: ExperimentSpec,
                       data: PreparedData) -> TrainingJob:
    """The best network trained again on every training row, for a table too small to hold
    validation rows back (its recommended spec has none): trials had to score on a share of
    the rows, but the model that comes out must not train on fewer rows than the defaults
    would. The defaults' trial is the recommended spec itself; another trial trains for the
    epochs its validation curve chose."""
    if best.number == 0:
        spec = base
    else:
        losses = history.get("val_loss", [])
        finite = [(v, i) for i, v in enumerate(losses) if math.isfinite(v)]
        epochs = (min(finite)[1] + 1) if finite else best.epochs
        spec = replace(best.spec, fit=replace(best.spec.fit, validation="none",
                                              early_stopping=False, monitor="loss",
                                              epochs=max(1, epochs)))
    job = TrainingJob(spec, data)
    job.run()
    return job

