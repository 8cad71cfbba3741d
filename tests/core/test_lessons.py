"""Lessons in the store (real SQLite, real files): publish freezes the teacher's work, a code
joins a copy of one's own, Start over in a copy returns to the lesson's start, a closed
lesson says so; isolation between students, the teacher and boards; the rules' visibility
and limits, in words."""

from __future__ import annotations

import pytest

from gui.core.spec.heads import default_spec
from gui.core.spec.lesson_rules import (
    EDITABLE,
    HIDDEN,
    LOCKED,
    LessonRules,
    Limits,
    limit_problems,
)
from gui.core.spec.schema import ExperimentSpec
from gui.core.store.lessons import CODE_ALPHABET, LessonError, Lessons, normal_code
from gui.core.store.runs import Runs
from gui.core.store.workspaces import Store, StoreError


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "home")
    yield s
    s.engine.dispose()


def teacher_workspace(store: Store) -> str:
    token = store.create()
    record = store.add_file(token, "penguins.csv", b"species,mass\nA,1\nB,2\n" * 10)
    spec = default_spec("multiclass", n_classes=2).to_dict()
    store.save_state(token, {"spec": spec, "dataset": {"file": record.sha256,
                                                       "name": "penguins.csv"}})
    store.add_file(token, "private.csv", b"secret,1\n")  # not in the lesson
    return token


def test_publish_join_and_every_copy_is_its_own(store):
    lessons = Lessons(store)
    teacher = teacher_workspace(store)
    lesson = lessons.publish(teacher, "  Penguins:  how deep? ", "Try **8** units.",
                             LessonRules({"layers": LOCKED}, Limits(max_epochs=60)))
    assert lesson.title == "Penguins: how deep?" and lesson.open
    assert lesson.code.startswith("LL-") and len(lesson.code) == 7
    assert set(lesson.code[3:]) <= set(CODE_ALPHABET)
    assert lesson.rules.of("layers") == LOCKED and lesson.rules.limits.max_epochs == 60
    a, b = lessons.join(lesson.code.lower().replace("-", " "), "Ada"), lessons.join(
        lesson.code, "<b>Bob</b>")
    assert len({a, b, teacher, lesson.template, lesson.board}) == 5
    for copy in (a, b):
        state = store.load(copy).state
        assert state["dataset"]["name"] == "penguins.csv"
        assert store.read_file(copy, state["dataset"]["file"]).startswith(b"species")
        assert [f.name for f in store.files(copy)] == ["penguins.csv"]  # not private.csv
    assert lessons.of_copy(a)[1].name == "Ada" and lessons.of_copy(b)[1].name == "<b>Bob</b>"
    assert lessons.of_copy(teacher) is None
    # a student's change stays in the student's copy
    before = store.version(teacher)
    store.update_state(a, lambda s: {**s, "projector": True})
    Runs(store).create(a, default_spec("multiclass", n_classes=2), {"dataset": {}})
    assert store.version(teacher) == before and "projector" not in store.load(b).state
    assert Runs(store).list(b) == [] and Runs(store).list(teacher) == []
    assert [s.name for s in lessons.students(lesson.board)] == ["Ada", "<b>Bob</b>"]


def test_a_student_token_reads_nothing_of_another_or_the_teacher(store):
    lessons = Lessons(store)
    teacher = teacher_workspace(store)
    lesson = lessons.publish(teacher, "T", "", LessonRules())
    a, b = lessons.join(lesson.code, "A"), lessons.join(lesson.code, "B")
    secret = store.files(teacher)[0].sha256  # private.csv, the newest
    run = Runs(store).create(b, default_spec("multiclass", n_classes=2), {"dataset": {}})
    with pytest.raises(StoreError):
        store.read_file(a, secret)
    with pytest.raises(StoreError):
        Runs(store).get(a, run)
    assert lessons.students(a) == [] and lessons.students(teacher) == []  # not board links
    assert lessons.by_board(lesson.template) is None


def test_a_board_link_reads_only_its_own_lesson(store):
    lessons = Lessons(store)
    one = lessons.publish(teacher_workspace(store), "One", "", LessonRules())
    two = lessons.publish(teacher_workspace(store), "Two", "", LessonRules())
    lessons.join(one.code, "In one")
    lessons.join(two.code, "In two")
    assert [s.name for s in lessons.students(one.board)] == ["In one"]
    assert [s.name for s in lessons.students(two.board)] == ["In two"]
    assert lessons.by_board(one.board).title == "One" and lessons.by_board("x" * 32) is None


