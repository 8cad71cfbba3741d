"""The workspace's runs, for the pages: start, stop, the run shown, its model and its data.

Runs live in the store (gui.core.store.runs) and train in the process pool (gui.core.workers.pool),
so a reload, a second tab or another page shows the same run. The session keeps only what
it can remake: a run's loaded model and prepared data (state.memo, the latest one of each).
"""

from __future__ import annotations

import contextlib
import copy
import sys
import threading
import time
from dataclasses import dataclass, replace

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from gui.core.data import data_ref
from gui.core.data.dataset import PreparedData
from gui.core.spec.lesson_rules import limit_problems
from gui.core.spec.vocabulary import STOPPING
from gui.core.store.runs import RunGlance, RunRecord, Runs
from gui.core.store.workspaces import StoreError
from gui.core.workers.engines import RayConfigError, check_ray_address, make_pool
from gui.core.workers.pool import TrainingPool
from gui.ui.session import data_source, state, workspace


@st.cache_resource(show_spinner=False)
def _pool() -> TrainingPool:
    pool = make_pool(workspace.shared_store())
    _started[0] = True
    return pool


def pool() -> TrainingPool:
    """The process's training workers (LAYERLAB_TRAINING_SLOTS of them), started once: local
    processes, or Ray actors with LAYERLAB_RAY_ADDRESS. A Ray address that cannot work ends
    the page with what to fix, in words."""
    try:
        return _pool()  # an error is not cached: the next page tries again
    except RayConfigError as error:
        workspace.setting_error("LayerLab cannot reach its Ray cluster", error)


def started_pool() -> TrainingPool | None:
    """The pool if this process has started it (the live feed's queue words), else None."""
    return _pool() if _started[0] else None


_started = [False]


POOL_QUIET_S = 2.0    # the training processes start once no script run has ended for this long
POOL_LATEST_S = 30.0  # after the process's first page, or this long after it at the latest
_waiting = threading.Lock()  # held by the thread that waits to start the pool
_first_page = threading.Lock()  # taken by the process's first script run, never given back
_last_run = [0.0]  # time.monotonic() when a script run last ended


def pool_after_page() -> None:
    """At the end of each script run: the training processes, started once per process,
    once the pages are drawn. Each worker imports TensorFlow (seconds of a core that a page
    being drawn would share), so after the process's first page a thread waits until the
    server has been quiet for POOL_QUIET_S (POOL_LATEST_S at most); a page that needs the
    pool sooner (Train, a run's live view) starts it itself. Once that wait is over, every
    run asks for the pool at once (a cached object; a new one if it was closed)."""
    _last_run[0] = time.monotonic()
    if _first_page.acquire(blocking=False):
        _waiting.acquire()
        later = threading.Thread(target=_pool_when_quiet, name="layerlab-pool-start",
                                 daemon=True)
        add_script_run_ctx(later, get_script_run_ctx())
        later.start()
    elif not _waiting.locked():
        pool()


def _pool_when_quiet() -> None:
    try:
        first = time.monotonic()
        while True:
            now = time.monotonic()
            if now - _last_run[0] >= POOL_QUIET_S or now - first >= POOL_LATEST_S:
                break
            time.sleep(0.1)
        _pool()  # the same cached pool a page run makes (one is made, whoever asks first)
    except Exception:  # noqa: BLE001,S110 - a cluster or store that cannot be reached
        pass  # every page says so before it draws (check_engine, bind); the next run retries
    finally:
        _waiting.release()


def check_engine() -> None:
    """Before a page draws: a Ray address that does not answer ends it with what to fix."""
    try:
        check_ray_address()
    except RayConfigError as error:
        workspace.setting_error("LayerLab cannot reach its Ray cluster", error)


@st.cache_resource(show_spinner=False)
def _runs() -> Runs:
    return Runs(workspace.shared_store())


def shared_runs() -> Runs:
    """The runs of every workspace, for the class board (which scopes them by its lesson)."""
    return _runs()


