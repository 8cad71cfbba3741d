"""Find a better network with the pool (workers/search_driver.py) on a tiny budget, on SQLite
and a real PostgreSQL: every trial is a run in the store trained by a real worker, a trial
behind the others on its validation curve is pruned (its run stopped), the best is chosen
by validation score, its spec goes into the design, and the test rows are never used."""

from __future__ import annotations

import math

import optuna
import pytest

from gui.core.data import data_ref
from gui.core.spec.data_info import DataInfo
from gui.core.spec.lesson_rules import LOCKED, LessonRules, Limits, limit_problems
from gui.core.spec.vocabulary import DONE, MAX_EPOCHS, STOPPED
from gui.core.store.runs import Runs
from gui.core.store.searches import Searches
from gui.core.store.workspaces import Store, StoreError
from gui.core.training import search_space
from gui.core.workers import worker
from gui.core.workers.pool import TrainingPool
from gui.core.workers.search_driver import SearchDriver
from tests.core.test_runs import IRIS, iris_spec, wait_for

HOPELESS = {"layers": 1, "units": 8, "activation": "tanh", "dropout": 0.5, "l2": 1e-7,
            "learning_rate": 1e-4, "batch_size": 16}
# Enough epochs that a prune (read from the record each tick) lands before the end: a later
# trial trains at most search_space.TRIAL_EPOCHS; an Iris epoch takes a few ms.
EPOCHS = search_space.TRIAL_EPOCHS


@pytest.fixture(scope="module")
def store(tmp_path_factory, module_database_url):
    store = Store(tmp_path_factory.mktemp("search-home"), module_database_url)
    yield store
    store.engine.dispose()


@pytest.fixture(scope="module")
def pool(store):
    pool = TrainingPool(store, slots=1, idle_seconds=600)
    yield pool
    pool.close()


def _plan(store, token, rules=None):
    spec = iris_spec()
    info = DataInfo.from_prepared(data_ref.prepare(store, token, spec, IRIS))
    plan = search_space.plan(info, spec, rules)
    plan.base.fit.epochs = min(plan.base.fit.epochs, EPOCHS)  # a lesson may allow fewer
    return plan, info


def test_trials_are_runs_a_bad_one_is_pruned_and_the_best_goes_into_the_design(store, pool):
    token = store.create()
    plan, info = _plan(store, token)
    driver = SearchDriver(store, wake=pool.wake, enqueue=[HOPELESS], max_trials=3,
                          pruner=lambda: optuna.pruners.MedianPruner(n_startup_trials=1,
                                                                     n_warmup_steps=2))
    searches, runs = Searches(store), Runs(store)
    try:
        search_id = searches.create(token, plan.base, IRIS, plan.space, plan.first,
                                    info.task, minutes=5)
        driver.wake()
        record = wait_for(lambda: (r := searches.get(token, search_id)) and not r.active
                          and r, timeout=400, every=0.5)
    finally:
        driver.close()
    assert record.status == "done", record.note
    assert [t.number for t in record.trials] == [0, 1, 2]
    trial_runs = {t.number: runs.get(token, t.run) for t in record.trials}
    for number, run in trial_runs.items():
        assert run.name == f"Search 1 · trial {number + 1}"
        assert run.data["search"] == search_id and not run.active
        assert run.test_metrics == {} and run.hidden_metrics == {}  # never scored on test rows
        assert run.spec.fit.validation == "split"
    assert record.trials[0].params == plan.first  # the recommended spec first
    pruned = record.trials[1]
    assert pruned.state == "pruned", [(t.state, t.score) for t in record.trials]
    assert trial_runs[1].status == STOPPED and "Pruned by Search 1" in trial_runs[1].note
    assert trial_runs[1].epochs_done < EPOCHS
    assert " pruned" in record.note and " finished" in record.note
    complete = [t for t in record.trials if t.state == "complete"]
    assert complete and record.best_run == search_space.best_of(
        record.trials, record.space["validation_rows"]).run
    best_run = runs.get(token, record.best_run)
    assert record.best_score == pytest.approx(search_space.history_score(best_run.history,
                                                                         "multiclass"))
    assert math.isfinite(record.best_score)
    # "Use the best network": the design takes the best trial's layers, rate and batch size
    current = iris_spec(epochs=7)
    design = search_space.adopt(current, best_run.spec, record.space)
    assert design.layers == best_run.spec.layers
    assert design.compile.learning_rate == best_run.spec.compile.learning_rate
    assert design.fit.batch_size == best_run.spec.fit.batch_size
    assert design.data == current.data and design.compile.loss == current.compile.loss


def test_a_trial_trains_without_the_test_rows(store, monkeypatch):
    """The worker's own code path (worker.train, here in this process): a trial's data
    has no test rows at all, and nothing scores it on them."""
    from gui.core.training import job

    token = store.create()
    plan, _ = _plan(store, token)
    spec = search_space.trial_spec(plan.base, plan.first, plan.space)
    spec.fit.epochs = 2
    runs = Runs(store)
    run_id = runs.create(token, spec, {**IRIS, "search": 1})
    assert runs.claim(run_id, "test")
    seen, scored = [], []
    real = job.TrainingJob.__init__

    def spy(self, spec, data, *args, **kwargs):
        seen.append((len(data.X_train), len(data.X_test), len(data.raw_test)))
        real(self, spec, data, *args, **kwargs)

    monkeypatch.setattr(job.TrainingJob, "__init__", spy)
    monkeypatch.setattr(job.TrainingJob, "evaluate_test",
                        lambda self: scored.append(1) or {"loss": 0.0})
    import threading

    worker.train(runs, run_id, threading.Event(), lambda: None)
    assert seen == [(120, 0, 0)] and scored == []
    assert runs.get(token, run_id).test_metrics == {}


