"""The class board compares students' scores the right way round, on one scale: errors rank
lowest first, and a number's hidden score is its R² in the target's own units (a student may
scale the target or not; the loss and Keras metrics are on the target as trained)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import r2_score
from sqlalchemy import update

from gui.core.inspection.hidden_test import score_rows
from gui.core.spec.heads import default_spec
from gui.core.spec.vocabulary import UNITS_SCORE
from gui.core.store.board import class_board
from gui.core.store.runs import Runs, runs_table
from gui.core.store.workspaces import Store
from tests.core import trained_models as tm
from tests.core.test_lesson_hidden import class_of_two, on_copys_data


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "home")
    yield s
    s.engine.dispose()


def scored(runs: Runs, copy: str, own: dict, hidden: dict | None = None) -> int:
    """A finished regression run of `copy` with these test (and hidden-row) scores."""
    run = runs.create(copy, on_copys_data(default_spec("regression"), runs, copy),
                      {"dataset": {}})
    with runs.engine.begin() as db:
        db.execute(update(runs_table).where(runs_table.c.id == run).values(
            status="done", test_metrics=json.dumps(own),
            hidden_metrics=json.dumps(hidden or {})))
    return run


def test_an_error_ranks_lowest_first_and_a_student_keeps_the_lowest_of_their_runs(store):
    lessons, runs, lesson, ada, bob = class_of_two(store, "Errors", share=0)
    scored(runs, ada, {"loss": 0.20, "mean_absolute_error": 0.294})
    scored(runs, bob, {"loss": 0.30, "mean_absolute_error": 0.310})
    scored(runs, bob, {"loss": 0.25, "mean_absolute_error": 0.281})  # Bob's better run
    scored(runs, bob, {"loss": 0.40, "mean_absolute_error": 0.500})
    _, entries = class_board(lessons, runs, lesson.board)
    assert [(e.student.name, e.metric, e.score) for e in entries] == [
        ("Bob", "mean_absolute_error", 0.281), ("Ada", "mean_absolute_error", 0.294)]
    assert entries[0].best.id == 3


def test_a_number_on_hidden_rows_ranks_by_its_r2_in_the_targets_units(store):
    lessons, runs, lesson, ada, bob = class_of_two(store, "Numbers")
    # Ada scaled her target (small errors as trained), Bob did not (errors in the units)
    scored(runs, ada, {"loss": 0.1}, {"loss": 0.4, "mean_absolute_error": 0.3, UNITS_SCORE: 0.55})
    scored(runs, bob, {"loss": 90.0}, {"loss": 80.0, "mean_absolute_error": 7.1,
                                       UNITS_SCORE: 0.81})
    _, entries = class_board(lessons, runs, lesson.board)
    assert [(e.student.name, e.metric, e.score) for e in entries] == [
        ("Bob", UNITS_SCORE, 0.81), ("Ada", UNITS_SCORE, 0.55)]


@pytest.mark.parametrize("scale_target", [True, False])
def test_hidden_rows_score_a_number_by_its_r2_in_the_targets_own_units(scale_target):
    trained = tm.train("tips.csv", "tip", epochs=3, scaling="minmax",
                       scale_target=scale_target)
    rows = trained.frame.sample(40, random_state=0)
    scores = score_rows(trained.model, trained.prepared, trained.spec, rows)
    features = [c for c in trained.prepared.raw_test.columns if c != "tip"]
    encoded = trained.prepared.preprocessor.encode(rows[features])
    predicted = np.asarray(trained.deploy.predict(encoded, verbose=0)).reshape(-1)
    assert scores[UNITS_SCORE] == pytest.approx(r2_score(rows["tip"], predicted), abs=1e-5)
    assert {"loss", "mean_absolute_error"} <= set(scores)  # as trained, beside it
    iris = tm.iris()
    assert UNITS_SCORE not in score_rows(iris.model, iris.prepared, iris.spec,
                                         iris.frame.head(20))  # classes: accuracy as before


def test_a_finished_regression_run_records_its_test_r2_in_the_targets_units():
    from gui.core.training.job import TrainingJob

    trained = tm.train("tips.csv", "tip", epochs=1, scale_target=True)
    spec = trained.spec
    spec.fit.epochs = 3
    job = TrainingJob(spec, trained.prepared)
    job.run()
    scores = job.evaluate_test()
    data = trained.prepared
    predicted = np.asarray(job.deploy_model().predict(data.X_test, verbose=0)).reshape(-1)
    truth = data.preprocessor.decode_target(data.y_test)
    assert scores[UNITS_SCORE] == pytest.approx(r2_score(truth, predicted), abs=1e-5)
    assert list(scores)[:2] == ["loss", "mean_absolute_error"]  # as trained, first


def test_a_lesson_without_hidden_rows_ranks_numbers_by_their_own_test_r2(store):
    lessons, runs, lesson, ada, bob = class_of_two(store, "Own split", share=0)
    scored(runs, ada, {"loss": 0.2, "mean_absolute_error": 0.3, UNITS_SCORE: 0.40})
    scored(runs, bob, {"loss": 60.0, "mean_absolute_error": 6.0, UNITS_SCORE: 0.70})
    _, entries = class_board(lessons, runs, lesson.board)
    assert [(e.student.name, e.score, e.hidden) for e in entries] == [
        ("Bob", 0.70, False), ("Ada", 0.40, False)]



def trained_run(runs: Runs, copy: str, scale_target: bool, losses: list, r2: float) -> None:
    """A finished regression run of `copy`, its target standardised or not."""
    spec = on_copys_data(default_spec("regression"), runs, copy)
    spec.data.scale_target = scale_target
    run = runs.create(copy, spec, {"dataset": {}})
    with runs.engine.begin() as db:
        db.execute(update(runs_table).where(runs_table.c.id == run).values(
            status="done", history=json.dumps({"loss": losses}),
            test_metrics=json.dumps({"loss": losses[-1], UNITS_SCORE: r2})))


def test_curves_of_different_scales_are_grouped_apart(store):
    """A student who standardised the target and one who did not get a chart each: their
    losses share no axis. Once both best runs are on one scale, one chart."""
    from gui.core.store.board import by_curve_scale

    lessons, runs, lesson, ada, bob = class_of_two(store, "Scales", share=0)
    trained_run(runs, ada, True, [0.9, 0.3], 0.4)
    trained_run(runs, bob, False, [3e5, 1e5], 0.7)

    def groups():
        found = by_curve_scale(class_board(lessons, runs, lesson.board)[1])
        return [(scale, [e.student.name for e in group]) for scale, group in found.items()]

    loss = default_spec("regression").compile.loss
    assert groups() == [(f"{loss}, target in its own units", ["Bob"]),
                        (f"{loss}, target standardised", ["Ada"])]
    trained_run(runs, ada, False, [2e5, 0.8e5], 0.9)  # Ada's better run is unscaled
    assert groups() == [(f"{loss}, target in its own units", ["Ada", "Bob"])]


def test_a_run_that_predicts_another_column_is_listed_but_not_ranked(store):
    lessons, runs, lesson, ada, bob = class_of_two(store, "Targets", share=0)
    scored(runs, ada, {"loss": 0.4, UNITS_SCORE: 0.5})
    other = on_copys_data(default_spec("regression"), runs, bob)
    other.data.target = "x1"  # Bob predicts a column that was an input: not comparable
    run = runs.create(bob, other, {"dataset": {}})
    with runs.engine.begin() as db:
        db.execute(update(runs_table).where(runs_table.c.id == run).values(
            status="done", test_metrics=json.dumps({"loss": 0.1, UNITS_SCORE: 0.99})))
    _, entries = class_board(lessons, runs, lesson.board)
    assert [(e.student.name, e.score, e.elsewhere) for e in entries] == [
        ("Ada", 0.5, 0), ("Bob", None, 1)]
