"""SearchDriver: "Find a better network" whose trials are runs trained by the pool.

A page queues a search in the store (store/searches.py); a driver thread in the process that
owns the pool claims it and drives an Optuna study (ask and tell) over the search's space
(training/search_space.py, the same space and score as the search in one process):

- each trial is a run (runs.py `create`, named "Search 2 · trial 5", its data naming the
  search), queued like anyone's run, so it waits its turn first come, first served, can be
  stopped, and shows on the Runs page with its curves; the worker trains it without the
  test rows and never scores it on them (run_start.is_search_trial);
- while a trial trains, the driver reads its validation curve from the run record, epoch by
  epoch, reports it to the study, and prunes a trial the pruner gives up on by asking its run
  to stop (its note says why);
- each trial is capped (search_space.trial_seconds, trial_fit): its run's data carries its
  share of the time box in seconds, and the worker ends it at the end of the epoch that
  passes it (its best epoch still counts);
- it asks for one trial at a time (a workspace trains one run at a time anyway), stops asking
  when the time box ends and stops the trial then in flight (its best epoch still counts);
- the best trial is the complete one with the best validation score (the defaults give way
  only to a clear gain, search_space.best_of) (the test rows stay
  unseen until Evaluate).

Why a thread in the pool's process: Optuna's sampler and pruner state lives in one study
object, which needs one owner; the claim in the store makes each search one driver's, in
whichever app process shares the store; the driver only reads rows and queues runs (no
TensorFlow, a few milliseconds a tick), so it takes no training core. If that process ends,
its searches are marked interrupted (like its runs), keeping the trials that finished.

Example:
    driver = SearchDriver(store, wake=pool.wake)
    search_id = Searches(store).create(token, plan.base, data, plan.space, plan.first,
                                       task, minutes=1)
    driver.wake()
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import optuna
from optuna.trial import TrialState

from gui.core.spec.vocabulary import QUEUED
from gui.core.store.runs import Runs
from gui.core.store.searches import (
    SEARCH_DONE,
    SEARCH_INTERRUPTED,
    SEARCH_STOPPED,
    SEARCH_STOPPING,
    Searches,
    SearchRecord,
    SearchTrial,
)
from gui.core.store.workspaces import Store, StoreError
from gui.core.training.search_space import (
    COMPLETE,
    FAILED,
    PRUNED,
    VALIDATION_ROWS,
    best_of,
    history_score,
    new_study,
    opening_points,
    score_metric,
    score_name,
    suggest,
    trial_fit,
    trial_seconds,
    trial_spec,
)
from gui.core.workers.pool import idle_seconds_from_env, keep_ticking

log = logging.getLogger(__name__)
TICK_S = 0.5
HEARTBEAT_EVERY_S = 5.0
STALE_S = 30.0  # a search whose driver has been silent this long was interrupted
QUEUED_TRIAL, RUNNING_TRIAL = "queued", "running"


class SearchDriver:
    """The thread that drives every search this process claims.

    Args:
        store: the shared store.
        wake: tells the pool to look at the store (a trial was queued or asked to stop).
        pruner: makes each search's Optuna pruner (default: search_space.new_study's).
        enqueue: points to try after the first, before the linear baseline (for tests).
        max_trials: stop a search after this many trials (for tests; default: the time box).
        idle_seconds: a search whose workspace has had no open page this long asks for no
            more trials (the pool stops the runs of such a workspace); default: the pool's.
    """

    def __init__(self, store: Store, wake: Callable[[], None] = lambda: None,
                 pruner: Callable[[], optuna.pruners.BasePruner] | None = None,
                 enqueue: list[dict] | None = None, max_trials: int | None = None,
                 idle_seconds: float | None = None):
        self.store, self.searches, self.runs = store, Searches(store), Runs(store)
        self.wake_pool = wake
        self.idle_seconds = idle_seconds if idle_seconds is not None else \
            idle_seconds_from_env()
        self.pruner, self.enqueue, self.max_trials = pruner, list(enqueue or []), max_trials
        self.owner = f"{socket.gethostname()}:{os.getpid()}:search:{id(self)}"
        self._drives: dict[int, _Drive] = {}
        self._wake, self._closed = threading.Event(), threading.Event()
        self._housekept = 0.0
        self.searches.interrupt_stale(time.time() - STALE_S)
        self._thread = threading.Thread(target=self._loop, name="layerlab-search", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the store now (a search was queued or asked to stop)."""
        self._wake.set()

    def close(self) -> None:
        """End the thread; searches in flight stop their trial and are marked interrupted."""
        self._closed.set()
        self._wake.set()
        self._thread.join(timeout=5)
        for drive in self._drives.values():
            drive.abandon("Interrupted: the server stopped during this search; the trials "
                          "that finished are kept.")
        self.wake_pool()

    def _loop(self) -> None:
        keep_ticking(self._tick, self._closed, self._wake, TICK_S, "search driver")

    def _tick(self) -> None:
        while (search_id := self.searches.claim_next(self.owner)) is not None:
            record = self.searches.get_any(search_id)
            self._drives[search_id] = _Drive(self, record)
        for search_id, drive in list(self._drives.items()):
            try:
                finished = drive.step()
            except StoreError as exc:  # the workspace was started over, or the run deleted
                drive.abandon(f"Stopped: {exc}")
                finished = True
            if finished:
                del self._drives[search_id]
        now = time.time()
        if now - self._housekept >= HEARTBEAT_EVERY_S:
            self._housekept = now
            for drive in self._drives.values():
                self.searches.report(drive.id)  # the heartbeat
            self.searches.interrupt_stale(now - STALE_S, keep=set(self._drives))


