"""A lesson's hidden test rows (real SQLite, real files, a real Keras run in the worker's
code): the students' copies never hold them, the worker scores every run of a copy on them,
the board ranks by that score and says so; from the board a student's run is copied into the
teacher's workspace, and only a run of the board's own students."""

from __future__ import annotations

import io
import json
import threading

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text, update

from gui.core.data.lesson_rows import hold_back
from gui.core.spec.heads import default_spec
from gui.core.spec.lesson_rules import LessonRules
from gui.core.spec.schema import ExperimentSpec
from gui.core.store.board import class_board, copy_to_teacher
from gui.core.store.lessons import LessonError, Lessons
from gui.core.store.runs import Runs, runs_table
from gui.core.store.workspaces import Store, StoreError

ROWS = 100


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "home")
    yield s
    s.engine.dispose()


def rows_csv() -> bytes:
    rng = np.random.default_rng(3)
    x1, x2 = rng.normal(size=ROWS), rng.normal(size=ROWS)
    frame = pd.DataFrame({"row_id": [f"r{i:03d}" for i in range(ROWS)], "x1": x1, "x2": x2,
                          "label": np.where(x1 + x2 > 0, "up", "down")})
    return frame.to_csv(index=False).encode()


def teacher_workspace(store: Store) -> str:
    token = store.create()
    record = store.add_file(token, "points.csv", rows_csv())
    spec = default_spec("multiclass", n_classes=2)
    spec.data.target, spec.data.features = "label", ["x1", "x2"]
    spec.fit.epochs = 3
    store.save_state(token, {"spec": spec.to_dict(),
                             "dataset": {"file": record.sha256, "name": "points.csv"}})
    return token


def ids(raw: bytes) -> set[str]:
    return set(pd.read_csv(io.BytesIO(raw))["row_id"])


def test_the_hidden_rows_never_reach_a_students_copy(store):
    lessons = Lessons(store)
    teacher = teacher_workspace(store)
    lesson = lessons.publish(teacher, "Points", "", LessonRules(),
                             held=hold_back(store, teacher, 0.2))
    assert lesson.hidden["rows"] == 20 and lesson.hidden["share"] == 0.2
    copy = lessons.join(lesson.code, "Ada")
    state = store.load(copy).state
    held = store.read_file(lesson.template, lesson.hidden["file"])
    hidden, shown = ids(held), ids(store.read_file(copy, state["dataset"]["file"]))
    assert len(hidden) == 20 and len(shown) == ROWS - 20 and not hidden & shown
    assert [f.name for f in store.files(copy)] == ["points.csv"]  # one file: the visible rows
    with pytest.raises(StoreError):
        store.read_file(copy, lesson.hidden["file"])  # a copy's token cannot reach them
    assert lessons.hidden_rows(copy) == held  # the workers' way to them
    assert lessons.hidden_rows(teacher) is None and lessons.hidden_rows(lesson.template) is None
    lessons.restart(copy)  # Start over gives the visible rows again, never the hidden ones
    assert ids(store.read_file(copy, store.load(copy).state["dataset"]["file"])) == shown
    assert store.load(teacher).state["dataset"]["name"] == "points.csv"  # the teacher's own
    assert len(ids(store.read_file(teacher, store.load(teacher).state["dataset"]["file"]))) \
        == ROWS


def test_a_hidden_share_that_does_not_fit_is_refused_in_words(store):
    teacher = teacher_workspace(store)
    with pytest.raises(LessonError, match="between 1% and 50%"):
        hold_back(store, teacher, 0.8)
    small = store.create()
    record = store.add_file(small, "tiny.csv", b"x,label\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n")
    store.save_state(small, {**store.load(teacher).state,
                             "dataset": {"file": record.sha256, "name": "tiny.csv"}})
    with pytest.raises(LessonError, match="has 6 rows: hiding 20% of them leaves 1 hidden"):
        hold_back(store, small, 0.2)


def train_in_worker(store: Store, workspace: str) -> int:
    from gui.core.spec.schema import ExperimentSpec
    from gui.core.workers.worker import train

    runs = Runs(store)
    state = store.load(workspace).state
    run = runs.create(workspace, ExperimentSpec.from_dict(state["spec"]),
                      {"dataset": state["dataset"], "test": None})
    train(runs, run, threading.Event(), lambda: None)
    return run


def test_the_worker_scores_a_copys_finished_run_on_the_hidden_rows(store):
    lessons, runs = Lessons(store), Runs(store)
    teacher = teacher_workspace(store)
    lesson = lessons.publish(teacher, "Points", "", LessonRules(),
                             held=hold_back(store, teacher, 0.3))
    copy = lessons.join(lesson.code, "Ada")
    record = runs.get(copy, train_in_worker(store, copy))
    assert record.status == "done", record.error
    assert set(record.hidden_metrics) == {"loss", "accuracy"}
    assert 0 <= record.hidden_metrics["accuracy"] <= 1
    assert record.hidden_metrics != record.test_metrics  # other rows than its own split
    own = runs.get(teacher, train_in_worker(store, teacher))  # no lesson copy: no hidden score
    assert own.status == "done" and own.test_metrics and own.hidden_metrics == {}
    _, entries = class_board(lessons, runs, lesson.board)
    assert entries[0].hidden and entries[0].score == record.hidden_metrics["accuracy"]


