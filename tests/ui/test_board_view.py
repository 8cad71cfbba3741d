"""From the class board (AppTest, the real app): a student's run opens read-only in
Evaluate and Inside (the student's copy's presenter link with the run named) and nothing
done there reaches the copy; a run is copied into the teacher's workspace without the board's
tab holding the teacher's token; a board shows and links only its own lesson's students."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from gui.core.spec.lesson_rules import LessonRules
from gui.core.store.lessons import Lessons
from gui.core.store.links import PRESENTER, Links
from gui.ui.session import workspace
from tests.conftest import ROOT
from tests.core import trained_models as tm
from tests.ui import runs_helper

APP = str(ROOT / "layerlab.py")


def open_as(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def html_of(at) -> str:
    return " ".join(str(e.proto) for e in at.get("html"))


def lesson_with_students():
    teacher = open_as()
    token = runs_helper.token(teacher)
    lessons = Lessons(runs_helper.runs().store)
    lesson = lessons.publish(token, "Iris", "", LessonRules())
    other = lessons.publish(token, "Other", "", LessonRules())
    ada = open_as(w=lessons.join(lesson.code, "Ada"))
    first = runs_helper.finished(ada, tm.iris(), shown=False)
    runs_helper.finished(ada, tm.iris())  # the copy shows its latest run
    ada.run()
    stranger = lessons.join(other.code, "Stranger")
    return token, lesson, runs_helper.token(ada), first, stranger


def test_a_board_run_opens_read_only_in_evaluate_and_inside():
    _, lesson, copy, first, stranger = lesson_with_students()
    store = runs_helper.runs().store
    board = open_as(board=lesson.board)
    shown = html_of(board)
    link = Links(store).token_for(copy, PRESENTER)
    assert "Ada" in shown and "Stranger" not in shown
    assert f"?p={link}&amp;run=" in shown and copy not in shown and "?w=" not in shown
    # a student's own (changeable) link: one at a time, on request, never when projected
    assert not board.code
    (ada,) = Lessons(store).students(lesson.board)
    assert board.radio(key="board.own_link").options == ["Ada"]
    board.radio(key="board.own_link").set_value(ada.id).run()
    assert [c.value for c in board.code] == [f"http://localhost:8501/?w={copy}"]
    board.toggle(key="board.projector").set_value(True).run()
    assert not board.code and "board.own_link" not in [r.key for r in board.radio]
    board.toggle(key="board.projector").set_value(False).run()
    assert Links(store).resolve(Links(store).token_for(stranger, PRESENTER))  # exists, but
    assert Links(store).token_for(stranger, PRESENTER) not in shown           # not on it
    before = store.load(copy)
    view = open_as(p=link, run=str(first.id))
    assert view.session_state[workspace._LINK] == link  # a read-only tab
    for page in ("steps/evaluate.py", "steps/inside.py", "steps/train.py"):
        view.switch_page(page).run()
        assert not view.exception, (page, view.exception)
        assert view.session_state[workspace._DOC].run == first.id  # the run the board named
        assert "w" not in view.query_params
    view.switch_page("steps/train.py").run()
    runs_helper.unfold_settings(view)
    view.number_input(key="train.epochs").set_value(2).run()
    assert store.load(copy) == before  # the view wrote nothing to the student's copy
    elsewhere = open_as(p=link, run=str(first.id + 10_000))  # not one of the copy's runs
    assert elsewhere.session_state[workspace._DOC].run != first.id + 10_000


def test_copy_into_my_workspace_writes_the_run_to_the_teachers_workspace():
    token, lesson, _, first, _ = lesson_with_students()
    store = runs_helper.runs().store
    board = open_as(board=lesson.board)
    assert token not in html_of(board)  # the board never shows the teacher's token
    (ada,) = Lessons(store).students(lesson.board)
    assert "Ada · Run 1 (done)" in board.selectbox(key="board.copy.run").options
    board.selectbox(key="board.copy.run").select((ada.copy, first.id))
    next(b for b in board.button if "Copy into my workspace" in b.label).click().run()
    assert not board.exception, board.exception
    assert "Run 1 of Ada is now the design in your workspace" in str(
        [s.value for s in board.success])
    state = store.load(token).state
    assert state["spec"]["layers"] == first.spec.to_dict()["layers"]
    assert state["spec"]["fit"]["epochs"] == first.spec.fit.epochs


def test_the_board_draws_a_chart_per_loss_scale():
    """Ada standardised the target, Bob did not: their losses get a chart each, said why."""
    from tests.core.test_board_scores import trained_run

    teacher = open_as()
    lessons = Lessons(runs_helper.runs().store)
    lesson = lessons.publish(runs_helper.token(teacher), "Tips", "", LessonRules())
    trained_run(runs_helper.runs(), lessons.join(lesson.code, "Ada"), True, [0.9, 0.3], 0.4)
    bob = lessons.join(lesson.code, "Bob")
    trained_run(runs_helper.runs(), bob, False, [3e5, 1e5], 0.7)
    board = open_as(board=lesson.board)
    assert len(board.get("plotly_chart")) == 2
    assert any("different scales" in c.value for c in board.caption)
    trained_run(runs_helper.runs(), bob, True, [0.8, 0.2], 0.8)  # Bob's best is now scaled
    board.run()
    assert len(board.get("plotly_chart")) == 1
    assert not any("different scales" in c.value for c in board.caption)


def test_two_students_with_one_name_are_two_lines_two_links_and_two_choices():
    """A second "Ada" cannot join (Lessons.join says so), but a board whose store has two
    (an older database) shows them apart: "Ada" and "Ada (2)", each with her own link and
    her own runs to copy."""
    import time

    from gui.core.store.lessons import students_table

    token, lesson, copy, first, _ = lesson_with_students()
    lessons = Lessons(runs_helper.runs().store)
    second = runs_helper.runs().store.create({})
    with lessons.engine.begin() as db:
        db.execute(students_table.insert().values(lesson=lesson.id, copy=second, name="Ada",
                                                  joined=time.time()))
    board = open_as(board=lesson.board)
    first_ada, second_ada = lessons.students(lesson.board)
    assert board.radio(key="board.own_link").options == ["Ada", "Ada (2)"]
    board.radio(key="board.own_link").set_value(second_ada.id).run()
    assert [c.value for c in board.code] == [f"http://localhost:8501/?w={second}"]
    board.radio(key="board.own_link").set_value(first_ada.id).run()
    assert [c.value for c in board.code] == [f"http://localhost:8501/?w={copy}"]
    assert "Ada (2)" in html_of(board)
