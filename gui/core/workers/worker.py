"""A training worker process: imports TensorFlow once, then trains the runs the pool sends.

The pool (pool.py, local_engine.py) sends a run id down a pipe (a Ray actor, ray_engine.py,
calls `train` itself); the worker reads the run's record,
prepares its data from the workspace, trains it with a TrainingJob in its main thread and
writes what happens back to the record four times a second (status, progress, history, log)
from a reporter thread. At the end it scores the model on the test rows and, for a lesson
copy's run, on the lesson's hidden test rows (the class board ranks by those); a search's
trial (its data names the search) gets no test rows at all and is never scored on them.
The model, with its optimizer state, is saved as the run's .keras file every few seconds of
training and at the end, so a server restart keeps the last one; the run's weight snapshots
(snapshots.py) with it at most every SNAPSHOTS_EVERY_S and at the end, and the latest epoch's
weights alone whenever the reporter finds a new one, at most every LATEST_EVERY_S (the Inside
page's live view). Every file goes into the database (run_files.py): the worker's LAYERLAB_HOME
is only a cache, so a worker on another machine needs nothing but the database URL.
Stop reaches the worker as a message; the worker answers ("heard") as soon as `fit` has
seen it, and the pool ends a worker that does not answer in time. A stopped run is reported
stopped as soon as `fit` halts, with `model_pending` set while the model of its last epoch
is saved (pages show it stopped at once, and wait for that model before loading it).
The worker is started with `python -m gui.core.workers.worker` (not multiprocessing's
spawn, which would re-run the app's main script, layerlab.py, in the child).
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection

from gui.core.spec.vocabulary import FAILED, STOPPED
from gui.core.store.runs import Runs
from gui.core.store.workspaces import Store
from gui.core.workers.run_start import (
    final_note,
    is_search_trial,
    parent_model,
    recorder_for,
    time_cap,
)

REPORT_EVERY_S = 0.25
SAVE_EVERY_S = 3.0
LATEST_EVERY_S = 0.5  # the live view's weights: at most this often (the page polls each 1 s)
SNAPSHOTS_EVERY_S = 30.0  # every kept epoch's weights (up to 32 MB): with the model, this often
THREADS_ENV = "LAYERLAB_WORKER_THREADS"  # TensorFlow's threads in this worker (its engine's say)
TRAINING_MODULES = ("gui.core.data.data_ref", "gui.core.training.job",
                    "gui.core.training.snapshots", "gui.core.saving.export",
                    "gui.core.saving.load", "gui.core.inspection.hidden_test")


def main(argv: list[str]) -> None:
    """`python -m gui.core.workers.worker FD HOME`: serve the pool on the socket FD (the database
    URL comes in the environment, LAYERLAB_WORKER_DATABASE_URL, never on a command line).
    HOME is this worker's own cache of the store's files; it may be empty."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in the terminal: the pool ends us
    fd, home, url = int(argv[0]), argv[1], os.environ.get("LAYERLAB_WORKER_DATABASE_URL")
    link = _Link(Connection(fd))
    import_tensorflow(int(os.environ.get(THREADS_ENV) or 0))

    runs = Runs(Store(home, url))
    link.send(("ready", os.getpid()))
    while True:
        run_id = link.runs.get()
        stop = link.begin(run_id)
        train(runs, run_id, stop, lambda done=run_id: link.send(("heard", done)))
        link.end(run_id)
        link.send(("done", run_id))
        release()


def import_tensorflow(threads: int) -> None:
    """Import TensorFlow and the training code once, before the first run, not during it;
    with `threads` > 0 TensorFlow's thread pools are that size (the worker's share of the
    cores; 0 leaves TensorFlow's own).

    What is imported lives as long as the worker, so it is moved out of the garbage
    collector's sight (`gc.freeze`): ~400,000 objects that each full collection walked again
    (~0.25 s of CPU each: two after every run, more during a fit)."""
    import gc
    import importlib

    import tensorflow as tf

    for name in TRAINING_MODULES:  # Keras and what a run uses: imported now, once
        importlib.import_module(name)
    if threads > 0:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    gc.collect()
    gc.freeze()


def release() -> None:
    """Forget the finished run's graphs and tensors before the next one: a long-lived worker
    otherwise grows by ~8 MB a run (a Ray actor measured 750 MB → 1.1 GB over 45 runs). The
    layers are named by the spec (build.py), so a cleared session names nothing differently.
    Keras' clear_session ends with a full garbage collection (of what was made since the
    worker started: see import_tensorflow)."""
    import keras

    keras.backend.clear_session(free_memory=True)


