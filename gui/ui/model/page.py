"""Step 2 · Model: stack the layers, choose compile settings, see the summary, export.

Every widget edits state.spec(); validation runs on each rerun and its messages appear next
to the control at fault. The editors live in gui/ui/: layer_editor, compile_editor,
model_summary and spec_io.
"""

import streamlit as st

from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import is_recommended, size_rule
from gui.ui.common.changes import changed_since_training
from gui.ui.model import compile_editor, layer_editor, model_summary, search_panel, spec_io
from gui.ui.session import data_source, state, workspace
from gui.ui.text import md


def main() -> None:
    """Draw the page."""
    st.title("2 · Model")
    prepared, error = data_source.prepared_or_error()
    if prepared is None:
        st.info(f"The network's input and output follow from the data, and the Data page's "
                f"choices do not give training data yet: {md(error)}", icon=":material/info:")
        st.page_link("steps/data.py", label="Go to the Data page", icon=":material/table_chart:")
        with st.expander("Already have a spec file? Load it here, then pick the data."):
            model_summary.notes()
            spec_io.spec_loader()
        workspace.end_page()

    info = DataInfo.from_prepared(prepared)
    st.caption("Stack layers from the input (top) to the output (bottom). Every option is Keras' "
               "own: the ? next to each one explains it.")
    recommended_note(info)
    model_summary.notes()
    problems = validate(state.spec(), info, state.limits())
    model_summary.status(problems)
    changed_since_training()

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("Layers")
        layer_editor.input_rows(prepared)
        layer_editor.layer_stack(info, problems)
        layer_editor.reset_button(info)
    with right:
        st.subheader("Summary")
        model_summary.summary_panel(prepared, problems)

    st.subheader("Compile settings")
    compile_editor.compile_editor(info, problems)

    st.subheader("Find a better network")
    search_panel.search_section(prepared)

    st.subheader("Export and import")
    spec_io.spec_io(prepared, problems)


def recommended_note(info: DataInfo) -> None:
    """Say that the settings are the ones recommended for this data's size, only when they
    are (size_rules.SIZE_RULES); otherwise how to get them back."""
    rule = size_rule(info.n_train)
    if is_recommended(state.spec(), info):
        batches = ("the whole table in each step" if rule.batch_size >= info.n_train
                   else f"batches of {rule.batch_size}")
        st.caption(f":material/check_circle: These are the settings recommended for "
                   f"{info.n_train:,} training rows and {info.n_inputs:,} inputs: up to "
                   f"{rule.epochs} epochs of {batches}. {rule.why_for(info.task)}")
    else:
        st.caption(":material/tune: Your own settings. *Start over with the recommended "
                   f"network* below gives those recommended for {info.n_train:,} training "
                   "rows.")
