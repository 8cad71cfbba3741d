"""Binds a browser tab to its workspace: the token in the URL (`?w=…`), the document in the
store, synced at the start and the end of every script run.

The document is what a user did, in plain JSON: the spec, the chosen dataset and test data,
the settings chosen by hand and the data the model was shaped for. The session holds a copy
for the run; `sync()` applies what the run (or a widget callback before it) changed to the
newest stored document, setting by setting, and otherwise reloads it when another tab saved a
newer version. So a reload, a bookmark or a second tab on the same link shows the same work,
two tabs that change different settings both keep their change, and where they change the
same setting the later one wins.
"""

from __future__ import annotations

import functools
import json
import time

import streamlit as st

from gui.core.spec.heads import keep_newer_output
from gui.core.spec.schema import ExperimentSpec, SpecError, output_layer
from gui.core.store import changes
from gui.core.store.lessons import Lesson, Lessons, Student
from gui.core.store.links import PRESENTER, Links
from gui.core.store.workspaces import (
    TOUCH_EVERY_S,
    Snapshot,
    Store,
    StoreConfigError,
    StoreError,
)
from gui.ui.session import lock_refusal
from gui.ui.session.document import Doc
from gui.ui.text import md_message

TOKEN = "ll_token"        # the session's workspace token
_DOC = "ll_doc"           # the session's copy of the document (Doc)
_SAVED = "ll_doc_saved"   # (version, JSON text) as last read from or written to the store
_LINK = "ll_link"         # the presenter link's token, in a read-only session (else absent)
_LESSON = "ll_lesson"     # (Lesson, Student) when the workspace is a student's copy, else None
_VIEW_RUN = "ll_view_run"  # a presenter tab's own run to show (a board's `&run=`), else absent
_TOUCHED = "ll_touched"   # when this session last noted the workspace in use (store.touch)
PURGE_EVERY_S = 3600
_last_purge = 0.0         # per process: when idle workspaces were last purged


@st.cache_resource(show_spinner=False)
def _shared_store() -> Store:
    return Store.from_env()


def shared_store() -> Store:
    """The process's store: a database handle and a folder, never a user's data in memory.
    A database setting that cannot work ends the page with what to fix, in words."""
    try:
        return _shared_store()  # an error is not cached: the next page tries again
    except StoreConfigError as error:
        setting_error("LayerLab cannot open its database", error)


def setting_error(title: str, error: Exception):
    """End the page with a server setting that cannot work (the error says which and how to
    fix it)."""
    st.title(title)
    st.error(md_message(error), icon=":material/error:")
    st.caption("Change the setting where the server is started, then restart it.")
    st.stop()


@st.cache_resource(show_spinner=False)
def links() -> Links:
    return Links(shared_store())


@st.cache_resource(show_spinner=False)
def lessons() -> Lessons:
    return Lessons(shared_store())


def lesson() -> tuple[Lesson, Student] | None:
    """The lesson this workspace is a student's copy of, and the student; else None."""
    if _LESSON not in st.session_state:
        st.session_state[_LESSON] = lessons().of_copy(token())
    return st.session_state[_LESSON]


def open_copy(copy: str) -> None:
    """Make a student's new copy this tab's workspace (its own link goes in the URL)."""
    st.query_params.pop("join", None)
    _start(copy)


def store() -> Store:
    """The store as this tab may use it: through a presenter link, reads only."""
    return ReadOnly(shared_store(), STORE_READS) if read_only() else shared_store()


def read_only() -> bool:
    """Is this tab a presenter link: the workspace shown, never changed?"""
    return _LINK in st.session_state


def access() -> tuple[str, str]:
    """What this tab may show the browser to reach its workspace: ("p", the presenter link)
    in a presenter tab, which never learns the workspace's own token; else ("w", the token)."""
    return ("p", st.session_state[_LINK]) if read_only() else ("w", token())


READ_ONLY_REFUSAL = ("This is a presenter link: it shows the workspace and cannot change it. "
                     "Open the workspace's own link to make changes.")
STORE_READS = frozenset({"exists", "touch", "version", "load", "files", "file_path",
                         "read_file", "usage", "workspace_dir"})


class ReadOnly:
    """`target` seen through a presenter link: the methods named in `reads` pass, every
    other method is refused in words (StoreError), so no path through the tab can write."""

    def __init__(self, target, reads: frozenset[str]):
        self._target, self._reads = target, reads

    def __getattr__(self, name: str):
        value = getattr(self._target, name)
        if callable(value) and name not in self._reads:
            return _refuse
        return value


def _refuse(*_args, **_kwargs):
    raise StoreError(READ_ONLY_REFUSAL)


def token() -> str:
    return st.session_state[TOKEN]


def doc() -> Doc:
    """This run's copy of the workspace document (bind() loads it)."""
    if _DOC not in st.session_state:  # only outside layerlab.py, e.g. a page tested alone
        bind()
    return st.session_state[_DOC]


