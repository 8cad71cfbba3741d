"""Pools in several app processes claim queued runs from one store at once (SQLite and
PostgreSQL): every run is claimed once, and no workspace ever trains two runs."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import func, select

from gui.core.spec.heads import default_spec
from gui.core.spec.schema import DataSpec
from gui.core.spec.vocabulary import RUNNING
from gui.core.store.runs import Runs, runs_table
from gui.core.store.workspaces import Store

# No Keras here: the claiming processes import only the store, so they start in a moment.
IRIS = {"dataset": {"sample": "Iris flowers"}, "test": None}
SPEC = default_spec("multiclass", 3, DataSpec(source="iris.csv", target="species",
                                              features=["a", "b", "c", "d"]))


def claim_all(home: str, url: str | None, owner: str, start, found) -> None:
    """Run in a spawned process: claim runs until none is left to claim."""
    runs = Runs(Store(home, url))
    start.wait(60)  # every claimer begins together, so the claims really race
    misses = 0
    while misses < 20:
        run_id = runs.claim_next(owner)
        if run_id is None:
            misses += 1
            continue
        found.put((owner, run_id))


def test_racing_claimers_never_train_two_runs_of_one_workspace(store, database_url):
    runs = Runs(store)
    tokens = [store.create() for _ in range(12)]
    queued = [runs.create(token, SPEC, IRIS) for token in tokens for _ in range(3)]
    ctx = multiprocessing.get_context("spawn")
    start, found = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=claim_all,
                         args=(str(store.home), database_url, f"pool-{i}", start, found))
             for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * 4
    claims = []
    while not found.empty():
        claims.append(found.get(timeout=5))
    claimed = [run_id for _, run_id in claims]
    assert len(claimed) == len(set(claimed)) == len(tokens)  # one per workspace, none twice
    assert set(claimed) <= set(queued)
    with store.engine.connect() as db:
        per_workspace = db.execute(
            select(runs_table.c.workspace, func.count()).where(runs_table.c.status == RUNNING)
            .group_by(runs_table.c.workspace)).all()
    assert sorted(n for _, n in per_workspace) == [1] * len(tokens)
