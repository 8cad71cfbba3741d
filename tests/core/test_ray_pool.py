"""The pool on Ray: a real two-node Ray cluster on 127.0.0.1 started by these tests, real
actors (TensorFlow imported once each), a real store (SQLite; PostgreSQL for the actor with
a home of its own). The dispatcher is the local pool's; these tests check that every promise
holds when its workers are actors on other nodes.

One cluster and one pool of two actors serve the module (an actor imports TensorFlow once,
~20 s on a busy machine). How fast Stop answers on Ray is benchmarks/ray_pool.py's figure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest
import ray

from gui.core.saving.load import load_run_model
from gui.core.spec.vocabulary import DONE, QUEUED, STOPPED
from gui.core.store.runs import Runs
from gui.core.store.workspaces import Store
from gui.core.workers.engines import RAY_ADDRESS_ENV, make_pool
from gui.core.workers.ray_engine import Trainer
from tests.conftest import ROOT, SAMPLES
from tests.core.test_runs import (
    IRIS,
    finished,
    idle_run_is_stopped,
    iris_spec,
    killed_mid_run,
    wait_for,
)
from tests.core.test_stop_saving import stopped_before_its_model_is_saved
from tests.ray_cluster import local_cluster


@pytest.fixture(scope="module")
def cluster():
    with local_cluster(nodes=2) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("ray-home"))
    yield store
    store.engine.dispose()


@pytest.fixture(scope="module")
def pool(cluster, store):
    with pytest.MonkeyPatch.context() as env:
        env.setenv(RAY_ADDRESS_ENV, cluster.address)
        pool = make_pool(store, slots=2, idle_seconds=600)
    assert pool.engine.name == "ray"
    wait_for(lambda: pool.ready_workers == 2, 300)
    yield pool
    pool.close()


def node_of(record) -> str:
    """The Ray node a run's note says trained it."""
    return record.note.split("(Ray node ")[1].split(")")[0]


def test_runs_train_on_both_nodes_and_keep_their_models(store, pool):
    runs = Runs(store)
    tokens = [store.create(), store.create()]
    ids = [runs.create(token, iris_spec(epochs=4), IRIS) for token in tokens]
    pool.wake()
    records = [finished(runs, token, run_id) for token, run_id in zip(tokens, ids, strict=True)]
    for record in records:
        assert record.status == DONE, record.error
        assert record.epochs_done == 4 and set(record.test_metrics) == {"loss", "accuracy"}
        model, prep, _ = load_run_model(runs.model_path(record.workspace, record.id))
        assert model.optimizer.iterations.numpy() > 0 and prep.task == "multiclass"
    # Two actors, spread one a node: the runs trained on different nodes of the cluster.
    assert len({node_of(r) for r in records}) == 2
    assert len(ray.nodes()) == 2


def test_a_ray_client_address_joins_the_cluster(cluster):
    """ray://HOST:PORT (a machine outside the cluster): the same connect, through Ray's
    client, in a process of its own; the code travels with the job."""
    code = ("import ray; from gui.core.workers.ray_engine import connect;"
            f"connect({cluster.client_address!r});"
            "print(int(ray.cluster_resources()['CPU']), len(ray.nodes()))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, env={**os.environ, RAY_ADDRESS_ENV: ""})
    assert done.stdout.split() == ["4", "2"], done.stderr[-2000:]


def test_queue_order_one_run_per_workspace_and_stop(store, pool):
    runs = Runs(store)
    mine, theirs = store.create(), store.create()
    long = runs.create(mine, iris_spec(epochs=5000), IRIS)
    waits = runs.create(mine, iris_spec(epochs=2), IRIS)
    other = runs.create(theirs, iris_spec(epochs=2), IRIS)
    pool.wake()
    assert finished(runs, theirs, other).status == DONE  # the second actor took it ...
    assert runs.get(mine, waits).status == QUEUED  # ... while this one waits for its workspace
    wait_for(lambda: runs.get(mine, long).epochs_done >= 2)
    runs.request_stop(mine, long)
    pool.wake()
    stopped = finished(runs, mine, long, 30)
    assert stopped.status == STOPPED and stopped.has_model and stopped.epochs_done < 5000
    after = finished(runs, mine, waits)
    assert after.status == DONE and after.started >= stopped.ended


def test_an_idle_workspace_s_run_is_stopped(store, pool):
    idle_run_is_stopped(store, pool)


def test_stop_is_reported_before_the_model_is_saved(store, pool):
    """With two actors the continuation queued in the window starts on the other actor at
    once, and waits there for its parent's model."""
    stopped_before_its_model_is_saved(store, pool)


def test_a_killed_actor_fails_its_run_in_words_and_is_replaced(store, pool):
    runs, token, pid, record = killed_mid_run(store, pool)  # the actor's process
    assert "Ray actor" in record.error and "ran out of memory" in record.error
    wait_for(lambda: pool.ready_workers == 2 and pid not in pool.worker_pids(), 300)
    after = runs.create(token, iris_spec(epochs=3), IRIS)
    pool.wake()
    record = finished(runs, token, after)
    assert record.status == DONE and record.epochs_done == 3


def test_an_actor_with_an_empty_home_of_its_own_trains_a_postgresql_run(cluster,
                                                                        postgres_server):
    """On another machine a worker has only the database URL: its LAYERLAB_HOME is a
    different, empty folder. The run's data file and its model travel through the store."""
    store = Store(tempfile.mkdtemp(prefix="layerlab-app-"),
                  postgres_server.url(postgres_server.create_database()))
    try:
        runs = Runs(store)
        token = store.create()
        raw = (SAMPLES / "iris.csv").read_bytes()
        file = store.add_file(token, "iris.csv", raw)
        run_id = runs.create(token, iris_spec(epochs=3),
                             {"dataset": {"file": file.sha256, "name": "iris.csv"},
                              "test": None})
        assert runs.claim(run_id, "test")
        actor = Trainer.remote(store.url, None)  # None: a fresh temporary home on its node
        assert ray.get(actor.hello.remote(), timeout=300)["home"] != str(store.home)
        ray.get(actor.train.remote(run_id), timeout=300)
        record = runs.get(token, run_id)
        assert record.status == DONE, record.error
        model, prep, _ = load_run_model(runs.model_path(token, run_id))  # the app's side
        assert prep.task == "multiclass"
        ray.kill(actor)
    finally:
        store.engine.dispose()