def test_start_over_in_a_copy_returns_to_the_lessons_start(store):
    lessons = Lessons(store)
    lesson = lessons.publish(teacher_workspace(store), "T", "", LessonRules())
    copy = lessons.join(lesson.code, "Ada")
    start = store.load(copy).state
    store.update_state(copy, lambda s: {**s, "dataset": {"sample": "Iris flowers"}})
    store.add_file(copy, "mine.csv", b"x\n1\n")
    lessons.restart(copy)
    assert store.load(copy).state == start
    assert [f.name for f in store.files(copy)] == ["penguins.csv"]
    assert lessons.of_copy(copy)[1].name == "Ada"  # still the lesson's student
    with pytest.raises(LessonError):
        lessons.restart(lesson.template)


def test_closed_lessons_unknown_codes_and_empty_names_say_so(store):
    lessons = Lessons(store)
    teacher = teacher_workspace(store)
    lesson = lessons.publish(teacher, "Iris", "", LessonRules())
    lessons.set_open(teacher, lesson.id, False)
    with pytest.raises(LessonError, match=r"\(LL-.*\) is closed"):
        lessons.join(lesson.code, "Ada")
    lessons.set_open(teacher, lesson.id, True)
    assert lessons.join(lesson.code, "Ada")
    with pytest.raises(LessonError, match="No lesson has the code LL-ZZZZ"):
        lessons.join("ll-zzzz", "Ada")
    with pytest.raises(LessonError, match="Type your name"):
        lessons.join(lesson.code, "   ")
    with pytest.raises(LessonError, match=r'Another student in this lesson is already called '
                                          r'"ada"\. Add something that tells you apart'):
        lessons.join(lesson.code, "  ada ")  # the board would show two of one name
    assert lessons.join(lesson.code, "Ada B.")
    other = lessons.publish(teacher, "Other", "", LessonRules())
    copy = lessons.join(other.code, "Ada")  # another lesson's Ada
    with pytest.raises(LessonError, match="This workspace is your copy of a lesson"):
        lessons.publish(copy, "Free for all", "", LessonRules())  # its locks would be gone
    with pytest.raises(LessonError, match="needs a title"):
        lessons.publish(teacher, " ", "", LessonRules())
    with pytest.raises(LessonError, match="not one of this workspace's"):
        lessons.set_open(store.create(), lesson.id, False)  # another workspace cannot close it
    assert normal_code(" ll 7k3q ") == "LL-7K3Q"


def test_lessons_and_students_go_with_their_workspaces(store):
    lessons = Lessons(store)
    lesson = lessons.publish(teacher_workspace(store), "T", "", LessonRules())
    copy = lessons.join(lesson.code, "Ada")
    store.delete(copy)
    assert lessons.of_copy(copy) is None and lessons.students(lesson.board) == []
    store.delete(lesson.template)  # the idle purge of the template takes the lesson
    assert lessons.by_board(lesson.board) is None
    with pytest.raises(LessonError):
        lessons.join(lesson.code, "Late")


def test_visibility_follows_sections_and_settings():
    rules = LessonRules({"layers": LOCKED, "layers.units": EDITABLE, "fit": HIDDEN,
                         "compile.learning_rate": LOCKED})
    assert rules.allows(("spec", "layers", 2, "units"))
    assert not rules.allows(("spec", "layers", 2, "activation"))
    assert not rules.allows(("spec", "layers"))        # adding or removing a layer
    assert not rules.allows(("spec", "fit", "epochs"))  # follows its hidden section
    assert not rules.allows(("spec", "compile", "learning_rate"))
    # the output layer's units and activation follow the data's task, with the data editable
    assert rules.allows(("spec", "layers", 2, "activation"), output=2)
    assert not rules.allows(("spec", "layers", 1, "activation"), output=2)  # a hidden one
    assert not rules.allows(("spec", "layers", 2, "kernel_initializer"), output=2)
    assert not LessonRules({"layers": LOCKED, "data": LOCKED}).allows(
        ("spec", "layers", 2, "units"), output=2)
    assert rules.allows(("spec", "compile", "loss")) and rules.allows(("projector",))
    assert not rules.allows(("spec",))  # the whole spec at once would reach locked places
    assert LessonRules().allows(("spec",))
    assert LessonRules.from_dict(rules.to_dict()) == rules
    assert LessonRules.from_dict({"visibility": {"x": LOCKED, "fit": "??"},
                                  "limits": {"max_epochs": -3, "max_units": 8}}) == \
        LessonRules({}, Limits(max_units=8))


