"""Runs in the store and the worker pool: real processes, a real store (SQLite, then a real
PostgreSQL server), real Keras.

The pool tests share one pool of one worker (a worker imports TensorFlow once, ~5 s here).
"""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from sqlalchemy import update

from gui.core.data import data_ref
from gui.core.model.build import compile_model
from gui.core.saving.load import load_run_model
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import DataSpec
from gui.core.spec.vocabulary import DONE, FAILED, INTERRUPTED, QUEUED, RUNNING, STOPPED
from gui.core.store.runs import RunRecord, Runs, runs_table
from gui.core.store.workspaces import Store, StoreError, workspaces
from gui.core.training.job import TrainingJob
from gui.core.workers.pool import HOUSEKEEPING_EVERY_S, TrainingPool, slots_from_env

IRIS = {"dataset": {"sample": "Iris flowers"}, "test": None}
FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def iris_spec(epochs: int = 5, seed: int = 1, learning_rate: float = 0.01):
    spec = default_spec("multiclass", 3, DataSpec(source="iris.csv", target="species",
                                                 features=list(FEATURES)))
    spec.fit.epochs, spec.fit.seed, spec.fit.batch_size = epochs, seed, 16
    spec.compile.learning_rate = learning_rate
    return spec


def wait_for(predicate, timeout: float = 120, every: float = 0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")


def finished(runs: Runs, token: str, run_id: int, timeout: float = 180):
    """The run once it has ended and its final model (if any) is saved."""
    return wait_for(lambda: (r := runs.get(token, run_id)) and not r.active
                    and not r.model_pending and r, timeout)


@pytest.fixture(scope="module")
def store(tmp_path_factory, module_database_url):
    """One store (and one pool) per backend: SQLite, then PostgreSQL."""
    store = Store(tmp_path_factory.mktemp("runs-home"), module_database_url)
    yield store
    store.engine.dispose()


@pytest.fixture(scope="module")
def pool(store):
    pool = TrainingPool(store, slots=1, idle_seconds=600)
    wait_for(lambda: pool.ready_workers == 1, 120)
    yield pool
    pool.close()


# ---- the store ---------------------------------------------------------------------------------

def test_a_workspace_sees_only_its_own_runs(store):
    runs = Runs(store)
    mine, theirs = store.create(), store.create()
    run_id = runs.create(mine, iris_spec(), IRIS)
    assert [r.id for r in runs.list(mine)] == [run_id]
    assert runs.list(theirs) == []
    with pytest.raises(StoreError):
        runs.get(theirs, run_id)
    with pytest.raises(StoreError):
        runs.rename(theirs, run_id, "mine now")
    runs.request_stop(theirs, run_id)  # another workspace's stop does nothing
    assert runs.get(mine, run_id).status == QUEUED
    runs.request_stop(mine, run_id)
    assert runs.get(mine, run_id).status == STOPPED  # a queued run ends at once
    store.delete(mine)
    with pytest.raises(StoreError):
        runs.get(mine, run_id)


def test_first_come_first_served_with_one_active_run_per_workspace(store):
    runs = Runs(store)
    a, b = store.create(), store.create()
    a1 = runs.create(a, iris_spec(), IRIS)
    a2 = runs.create(a, iris_spec(), IRIS)
    b1 = runs.create(b, iris_spec(), IRIS)
    assert runs.queue(a2)[0] == 1 and runs.queue(b1)[0] == 2
    assert runs.claim_next("test") == a1
    assert runs.claim_next("test") == b1          # a trains already: its second run waits
    assert runs.claim_next("test") is None
    runs.report(a1, status=DONE)
    assert runs.claim_next("test") == a2
    ahead, seconds = runs.queue(runs.create(b, iris_spec(epochs=50), IRIS))
    assert ahead == 0 and seconds > 0              # two running ahead: a rough time, no queue
    for token in (a, b):
        store.delete(token)


def test_slots_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LAYERLAB_TRAINING_SLOTS", "3")
    assert slots_from_env() == 3
    monkeypatch.delenv("LAYERLAB_TRAINING_SLOTS")
    assert slots_from_env() == max(1, os.cpu_count() or 1)


def test_a_restart_marks_runs_in_flight_interrupted(store):
    runs = Runs(store)
    token = store.create()
    gone = runs.create(token, iris_spec(), IRIS)
    saved = runs.create(token, iris_spec(), IRIS)
    old = time.time() - 3600
    runs.report(gone, status=RUNNING, owner="elsewhere:1:1")
    runs.report(saved, status=RUNNING, owner="elsewhere:1:1", model_epoch=3)
    with store.engine.begin() as db:  # their worker went silent an hour ago
        db.execute(update(runs_table).where(runs_table.c.id.in_([gone, saved]))
                   .values(heartbeat=old))
    TrainingPool(store, slots=1).close()
    first, second = runs.get(token, gone), runs.get(token, saved)
    assert first.status == second.status == INTERRUPTED
    assert "server stopped" in first.note and "No epoch's model" in first.note
    assert "model of epoch 3 was kept" in second.note
    store.delete(token)


# ---- the pool ----------------------------------------------------------------------------------

def test_a_running_pool_interrupts_the_run_of_an_app_process_killed_beside_it(store, pool):
    """Another app process on this machine, killed mid-run: its heartbeat is still fresh,
    but its process is gone, so this pool says so at its next housekeeping (not after
    STALE_S), and does not train the run again."""
    runs = Runs(store)
    token = store.create()
    other = subprocess.Popen([sys.executable, "-c", "pass"])
    other.wait()  # a process that was, and is gone (reaped)
    now = time.time()
    with store.engine.begin() as db:  # claimed by it, never queued (this pool would take it)
        run_id = db.execute(runs_table.insert().values(
            workspace=token, name="Run 1", created=now, status=RUNNING, started=now,
            owner=f"{socket.gethostname()}:{other.pid}:1", heartbeat=now, model_epoch=2,
            spec=iris_spec().to_json(), data=json.dumps(IRIS), start_epoch=0, history="{}",
            log="[]", epoch_seconds="[]", progress="[2, 5, 0, 0]", test_metrics="{}")
        ).inserted_primary_key[0]
    record = wait_for(lambda: (r := runs.get(token, run_id)).status == INTERRUPTED and r,
                      timeout=3 * HOUSEKEEPING_EVERY_S)
    assert "model of epoch 2 was kept" in record.note
    time.sleep(1)
    assert runs.get(token, run_id).status == INTERRUPTED  # not queued or trained again
    store.delete(token)


def test_a_run_trains_in_a_worker_and_keeps_its_model(store, pool):
    runs = Runs(store)
    token = store.create()
    run_id = runs.create(token, iris_spec(epochs=6), IRIS)
    pool.wake()
    record = finished(runs, token, run_id)
    assert record.status == DONE, record.error
    assert record.epochs_done == 6 and len(record.epoch_seconds) == 6
    assert record.log[-1].startswith("Epoch 6/6 - loss: ")
    assert set(record.test_metrics) == {"loss", "accuracy"}
    wait_for(lambda: pool.busy() == {}, 10)
    model, prep, spec = load_run_model(runs.model_path(token, run_id))
    assert spec.fit.epochs == 6 and prep.task == "multiclass"
    assert model.optimizer.iterations.numpy() > 0  # the optimizer state is in the file
    assert record.model_epoch == 6


def _stopped(runs: Runs, pool, token: str, after: int = 3) -> RunRecord:
    """A long run of workspace `token`, asked to stop after `after` epochs, once ended."""
    run_id = runs.create(token, iris_spec(epochs=5000), IRIS)
    pool.wake()
    wait_for(lambda: runs.get(token, run_id).epochs_done >= after)
    runs.request_stop(token, run_id)
    pool.wake()
    return finished(runs, token, run_id, 30)


def test_stop_ends_the_run_and_keeps_the_model(store, pool):
    """How fast Stop answers is benchmarks/stop_and_refusals.py's figure, not a test's."""
    runs = Runs(store)
    token = store.create()
    record = _stopped(runs, pool, token)
    run_id = record.id
    assert record.status == STOPPED and record.has_model
    assert record.epochs_done < 5000
    wait_for(lambda: pool.busy() == {}, 30)  # the worker has let go of the run ...
    assert runs.get(token, run_id).epochs_done == record.epochs_done  # ... and added nothing


def test_a_run_given_a_stopped_runs_id_after_start_over_trains(store, pool):
    """Start over deletes a workspace's runs; SQLite then gives the highest deleted id to
    the next run. The worker that stopped the old run must not stop the new one before it
    begins (it did: "Stopped before it began")."""
    runs = Runs(store)
    token = store.create()
    stopped = _stopped(runs, pool, token, after=2)
    old = stopped.id
    assert stopped.status == STOPPED
    wait_for(lambda: pool.busy() == {}, 30)
    store.clear(token)  # Start over
    other = store.create()
    new = runs.create(other, iris_spec(epochs=3), IRIS)
    if store.engine.dialect.name == "sqlite":
        assert new == old  # the id reused: what the worker must not mistake
    pool.wake()
    record = finished(runs, other, new, 120)
    assert record.status == DONE and record.epochs_done == 3, (record.status, record.note)


def test_a_worker_that_does_not_answer_stop_is_ended_and_replaced(store, pool):
    runs = Runs(store)
    token = store.create()
    run_id = runs.create(token, iris_spec(epochs=5000), IRIS)
    pool.wake()
    wait_for(lambda: run_id in pool.busy())
    pid = pool.busy()[run_id]
    os.kill(pid, signal.SIGSTOP)  # e.g. stuck compiling the first epoch's step
    asked = time.monotonic()
    runs.request_stop(token, run_id)
    pool.wake()
    record = finished(runs, token, run_id, 30)
    took = time.monotonic() - asked
    assert record.status == STOPPED
    assert "did not answer within 5 s" in record.note
    assert took >= 5  # the grace it was given (how soon after is the benchmark's figure)
    wait_for(lambda: pid not in pool.worker_pids() and pool.ready_workers == 1, 120)


def test_a_killed_worker_fails_its_run_in_words_and_the_next_run_trains(store, pool):
    runs, token, pid, record = killed_mid_run(store, pool)
    assert "killed (SIGKILL)" in record.error and "out of memory" in record.error
    after = runs.create(token, iris_spec(epochs=3), IRIS)
    pool.wake()
    record = finished(runs, token, after)
    assert record.status == DONE and record.epochs_done == 3
    assert pid not in pool.worker_pids()


def test_an_idle_workspace_s_run_is_stopped_keeping_its_model(store, pool):
    idle_run_is_stopped(store, pool)


def killed_mid_run(store, pool):
    """A long run's training process SIGKILLed after two epochs, as the kernel's
    out-of-memory killer does: (runs, token, its pid, the run's record once failed). The run
    failed in words, never a traceback (test_ray_pool kills an actor the same way)."""
    runs = Runs(store)
    token = store.create()
    run_id = runs.create(token, iris_spec(epochs=5000), IRIS)
    pool.wake()
    wait_for(lambda: runs.get(token, run_id).epochs_done >= 2)
    pid = pool.busy()[run_id]
    os.kill(pid, signal.SIGKILL)
    record = finished(runs, token, run_id, 30)
    assert record.status == FAILED
    assert "Traceback" not in record.error
    return runs, token, pid, record


def idle_run_is_stopped(store, pool) -> None:
    """A run of a workspace nobody has had a page of for an hour is stopped, keeping its
    model (test_ray_pool checks the same with Ray actors)."""
    runs = Runs(store)
    token = store.create()
    run_id = runs.create(token, iris_spec(epochs=5000), IRIS)
    pool.wake()
    wait_for(lambda: runs.get(token, run_id).epochs_done >= 2)
    with store.engine.begin() as db:  # nobody has had a page of it open for an hour
        db.execute(update(workspaces).where(workspaces.c.token == token)
                   .values(last_seen=time.time() - 3600))
    assert runs.stop_idle(600) == 1
    pool.wake()
    record = finished(runs, token, run_id, 30)
    assert record.status == STOPPED and record.has_model
    assert "no page of its workspace was open for 10 minutes" in record.note


def test_continue_training_keeps_the_optimizer_state(store, pool):
    """Continuing goes on at the next epoch without the jump a fresh optimizer makes."""
    runs = Runs(store)
    token = store.create()
    spec = iris_spec(epochs=40, learning_rate=0.05)
    first = finished(runs, token, _queued(runs, pool, token, spec))
    assert first.status == DONE
    more = first.spec
    more.fit.epochs = 45
    second_id = runs.create(token, more, IRIS, parent=first.id, start_epoch=40,
                            history=first.history, log=first.log,
                            epoch_seconds=first.epoch_seconds)
    pool.wake()
    second = finished(runs, token, second_id)
    assert second.status == DONE, second.error
    assert second.epochs_done == 45 and second.log[-1].startswith("Epoch 45/45")
    assert second.history["loss"][:40] == first.history["loss"]
    carried = second.history["loss"][40]

    # The same model with a fresh optimizer, trained the same epoch the same way.
    model, _, _ = load_run_model(runs.model_path(token, first.id))
    compile_model(model, first.spec.compile)
    prepared = data_ref.prepare(store, token, first.spec, IRIS)
    fresh_spec = first.spec
    fresh_spec.fit.epochs = 41
    job = TrainingJob(fresh_spec, prepared, initial_model=model, initial_epoch=40)
    job.run()
    fresh = job.history["loss"][0]
    last = first.history["loss"][-1]
    print(f"\nloss after epoch 40: {last:.4f}; epoch 41 with its optimizer state: "
          f"{carried:.4f}; with a fresh optimizer: {fresh:.4f}")
    assert carried < last            # the curve goes on down
    assert fresh > last * 1.1        # a fresh optimizer's first steps undo some learning


def _queued(runs, pool, token, spec) -> int:
    run_id = runs.create(token, spec, IRIS)
    pool.wake()
    return run_id


def test_a_run_on_a_file_that_is_gone_fails_in_words(store, pool):
    runs = Runs(store)
    token = store.create()
    record = store.add_file(token, "mine.csv", b"a,b\n1,2\n3,4\n5,6\n")
    store.remove_file(token, record.sha256)
    run_id = runs.create(token, iris_spec(), {"dataset": {"file": record.sha256,
                                                         "name": "mine.csv"}, "test": None})
    pool.wake()
    record = finished(runs, token, run_id)
    assert record.status == FAILED
    assert record.error.startswith("The run could not start: ")
    assert "upload it again" in record.error


def test_history_in_the_store_is_plain_json(store):
    runs = Runs(store)
    token = store.create()
    run_id = runs.create(token, iris_spec(), IRIS)
    runs.report(run_id, history={"loss": [np.float32(0.5).item()]}, progress=[1, 5, 2, 3])
    with store.engine.connect() as db:
        raw = db.execute(runs_table.select().where(runs_table.c.id == run_id)).first()
    assert json.loads(raw.history) == {"loss": [0.5]}
    assert runs.get(token, run_id).progress.fraction == pytest.approx((0 + 2 / 3) / 5)


def _continue_file(store, pool, raw: bytes, name: str, trained, sample: str, epochs: int = 3):
    """What the Predict page does with an uploaded model: keep the file, queue a run."""
    runs = Runs(store)
    token = store.create()
    record = store.add_file(token, name, raw)
    spec = copy.deepcopy(trained.spec)
    spec.data.scale_target = False  # an uploaded model trains in the target's own units
    spec.fit.epochs = epochs
    data = {"dataset": {"sample": sample}, "test": None,
            "model": {"file": record.sha256, "name": name}}
    run_id = runs.create(token, spec, data, name=f"{name} +{epochs}")
    pool.wake()
    return runs, token, finished(runs, token, run_id)


def test_an_uploaded_keras_model_trains_on_with_its_optimizer_state(store, pool):
    from gui.core.saving import export
    from tests.core import trained_models as tm

    t = tm.iris()
    raw = export.save_keras_bytes(t.model, export.metadata(t.spec, t.prepared.preprocessor))
    runs, token, record = _continue_file(store, pool, raw, "iris.keras", t, "Iris flowers")
    assert record.status == DONE, record.error
    assert record.epochs_done == 3
    assert "with the optimizer state saved in the file" in record.note
    model, _, _ = load_run_model(runs.model_path(token, record.id))
    steps_before = int(t.model.optimizer.iterations.numpy())
    assert int(model.optimizer.iterations.numpy()) > steps_before  # the same optimizer went on


def test_an_uploaded_h5_regression_model_trains_on_with_a_fresh_optimizer(store, pool):
    from gui.core.saving import export
    from tests.core import trained_models as tm

    t = tm.tips()
    deploy = t.deploy
    raw = export.save_h5_bytes(deploy, export.metadata(t.spec, t.prepared.preprocessor))
    runs, token, record = _continue_file(store, pool, raw, "tips.h5", t, "Restaurant tips")
    assert record.status == DONE, record.error
    assert "fresh optimizer" in record.note and ".h5" in record.note
    assert all(np.isfinite(record.history["loss"]))
    # It trained in dollars, as it predicts: a squared error of tips in dollars, not of
    # targets scaled to 0..1 (those stay far below 0.3), and it still predicts dollars.
    assert record.history["loss"][-1] > 0.3
    model, _, _ = load_run_model(runs.model_path(token, record.id))
    prepared = data_ref.prepare(store, token, record.spec, record.data)
    tips = model.predict(prepared.X_test[:20], verbose=0).ravel()
    assert np.all(np.abs(tips) < 50)
