"""What a polling page reads: a run at a glance, and the whole record again only when needed."""

from __future__ import annotations

import pytest

from gui.core.spec.vocabulary import RUNNING, STOPPING
from gui.core.store.runs import Runs
from tests.core.test_runs import IRIS, iris_spec


@pytest.fixture
def runs(store):
    """On each backend (SQLite, PostgreSQL): see tests/postgres_server.py."""
    return Runs(store)


def test_a_glance_shows_status_and_progress_and_changes_with_each_epoch(runs):
    token = runs.store.create()
    run_id = runs.create(token, iris_spec(epochs=50), IRIS)
    first = runs.glance(token, run_id)
    assert (first.id, first.status, first.active, first.has_history) == (run_id, "queued",
                                                                         True, False)
    assert runs.glance(token) == first  # without a run id: the workspace's active run
    runs.report(run_id, status=RUNNING, started=1.0, progress=[1, 50, 3, 8])
    moving = runs.glance(token, run_id)
    assert moving.progress.step == 3 and moving.status == RUNNING
    runs.report(run_id, progress=[1, 50, 5, 8])
    assert runs.glance(token, run_id).changes == moving.changes  # only the batch moved
    runs.report(run_id, history={"loss": [0.9]}, log=["Epoch 1/50"], progress=[2, 50, 0, 8])
    grown = runs.glance(token, run_id)
    assert grown.changes != moving.changes and grown.has_history
    runs.request_stop(token, run_id)
    assert runs.glance(token, run_id).changes != grown.changes
    assert runs.glance(token, run_id).status == STOPPING
    assert [g.id for g in runs.glance_all(token)] == [run_id]


def test_a_glance_never_crosses_workspaces(runs):
    mine, theirs = runs.store.create(), runs.store.create()
    run_id = runs.create(theirs, iris_spec(), IRIS)
    assert runs.glance(mine, run_id) is None
    assert runs.glance(mine) is None and runs.glance_all(mine) == []


def test_reading_a_run_again_keeps_its_spec_and_reads_the_rest(runs):
    token = runs.store.create()
    run_id = runs.create(token, iris_spec(epochs=7), IRIS)
    known = runs.get(token, run_id)
    runs.report(run_id, history={"loss": [0.5, 0.4]}, log=["a", "b"])
    again = runs.get(token, run_id, known=known)
    assert again.spec is known.spec and again.data == IRIS
    assert again.history == {"loss": [0.5, 0.4]} and again.log == ["a", "b"]
    other = runs.create(token, iris_spec(epochs=3), IRIS)
    assert runs.get(token, other, known=known).spec.fit.epochs == 3  # another run: read whole
