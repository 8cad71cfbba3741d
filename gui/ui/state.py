"""The only module that knows LayerLab's st.session_state keys.

Pages read and write the experiment through these functions, so a key is spelled once and
every page agrees on what the session holds. Nothing here is shared across sessions.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from gui.core.spec import ExperimentSpec

_SPEC = "ll_spec"
_TRAIN_CSV = "ll_train_csv"        # LoadedCSV of the training file
_TEST_CSV = "ll_test_csv"          # LoadedCSV of the separate test file, or None
_PREPARED = "ll_prepared"          # PreparedData for the current spec.data, or None
_JOB = "ll_job"                    # the current TrainingJob, or None
_PREVIOUS_HISTORY = "ll_previous"  # history of the run before, for comparison
_MODEL = "ll_model"                # (model, source) the predict page uses


def get(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)


def spec() -> ExperimentSpec:
    """The session's experiment spec (created with defaults on first use)."""
    if _SPEC not in st.session_state:
        st.session_state[_SPEC] = ExperimentSpec()
    return st.session_state[_SPEC]


def set_spec(value: ExperimentSpec) -> None:
    st.session_state[_SPEC] = value


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


def predict_model():
    return st.session_state.get(_MODEL)


def set_predict_model(value) -> None:
    st.session_state[_MODEL] = value