class _Link:
    """The worker's end of the pool's socket: a reader thread takes run ids and stop
    requests; sends from two threads (main, stop watcher) go one at a time."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.runs: queue.Queue[int] = queue.Queue()
        self._lock = threading.Lock()
        self._stops: set[int] = set()
        self._current: tuple[int, threading.Event] | None = None
        threading.Thread(target=self._read, daemon=True).start()

    def send(self, message) -> None:
        with self._lock:
            self.conn.send(message)

    def begin(self, run_id: int) -> threading.Event:
        stop = threading.Event()
        with self._lock:
            self._current = (run_id, stop)
            if run_id in self._stops:
                stop.set()
        return stop

    def end(self, run_id: int) -> None:
        """Run `run_id` has ended: its stop is forgotten. A store may give its id to a later
        run (SQLite reuses the highest id once Start over deletes that run), which must not
        be stopped before it begins."""
        with self._lock:
            self._stops.discard(run_id)
            self._current = None

    def _read(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                message = None
            if message is None:  # the pool closed, or the server died: never train unseen
                os._exit(0)
            kind, run_id = message
            if kind == "run":
                self.runs.put(int(run_id))
            elif kind == "stop":
                with self._lock:
                    self._stops.add(run_id)
                    if self._current is not None and self._current[0] == run_id:
                        self._current[1].set()


def train(runs: Runs, run_id: int, stop, heard, on_epoch=None):
    """Train run `run_id` to its end; every outcome is written to its record. Returns the
    finished training (its job and prepared data), or None when it could not start.
    `on_epoch` gets each epoch's log line (the CLI prints them)."""
    from gui.core.data import data_ref
    from gui.core.data.formats.loaded import DataError
    from gui.core.saving.load import ModelFileError
    from gui.core.store.workspaces import StoreError

    record = runs.get_any(run_id)
    ready = threading.Event()
    threading.Thread(target=_answer_stop_until, args=(ready, stop, heard), daemon=True).start()
    try:
        prepared = data_ref.prepare(runs.store, record.workspace, record.spec, record.data)
        if is_search_trial(record):
            prepared = prepared.without_test_rows()  # scored on validation rows only
        initial, before = parent_model(runs, record)
    except (StoreError, DataError, OSError, ValueError, ModelFileError) as exc:
        heard()
        runs.report(run_id, status=FAILED, ended=time.time(),
                    error=f"The run could not start: {exc}")
        return None
    finally:
        ready.set()
    if stop.is_set():
        heard()
        runs.report(run_id, status=STOPPED, ended=time.time(), note="Stopped before it began.")
        return None
    training = _Training(runs, record, prepared, initial, before, stop, heard, on_epoch)
    training.run()
    return training


def _answer_stop_until(ready, stop, heard) -> None:
    # While the data is read, a stop is answered at once; training starts only if none came.
    while not ready.is_set():
        if stop.wait(0.05):
            heard()
            return