def test_limits_are_problems_in_words_at_the_control():
    spec = default_spec("multiclass", n_classes=3)
    spec.fit.epochs = 500
    spec.layers[0].units = 256
    found = {p.where: p.message for p in limit_problems(
        spec, Limits(max_epochs=100, max_units=64, max_layers=2))}
    assert found["fit.epochs"].startswith("Expected at most 100 epochs in this lesson. "
                                          "Received: epochs=500. Set epochs to 100 or fewer.")
    assert "Received: units=256" in found["layers[0].units"]
    assert "Received: 3 layers. Remove 1 layer(s)" in found["layers"]
    assert limit_problems(spec, Limits()) == []


def test_a_lesson_whose_start_goes_over_its_own_limits_is_refused_in_words(store):
    lessons = Lessons(store)
    teacher = teacher_workspace(store)
    state = store.load(teacher).state
    state["spec"]["fit"]["epochs"] = 500
    store.save_state(teacher, state)
    with pytest.raises(LessonError) as refused:
        lessons.publish(teacher, "T", "", LessonRules(limits=Limits(max_epochs=100,
                                                                    max_units=16)))
    said = str(refused.value)
    assert said.startswith("Your design goes over the limits you set, so no student could "
                           "train it:")
    assert "Expected at most 100 epochs in this lesson. Received: epochs=500." in said
    assert "Received: units=64" in said and "raise the limits, then publish" in said
    assert "Your teacher" not in said  # the teacher's own words
    assert lessons.of_teacher(teacher) == []  # nothing published
    lesson = lessons.publish(teacher, "T", "", LessonRules(limits=Limits(max_epochs=500,
                                                                         max_units=64)))
    copy = lessons.join(lesson.code, "Ada")
    spec = ExperimentSpec.from_dict(store.load(copy).state["spec"])
    assert limit_problems(spec, lesson.rules.limits) == []  # every copy can train at once


def finished(runs: Runs, copy: str, epochs: int, accuracy: float | None) -> int:
    from sqlalchemy import update

    from gui.core.store.runs import runs_table
    spec = default_spec("multiclass", n_classes=2)
    spec.fit.epochs = epochs
    run = runs.create(copy, spec, {"dataset": {}})
    metrics = {"loss": 0.5} | ({"accuracy": accuracy} if accuracy is not None else {})
    with runs.engine.begin() as db:
        db.execute(update(runs_table).where(runs_table.c.id == run).values(
            status="done", test_metrics=__import__("json").dumps(metrics)))
    return run


def test_the_board_ranks_its_own_students_best_runs_and_says_what_changed(store):
    from gui.core.store.board import class_board
    lessons, runs = Lessons(store), Runs(store)
    teacher = teacher_workspace(store)
    lesson = lessons.publish(teacher, "T", "", LessonRules())
    other = lessons.publish(teacher_workspace(store), "Other", "", LessonRules())
    ada, bob, cy = (lessons.join(lesson.code, n) for n in ("Ada", "Bob", "Cy"))
    stranger = lessons.join(other.code, "Stranger")
    finished(runs, ada, 5, 0.70)
    finished(runs, ada, 9, 0.90)
    finished(runs, bob, 50, 0.95)
    finished(runs, stranger, 5, 0.99)
    runs.create(cy, default_spec("multiclass", n_classes=2), {"dataset": {}})  # queued
    shown, entries = class_board(lessons, runs, lesson.board)
    assert shown.title == "T"
    assert [e.student.name for e in entries] == ["Bob", "Ada", "Cy"]  # no Stranger
    assert [e.score for e in entries] == [0.95, 0.90, None]
    assert entries[1].best.spec.fit.epochs == 9 and entries[1].metric == "accuracy"
    assert [str(d) for d in entries[1].changes] == ["fit.epochs: 50 → 9"]
    assert entries[2].latest.status == "queued" and entries[2].best is None
    assert class_board(lessons, runs, teacher) is None  # a workspace token is no board
