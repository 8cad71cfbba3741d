"""Inside: the network of the shown run — weights, neuron pictures, decision map, one row.

Live while the run trains (a fragment reads its latest weight snapshot every second), then an
epoch scrubber replays every kept epoch. The sections are drawn by gui.ui.inside.inside_views.
"""

import streamlit as st

from gui.core.spec.vocabulary import FAILED
from gui.ui.inside import inside_views
from gui.ui.session import run_state, workspace
from gui.ui.text import md


def live(run_id: int) -> None:
    record = run_state.get(run_id)
    if record is None:
        return
    run_state.keep_alive()
    if not (record.active or record.model_pending):
        st.rerun()  # finished: the whole page once more, with the epoch scrubber
    inside_views.draw(record, live=True)


def main() -> None:
    """Draw the page."""
    st.title("Inside the network")
    record = run_state.shown()
    if record is None:
        st.info("Nothing has been trained yet. Train a network, then come back to watch its "
                "weights, its neurons and its decisions change epoch by epoch.",
                icon=":material/info:")
        st.page_link("steps/train.py", label="Go to 3 · Train", icon=":material/model_training:")
        inside_views.snapshots_switch()
        workspace.end_page()
    if record.status == FAILED and not record.has_model:
        st.error(f"{md(record.name)} failed: {md(record.error or 'unknown error')}",
                 icon=":material/error:")
        st.page_link("steps/train.py", label="Back to 3 · Train", icon=":material/model_training:")
        workspace.end_page()

    st.caption(f":material/history: {md(record.name)}: its network as it learns. Pick an epoch, "
               "two features for the maps, and hover anything for its values.")
    if record.active or record.model_pending:  # live until the final model is saved
        st.fragment(run_every=1)(live)(record.id)
    else:
        inside_views.draw(record, live=False)
    with st.expander("Settings"):
        inside_views.snapshots_switch(disabled=False)