def test_stop_ends_the_search_and_its_trial(store, pool):
    token = store.create()
    plan, info = _plan(store, token)
    plan.base.fit.epochs = 2000
    driver = SearchDriver(store, wake=pool.wake)
    searches, runs = Searches(store), Runs(store)
    try:
        search_id = searches.create(token, plan.base, IRIS, plan.space, plan.first,
                                    info.task, minutes=5)
        driver.wake()
        wait_for(lambda: (r := searches.get(token, search_id)).trials
                 and runs.get(token, r.trials[0].run).epochs_done >= 1, timeout=300)
        with pytest.raises(StoreError, match="already going"):
            searches.create(token, plan.base, IRIS, plan.space, plan.first, info.task, 1)
        searches.request_stop(token, search_id)
        driver.wake()
        record = wait_for(lambda: (r := searches.get(token, search_id)) and not r.active
                          and r, timeout=60, every=0.2)
    finally:
        driver.close()
    assert record.status == "stopped" and len(record.trials) == 1
    run = runs.get(token, record.trials[0].run)
    assert run.status == STOPPED and run.note.startswith("Stopped with its search")
    assert record.trials[0].state == "complete" and record.best_run == run.id
    assert "1 trial (1 cut short by the stop or the time box (its best epoch counts))" \
        in record.note  # not "finished"


def test_a_trial_is_stopped_at_its_share_of_the_time_box_and_its_best_epoch_counts(store,
                                                                                    pool):
    token = store.create()
    plan, info = _plan(store, token)
    # Only the cap can end it: 10,000 Iris epochs take far longer than its 10.5 s
    plan.base.fit.epochs = plan.base.fit.patience = MAX_EPOCHS
    minutes = 0.5  # the first trial: 10.5 s at most, ample for its first epochs under load
    cap = search_space.trial_seconds(minutes, 0)
    assert cap < minutes * 60
    wait_for(lambda: pool.ready_workers >= 1, timeout=300)  # TensorFlow imported, as in the app
    driver = SearchDriver(store, wake=pool.wake, max_trials=1)
    searches, runs = Searches(store), Runs(store)
    try:
        search_id = searches.create(token, plan.base, IRIS, plan.space, plan.first,
                                    info.task, minutes=minutes)
        driver.wake()
        record = wait_for(lambda: (r := searches.get(token, search_id)) and not r.active
                          and r, timeout=300, every=0.5)
    finally:
        driver.close()
    run = runs.get(token, record.trials[0].run)
    assert run.status == DONE and "time cap" in run.note, run.note  # ended at an epoch's end
    assert 1 <= run.epochs_done < MAX_EPOCHS and run.data["seconds"] == pytest.approx(cap, abs=0.1)
    assert run.ended - run.started < minutes * 60  # stopped at its cap, not the box's end
    assert not run.spec.fit.snapshots  # trials record no weight snapshots
    assert record.trials[0].state == "complete" and record.best_run == run.id
    assert record.best_score == pytest.approx(search_space.history_score(run.history,
                                                                         "multiclass"))


def test_a_lesson_s_locks_and_limits_bound_the_search(store):
    token = store.create()
    rules = LessonRules({"compile": LOCKED, "layers.activation": LOCKED},
                        Limits(max_epochs=20, max_units=16, max_layers=4))
    plan, _ = _plan(store, token, rules)
    space = plan.space
    assert "learning_rate" not in space and space["activation"] == ("relu",)
    assert space["units"][1] == 16 and space["layers"][1] == 3
    assert plan.base.fit.epochs <= 20
    study = search_space.new_study(seed=3)
    for _ in range(30):
        spec = search_space.trial_spec(plan.base, search_space.suggest(study.ask(), space),
                                       space)
        assert limit_problems(spec, rules.limits) == []
        assert spec.compile == plan.base.compile
    locked = LessonRules({"layers": LOCKED, "fit": LOCKED, "compile": LOCKED})
    assert search_space.searched(_plan(store, token, locked)[0].space) == []


def test_a_time_box_out_of_range_is_refused_in_words(store):
    token = store.create()
    plan, info = _plan(store, token)
    with pytest.raises(StoreError, match="at most 60 minutes"):
        Searches(store).create(token, plan.base, IRIS, plan.space, plan.first, info.task, 0)


def test_a_search_with_nothing_to_vary_is_refused_in_words(store):
    token = store.create()
    locked = LessonRules({"layers": LOCKED, "fit": LOCKED, "compile": LOCKED})
    plan, info = _plan(store, token, locked)
    with pytest.raises(StoreError, match="nothing to search"):
        Searches(store).create(token, plan.base, IRIS, plan.space, plan.first, info.task, 1)