def on_copys_data(spec: ExperimentSpec, runs: Runs, copy: str) -> ExperimentSpec:
    """`spec` with the data choices of the student's copy (its target and file), as a run
    the student trains on the lesson's data: the board ranks only those."""
    spec.data = ExperimentSpec.from_dict(runs.store.load(copy).state["spec"]).data
    return spec


def finished(runs: Runs, copy: str, own: float, hidden: float | None) -> int:
    spec = on_copys_data(default_spec("multiclass", n_classes=2), runs, copy)
    run = runs.create(copy, spec, {"dataset": {}})
    with runs.engine.begin() as db:
        db.execute(update(runs_table).where(runs_table.c.id == run).values(
            status="done", test_metrics=json.dumps({"loss": 0.5, "accuracy": own}),
            hidden_metrics=json.dumps({"loss": 0.6, "accuracy": hidden} if hidden else {})))
    return run


def class_of_two(store: Store, title: str, share: float = 0.2):
    """(lessons, runs, the lesson, Ada's copy, Bob's copy): a lesson published from a new
    teacher workspace with `share` of its rows hidden (0: none), joined by two students."""
    lessons, runs = Lessons(store), Runs(store)
    teacher = teacher_workspace(store)
    lesson = lessons.publish(teacher, title, "", LessonRules(),
                             held=hold_back(store, teacher, share) if share else None)
    return lessons, runs, lesson, lessons.join(lesson.code, "Ada"), lessons.join(lesson.code,
                                                                                  "Bob")


def test_the_board_ranks_by_the_hidden_score_and_falls_back_only_without_hidden_rows(store):
    lessons, runs, lesson, ada, bob = class_of_two(store, "Hidden")
    teacher = lesson.teacher
    finished(runs, ada, own=0.99, hidden=0.60)  # best on its own split, worse on the hidden
    finished(runs, bob, own=0.80, hidden=0.90)
    _, entries = class_board(lessons, runs, lesson.board)
    assert [(e.student.name, e.score, e.hidden) for e in entries] == [
        ("Bob", 0.90, True), ("Ada", 0.60, True)]
    plain = lessons.publish(teacher, "Plain", "", LessonRules())
    cy = lessons.join(plain.code, "Cy")
    finished(runs, cy, own=0.70, hidden=None)
    _, entries = class_board(lessons, runs, plain.board)
    assert [(e.student.name, e.score, e.hidden) for e in entries] == [("Cy", 0.70, False)]


def test_a_board_copies_only_its_own_students_runs_into_the_teachers_workspace(store):
    lessons, runs = Lessons(store), Runs(store)
    teacher = teacher_workspace(store)
    lesson = lessons.publish(teacher, "T", "", LessonRules())
    other = lessons.publish(teacher_workspace(store), "Other", "", LessonRules())
    ada, stranger = lessons.join(lesson.code, "Ada"), lessons.join(other.code, "Stranger")
    spec = default_spec("multiclass", n_classes=2)
    spec.data.target, spec.fit.epochs, spec.layers[0].units = "label", 7, 5
    spec.data.source = "renamed by the student.csv"
    run = runs.create(ada, spec, {"dataset": {}})
    foreign = runs.create(stranger, spec, {"dataset": {}})
    dataset = store.load(teacher).state["dataset"]
    said = copy_to_teacher(lessons, runs, lesson.board, ada, run)
    assert "Run 1 of Ada is now the design in your workspace" in said
    state = store.load(teacher).state
    assert state["spec"]["fit"]["epochs"] == 7 and state["spec"]["layers"][0]["units"] == 5
    assert state["dataset"] == dataset and "layers" in state["edited"]
    assert state["spec"]["data"]["source"] != "renamed by the student.csv"
    for board, copy, run_id in ((lesson.board, stranger, foreign),  # another lesson's student
                                (lesson.board, ada, foreign),       # a run of another copy
                                (other.board, ada, run),            # another board
                                (teacher, ada, run)):               # a workspace token
        with pytest.raises(StoreError):
            copy_to_teacher(lessons, runs, board, copy, run_id)
    assert store.load(other.teacher).state["spec"]["fit"]["epochs"] == 3


def test_a_database_from_before_the_hidden_score_is_upgraded_by_its_migration(tmp_path):
    old = Store(tmp_path / "home")
    run = Runs(old).create(old.create(), default_spec("multiclass", n_classes=2), {})
    with old.engine.begin() as db:
        db.execute(text("ALTER TABLE runs DROP COLUMN hidden_metrics"))
        db.execute(text("UPDATE alembic_version SET version_num = '0002'"))  # as it was then
    old.engine.dispose()
    store = Store(tmp_path / "home")
    runs = Runs(store)
    assert runs.get_any(run).hidden_metrics == {}
    runs.report(run, hidden_metrics={"loss": 1.0})
    assert runs.get_any(run).hidden_metrics == {"loss": 1.0}
    store.engine.dispose()
