"""Weight snapshots: what the recorder keeps, its memory bound, and the run's snapshot file.

Real Keras training (TrainingJob with the recorder as its extra callback), a real worker pool
and a real SQLite store for the run's file.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from gui.core.data import data_ref
from gui.core.model.build import build_model
from gui.core.saving.load import load_run_model
from gui.core.spec.vocabulary import DONE
from gui.core.store.runs import Runs
from gui.core.store.workspaces import Store
from gui.core.training.job import TrainingJob
from gui.core.training.snapshots import SnapshotRecorder, Snapshots, apply, model_weights
from gui.core.workers.pool import TrainingPool
from tests.core.test_runs import IRIS, finished, iris_spec, wait_for


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return Store(tmp_path_factory.mktemp("snapshots-home"))


@pytest.fixture(scope="module")
def prepared(store):
    token = store.create()
    return data_ref.prepare(store, token, iris_spec(), IRIS)


def _same(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for name in a:
        assert len(a[name]) == len(b[name])
        for x, y in zip(a[name], b[name], strict=True):
            np.testing.assert_array_equal(x, y)


def _trained(spec, prepared, **kwargs):
    recorder = SnapshotRecorder(**kwargs)
    job = TrainingJob(spec, prepared, callbacks=[recorder])
    job.run()
    assert job.status == DONE, job.error
    return job, recorder.snapshots


def test_every_epoch_is_the_model_s_weights_at_that_epoch(prepared):
    spec = iris_spec(epochs=4)
    job, snaps = _trained(spec, prepared)
    assert snaps.epochs == [0, 1, 2, 3, 4]
    assert list(snaps.at(4)) == ["dense_1", "dense_2", "dense_3"]  # Dense layers only
    _same(snaps.at(4), model_weights(job.model))
    # Epoch 0 is the initial weights: the same spec builds the same ones.
    _same(snaps.at(0), model_weights(build_model(spec, prepared.preprocessor)))
    # Epoch 2 is what training stopped after 2 epochs has (training is deterministic).
    short = copy.deepcopy(spec)
    short.fit.epochs = 2
    job2, _ = _trained(short, prepared)
    _same(snaps.at(2), model_weights(job2.model))
    assert not np.array_equal(snaps.at(1)["dense_1"][0], snaps.at(2)["dense_1"][0])


def test_batch_normalization_is_recorded_with_its_statistics(prepared):
    from gui.core.spec.schema import LayerSpec

    spec = iris_spec(epochs=2)
    spec.layers.insert(1, LayerSpec(type="BatchNormalization"))
    job, snaps = _trained(spec, prepared)
    names = [n for n in snaps.at(2) if n.startswith("batchnormalization")]
    assert len(names) == 1 and len(snaps.at(2)[names[0]]) == 4  # gamma, beta, mean, var
    _same(snaps.at(2), model_weights(job.model))


def test_apply_sets_a_rebuilt_model_to_an_epoch(prepared):
    spec = iris_spec(epochs=3)
    job, snaps = _trained(spec, prepared)
    rebuilt = build_model(spec, prepared.preprocessor, compile=False)
    apply(rebuilt, snaps.at(3))
    rows = prepared.X_test[:7]
    np.testing.assert_allclose(rebuilt.predict(rows, verbose=0),
                               job.model.predict(rows, verbose=0), rtol=0, atol=1e-6)


def test_thinning_keeps_memory_bounded_and_the_latest_epoch():
    layer = {"dense_1": [np.zeros((32, 8), "float32"), np.zeros(8, "float32")]}  # 1,056 B
    snaps = Snapshots(budget=20_000)
    for epoch in range(0, 501):
        snaps.add(epoch, {k: [a + epoch for a in v] for k, v in layer.items()})
        assert snaps.nbytes <= 20_000
    kept = snaps.epochs
    assert kept[0] == 0 and kept[-1] == 500          # the start and the latest
    assert snaps.stride > 1 and all(e % snaps.stride == 0 for e in kept[:-1])
    assert len(kept) >= 9                           # still spans the run
    assert snaps.at(500)["dense_1"][1][0] == 500
    assert snaps.nearest(257) in kept


def test_save_and_load_round_trip(tmp_path):
    snaps = Snapshots()
    snaps.add(0, {"dense_1": [np.arange(6, dtype="float32").reshape(2, 3),
                              np.ones(3, "float32")]})
    snaps.add(1, {"dense_1": [np.full((2, 3), 2, "float32"), np.zeros(3, "float32")]})
    path = tmp_path / "1.snapshots.npz"
    snaps.save(path)
    loaded = Snapshots.load(path)
    assert loaded.epochs == [0, 1]
    _same(loaded.at(0), snaps.at(0))
    assert snaps.save_latest(tmp_path / "latest.npz") == 1
    assert Snapshots.load(tmp_path / "latest.npz").epochs == [1]
    assert Snapshots.load_if_any(tmp_path / "none.npz") is None


@pytest.fixture(scope="module")
def pool(store):
    pool = TrainingPool(store, slots=1, idle_seconds=600)
    wait_for(lambda: pool.ready_workers == 1, 120)
    yield pool
    pool.close()


def test_a_run_keeps_its_snapshots_continues_them_and_deletes_them(store, pool):
    runs = Runs(store)
    token = store.create()
    first_id = runs.create(token, iris_spec(epochs=5), IRIS)
    pool.wake()
    first = finished(runs, token, first_id)
    assert first.status == DONE, first.error
    full, latest = runs.snapshot_paths(token, first_id)
    assert not latest.exists()  # the live file goes when the run ends
    snaps = Snapshots.load(full)
    assert snaps.epochs == [0, 1, 2, 3, 4, 5]
    model, _, _ = load_run_model(runs.model_path(token, first_id))
    _same(snaps.at(5), model_weights(model))

    more = copy.deepcopy(first.spec)
    more.fit.epochs = 8
    second_id = runs.create(token, more, IRIS, parent=first_id, start_epoch=5,
                            history=first.history, log=first.log,
                            epoch_seconds=first.epoch_seconds)
    pool.wake()
    second = finished(runs, token, second_id)
    assert second.status == DONE, second.error
    carried = Snapshots.load(runs.snapshot_paths(token, second_id)[0])
    assert carried.epochs == list(range(9))  # the parent's 0-5, then 6-8
    _same(carried.at(3), snaps.at(3))
    model, _, _ = load_run_model(runs.model_path(token, second_id))
    _same(carried.at(8), model_weights(model))

    runs.delete(token, second_id)
    assert not runs.snapshot_paths(token, second_id)[0].exists()
    assert full.exists()  # another run's file stays


def test_snapshots_off_writes_no_file(store, pool):
    runs = Runs(store)
    token = store.create()
    spec = iris_spec(epochs=3)
    spec.fit.snapshots = False
    run_id = runs.create(token, spec, IRIS)
    pool.wake()
    record = finished(runs, token, run_id)
    assert record.status == DONE, record.error
    assert not any(p.exists() for p in runs.snapshot_paths(token, run_id))
    assert runs.model_path(token, run_id).exists()