class _Training:
    """One run in this worker: the job, its reporter thread, its stop watcher, its saves."""

    def __init__(self, runs, record, prepared, initial, before, stop, heard, on_epoch=None):
        from gui.core.training.job import TrainingJob

        self.echo = on_epoch
        self.runs, self.record, self.prepared = runs, record, prepared
        self.stop, self.heard = stop, heard
        self.recorder = recorder_for(runs, record)
        self.cap = time_cap(record)
        self.job = TrainingJob(record.spec, prepared, on_epoch=self._epoch_ended,
                               initial_model=initial, initial_epoch=record.start_epoch,
                               before=before,
                               callbacks=[c for c in (self.recorder, self.cap) if c],
                               reuse_model=True)  # a worker holds no finished run's model
        self.files, self.token = runs.files, record.workspace
        self.latest_written: int | None = None
        self.latest_at = 0.0
        self.snapshots_at = time.monotonic()
        self.saved_at = time.monotonic()
        self.saved_epoch: int | None = None
        self.done = threading.Event()
        self.ended: float | None = None  # when the run was first reported ended
        self.note: str | None = None     # the note it ended with
        self.reporting = threading.Lock()
        self.saving = threading.Event()  # saving the model: alive, but not in fit's batches

    def run(self) -> None:
        threads = [threading.Thread(target=self._report_loop, daemon=True),
                   threading.Thread(target=self._watch_stop, daemon=True)]
        for thread in threads:
            thread.start()
        stopped = scored = False
        try:
            self.job.run()
            job = self.job
            if self.cap is not None and self.cap.stopped and not self.stop.is_set():
                job.note = " ".join(t for t in (job.note, self.cap.note) if t)
            to_save = job.model is not None and job.epochs_done > self.record.start_epoch
            if to_save and job.status == STOPPED:
                # A stop is shown at once: the run ends now, its final model follows.
                self.done.set()
                self.heard()
                self._report(final=True, model_pending=1)
            if to_save:
                self._save(final=True)
            stopped = self.stop.is_set()
            scored = self.saved_epoch is not None and not is_search_trial(self.record)
            metrics = job.evaluate_test() if scored and not stopped else {}
            hidden = self._hidden_metrics() if metrics else {}
        except Exception as exc:  # noqa: BLE001 - saving or scoring; the run says why
            metrics, hidden = {}, {}
            self.job.error = self.job.error or f"Training ended, but saving failed: {exc}"
        finally:
            self.done.set()
            self.heard()
            for thread in threads:
                thread.join(timeout=2)
        if self.job.model is None and self.saved_epoch is not None:
            self._remove("model", "snapshots")  # a failed run (NaN) keeps no model
            self.saved_epoch = None
        self._remove("latest")  # the full file has every kept epoch
        self._report(final=True, test_metrics=metrics, hidden_metrics=hidden,
                     model_pending=0)
        if stopped and scored:
            # A stop is shown at once; the kept model's test scores follow it.
            try:
                self.runs.report(self.record.id, test_metrics=self.job.evaluate_test(),
                                 hidden_metrics=self._hidden_metrics())
            except Exception:  # noqa: BLE001,S110 - scores are optional; Evaluate makes its own
                pass

    def _hidden_metrics(self) -> dict:
        """A lesson copy's run scored on the lesson's hidden test rows ({} for other runs):
        here, in the worker, where TensorFlow runs."""
        from gui.core.inspection.hidden_test import hidden_metrics

        return hidden_metrics(self.runs.store, self.record.workspace, self.job.model,
                              self.prepared, self.record.spec)

    def _epoch_ended(self, line: str) -> None:
        if self.echo is not None:
            self.echo(line)
        # A search's trial saves its model once, at its end (its time is the search's).
        if (time.monotonic() - self.saved_at >= SAVE_EVERY_S
                and not is_search_trial(self.record)):
            self._save()

    def _save(self, final: bool = False) -> None:
        self.saving.set()
        try:
            self._write_model(final)
        finally:
            self.saving.clear()

    def _write_model(self, final: bool) -> None:
        from gui.core.saving.export import metadata, save_keras_bytes

        model = self.job.model
        raw = save_keras_bytes(model, metadata(self.job.spec, self.prepared.preprocessor))
        self.files.write(self.token, self.record.id, "model", lambda path: path.write_bytes(raw))
        if self.recorder is not None and (
                final or time.monotonic() - self.snapshots_at >= SNAPSHOTS_EVERY_S):
            self.files.write(self.token, self.record.id, "snapshots",
                             self.recorder.snapshots.save)
            self.snapshots_at = time.monotonic()
        self.saved_at = time.monotonic()
        self.saved_epoch = self.job.epochs_done

    def _remove(self, *names: str) -> None:
        try:
            self.files.remove(self.token, self.record.id, *names)
        except Exception:  # noqa: BLE001,S110 - the run was deleted meanwhile (Start over)
            pass

    def _watch_stop(self) -> None:
        while not self.done.is_set():
            if self.stop.wait(0.05):
                self.job.stop()
                # A save under way (seconds on a busy machine) is an answer too: fit sees
                # the stop at its next batch, right after it.
                while not (self.done.is_set() or self.saving.is_set()
                           or self.job.stop_heard.wait(0.05)):
                    pass
                self.heard()
                return

    def _report_loop(self) -> None:
        while not self.done.wait(REPORT_EVERY_S):
            self._report()
            self._write_latest()

    def _write_latest(self) -> None:
        """The latest epoch's weights for the live view, when there is a new one."""
        snapshots = self.recorder.snapshots if self.recorder is not None else None
        if (snapshots is None or snapshots.latest in (None, self.latest_written)
                or time.monotonic() - self.latest_at < LATEST_EVERY_S):
            return
        self.latest_at = time.monotonic()
        latest = snapshots.latest
        try:
            self.files.write(self.token, self.record.id, "latest", snapshots.save_latest)
            self.latest_written = latest
        except Exception:  # noqa: BLE001,S110 - the live view waits for the next one; the
            pass           # model's save reports errors

    def _report(self, final: bool = False, **extra) -> None:
        job = self.job
        p = job.progress()
        values = dict(history=job.history, log=job.log_lines(),
                      epoch_seconds=job.epoch_seconds,
                      progress=[p.epoch, p.epochs, p.step, p.steps],
                      model_epoch=self.saved_epoch, **extra)
        with self.reporting:  # once ended, the reporter thread says nothing more
            if final:
                if self.ended is None:  # a stop's first report said when, and why
                    self.ended = time.time()
                    self.note = final_note(self.record, job, self.runs)
                values.update(status=job.status, ended=self.ended, error=job.error,
                              note=self.note)
                self.runs.report(self.record.id, **values)
            elif self.ended is None:  # running, or stopping: as the store says
                self.runs.report_training(self.record.id, **values)


if __name__ == "__main__":
    main(sys.argv[1:])