RUN_READS = frozenset({"get", "glance", "glance_all", "list", "active", "model_path", "card_notes",
                       "snapshot_paths", "queue"})


def runs() -> Runs:
    """The runs as this tab may use them: through a presenter link, reads only."""
    return workspace.ReadOnly(_runs(), RUN_READS) if workspace.read_only() else _runs()


def data_choice() -> dict:
    """The data the workspace trains on now, as a run records it."""
    doc = workspace.doc()
    return {"dataset": doc.dataset, "test": doc.test if doc.split == "file" else None}


def start(parent: RunRecord | None = None, more: int = 0, when_idle: bool = False) -> int:
    """Queue a run of the current spec, or `more` epochs of `parent` from where it ended;
    the pages show it from now on. `when_idle`: only if the workspace has no run queued or
    training (a button drawn only then: the second click of a double click finds the first
    one's run and starts nothing)."""
    token = workspace.token()
    if when_idle and runs().active(token) is not None:
        return workspace.doc().run
    limits = state.limits()
    over = limit_problems(parent.spec if parent else state.spec(), limits) if limits else []
    if over or (parent is not None and limits and limits.max_epochs is not None
                and parent.epochs_done + int(more) > limits.max_epochs):
        state.add_note("error", over[0].message if over else
                       f"Expected at most {limits.max_epochs} epochs in this lesson. Received: "
                       f"{parent.epochs_done + int(more)} epochs in all. Your teacher set this "
                       "limit for the class.")
        return workspace.doc().run
    if parent is None:
        run_id = runs().create(token, state.spec(), data_choice())
    else:
        spec = copy.deepcopy(parent.spec)
        spec.fit.epochs = parent.epochs_done + int(more)
        run_id = runs().create(token, spec, parent.data, parent=parent.id,
                               start_epoch=parent.epochs_done, history=parent.history,
                               log=parent.log, epoch_seconds=parent.epoch_seconds,
                               name=f"{parent.name} +{int(more)}")
    workspace.doc().run = run_id
    pool().wake()
    return run_id


def start_from_file(raw: bytes, name: str, saved_spec, more: int) -> int:
    """Queue `more` epochs of an uploaded model on the current data. The file is kept in
    the workspace (the worker loads it with the same checks); a LayerLab model keeps its
    own compile settings, and trains in the target's own units, as it predicts."""
    token = workspace.token()
    record = workspace.store().add_file(token, name, raw)
    spec = copy.deepcopy(saved_spec or state.spec())
    spec.data = copy.deepcopy(state.spec().data)
    spec.data.scale_target = False  # the file's model un-scales its output itself
    spec.fit = copy.deepcopy(state.spec().fit)
    spec.fit.epochs = int(more)
    data = {**data_choice(), "model": {"file": record.sha256, "name": name}}
    run_id = runs().create(token, spec, data, name=f"{name} +{int(more)}")
    workspace.doc().run = run_id
    pool().wake()
    return run_id


def stop(run_id: int) -> None:
    runs().request_stop(workspace.token(), run_id)
    pool().wake()


def show(run_id: int) -> None:
    """Make `run_id` the run that Train, Evaluate and Predict show."""
    workspace.doc().run = run_id


def get(run_id: int | None) -> RunRecord | None:
    if run_id is None:
        return None
    try:
        return runs().get(workspace.token(), run_id)
    except StoreError:
        return None


def watched(run_id: int) -> RunRecord | None:
    """`get(run_id)` for a page that polls: a glance first (status and progress), and the
    whole record (history, log, spec) read again only when something in it changed since
    this session last read it."""
    try:
        glance = runs().glance(workspace.token(), run_id)
    except StoreError:
        return None
    if glance is None:
        return None
    known = state.memo_value("run.watched")
    record = state.memo("run.watched", glance.changes, lambda: _read(run_id, known))
    if record is None:
        return None
    return replace(record, status=glance.status, progress=glance.progress,
                   started=glance.started, ended=glance.ended,
                   model_pending=glance.model_pending)


