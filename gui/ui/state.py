"""The only module that knows LayerLab's st.session_state keys.

Pages read and write the experiment through these functions, so a key is spelled once and
every page agrees on what the session holds. Nothing here is shared across sessions.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from gui.core.spec import ExperimentSpec
from gui.ui.runtime_patch import keep_training_alive

_SPEC = "ll_spec"
_TRAIN_CSV = "ll_train_csv"        # LoadedCSV of the training file
_TEST_CSV = "ll_test_csv"          # LoadedCSV of the separate test file, or None
_PREPARED = "ll_prepared"          # PreparedData for the current spec.data, or None
_JOB = "ll_job"                    # the current TrainingJob, or None
_PREVIOUS_HISTORY = "ll_previous"  # history of the run before, for comparison


def spec() -> ExperimentSpec:
    """The session's experiment spec (created with defaults on first use)."""
    if _SPEC not in st.session_state:
        st.session_state[_SPEC] = ExperimentSpec()
    return st.session_state[_SPEC]


def set_spec(value: ExperimentSpec) -> None:
    """Replace the whole spec (e.g. loaded from JSON): widgets re-read their values from it."""
    st.session_state[_SPEC] = value
    for key in [k for k in st.session_state
                if str(k).startswith(WIDGET_PREFIXES) and k not in KEEP_WIDGETS]:
        del st.session_state[key]


# Widget keys start with their page's prefix, so a loaded spec can reset them all; the
# uploaded files and the sample choice are the data itself, not spec values, and stay.
WIDGET_PREFIXES = ("data.", "model.", "train.")
KEEP_WIDGETS = {"data.upload", "data.test_upload", "data.sample", "data.split"}


def memo(kind: str, key, compute):
    """compute() once per session for the latest `key` of each `kind` (e.g. a file's hash).

    Session-local on purpose: a user's data never lands in a cross-session cache.
    """
    slot = st.session_state.setdefault("ll_memo", {})
    if kind not in slot or slot[kind][0] != key:
        slot[kind] = (key, compute())
    return slot[kind][1]


def train_csv():
    return st.session_state.get(_TRAIN_CSV)


def set_train_csv(loaded) -> None:
    st.session_state[_TRAIN_CSV] = loaded


def test_csv():
    return st.session_state.get(_TEST_CSV)


def set_test_csv(loaded) -> None:
    st.session_state[_TEST_CSV] = loaded


def prepared():
    return st.session_state.get(_PREPARED)


def set_prepared(value) -> None:
    st.session_state[_PREPARED] = value


def job():
    return st.session_state.get(_JOB)


def set_job(value) -> None:
    old = st.session_state.get(_JOB)
    if old is not None and getattr(old, "history", None):
        st.session_state[_PREVIOUS_HISTORY] = old.history_snapshot()
    st.session_state[_JOB] = value


def previous_history():
    return st.session_state.get(_PREVIOUS_HISTORY)


def training_limiter():
    """The process-wide JobLimiter every session's training jobs queue on.

    The one thing training shares between sessions: tickets, never a model or data. One
    instance per slot count (LAYERLAB_TRAINING_SLOTS, default the CPU count).
    """
    from gui.core.job_limiter import JobLimiter

    keep_training_alive()
    return _limiter(JobLimiter.slots_from_env())


@st.cache_resource(show_spinner=False)
def _limiter(slots: int):
    from gui.core.job_limiter import JobLimiter

    return JobLimiter(slots)


# ---- model page ----------------------------------------------------------------------------
_MODEL_EDITS = "ll_model_edits"    # what the user changed by hand on the model page
_SPEC_UPLOADS = "ll_spec_uploads"  # how many specs were loaded: the uploader's key suffix
_NOTES = "ll_notes"                # one-off messages from callbacks, shown on the next run


def model_edits() -> dict:
    """{"layers": bool, "compile": bool, "basis": DataInfo | None}: the hand-edited parts of
    the model, and the data (task, classes) the current layers and compile settings fit."""
    return st.session_state.setdefault(_MODEL_EDITS,
                                       {"layers": False, "compile": False, "basis": None})


def mark_edited(part: str) -> None:
    """Record that the user edited "layers" or "compile" (task defaults stop overriding it)."""
    model_edits()[part] = True


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


def add_note(kind: str, text: str) -> None:
    """Queue a message ("success", "info", "warning" or "error") for the next run."""
    st.session_state.setdefault(_NOTES, []).append((kind, text))


def pop_notes() -> list[tuple[str, str]]:
    return st.session_state.pop(_NOTES, [])
