"""TrainingPool: long-lived workers that train the store's queued runs.

The interface is small on purpose — `wake()` after queueing a run or asking one to stop,
`slots`, `close()` — because everything else goes through the run records (runs.py): a page
queues a run or asks it to stop in the store, and a dispatcher thread here does the rest.
Several app processes can share one store, each with its own pool (claiming a run is one
atomic update).

The dispatcher is the same whatever runs the workers; only how a worker is started, sent a
run or a stop, heard from, checked alive and killed belongs to an engine: local processes
(local_engine.py, the default) or Ray actors on a cluster (ray_engine.py, with
LAYERLAB_RAY_ADDRESS; engines.make_pool chooses). The workers start one at a time (each
imports TensorFlow once). The dispatcher, several times a second:
- hands the oldest queued run whose workspace trains nothing else to a free worker
  (first come, first served across workspaces; one active run per workspace);
- passes stop requests on to the worker training that run, and ends a worker that has not
  answered within STOP_GRACE_S (e.g. while TensorFlow compiles the first epoch's step);
- marks the run of a worker that died (kill -9, out of memory, a lost node) failed, in
  words, and starts a new worker in its place;
- stops the runs of workspaces with no open page for `idle_seconds`, and marks runs whose
  worker went silent (a server restart) or whose app process on this machine is gone
  (killed beside this one) interrupted.

Example:
    pool = TrainingPool(store, slots=2)
    run_id = Runs(store).create(token, spec, data); pool.wake()
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gui.core.spec.vocabulary import STOPPED
from gui.core.store.runs import Runs
from gui.core.store.workspaces import Store
from gui.core.workers.local_engine import LocalEngine

log = logging.getLogger(__name__)
SLOTS_ENV = "LAYERLAB_TRAINING_SLOTS"
IDLE_ENV = "LAYERLAB_RUN_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 10
STOP_GRACE_S = 5.0       # a worker must answer a stop within this, or it is ended (a first
#   epoch traced on a busy 2-core machine takes up to ~4 s: ending it costs a new worker its
#   TensorFlow import, ~5 s of both cores)
STALE_S = 30.0           # a run whose worker has been silent this long was interrupted
TICK_S = 0.1
HOUSEKEEPING_EVERY_S = 5.0


class Worker(Protocol):
    """One worker as the dispatcher drives it (LocalWorker, RayWorker)."""

    pid: int | None

    def events(self) -> list[tuple[str, int | None]]: ...
    def alive(self) -> bool: ...
    def send_run(self, run_id: int) -> None: ...
    def send_stop(self, run_id: int) -> None: ...
    def death_message(self) -> str: ...
    def kill(self) -> None: ...


class Engine(Protocol):
    """What starts workers: LocalEngine (processes here) or RayEngine (actors on a cluster)."""

    name: str
    slots: int  # set by the pool: how many workers it keeps (local ones share the cores)

    def default_slots(self) -> int: ...
    def start(self) -> Worker: ...
    def close(self) -> None: ...


def slots_from_env(default: int | None = None) -> int:
    """LAYERLAB_TRAINING_SLOTS, or `default` (the number of CPU cores)."""
    fallback = max(1, default or os.cpu_count() or 1)
    raw = os.environ.get(SLOTS_ENV, "").strip()
    try:
        return max(1, int(raw)) if raw else fallback
    except ValueError:
        return fallback


def idle_seconds_from_env() -> float:
    """LAYERLAB_RUN_IDLE_MINUTES (default 10): a run with no open page is stopped after."""
    try:
        return max(0.05, float(os.environ.get(IDLE_ENV, DEFAULT_IDLE_MINUTES))) * 60
    except ValueError:
        return DEFAULT_IDLE_MINUTES * 60


@dataclass
class _Slot:
    worker: Worker | None = None
    heard: bool = False        # the worker's fit has seen the stop sent for its run
    ready: bool = False
    run_id: int | None = None
    stop_sent: float | None = None
    waiting: bool = False      # not started yet: waits until the workers before it are ready


class TrainingPool:
    """`slots` workers of `engine` (local processes by default) and the dispatcher thread
    that feeds them from the store; `worker_home`: the local workers' LAYERLAB_HOME
    (default: the store's)."""

    def __init__(self, store: Store, slots: int | None = None,
                 idle_seconds: float | None = None, worker_home: Path | str | None = None,
                 engine: Engine | None = None):
        self.store = store
        self.runs = Runs(store)
        self.engine = engine or LocalEngine(store, worker_home)
        self.slots = slots or slots_from_env(self.engine.default_slots())
        self.engine.slots = self.slots  # the workers that share the cores (their threads)
        self.idle_seconds = idle_seconds if idle_seconds is not None else \
            idle_seconds_from_env()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._slots = [_Slot() for _ in range(self.slots)]
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._housekept = 0.0
        # Runs in flight from an earlier server never finish: say so now.
        self.runs.interrupt_stale(time.time() - STALE_S, owner=None)
        self._interrupt_dead_owners()
        # One worker at a time: each imports TensorFlow (seconds of a core), and they would
        # otherwise take every core at once, from the page that started the pool.
        self._start(self._slots[0])
        for slot in self._slots[1:]:
            slot.waiting = True
        self._thread = threading.Thread(target=self._loop, name="layerlab-pool", daemon=True)
        self._thread.start()

    # ---- interface -------------------------------------------------------------------------
    def wake(self) -> None:
        """Look at the store now (a run was queued or asked to stop)."""
        self._wake.set()

    @property
    def ready_workers(self) -> int:
        return sum(slot.ready for slot in self._slots)

    def worker_pids(self) -> list[int | None]:
        """Each slot's worker process id (on its own node, for Ray), None while unknown."""
        return [slot.worker.pid if slot.worker else None for slot in self._slots]

    def busy(self) -> dict[int, int | None]:
        """{run id: worker pid} for the runs training now."""
        return {s.run_id: s.worker.pid for s in self._slots
                if s.run_id is not None and s.worker is not None}

    def close(self) -> None:
        """End the dispatcher and every worker (their runs are marked interrupted)."""
        self._closed.set()
        self._wake.set()
        self._thread.join(timeout=5)
        for slot in self._slots:
            if slot.run_id is not None:
                self.runs.end_lost(slot.run_id, "Interrupted: the server stopped while this "
                                                "run was training.")
            self._kill(slot)
        self.engine.close()

    # ---- the dispatcher ----------------------------------------------------------------------
    def _loop(self) -> None:
        keep_ticking(self._tick, self._closed, self._wake, TICK_S, "training pool")

    def _tick(self) -> None:
        for slot in self._slots:
            self._read_events(slot)
            self._check_alive(slot)
        self._start_next()
        self._pass_stops()
        now = time.time()
        if now - self._housekept >= HOUSEKEEPING_EVERY_S:
            self._housekept = now
            self.runs.stop_idle(self.idle_seconds)
            self._interrupt_dead_owners()  # another app process here was killed: at once
            self.runs.interrupt_stale(now - STALE_S, keep=set(self.busy()))
        for slot in self._slots:
            if slot.ready and slot.run_id is None:
                run_id = self.runs.claim_next(self.owner)
                if run_id is None:
                    break
                slot.run_id, slot.stop_sent, slot.heard = run_id, None, False
                slot.worker.send_run(run_id)

    def _read_events(self, slot: _Slot) -> None:
        if slot.worker is None:
            return
        for kind, value in slot.worker.events():
            if kind == "ready":
                slot.ready = True
            elif kind == "heard" and value == slot.run_id:
                slot.heard = True
            elif kind == "done" and value == slot.run_id:
                slot.run_id, slot.stop_sent = None, None

    def _start_next(self) -> None:
        """Start the next waiting worker once every started one is ready."""
        waiting = [slot for slot in self._slots if slot.waiting]
        if waiting and all(slot.ready for slot in self._slots if not slot.waiting):
            waiting[0].waiting = False
            self._start(waiting[0])

    def _check_alive(self, slot: _Slot) -> None:
        if slot.waiting or (slot.worker is not None and slot.worker.alive()):
            return
        if slot.run_id is not None:
            error = (slot.worker.death_message() if slot.worker is not None
                     else "Training failed: its worker stopped in the middle of this run.")
            self.runs.end_lost(slot.run_id, error)  # a run saving its model keeps the last
            slot.run_id = None
        self._kill(slot)
        if not self._closed.is_set():
            self._start(slot)

    def _pass_stops(self) -> None:
        busy = {slot.run_id: slot for slot in self._slots if slot.run_id is not None}
        for run_id in self.runs.stop_requests(list(busy)):
            slot = busy[run_id]
            if slot.stop_sent is None:
                slot.worker.send_stop(run_id)
                slot.stop_sent = time.monotonic()
            elif (not slot.heard
                  and time.monotonic() - slot.stop_sent > STOP_GRACE_S):
                self._end_unanswering(slot)

    def _end_unanswering(self, slot: _Slot) -> None:
        record = self.runs.get_any(slot.run_id)
        if record.epochs_done > record.start_epoch:
            what = (f"after {record.epochs_done} epochs"
                    + (f"; the model of epoch {record.model_epoch} was kept"
                       if record.model_epoch else "; no model was saved"))
        else:
            what = "before its first epoch finished; there is no model from this run"
        note = " ".join(t for t in (record.note, f"Stopped {what}: the training process "
                                    f"did not answer within {STOP_GRACE_S:g} s (TensorFlow "
                                    "was still preparing), so it was ended and replaced.")
                        if t)
        self.runs.report(slot.run_id, status=STOPPED, ended=time.time(), note=note)
        slot.run_id = None
        self._kill(slot)
        self._start(slot)

    # ---- workers -----------------------------------------------------------------------------
    def _start(self, slot: _Slot) -> None:
        slot.worker = self.engine.start()
        slot.ready, slot.run_id, slot.stop_sent, slot.heard = False, None, None, False

    def _kill(self, slot: _Slot) -> None:
        if slot.worker is not None:
            slot.worker.kill()
        slot.worker, slot.ready = None, False

    def _interrupt_dead_owners(self) -> None:
        """Runs of another app process on this machine (an earlier server, or one beside
        this one that was killed) whose process is gone: interrupted. Its workers ended with
        it (their socket closed), so nothing trains unobserved; a run is not trained again
        by this pool (a continuation is the user's choice, from the model it kept). Owners on
        other machines are judged by their runs' heartbeats (STALE_S)."""
        host = socket.gethostname()
        for record_owner in self.runs.training_owners():
            name, _, rest = record_owner.partition(":")
            pid = rest.partition(":")[0]
            if name == host and pid.isdigit() and not _alive(int(pid)):
                self.runs.interrupt_stale(0, owner=record_owner)


def keep_ticking(tick, closed: threading.Event, wake: threading.Event, every: float,
                 what: str) -> None:
    """Call `tick` every `every` seconds, or sooner when `wake` is set, until `closed` is set;
    a failed tick is logged and the loop goes on (the pool's dispatcher, the search driver)."""
    while not closed.is_set():
        try:
            tick()
        except Exception:  # noqa: BLE001 - the loop must outlive one bad tick
            log.exception("LayerLab %s: a step failed", what)
            time.sleep(0.5)
        wake.wait(every)
        wake.clear()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