STOP_WAIT_S = 1.0  # a worker reports a stopped run ended as soon as fit halts


def wait_while_stopping(run_id: int) -> None:
    """While the run is stopping, wait (up to STOP_WAIT_S, looking every 50 ms) for it to
    end, so that the page shows it stopped within a second of the click, not a poll (and a
    second redraw of the whole page) later. Waiting costs the server a short read per look."""
    deadline = time.monotonic() + STOP_WAIT_S
    while time.monotonic() < deadline:
        glance = runs().glance(workspace.token(), run_id)
        if glance is None or glance.status != STOPPING:
            return
        time.sleep(0.05)


def _read(run_id: int, known: RunRecord | None) -> RunRecord | None:
    try:
        return runs().get(workspace.token(), run_id, known=known)
    except StoreError:
        return None


def glance(run_id: int) -> RunGlance | None:
    """The workspace's run `run_id` at a glance (no history read); None when it is gone."""
    try:
        return runs().glance(workspace.token(), run_id)
    except StoreError:
        return None


def active_glance() -> RunGlance | None:
    """The workspace's run that is queued or training, at a glance (no history read)."""
    return runs().glance(workspace.token())


def shown() -> RunRecord | None:
    """The run the pages show, as it is now in the store."""
    return get(workspace.doc().run)


def active() -> RunRecord | None:
    """The workspace's run that is queued or training, if any."""
    return runs().active(workspace.token())


def all_runs() -> list[RunRecord]:
    return runs().list(workspace.token())


def glance_all() -> list[RunGlance]:
    """The workspace's runs at a glance (no histories read), oldest first."""
    return runs().glance_all(workspace.token())


KEEP_ALIVE_EVERY_S = 10.0


def keep_alive() -> None:
    """An open page says so (runs of workspaces with no open page are stopped); a polling
    page writes it at most every KEEP_ALIVE_EVERY_S."""
    if state.due("run.keep_alive", KEEP_ALIVE_EVERY_S):
        workspace.store().touch(workspace.token())


@dataclass
class Trained:
    """A run's saved model, ready for Evaluate and Predict."""

    record: RunRecord
    model: object        # in training units, compiled
    deploy: object       # the target in its own units
    prepared: PreparedData

    @property
    def spec(self):
        return self.record.spec


def saved_model(record: RunRecord | None):
    """(model in training units, deployable model, Preprocessor) as the run last saved
    them; None when it has no model."""
    if record is None or not record.has_model:
        return None
    path = runs().model_path(workspace.token(), record.id)
    if not path.exists():
        return None
    # Keras only once a model is shown; the server's first one takes seconds: said
    first = "keras" not in sys.modules
    with (st.spinner("Loading TensorFlow to show the model (once per server, a few "
                     "seconds)…", show_time=True) if first else contextlib.nullcontext()):
        from gui.core.model.build import with_unscaled_output
        from gui.core.saving.load import load_run_model
    model, prep, _ = state.memo("run.model", (record.id, record.model_epoch, record.ended,
                                              path.stat().st_mtime_ns),
                                lambda: load_run_model(path))
    return model, with_unscaled_output(model, prep), prep


def trained(record: RunRecord | None) -> Trained | None:
    """The run's model (as last saved) and the data it trained on; None without a model."""
    saved = saved_model(record)
    if saved is None:
        return None
    return Trained(record, saved[0], saved[1], prepared(record))


def prepared(record: RunRecord) -> PreparedData:
    """The data a run trained on: the page's own when it is the same, else read again."""
    if record.data == data_choice() and record.spec.data == state.spec().data:
        current = data_source.prepared()
        if current is not None:
            return current
    return state.memo("run.prepared", record.id, lambda: data_ref.prepare(
        workspace.store(), workspace.token(), record.spec, record.data))
