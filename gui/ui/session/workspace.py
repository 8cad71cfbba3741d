"""Binds a browser tab to its workspace: the token in the URL (`?w=…`), the document in the
store, synced at the start and the end of every script run.

The document is what a user did, in plain JSON: the spec, the chosen dataset and test data,
the settings chosen by hand and the data the model was shaped for. The session holds a copy
for the run; `sync()` writes it back when the run (or a widget callback before it) changed it,
and otherwise reloads it when another tab saved a newer version. So a reload, a bookmark or a
second tab on the same link shows the same work, and the last change wins whole — a document
is never half-written.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

import streamlit as st

from gui.core.data.samples import SAMPLES
from gui.core.spec.data_info import DataInfo
from gui.core.spec.schema import ExperimentSpec, SpecError
from gui.core.store.workspaces import Store, StoreConfigError, StoreError
from gui.ui.text import md

TOKEN = "ll_token"        # the session's workspace token
_DOC = "ll_doc"           # the session's copy of the document (Doc)
_SAVED = "ll_doc_saved"   # (version, JSON text) as last read from or written to the store
PURGE_EVERY_S = 3600
_last_purge = 0.0         # per process: when idle workspaces were last purged


@dataclass
class Doc:
    """A workspace's document.

    Args:
        spec: the experiment spec every page edits.
        dataset: {"sample": name} or {"file": sha256, "name": file name}.
        test: the separate test data, in the same form, or None.
        split: "fraction" (hold out rows) or "file" (the test data above).
        edited: the settings the user chose by hand (heads.EDITABLE names).
        basis: the DataInfo the layers and compile settings were shaped for.
        run: the id of the run the pages show (the latest started, or one opened on Runs).
        projector: projector mode (larger, high-contrast text and charts) is on.
    """

    spec: ExperimentSpec = field(default_factory=ExperimentSpec)
    dataset: dict = field(default_factory=lambda: {"sample": SAMPLES[0].name})
    test: dict | None = None
    split: str = "fraction"
    edited: list[str] = field(default_factory=list)
    basis: dict | None = None
    run: int | None = None
    projector: bool = False

    def to_dict(self) -> dict:
        return {"spec": self.spec.to_dict(), "dataset": self.dataset, "test": self.test,
                "split": self.split, "edited": sorted(set(self.edited)),
                "basis": self.basis, "run": self.run, "projector": self.projector}

    @classmethod
    def from_dict(cls, raw: dict) -> Doc:
        """The document as stored; parts that are missing or unreadable get defaults."""
        doc = cls()
        try:
            doc.spec = ExperimentSpec.from_dict(raw["spec"])
        except (KeyError, TypeError, SpecError):
            return doc
        dataset = raw.get("dataset")
        if isinstance(dataset, dict) and ("sample" in dataset or "file" in dataset):
            doc.dataset = dataset
        doc.test = raw.get("test") if isinstance(raw.get("test"), dict) else None
        doc.split = raw.get("split") if raw.get("split") in ("fraction", "file") else "fraction"
        doc.edited = [x for x in raw.get("edited") or [] if isinstance(x, str)]
        basis = raw.get("basis")
        doc.basis = basis if isinstance(basis, dict) else None
        run = raw.get("run")
        doc.run = run if isinstance(run, int) and not isinstance(run, bool) else None
        doc.projector = raw.get("projector") is True
        return doc

    def basis_info(self) -> DataInfo | None:
        try:
            return DataInfo(**self.basis) if self.basis else None
        except TypeError:
            return None

    def set_basis(self, info: DataInfo | None) -> None:
        self.basis = asdict(info) if info is not None else None


@st.cache_resource(show_spinner=False)
def _store() -> Store:
    return Store.from_env()


def store() -> Store:
    """The process's store: a database handle and a folder, never a user's data in memory.
    A database setting that cannot work ends the page with what to fix, in words."""
    try:
        return _store()  # an error is not cached: the next page tries again
    except StoreConfigError as error:
        st.title("LayerLab cannot open its database")
        st.error(md(str(error)), icon=":material/error:")
        st.caption("Change the setting where the server is started, then restart it.")
        st.stop()


def token() -> str:
    return st.session_state[TOKEN]


def doc() -> Doc:
    """This run's copy of the workspace document (bind() loads it)."""
    if _DOC not in st.session_state:  # only outside app.py, e.g. a page tested alone
        bind()
    return st.session_state[_DOC]


def bind() -> None:
    """Find the tab's workspace from the URL, or start one; keep `?w=` on every page.

    A bare URL starts a fresh workspace; a token the store does not know is never created,
    the page says so and offers a fresh workspace instead.
    """
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
    store().touch(asked)
    sync()


def _start(new_token: str) -> None:
    """Make `new_token` this session's workspace; forget what the session held for another."""
    for key in list(st.session_state):
        if str(key).startswith(("ll_", "data.", "model.", "train.", "evaluate.", "predict.",
                                "spec_upload")):
            del st.session_state[key]
    st.session_state[TOKEN] = new_token
    st.query_params["w"] = new_token
    st.session_state[_SAVED] = (-1, "")  # nothing read yet: the next sync() loads it
    st.session_state[_DOC] = Doc()


def sync() -> None:
    """Write the session's document if this run changed it, else read a newer saved one."""
    current = st.session_state[_DOC]
    version, saved = st.session_state[_SAVED]
    text = json.dumps(current.to_dict(), sort_keys=True)
    try:
        if text != saved and version >= 0:
            version = store().save_state(token(), json.loads(text))
            st.session_state[_SAVED] = (version, text)
        elif store().version(token()) != version:
            snapshot = store().load(token())
            fresh = Doc.from_dict(snapshot.state)
            version = snapshot.version
            if not snapshot.state:  # a new or emptied workspace: store its defaults now
                version = store().save_state(token(), fresh.to_dict())
            st.session_state[_DOC] = fresh
            st.session_state[_SAVED] = (version, json.dumps(fresh.to_dict(), sort_keys=True))
    except StoreError:
        _missing()


def _missing() -> None:
    st.session_state.pop(TOKEN, None)
    st.title("This workspace does not exist")
    st.warning("The link's workspace was not found: the address may be mistyped, or the "
               "workspace was deleted after a long time without use, or emptied elsewhere. "
               "Nothing of it can be recovered from here.", icon=":material/link_off:")
    st.button("Start a fresh workspace", type="primary", key="workspace.fresh",
              on_click=lambda: _start(store().create()), icon=":material/add:")
    st.stop()


def _purge_now_and_then() -> None:
    global _last_purge
    if time.time() - _last_purge > PURGE_EVERY_S:
        _last_purge = time.time()
        store().purge_idle()


def start_over() -> None:
    """Empty the workspace (files, choices, spec); the same link then opens on the sample."""
    store().clear(token())
    _start(token())
