"""Drawing a page never changes the workspace document (DESIGN principle 4).

A workspace is stored with a finished run on Iris; then every page is drawn, twice, in a
fresh session (AppTest), and the document's stored version and content must not move. Only a
user's action (a callback) or data_source.settle after a change may write.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.core import trained_models as tm
from tests.ui import runs_helper

APP = str(ROOT / "layerlab.py")
PAGES = ["steps/data.py", "steps/model.py", "steps/train.py", "steps/inside.py",
         "steps/evaluate.py", "steps/predict.py", "steps/runs.py"]


def test_drawing_every_page_leaves_the_document_as_stored():
    first = AppTest.from_file(APP, default_timeout=120)
    first.run()
    runs_helper.finished(first, tm.iris())
    token = runs_helper.token(first)
    first.switch_page("steps/train.py").run()  # the run shown, the store settled
    store = runs_helper.runs().store
    stored = store.load(token)
    assert stored.state["spec"]["data"]["target"] == "species"

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["w"] = token
    at.run()
    for page in PAGES + PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        now = store.load(token)
        assert now.version == stored.version, f"drawing {page} changed the document"
        assert now.state == stored.state, page


def test_a_change_on_a_page_is_written_once():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    token = runs_helper.token(at)
    store = runs_helper.runs().store
    at.switch_page("steps/train.py").run()
    before = store.load(token).version
    at.number_input(key="train.epochs").set_value(7).run()
    after = store.load(token)
    assert after.state["spec"]["fit"]["epochs"] == 7
    assert after.version > before
    at.switch_page("steps/model.py").run()
    assert store.load(token).version == after.version


def test_a_change_and_what_the_page_derives_from_it_are_one_write():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    token = runs_helper.token(at)
    store = runs_helper.runs().store
    before = store.load(token)
    fraction = at.slider(key="data.test_fraction")
    fraction.set_value(fraction.value + 0.1).run()
    assert not at.exception, at.exception
    after = store.load(token)
    assert after.version == before.version + 1  # the fraction and the new split, together
    assert after.state["spec"]["data"]["test_fraction"] == before.state["spec"]["data"][
        "test_fraction"] + 0.1
    assert after.state["basis"] != before.state["basis"]  # the rows the split now trains on


def two_tabs() -> tuple[AppTest, AppTest, str]:
    """Two sessions on one new workspace: (first tab, second tab, its token)."""
    first = AppTest.from_file(APP, default_timeout=120)
    first.run()
    token = runs_helper.token(first)
    second = AppTest.from_file(APP, default_timeout=120)
    second.query_params["w"] = token
    second.run()
    return first, second, token


def test_a_change_overtaken_by_another_tab_keeps_both():
    first, second, token = two_tabs()
    second.switch_page("steps/train.py").run()
    first.switch_page("steps/train.py").run()
    second.number_input(key="train.epochs").set_value(9).run()  # saved while first is idle
    first.number_input(key="train.batch_size").set_value(8).run()
    assert not first.exception, first.exception
    assert first.number_input(key="train.epochs").value == 9  # the page drew the newest
    stored = runs_helper.runs().store.load(token).state["spec"]["fit"]
    assert (stored["epochs"], stored["batch_size"]) == (9, 8)


def test_a_stale_tab_removing_a_layer_keeps_the_output_another_tab_gave_a_new_target():
    """Tab 2 shows the layers for Iris' 3 classes; tab 1 makes a number the target (its output
    becomes Dense(1, linear)); tab 2 then removes a hidden layer from its stale list. The
    removal is kept, and so is tab 1's output layer (the loss follows the number)."""
    first, second, token = two_tabs()
    second.switch_page("steps/model.py").run()
    first.selectbox(key="data.target").set_value("petal width (cm)").run()
    store = runs_helper.runs().store
    assert store.load(token).state["spec"]["layers"][-1]["units"] == 1
    hidden = len(store.load(token).state["spec"]["layers"]) - 1
    next(b for b in second.button if b.key and b.key.endswith(".remove")).click().run()
    assert not second.exception, second.exception
    layers = store.load(token).state["spec"]["layers"]
    assert len(layers) == hidden  # one hidden layer fewer, the output kept
    assert (layers[-1]["units"], layers[-1]["activation"]) == (1, "linear")
    assert store.load(token).state["spec"]["compile"]["loss"] == "mean_squared_error"


# Before the workspace is bound (a class board, a student's join page) there is nothing to
# save; the workspace module itself ends a page that has no workspace.
STOP_ALLOWED = {"gui/ui/session/workspace.py", "gui/ui/lessons/board.py",
                "gui/ui/lessons/join.py"}


def test_pages_end_early_only_through_the_workspace():
    """st.stop() would lose a change bind() left for the run's end (workspace.end_page)."""
    calls = sorted(str(path.relative_to(ROOT)) for folder in ("gui/ui", "steps")
                   for path in (ROOT / folder).rglob("*.py")
                   if "st.stop()" in path.read_text())
    assert set(calls) <= STOP_ALLOWED, set(calls) - STOP_ALLOWED


def test_a_change_on_a_page_that_ends_early_is_saved():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    token = runs_helper.token(at)
    at.switch_page("steps/evaluate.py").run()  # no run yet: the page ends early
    at.toggle(key="projector.on").set_value(True).run()
    assert not at.exception, at.exception
    assert runs_helper.runs().store.load(token).state["projector"] is True
