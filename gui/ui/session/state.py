"""The only module that knows LayerLab's st.session_state keys and the workspace document.

Pages read and write the experiment through these functions. The choices a user makes live
in the workspace document (workspace.doc(), saved in the store); the session keeps only what
can be remade from it: parsed files, prepared arrays, loaded models and figures (memo).
Runs live in the store (run_state).
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from gui.core.spec.data_info import DataInfo
from gui.core.spec.lesson_rules import Limits
from gui.core.spec.schema import ExperimentSpec
from gui.ui.session.workspace import doc, lesson

_SPEC_UPLOADS = "ll_spec_uploads"  # how many specs were loaded: the uploader's key suffix
_UPLOADS = "ll_uploads"            # how many data files were stored: the uploaders' key suffix
_NOTES = "ll_notes"                # one-off messages from callbacks, shown on the next run
_PROBE_ROWS = "ll_probe_rows"      # {run id: {"source", "test_row", "values"}}: what-if rows
_GO_TO = "ll_go_to"                # a page a callback asked for
_SETTLED = "ll_settled"            # the data choices data_source.settle last followed


def spec() -> ExperimentSpec:
    """The workspace's experiment spec."""
    return doc().spec


def limits() -> Limits | None:
    """The limits of the lesson this workspace is a copy of, if it is one."""
    copy = lesson()
    return copy[0].rules.limits if copy is not None else None


def set_spec(value: ExperimentSpec) -> None:
    """Replace the whole spec (e.g. loaded from JSON): every widget shows it on the next run."""
    doc().spec = value


def memo(kind: str, key, compute):
    """compute() once per session for the latest `key` of each `kind` (e.g. a file's hash).

    Session-local on purpose: a user's data never lands in a cross-session cache. Only the
    latest value of a kind is held, and the one it replaces is let go *before* compute()
    runs, so a new million-row file is never parsed while the old one is still held.
    """
    slot = st.session_state.setdefault("ll_memo", {})
    if kind not in slot or slot[kind][0] != key:
        slot.pop(kind, None)
        slot[kind] = (key, compute())
    return slot[kind][1]


def memo_value(kind: str):
    """What memo holds for `kind` now (whatever its key), or None."""
    held = st.session_state.get("ll_memo", {}).get(kind)
    return held[1] if held is not None else None


def due(kind: str, seconds: float) -> bool:
    """True at most once every `seconds` per session for `kind` (e.g. a polling page's
    keep-alive write), and the first time."""
    slot = st.session_state.setdefault("ll_due", {})
    now = time.monotonic()
    if now - slot.get(kind, -seconds) < seconds:
        return False
    slot[kind] = now
    return True


def forget(*kinds: str) -> None:
    """Let go of what memo holds for `kinds` (e.g. what was made from the previous data)."""
    slot = st.session_state.get("ll_memo", {})
    for kind in kinds:
        slot.pop(kind, None)


# ---- what the user chose by hand -----------------------------------------------------------

def edited() -> set[str]:
    """The settings chosen by hand (heads.EDITABLE names): they stay when the task changes."""
    return set(doc().edited)


def mark_edited(name: str) -> None:
    """Record that the user chose `name` ("layers", "output", "compile.loss", ...)."""
    if name not in doc().edited:
        doc().edited.append(name)


def unmark_edited(*names: str) -> None:
    doc().edited = [x for x in doc().edited if x not in names]


def basis() -> DataInfo | None:
    """The data (task, classes) the current layers and compile settings were shaped for."""
    return doc().basis_info()


def set_basis(info: DataInfo | None) -> None:
    doc().set_basis(info)


# ---- widgets -------------------------------------------------------------------------------

def sync_widget(key: str, value: Any) -> None:
    """Show `value` in the widget `key` (call before the widget is drawn in this run)."""
    st.session_state[key] = value


def widget_value(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)


def spec_upload_key() -> str:
    """The spec uploader's key; a new one after each load empties the uploader."""
    return f"spec_upload.{st.session_state.get(_SPEC_UPLOADS, 0)}"


def next_spec_upload() -> None:
    st.session_state[_SPEC_UPLOADS] = st.session_state.get(_SPEC_UPLOADS, 0) + 1


def upload_key(name: str) -> str:
    """A data uploader's key; a new one after each stored file empties the uploader (the
    file is in the workspace by then, and listed in the dataset choice)."""
    return f"data.{name}.{st.session_state.get(_UPLOADS, 0)}"


def next_upload() -> None:
    st.session_state[_UPLOADS] = st.session_state.get(_UPLOADS, 0) + 1


def add_note(kind: str, text: str) -> None:
    """Queue a message ("success", "info", "warning" or "error") for the next run."""
    st.session_state.setdefault(_NOTES, []).append((kind, text))


def has_notes() -> bool:
    """Is a message queued for the next run?"""
    return bool(st.session_state.get(_NOTES))


def pop_notes() -> list[tuple[str, str]]:
    return st.session_state.pop(_NOTES, [])


def probe_rows() -> dict:
    """The what-if row the session keeps per run id (gui.ui.inside.what_if fills it)."""
    return st.session_state.setdefault(_PROBE_ROWS, {})


def go_to_after_run(page: str) -> None:
    """Ask for `page` once this run's callbacks are done (a callback cannot switch pages)."""
    st.session_state[_GO_TO] = page


def take_go_to() -> str | None:
    """The page asked for by go_to_after_run, once."""
    return st.session_state.pop(_GO_TO, None)


def settled() -> str | None:
    """The data choices (as text) that data_source.settle last applied its rule to."""
    return st.session_state.get(_SETTLED)


def mark_settled(text: str) -> None:
    st.session_state[_SETTLED] = text
