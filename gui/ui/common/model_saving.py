"""A run that has ended while its final model is still being saved (a stop is shown at once;
the worker saves the model of the last epoch right after): pages that load the model say
so, and redraw once it is there, instead of loading an older one."""

from __future__ import annotations

import streamlit as st

from gui.ui.session import run_state, workspace
from gui.ui.text import md

POLL_S = 0.5


def saving_text(record) -> str:
    epochs = record.epochs_done
    return (f"Saving the model of epoch {epochs}… {md(record.name)} has stopped; its model "
            "appears here in a moment.")


def wait_for_model(record, stop: bool = True) -> None:
    """While `record`'s final model is being saved: say so, redraw the page once it is
    there, and (with `stop`) end the page here. Nothing when it is not being saved."""
    if record is None or not record.model_pending:
        return
    st.info(saving_text(record), icon=":material/save:")
    st.fragment(run_every=POLL_S)(rerun_when_saved)(record.id)
    if stop:
        workspace.end_page()


def rerun_when_saved(run_id: int) -> None:
    """A fragment's body: the whole page once more when the run's model is there."""
    glance = run_state.glance(run_id)
    if glance is None or not glance.model_pending:
        st.rerun()
