"""Step 3 · Train: fit settings, a Train button, live curves, Stop, continue training.

The settings show and edit state.spec().fit. Train queues a run in the workspace (the store)
and a worker process trains it (run_state), so a reload, another page or a second tab shows
the same run; a fragment redraws progress, curves and the epoch log from its record twice a
second.
"""

import streamlit as st

from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.vocabulary import (
    MAX_EPOCHS,
)
from gui.ui.common.changes import changed_since_training
from gui.ui.session import data_source, run_state, state
from gui.ui.text import md
from gui.ui.train import fit_editor, live


def continue_training(record) -> None:
    """N more epochs of a finished run, from where it ended, with its optimizer state."""
    with st.expander(f"Continue training {md(record.name)} from epoch {record.epochs_done}"):
        more = st.number_input("More epochs", min_value=1, max_value=MAX_EPOCHS, value=10,
                               step=10, key="train.more",
                               help="The curves go on at the next epoch number; the optimizer "
                                    "(e.g. Adam's moments) carries on where it was.")
        st.button(f"Train {more} more epoch{'s' if more != 1 else ''}", key="train.continue",
                  icon=":material/resume:", on_click=run_state.start,
                  kwargs={"parent": record, "more": more},
                  disabled=run_state.active() is not None,
                  help="A new run in the Runs list, continuing this one.")


def main() -> None:
    """Draw the page."""
    st.title("3 · Train")
    prepared, error = data_source.prepared_or_error()
    if prepared is None:
        st.info(f"The Data page's choices do not give training data yet: {md(error)}",
                icon=":material/info:")
        st.page_link("steps/data.py", label="Go to the Data page", icon=":material/table_chart:")
        st.stop()

    record = run_state.shown()
    active = run_state.active()
    if record is None:
        st.caption(f"Train the network on the {len(prepared.X_train):,} training rows. The curves "
                   "update live; the run goes on while you visit other pages, reload, or close "
                   "the tab for a few minutes.")
        fit_editor.settings(disabled=False, prepared=prepared)
        buttons = st.container()
    else:  # a run is shown: its progress and curves come first, the settings fold away
        buttons, folded = st.columns([3, 5] if active is not None else [1, 5])
        with folded.expander(f"Settings: {fit_editor.settings_summary(state.spec().fit)}",
                             icon=":material/tune:"):
            fit_editor.settings(disabled=False, prepared=prepared)
    changed_since_training()
    problems = validate(state.spec(), DataInfo.from_prepared(prepared), state.limits())
    fit_issues = [p for p in problems if p.where.startswith("fit.")]
    model_issues = [p for p in problems if not p.where.startswith("fit.")]
    for problem in fit_issues:
        st.error(f"`{problem.where.removeprefix('fit.')}`: {md(problem.message)}",
                 icon=":material/error:")
    if model_issues:
        count = len(model_issues)
        st.error(f"**The model has {count} problem{'s' if count > 1 else ''} to fix before "
                 "training:**\n"
                 + "\n".join(f"- `{p.where}`: {md(p.message)}" for p in model_issues),
                 icon=":material/error:")
        st.page_link("steps/model.py", label="Fix them on the Model page",
                     icon=":material/account_tree:")

    if active is None:
        label = "Train again" if record is not None else "Train"
        buttons.button(label, key="train.start", type="primary", icon=":material/play_arrow:",
                       disabled=bool(problems), on_click=run_state.start,
                       help="Fix the problems above first." if problems else
                       "Build the model from the spec and fit it in a training process.")
    else:
        first, second = buttons.columns(2) if record is not None else st.columns([2, 2, 3])[:2]
        first.button("Stop it and train", key="train.restart", type="primary",
                     icon=":material/restart_alt:", disabled=bool(problems),
                     on_click=lambda: (run_state.stop(active.id), run_state.start()),
                     help=f"{md(active.name)} is training: stop it (it keeps its model) and train "
                          "these settings.")
        second.button("Queue after it", key="train.queue", icon=":material/queue:",
                      disabled=bool(problems), on_click=run_state.start,
                      help=f"Train these settings when {md(active.name)} has finished.")

    if record is not None:
        if record.active:
            st.fragment(run_every=0.5)(live.live_view)(record.id, polling=True, prepared=prepared)
        else:
            live.live_view(record.id, polling=False, prepared=prepared)
            if record.has_model and active is None:
                continue_training(record)
