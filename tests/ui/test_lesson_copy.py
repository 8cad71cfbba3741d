"""A student's copy of a lesson in AppTest sessions: a change to a locked setting is dropped
where changes are applied, an epoch count over the lesson's limit is a problem in words that
keeps Train disabled, and Start over returns the copy to the lesson's start."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from gui.core.spec.lesson_rules import LOCKED, LessonRules, Limits
from gui.core.store.lessons import Lessons
from tests.conftest import ROOT
from tests.ui import runs_helper

APP = str(ROOT / "layerlab.py")


def student_session():
    teacher = AppTest.from_file(APP, default_timeout=120)
    teacher.run()
    token = runs_helper.token(teacher)
    teacher.switch_page("steps/train.py").run()
    teacher.number_input(key="train.epochs").set_value(12).run()
    store = runs_helper.runs().store
    lesson = Lessons(store).publish(token, "Iris", "Go.", LessonRules(
        {"compile.learning_rate": LOCKED}, Limits(max_epochs=20)))
    copy = Lessons(store).join(lesson.code, "Ada")
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["w"] = copy
    at.run()
    return at, store, copy


def test_a_locked_setting_is_not_changed_and_the_limit_keeps_train_disabled():
    at, store, copy = student_session()
    at.switch_page("steps/model.py").run()
    rate = store.load(copy).state["spec"]["compile"]["learning_rate"]
    at.number_input(key="model.compile.learning_rate").set_value(0.5).run()
    assert store.load(copy).state["spec"]["compile"]["learning_rate"] == rate
    # reached anyway (by the keyboard, past the lock's look): the page is drawn again with
    # the teacher's value, and says why
    assert at.number_input(key="model.compile.learning_rate").value == rate
    assert ["Your teacher locked this in the lesson (learning_rate), so your change was "
            "not kept."] == [w.value for w in at.warning if "locked" in w.value]
    at.run()
    assert not [w for w in at.warning if "locked" in w.value]  # said once
    at.switch_page("steps/train.py").run()
    assert at.number_input(key="train.epochs").value == 12  # the teacher's, copied
    at.number_input(key="train.epochs").set_value(50).run()
    assert any("Expected at most 20 epochs in this lesson. Received: epochs=50." in e.value
               for e in at.error), [e.value for e in at.error]
    assert at.button(key="train.start").disabled
    at.number_input(key="train.epochs").set_value(5).run()
    assert not at.button(key="train.start").disabled


def test_with_the_layers_locked_a_new_target_still_gets_its_output_layer():
    """The output layer follows the data (as the loss does): a student who predicts another
    column can train, and the hidden layers stay the teacher's."""
    teacher = AppTest.from_file(APP, default_timeout=120)
    teacher.run()
    store = runs_helper.runs().store
    lesson = Lessons(store).publish(runs_helper.token(teacher), "Iris", "",
                                    LessonRules({"layers": LOCKED}))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["w"] = copy = Lessons(store).join(lesson.code, "Ada")
    at.run()
    before = store.load(copy).state["spec"]["layers"]
    at.selectbox(key="data.target").set_value("petal width (cm)").run()
    assert not at.exception, at.exception
    layers = store.load(copy).state["spec"]["layers"]
    assert (layers[-1]["units"], layers[-1]["activation"]) == (1, "linear")
    assert layers[:-1] == before[:-1] and len(layers) == len(before)
    assert not [w.value for w in at.warning if "locked" in w.value]  # nothing refused
    at.switch_page("steps/train.py").run()
    assert not at.button(key="train.start").disabled, [e.value for e in at.error]


def test_a_copy_with_hidden_test_rows_starts_from_the_teachers_network():
    """Iris with a fifth of its rows hidden leaves a student 96 training rows, under the
    size rules' 100-row band: the copy still opens on the teacher's network, and the class
    board counts no change of the student's."""
    from gui.core.data.lesson_rows import hold_back

    teacher = AppTest.from_file(APP, default_timeout=120)
    teacher.run()
    token = runs_helper.token(teacher)
    store = runs_helper.runs().store
    designed = store.load(token).state["spec"]
    lesson = Lessons(store).publish(token, "Iris", "Go.", LessonRules(),
                                    hold_back(store, token, 0.2))
    copy = Lessons(store).join(lesson.code, "Dee")
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["w"] = copy
    at.run()
    at.switch_page("steps/model.py").run()
    assert not at.exception
    spec = store.load(copy).state["spec"]
    assert spec["layers"] == designed["layers"]
    assert spec["compile"] == designed["compile"] and spec["fit"] == designed["fit"]


def test_a_students_share_page_publishes_no_lesson():
    at, _, _ = student_session()
    at.switch_page("steps/share.py").run()
    assert not at.exception, at.exception
    assert any("This workspace is your copy of a lesson" in i.value for i in at.info)
    assert not [b for b in at.button if "Publish" in str(b.label)]


def test_start_over_in_a_copy_returns_to_the_lessons_start():
    at, store, copy = student_session()
    start = store.load(copy).state
    at.switch_page("steps/train.py").run()
    at.number_input(key="train.epochs").set_value(3).run()
    assert store.load(copy).state["spec"]["fit"]["epochs"] == 3
    at.switch_page("steps/data.py").run()
    assert at.button(key="data.start_over").label == "Yes, back to the lesson's start"
    assert any("Your runs and their models are deleted, so the class board shows no run of "
               "yours" in m.value for m in at.markdown)
    at.button(key="data.start_over").click().run()
    assert store.load(copy).state["spec"] == start["spec"]
    at.switch_page("steps/train.py").run()
    assert at.number_input(key="train.epochs").value == 12


def test_a_long_name_joins_cut_to_its_length_and_is_told_so():
    """The name box takes a pasted full name (a limit in the browser dropped a longer paste
    whole, leaving the box empty); the board shows its first 40 characters, as said."""
    teacher = AppTest.from_file(APP, default_timeout=120)
    teacher.run()
    store = runs_helper.runs().store
    lesson = Lessons(store).publish(runs_helper.token(teacher), "Iris", "", LessonRules())
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["join"] = lesson.code
    at.run()
    assert not at.text_input(key="join.name").max_chars  # 0: no limit in the browser
    name = "Maximiliana Theodora Wolfeschlegelsteinhausenbergerdorff"
    at.text_input(key="join.name").set_value(name)
    at.button[0].click().run()
    assert not at.exception, at.exception
    (student,) = Lessons(store).students(lesson.board)
    assert student.name == name[:40]
    assert any(f'Your name is shown as "{name[:40]}" (at most 40 characters)' in s.value
               for s in at.success)
