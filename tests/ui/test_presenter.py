"""A presenter link (DESIGN principle 10): the workspace shown read-only. Drawing every page
and changing every control it can reach leaves the document's version where it was; every
write through the tab's store and runs is refused in words; its URL never holds the
workspace's own token."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from gui.core.store.links import PRESENTER, Links
from gui.core.store.workspaces import StoreError
from gui.ui.session import run_state, workspace
from tests.conftest import ROOT
from tests.ui import runs_helper

APP = str(ROOT / "layerlab.py")
PAGES = ["steps/data.py", "steps/model.py", "steps/train.py", "steps/runs.py", "steps/share.py"]


def teacher_and_presenter():
    teacher = AppTest.from_file(APP, default_timeout=120)
    teacher.run()
    token = runs_helper.token(teacher)
    teacher.switch_page("steps/train.py").run()
    teacher.number_input(key="train.epochs").set_value(7).run()
    link = Links(runs_helper.runs().store).token_for(token, PRESENTER)
    presenter = AppTest.from_file(APP, default_timeout=120)
    presenter.query_params["p"] = link
    presenter.run()
    return teacher, presenter, token, link


def test_a_presenter_tab_cannot_change_the_document_version():
    teacher, presenter, token, link = teacher_and_presenter()
    store = runs_helper.runs().store
    before = store.load(token)
    assert before.state["spec"]["fit"]["epochs"] == 7
    for page in PAGES:
        presenter.switch_page(page).run()
        assert not presenter.exception, (page, presenter.exception)
        assert "w" not in presenter.query_params  # the workspace's token never in its URL
        assert token not in str(presenter.query_params)
    presenter.switch_page("steps/train.py").run()
    assert presenter.number_input(key="train.epochs").value == 7  # the teacher's work shown
    presenter.number_input(key="train.epochs").set_value(3).run()
    presenter.switch_page("steps/model.py").run()
    presenter.number_input(key=next(k for k in _keys(presenter) if k.endswith(".units"))) \
        .set_value(5).run()
    presenter.switch_page("steps/train.py").run()
    assert store.load(token) == before  # nothing the presenter did reached the store
    assert presenter.number_input(key="train.epochs").value == 7  # its edit was put back


def _keys(at) -> list[str]:
    return [w.key for w in at.number_input]


def test_writes_through_a_presenter_tabs_store_and_runs_are_refused_in_words():
    _, presenter, token, _ = teacher_and_presenter()
    runs = runs_helper.runs()
    store = workspace.ReadOnly(runs.store, workspace.STORE_READS)
    seen = workspace.ReadOnly(runs, run_state.RUN_READS)
    assert store.load(token).state["spec"]["fit"]["epochs"] == 7  # reads pass
    assert seen.list(token) == []
    for call in (lambda: store.clear(token), lambda: store.delete(token),
                 lambda: store.add_file(token, "x.csv", b"a,b\n1,2\n"),
                 lambda: store.save_state(token, {}),
                 lambda: store.update_state(token, lambda s: {}),
                 lambda: seen.create(token, None, {}), lambda: seen.request_stop(token, 1),
                 lambda: seen.rename(token, 1, "x"), lambda: seen.delete(token, 1)):
        with pytest.raises(StoreError, match="presenter link: it shows the workspace"):
            call()
    assert runs.store.load(token).state["spec"]["fit"]["epochs"] == 7


def test_an_unknown_presenter_link_says_so_and_reveals_nothing():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["p"] = "B" * 32
    at.run()
    assert at.title[0].value == "This workspace does not exist"
    assert "w" not in at.query_params


def test_links_are_one_per_workspace_and_go_with_it(tmp_path):
    from gui.core.store.workspaces import Store
    store = Store(tmp_path / "home")
    links = Links(store)
    a, b = store.create(), store.create()
    link = links.token_for(a, PRESENTER)
    assert links.token_for(a, PRESENTER) == link != links.token_for(b, PRESENTER)
    assert link not in (a, b) and links.resolve(link).workspace == a
    many = links.tokens_for([a, b], PRESENTER)  # a board's students: the same, in one read
    assert many == {a: link, b: links.token_for(b, PRESENTER)}
    assert links.resolve(a) is None and links.resolve("../etc") is None
    store.clear(b)
    assert links.resolve(link).workspace == a
    store.clear(a)
    assert links.resolve(link) is None  # Start over withdraws the link
    again = links.token_for(a, PRESENTER)
    assert again != link and links.resolve(again).workspace == a
    store.delete(a)
    assert links.resolve(again) is None
    with pytest.raises(StoreError):
        links.token_for(a, PRESENTER)
    store.engine.dispose()


def test_an_open_presenter_tab_stops_showing_a_workspace_started_over():
    """Start over withdraws the presenter link: a tab already open on it shows nothing of
    the emptied workspace's new work on its next run (the follow, a click, the run watch's
    404), but says the link's workspace is gone."""
    teacher, presenter, token, link = teacher_and_presenter()
    presenter.switch_page("steps/train.py").run()
    assert presenter.number_input(key="train.epochs").value == 7
    runs_helper.runs().store.clear(token)  # the teacher's Start over
    presenter.run()
    assert [t.value for t in presenter.title] == ["This workspace does not exist"]
    assert not presenter.number_input
    assert "p" not in presenter.query_params


def test_start_over_in_a_process_that_never_read_links_withdraws_them(tmp_path):
    """Another app process, or the CLI, may empty a workspace without ever having imported
    the links' table: its presenter links go all the same."""
    import subprocess
    import sys

    from gui.core.store.workspaces import Store
    store = Store(tmp_path / "home")
    token = store.create()
    link = Links(store).token_for(token, PRESENTER)
    clear = ("import sys; from gui.core.store.workspaces import Store; "
             "assert 'gui.core.store.links' not in sys.modules; "
             f"Store(sys.argv[1]).clear({token!r})")
    done = subprocess.run([sys.executable, "-c", clear, str(tmp_path / "home")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert Links(store).resolve(link) is None
    store.engine.dispose()
