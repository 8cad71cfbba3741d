"""Step 2 · Model: stack the layers, choose compile settings, see the summary, export.

Every widget edits state.spec(); validation runs on each rerun and its messages appear next
to the control at fault. The editors live in gui/ui/widgets.py.
"""

import streamlit as st

from gui.core.spec import DataInfo, validate
from gui.ui import state, widgets

st.title("2 · Model")
prepared = state.prepared()
if prepared is None:
    st.info("Load data on the Data page first: the network's input and output follow from it.",
            icon=":material/info:")
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/table_chart:")
    with st.expander("Already have a spec file? Load it here, then pick the data."):
        widgets.notes()
        widgets.spec_loader()
    st.stop()

info = DataInfo.from_prepared(prepared)
widgets.follow_data(info)
st.caption("Stack layers from the input (top) to the output (bottom). Every option is Keras' "
           "own: the ? next to each one explains it. The recommended settings already train well.")
widgets.notes()
problems = validate(state.spec(), info)
widgets.status(problems)

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("Layers")
    widgets.input_rows(prepared)
    widgets.layer_stack(info, problems)
    widgets.reset_button(info)
with right:
    st.subheader("Summary")
    widgets.summary_panel(prepared, problems)

st.subheader("Compile settings")
widgets.compile_editor(info, problems)

st.subheader("Export and import")
widgets.spec_io(prepared, problems)
