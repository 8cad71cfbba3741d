"""Files live in the database; LAYERLAB_HOME is only a cache (blobs.py, run_files.py).

A training process on another machine needs only the database URL: a worker whose home is a
different, empty folder trains from an uploaded CSV and the app reads its model and snapshots;
a second store with another empty home sees the uploads and the runs' files. Every test runs
on SQLite and on a real PostgreSQL server (tests/postgres_server.py)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select, update

from gui.core.saving.load import load_run_model
from gui.core.store.blobs import CHUNK_BYTES, blob_chunks, blobs
from gui.core.store.run_files import run_file_chunks, run_files
from gui.core.store.runs import Runs
from gui.core.store.workspaces import Store, StoreError
from gui.core.training.snapshots import Snapshots
from gui.core.workers.pool import TrainingPool
from tests.conftest import SAMPLES
from tests.core.test_runs import FEATURES, IRIS, finished, iris_spec, wait_for


@pytest.fixture
def elsewhere(store, tmp_path):
    """A second store on the same database whose home is a different, empty folder (another
    machine's app or training process)."""
    other = Store(tmp_path / "elsewhere", store.url)
    yield other
    other.engine.dispose()


def rows(store: Store, table) -> int:
    with store.engine.connect() as db:
        return db.execute(select(func.count()).select_from(table)).scalar()


def test_a_store_with_an_empty_home_reads_the_uploads(store, elsewhere):
    token = store.create()
    raw = os.urandom(2 * CHUNK_BYTES + 12345)  # three chunks: no value holds the whole file
    record = store.add_file(token, "big.bin", raw)
    assert rows(store, blob_chunks) == 3
    assert not any((elsewhere.home / "files").rglob("*"))
    assert elsewhere.read_file(token, record.sha256) == raw  # fetched from the database
    cached = elsewhere.file_path(token, record.sha256)
    assert cached.is_relative_to(elsewhere.home) and cached.read_bytes() == raw
    assert [f.name for f in elsewhere.files(token)] == ["big.bin"]


def test_a_fetched_file_is_checked_by_its_sha256(store, elsewhere):
    token = store.create()
    sha = store.add_file(token, "a.csv", b"x,y\n1,2\n" * 1000).sha256
    with store.engine.begin() as db:
        db.execute(update(blob_chunks).values(data=b"tampered"))
    with pytest.raises(StoreError, match="upload it again"):
        elsewhere.file_path(token, sha)
    assert not elsewhere.blobs.cached(sha).exists()
    assert store.read_file(token, sha) == b"x,y\n1,2\n" * 1000  # the uploader's own copy


def test_nothing_crosses_workspaces_from_another_home(store, elsewhere):
    runs, theirs = Runs(store), Runs(elsewhere)
    a, b = store.create(), store.create()
    sha = store.add_file(a, "private.csv", b"private data").sha256
    run_id = runs.create(a, iris_spec(), IRIS)
    runs.files.write(a, run_id, "model", lambda path: path.write_bytes(b"a's model"))
    for read in (elsewhere.file_path, elsewhere.read_file):
        with pytest.raises(StoreError):
            read(b, sha)
    assert not theirs.model_path(b, run_id).exists()
    assert not any(theirs.snapshot_paths(b, run_id)[0].parent.glob("*"))
    with pytest.raises(StoreError):
        theirs.files.write(b, run_id, "model", lambda path: path.write_bytes(b"b's"))
    assert theirs.model_path(a, run_id).read_bytes() == b"a's model"


def test_run_files_are_fetched_only_when_they_changed(store, elsewhere):
    """The live view polls each second: an unchanged file is not downloaded again."""
    runs, theirs = Runs(store), Runs(elsewhere)
    token = store.create()
    run_id = runs.create(token, iris_spec(), IRIS)
    assert not theirs.model_path(token, run_id).exists()
    runs.files.write(token, run_id, "model", lambda path: path.write_bytes(b"epoch 1"))
    path = theirs.model_path(token, run_id)
    assert path.read_bytes() == b"epoch 1" and path.is_relative_to(elsewhere.home)
    stamp = path.stat().st_mtime_ns
    with open(path, "r+b") as cached:  # marks this copy without changing its stamp
        cached.write(b"EPOCH")
    os.utime(path, ns=(stamp, stamp))
    assert theirs.model_path(token, run_id).read_bytes() == b"EPOCH 1"  # not fetched again
    runs.files.write(token, run_id, "model", lambda path: path.write_bytes(b"epoch 2"))
    assert theirs.model_path(token, run_id).read_bytes() == b"epoch 2"
    runs.files.write(token, run_id, "model", lambda path: path.write_bytes(b"epoch 2"))
    assert theirs.model_path(token, run_id).stat().st_mtime_ns > stamp  # same content
    theirs.set_card_notes(token, run_id, "For class use only.")
    assert runs.card_notes(token, run_id) == "For class use only."
    runs.files.remove(token, run_id, "model")
    assert not theirs.model_path(token, run_id).exists()


def test_deleting_frees_the_rows(store, elsewhere):
    runs = Runs(store)
    a, b = store.create(), store.create()
    raw = os.urandom(CHUNK_BYTES + 1)
    shared = store.add_file(a, "one.bin", raw).sha256
    store.add_file(b, "same.bin", raw)
    own = store.add_file(a, "own.csv", b"only a").sha256
    assert (rows(store, blobs), rows(store, blob_chunks)) == (2, 3)
    store.remove_file(a, shared)
    assert rows(store, blob_chunks) == 3  # b still holds it
    elsewhere.remove_file(b, shared)
    assert (rows(store, blobs), rows(store, blob_chunks)) == (1, 1)
    assert store.read_file(a, own) == b"only a"
    first, second = runs.create(a, iris_spec(), IRIS), runs.create(a, iris_spec(), IRIS)
    for run_id in (first, second):
        runs.files.write(a, run_id, "model", lambda path: path.write_bytes(raw))
        runs.set_card_notes(a, run_id, "notes")
    assert (rows(store, run_files), rows(store, run_file_chunks)) == (4, 6)
    runs.report(first, status="done")
    runs.delete(a, first)
    assert (rows(store, run_files), rows(store, run_file_chunks)) == (2, 3)
    assert not runs.files.cached(a, first, "model").exists()
    store.delete(a)
    assert [rows(store, t) for t in (blobs, blob_chunks, run_files, run_file_chunks)] == [0] * 4


def test_a_worker_with_an_empty_home_trains_from_an_upload(store, tmp_path):
    """The pool's worker has its own, empty LAYERLAB_HOME: the CSV reaches it through the
    database, and its model and snapshots reach the app (and a third process) the same way."""
    runs = Runs(store)
    token = store.create()
    csv = store.add_file(token, "iris.csv", (SAMPLES / "iris.csv").read_bytes())
    worker_home = tmp_path / "worker-home"
    pool = TrainingPool(store, slots=1, idle_seconds=600, worker_home=worker_home)
    try:
        wait_for(lambda: pool.ready_workers == 1, 180)
        spec = iris_spec(epochs=4)
        run_id = runs.create(token, spec, {"dataset": {"file": csv.sha256, "name": "iris.csv"},
                                           "test": None})
        pool.wake()
        record = finished(runs, token, run_id)
    finally:
        pool.close()
    assert record.status == "done", record.error
    assert (worker_home / "files" / csv.sha256[:2] / csv.sha256).exists()  # fetched there
    app_model = store.workspace_dir(token) / "runs" / f"{run_id}.keras"
    assert not app_model.exists()  # nothing was written into the app's folder
    model, prep, saved_spec = load_run_model(runs.model_path(token, run_id))
    assert model.input_shape[-1] == len(FEATURES) and saved_spec.fit.epochs == 4
    full, latest = runs.snapshot_paths(token, run_id)
    assert Snapshots.load(full).epochs == [0, 1, 2, 3, 4] and not latest.exists()
    third = Store(tmp_path / "third-home", store.url)
    try:
        path = Runs(third).model_path(token, run_id)
        assert path.is_relative_to(third.home)
        assert path.read_bytes() == runs.model_path(token, run_id).read_bytes()
    finally:
        third.engine.dispose()
