"""Stop is shown at once, before the final model is saved: the record says stopped with
`model_pending` while the worker saves the model of its last epoch; nothing loads a model in
that window (a continuation waits for it), and the model arrives afterwards and loads. Real
worker processes, a real store (SQLite, then PostgreSQL), real Keras; test_ray_pool checks
the same with Ray actors (`stopped_before_its_model_is_saved`)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from gui.core.saving.load import load_run_model
from gui.core.spec.vocabulary import DONE, RUNNING, STOPPED, STOPPING
from gui.core.store.run_files import run_files
from gui.core.store.runs import Runs, runs_table
from gui.core.store.workspaces import Store
from gui.core.workers.pool import TrainingPool
from tests.core.test_runs import IRIS, finished, iris_spec, wait_for


@pytest.fixture(scope="module")
def store(tmp_path_factory, module_database_url):
    store = Store(tmp_path_factory.mktemp("stop-home"), module_database_url)
    yield store
    store.engine.dispose()


@pytest.fixture(scope="module")
def pool(store):
    pool = TrainingPool(store, slots=1, idle_seconds=600)
    wait_for(lambda: pool.ready_workers == 1, 120)
    yield pool
    pool.close()


def wide_spec(epochs: int = 5000):
    """Iris with two hidden layers of 1536 units (2.4 M weights, a ~28 MB .keras file with
    Adam's state): its final save takes long enough to be seen from outside."""
    spec = iris_spec(epochs=epochs)
    for layer in spec.layers[:-1]:
        layer.units = 1536
    return spec


def model_stamp(store: Store, run_id: int) -> float | None:
    """When the run's model file was last written into the database (seconds), or None."""
    with store.engine.connect() as db:
        stamp = db.execute(select(run_files.c.stamp).where(
            run_files.c.run == run_id, run_files.c.name == "model")).scalar()
    return stamp / 1e9 if stamp is not None else None


def stopped_before_its_model_is_saved(store: Store, pool) -> None:
    """Stop a long run of a wide network: the first record that is not active says stopped,
    with its final model still pending (no model to load yet); a continuation queued at that
    moment waits for the model and trains on from it; the model arrives afterwards, written
    after the run was reported ended, and loads."""
    runs = Runs(store)
    token = store.create()
    run_id = runs.create(token, wide_spec(), IRIS)
    pool.wake()
    wait_for(lambda: runs.get(token, run_id).epochs_done >= 2, 180)
    runs.request_stop(token, run_id)
    pool.wake()
    first = wait_for(lambda: (r := runs.get(token, run_id)) and not r.active and r, 30,
                     every=0.01)
    assert first.status == STOPPED and first.ended is not None
    assert first.model_pending and not first.has_model  # stopped shown before the model

    # Continue in that window (a tab that saw it stopped): queued now, it waits for the
    # parent's final model and goes on from its last epoch.
    more = wide_spec(epochs=first.epochs_done + 2)
    child_id = runs.create(token, more, IRIS, parent=run_id, start_epoch=first.epochs_done,
                           history=first.history, log=first.log,
                           epoch_seconds=first.epoch_seconds)
    pool.wake()

    final = finished(runs, token, run_id, 120)
    assert final.status == STOPPED and final.has_model and not final.model_pending
    assert final.model_epoch == final.epochs_done == first.epochs_done
    assert final.ended == first.ended  # stopped when it stopped, not when the model came
    assert model_stamp(store, run_id) > first.ended  # the model was written afterwards
    model, prep, spec = load_run_model(runs.model_path(token, run_id))
    assert spec.layers[0].units == 1536 and prep.task == "multiclass"
    assert model.optimizer.iterations.numpy() > 0

    child = finished(runs, token, child_id, 240)
    assert child.status == DONE, (child.error, child.note)
    assert child.epochs_done == first.epochs_done + 2
    assert child.history["loss"][:first.epochs_done] == first.history["loss"]


def test_stop_is_reported_before_the_model_is_saved(store, pool):
    stopped_before_its_model_is_saved(store, pool)


def test_a_continuation_waits_for_its_parent_s_model(store):
    runs = Runs(store)
    token = store.create()
    parent = runs.create(token, iris_spec(), IRIS)
    runs.report(parent, status=STOPPED, ended=time.time(), model_epoch=1, model_pending=1)
    with pytest.raises(ValueError, match="is still saving its model; continue it again"):
        runs.settled(parent, wait_s=0.3)
    timer = threading.Timer(0.5, lambda: runs.report(parent, model_epoch=3, model_pending=0))
    timer.start()
    began = time.monotonic()
    record = runs.settled(parent, wait_s=30)
    timer.join()
    assert time.monotonic() - began >= 0.4
    assert not record.model_pending and record.model_epoch == 3 and record.has_model


def test_a_worker_lost_while_saving_keeps_the_run_stopped_with_its_earlier_model(store):
    """The worker died (or the server stopped) between the stop and the saved model: the
    run stays stopped, no longer pending, with the model saved before, said in words."""
    runs = Runs(store)
    token = store.create()
    died, restarted, training = (runs.create(token, iris_spec(), IRIS) for _ in range(3))
    old = time.time() - 3600
    for run_id in (died, restarted):
        runs.report(run_id, status=STOPPED, ended=old, model_epoch=4, model_pending=1,
                    owner="elsewhere:1:1")
    runs.report(training, status=RUNNING, model_epoch=2, owner="elsewhere:1:1")
    assert runs.training_owners() == {"elsewhere:1:1"}

    runs.end_lost(died, "Training failed: the training process stopped in the middle.")
    record = runs.get(token, died)
    assert record.status == STOPPED and not record.model_pending and record.has_model
    assert record.note == ("Its training process ended while saving the model of the last "
                           "epoch. The model of epoch 4 was kept.")
    assert record.ended == old

    with store.engine.begin() as db:  # both went silent an hour ago
        db.execute(runs_table.update().where(runs_table.c.id.in_((restarted, training)))
                   .values(heartbeat=old))
    assert runs.interrupt_stale(time.time() - 30) == 2
    record = runs.get(token, restarted)
    assert record.status == STOPPED and not record.model_pending and record.model_epoch == 4
    interrupted = runs.get(token, training)
    assert interrupted.status == "interrupted"
    assert interrupted.note == ("Interrupted: the server stopped while this run was "
                                "training. The model of epoch 2 was kept.")
    assert runs.training_owners() == set()


def test_a_worker_s_report_never_undoes_a_stop_request(store):
    """The reporter thread writes four times a second; a Stop written between two of its
    reports stays "stopping" (the page waits for the end), never back to "running"."""
    runs = Runs(store)
    token = store.create()
    run_id = runs.create(token, iris_spec(), IRIS)
    assert runs.claim(run_id, "here:1:1")
    runs.report_training(run_id, progress=[1, 5, 2, 4])
    assert runs.get(token, run_id).status == RUNNING
    runs.request_stop(token, run_id)
    runs.report_training(run_id, progress=[1, 5, 3, 4])
    record = runs.get(token, run_id)
    assert record.status == STOPPING and record.progress.step == 3