def bind() -> None:
    """Find the tab's workspace from the URL, or start one; keep `?w=` on every page.

    A bare URL starts a fresh workspace; a token the store does not know is never created,
    the page says so and offers a fresh workspace instead.
    """
    link = st.query_params.get("p")
    if link is None and "w" not in st.query_params:  # navigation dropped it: put it back
        link = st.session_state.get(_LINK)
    if link is not None:
        _bind_link(link)
        return
    asked = st.query_params.get("w")
    held = st.session_state.get(TOKEN)
    if asked is None:  # a bare URL, or navigation dropped the token: put it back
        asked = held or store().create()
        st.query_params["w"] = asked
    if asked != held:
        if not store().exists(asked):
            _missing()
        _start(asked)
    _purge_now_and_then()
    if time.time() - st.session_state.get(_TOUCHED, 0.0) > TOUCH_EVERY_S:  # else a no-op
        store().touch(asked)
        st.session_state[_TOUCHED] = time.time()
    sync(defer=True)


def _bind_link(link: str) -> None:
    """A presenter link: its workspace, read-only, and never its token in the URL."""
    if link != st.session_state.get(_LINK):
        found = links().resolve(link)
        if found is None or found.role != PRESENTER or not shared_store().exists(
                found.workspace):
            st.query_params.pop("p", None)
            _missing()
        _start(found.workspace, in_url=False)
        st.session_state[_LINK] = link
        run = _run_of(found.workspace, st.query_params.get("run"))
        if run is not None:
            st.session_state[_VIEW_RUN] = run
    elif link_withdrawn():  # an open tab: withdrawn since (Start over)? One query
        st.query_params.pop("p", None)
        _missing()
    st.query_params.pop("w", None)
    st.query_params["p"] = link
    sync()


def _run_of(workspace: str, asked: str | None) -> int | None:
    """The run a link names (`&run=`), if it is one of `workspace`'s."""
    from gui.core.store.runs import Runs

    if not asked or not str(asked).isdigit():
        return None
    try:
        return Runs(shared_store()).get(workspace, int(asked)).id
    except StoreError:
        return None


def link_withdrawn() -> bool:
    """Has this presenter tab's link stopped reaching its workspace (Start over withdrew
    it)? False in a tab that is no presenter link."""
    link = st.session_state.get(_LINK)
    if link is None:
        return False
    found = links().resolve(link)
    return found is None or found.workspace != st.session_state.get(TOKEN)


def changed_elsewhere() -> bool:
    """Has the stored document a newer version than this tab's copy?"""
    try:
        return shared_store().version(token()) != st.session_state[_SAVED][0]
    except StoreError:
        return False


def presenter_link() -> str:
    """The token of this workspace's presenter link (made the first time it is asked for)."""
    return links().token_for(token(), PRESENTER)


def _start(new_token: str, in_url: bool = True) -> None:
    """Make `new_token` this session's workspace; forget what the session held for another."""
    for key in list(st.session_state):
        if str(key).startswith(("ll_", "data.", "model.", "train.", "evaluate.", "predict.",
                                "spec_upload")):
            del st.session_state[key]
    st.session_state[TOKEN] = new_token
    if in_url:
        st.query_params.pop("p", None)
        st.query_params["w"] = new_token
    st.session_state[_SAVED] = (-1, "")  # nothing read yet: the next sync() loads it
    st.session_state[_DOC] = Doc()


def sync(defer: bool = False) -> None:
    """Apply what this tab changed to the newest stored document, else read a newer one.

    The tab's changes are found against the copy it last read or wrote, setting by setting
    (gui.core.store.changes), and applied to the newest stored document in one
    compare-and-swap: what another tab saved meanwhile stays. The merged document is then
    the tab's own copy and base.

    `defer` (the start of a run): a widget's change that no other tab's save has overtaken
    is left for the run's end to write, with whatever the page changes after it (one
    write per run, not two); overtaken, it is applied now, so the page draws the newest.
    """
    current = st.session_state[_DOC]
    version, saved = st.session_state[_SAVED]
    mine = current.to_dict()
    try:
        if read_only():
            _sync_read_only(current, version, saved)
        elif version < 0:  # nothing read yet: load, and store a new workspace's defaults
            _adopt(store().update_state(token(), lambda state: state or Doc().to_dict()))
        elif mine != (base := json.loads(saved)):
            if defer and store().version(token()) == version:
                return
            edits = changes.changes(base, mine, whole=WHOLE, sets=SETS)
            refused = []
            if (copy := lesson()) is not None:  # a locked or hidden control changes nothing
                output = output_layer(current.spec.layers)
                refused = [e for e in edits if not copy[0].rules.allows(e.path, output)]
                edits = [e for e in edits if e not in refused]
                mine = None  # and a fallback never writes the tab's whole spec
            _adopt(store().update_state(token(),
                                        lambda state: _merge(state, edits, mine, base)), mine)
            if refused:  # reached anyway (the keyboard): the page is drawn again without it
                lock_refusal.redraw_without([e.path for e in refused])
        elif store().version(token()) != version:
            _adopt(store().load(token()))
    except StoreError:
        _missing()