class _Drive:
    """One search: its study, its trials, the trial in flight."""

    def __init__(self, driver: SearchDriver, record: SearchRecord):
        self.driver, self.id, self.token = driver, record.id, record.workspace
        self.record = record
        self.study = new_study(pruner=driver.pruner() if driver.pruner else None)
        for point in opening_points(record.first, record.space, driver.enqueue):
            self.study.enqueue_trial(point)
        self.trials: list[SearchTrial] = list(record.trials)
        self.current: optuna.Trial | None = None
        self.reported = 0          # epochs of the trial in flight reported to the study
        self.seen: tuple | None = None  # its run's glance when last read
        self.key = f"val_{score_metric(record.task)}"
        self.deadline = (record.started or time.time()) + record.minutes * 60

    # ---- one tick ----------------------------------------------------------------------------
    def step(self) -> bool:
        """Move the search on; True when it has ended."""
        searches, runs = self.driver.searches, self.driver.runs
        status = searches.status(self.id)
        stopping = status == SEARCH_STOPPING
        out_of_time = time.time() >= self.deadline
        if self.current is not None:
            trial = self.trials[-1]
            glance = runs.glance(self.token, trial.run)
            if glance is None:
                raise StoreError(f"the run of trial {trial.number + 1} was deleted")
            if glance.changes != self.seen and (glance.has_history or not glance.active):
                self.seen = glance.changes
                self._follow(trial, runs.get(self.token, trial.run), stopping, out_of_time)
            elif (stopping or out_of_time) and glance.active and not trial.note:
                self._stop_run(trial, self._stop_note(stopping))

            if self.current is not None:
                return False
        enough = self.driver.max_trials and len(self.trials) >= self.driver.max_trials
        if stopping or out_of_time or enough:
            self._finish(SEARCH_STOPPED if stopping else SEARCH_DONE)
            return True
        unseen = time.time() - searches.last_seen(self.token)
        if unseen > self.driver.idle_seconds:
            self._finish(SEARCH_STOPPED, f"Stopped because no page of its workspace was open "
                                         f"for {self.driver.idle_seconds / 60:g} minutes. ")
            return True
        self._ask()
        return False

    def _follow(self, trial: SearchTrial, run, stopping: bool, out_of_time: bool) -> None:
        """Report the run's new epochs, prune or stop it, and tell the study when it ends."""
        values = run.history.get(self.key, [])
        for step in range(self.reported, len(values)):
            value = values[step]
            if (run.active and trial.state != PRUNED and value is not None
                    and math.isfinite(value)):
                self.current.report(float(value), step)
                if self.current.should_prune():
                    trial.state = PRUNED
                    self._stop_run(trial, (
                        f"Pruned by {self.record.name} after epoch {step + 1}: its validation "
                        f"{score_name(self.record.task)} was below the median of the earlier "
                        "trials at that epoch."))
        self.reported = len(values)
        if trial.state == QUEUED_TRIAL and run.status != QUEUED:
            trial.state = RUNNING_TRIAL
        trial.epochs = run.epochs_done
        if run.active and (stopping or out_of_time) and not trial.note:
            self._stop_run(trial, self._stop_note(stopping))
        if run.active:
            self._save()
            return
        score = history_score(run.history, self.record.task)
        trial.score = score if math.isfinite(score) else None
        if trial.state == PRUNED:
            self.study.tell(self.current, state=TrialState.PRUNED)
        elif trial.score is not None:
            trial.state = COMPLETE
            self.study.tell(self.current, trial.score)
        else:
            trial.state = FAILED
            trial.note = trial.note or (run.error or "No validation score: it stopped "
                                        "before its first epoch ended.")
            self.study.tell(self.current, state=TrialState.FAIL)
        self.current = None
        self._save()

    def _ask(self) -> None:
        self.current = self.study.ask()
        params = suggest(self.current, self.record.space)
        number = len(self.trials)
        spec = trial_fit(trial_spec(self.record.base, params, self.record.space), number)
        # no weight snapshots (the Inside page's views): they cost time on every epoch
        spec.fit = replace(spec.fit, snapshots=False)
        run_id = self.driver.runs.create(
            self.token, spec, {**self.record.data, "search": self.id,
                               "seconds": round(trial_seconds(self.record.minutes, number), 1)},
            name=f"{self.record.name} · trial {number + 1}")
        self.trials.append(SearchTrial(number=number, run=run_id, state=QUEUED_TRIAL,
                                       params=params))
        self.reported, self.seen = 0, None
        self._save()
        self.driver.wake_pool()

    @staticmethod
    def _stop_note(stopping: bool) -> str:
        return ("Stopped with its search." if stopping else
                "Stopped by the search's time limit; its best epoch counts.")

    def _stop_run(self, trial: SearchTrial, note: str) -> None:
        trial.note = note
        self.driver.runs.request_stop(self.token, trial.run, note=note)
        self.driver.wake_pool()

    # ---- the record --------------------------------------------------------------------------
    def _best(self) -> SearchTrial | None:
        return best_of(self.trials, self.record.space.get(VALIDATION_ROWS))

    def _save(self, **values) -> None:
        best = self._best()
        self.driver.searches.report(
            self.id, trials=self.trials, best_run=best.run if best else None,
            best_score=best.score if best else None, **values)

    def _finish(self, status: str, why: str = "") -> None:
        best = self._best()
        n = len(self.trials)
        note = why + (f"{n} trial{'s' if n != 1 else ''} ({trial_counts(self.trials)}); "
                + (f"the best scored {best.score:.4f} on the validation rows."
                   if best else "none finished: give it more minutes."))
        self._save(status=status, ended=time.time(), note=note)

    def abandon(self, note: str) -> None:
        """End the search now (the driver is closing, or its workspace is gone)."""
        if self.current is not None and self.trials:
            try:
                self.driver.runs.request_stop(self.token, self.trials[-1].run,
                                              note="Stopped with its search.")
            except StoreError:
                pass
        try:
            self._save(status=SEARCH_STOPPED if note.startswith("Stopped")
                       else SEARCH_INTERRUPTED, ended=time.time(), note=note)
        except StoreError:
            pass


def trial_counts(trials: list[SearchTrial]) -> str:
    """How the trials ended, in words: "2 finished, 1 pruned, 1 cut short by the stop (its
    best epoch counts)" (a trial stopped with its search or its time box has a note)."""
    counts = {"finished": sum(t.state == COMPLETE and not t.note for t in trials),
              "pruned": sum(t.state == PRUNED for t in trials),
              "cut short by the stop or the time box (its best epoch counts)":
                  sum(t.state == COMPLETE and bool(t.note) for t in trials),
              "failed": sum(t.state == FAILED for t in trials)}
    return ", ".join(f"{n} {what}" for what, n in counts.items() if n) or "none ended"