def end_page() -> None:
    """End the page here, as st.stop() does, having first saved what the run changed: once
    Streamlit is asked to stop, the session can no longer be read, so the run's closing
    sync (layerlab.py) cannot save a change that bind() left for it. Pages end early with
    this, never with st.stop() itself (a test holds them to it)."""
    sync()
    st.stop()


def fragment(draw):
    """`draw` as a Streamlit fragment that keeps the workspace in step: a widget inside it
    reruns only it, so the browser redraws only its elements, not the whole page.

    Such a rerun skips layerlab.py, its bind() and its closing sync, so the fragment does
    both: another tab's newer save makes the whole page run again (what is drawn outside
    stays consistent), and what the rerun changed is saved when it ends. In a whole-page run
    the same calls find nothing to do (the page bound and settled before it)."""

    @functools.wraps(draw)
    def run(*args, **kwargs):
        if changed_elsewhere():
            st.rerun()
        try:
            draw(*args, **kwargs)
        finally:
            sync()

    return st.fragment(run)


WHOLE = [("dataset",), ("test",), ("basis",)]  # one setting each, never mixed field by field
SETS = [("edited",)]  # lists used as sets: two tabs that each add a name keep both


def _sync_read_only(current: Doc, version: int, saved: str) -> None:
    """A presenter tab writes nothing: it reads a newer document, and drops anything its own
    widgets changed. Only projector mode is its own (a second screen chooses its size), and
    the run shown when the link named one (a class board's view of a student's run)."""
    projector, run = current.projector, st.session_state.get(_VIEW_RUN)
    own = {"projector": None} | ({"run": None} if run is not None else {})
    if version < 0 or shared_store().version(token()) != version:
        _adopt(shared_store().load(token()))
        if version < 0:
            projector = st.session_state[_DOC].projector
    elif {**current.to_dict(), **own} != {**json.loads(saved), **own}:
        _adopt(Snapshot(json.loads(saved), version))  # put back what the widgets changed
    st.session_state[_DOC].projector = projector
    if run is not None:
        st.session_state[_DOC].run = run


def _merge(newest: dict, edits: list, mine: dict | None, base: dict) -> dict:
    """`edits` applied to the newest document; if the result were no longer a readable spec
    (edits that only made sense together, split by another tab's change), the tab's own spec
    (`mine`) is kept whole rather than a broken one — or, without `mine`, the newest. An
    output layer that another tab changed (a new target) survives this tab's stale layer
    list (heads.keep_newer_output)."""
    if not newest:  # emptied by Start over meanwhile: the tab's edits have nothing to change
        return Doc().to_dict()
    merged = changes.apply(newest, edits)
    if isinstance(merged.get("spec"), dict):
        keep_newer_output(base.get("spec") or {}, newest.get("spec") or {}, merged["spec"])
    try:
        ExperimentSpec.from_dict(merged.get("spec"))
    except SpecError:
        merged["spec"] = (mine or newest).get("spec")
    return merged


def _adopt(snapshot, mine: dict | None = None) -> None:
    """Make the stored `snapshot` the tab's copy and base; when it is what the tab holds
    already, the tab keeps its own objects (and the layers their widget identities).
    `mine`: the tab's copy as a dict, when known (stored as it is: nothing to read back)."""
    if mine is not None and snapshot.state == mine:
        st.session_state[_SAVED] = (snapshot.version, json.dumps(mine, sort_keys=True))
        return
    fresh = Doc.from_dict(snapshot.state)
    text = json.dumps(fresh.to_dict(), sort_keys=True)
    held = st.session_state[_DOC]
    if json.dumps(held.to_dict(), sort_keys=True) != text:
        if len(fresh.spec.layers) == len(held.spec.layers):
            for new, old in zip(fresh.spec.layers, held.spec.layers, strict=True):
                new.uid = old.uid  # the same place in the stack keeps its widgets
        st.session_state[_DOC] = fresh
    st.session_state[_SAVED] = (snapshot.version, text)


def _missing() -> None:
    st.session_state.pop(TOKEN, None)
    st.session_state.pop(_LINK, None)
    st.title("This workspace does not exist")
    st.warning("The link's workspace was not found: the address may be mistyped, or the "
               "workspace was deleted after a long time without use, or emptied elsewhere. "
               "Nothing of it can be recovered from here.", icon=":material/link_off:")
    st.button("Start a fresh workspace", type="primary", key="workspace.fresh",
              on_click=lambda: _start(shared_store().create()), icon=":material/add:")
    st.stop()


def _purge_now_and_then() -> None:
    global _last_purge
    if time.time() - _last_purge > PURGE_EVERY_S:
        _last_purge = time.time()
        store().purge_idle()


def start_over() -> None:
    """Empty the workspace (files, choices, spec); the same link then opens on the sample.
    A student's copy goes back to the lesson's start instead."""
    if lesson() is not None and not read_only():
        lessons().restart(token())
    else:
        store().clear(token())  # refused through a presenter link
    _start(token())
