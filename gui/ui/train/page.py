"""Step 3 · Train: fit settings, a Train button, live curves, Stop, continue training.

The settings show and edit state.spec().fit. Train queues a run in the workspace (the store)
and a worker process trains it (run_state), so a reload, another page or a second tab shows
the same run; a fragment redraws progress, curves and the epoch log from its record twice a
second.
"""

import streamlit as st

from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.vocabulary import MAX_EPOCHS, STOPPING
from gui.ui.common.changes import changed_since_training
from gui.ui.session import data_source, run_state, state, workspace
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
                  kwargs={"parent": record, "more": more, "when_idle": True},
                  disabled=run_state.active() is not None,
                  help="A new run in the Runs list, continuing this one.")


def other_settings(active, disabled: bool) -> None:
    """While `active` trains: train the settings above after it, or instead of it. Quiet
    buttons under the settings, never where Train was (Stop is there)."""
    st.caption(f"{md(active.name)} is training. To train the settings above as well:")
    first, second, _ = st.columns([2, 2, 3])
    first.button("Queue these settings", key="train.queue", icon=":material/queue:",
                 disabled=disabled, on_click=run_state.start,
                 help=f"Train these settings when {md(active.name)} has finished.")
    second.button("Stop and train these", key="train.restart", icon=":material/restart_alt:",
                  disabled=disabled,
                  on_click=lambda: (run_state.stop(active.id), run_state.start()),
                  help=f"Stop {md(active.name)} (it keeps its model) and train these settings.")


def main() -> None:
    """Draw the page."""
    st.title("3 · Train")
    prepared, error = data_source.prepared_or_error()
    if prepared is None:
        st.info(f"The Data page's choices do not give training data yet: {md(error)}",
                icon=":material/info:")
        st.page_link("steps/data.py", label="Go to the Data page", icon=":material/table_chart:")
        workspace.end_page()

    record = run_state.shown()
    if record is not None and record.status == STOPPING:
        # Stop was just pressed (here or in another tab): the worker ends the run within a
        # second; wait for it, so this redraw shows it stopped, with Train back in place.
        run_state.wait_while_stopping(record.id)
        record = run_state.shown()
    active = run_state.active()
    if record is None:
        st.caption(f"Train the network on the {len(prepared.X_train):,} training rows. The curves "
                   "update live; the run goes on while you visit other pages, reload, or close "
                   "the tab for a few minutes.")
        # Train above its settings: in view at once, and the first Tab stop after them
        # in reading order (below three columns it came after every field of all three).
        buttons = st.container()
        fit_editor.settings(disabled=False, prepared=prepared)
        settings_end, settings_shown = st.container(), True
    else:  # a run is shown: its progress and curves come first, the settings fold away
        buttons, folded = st.columns([1, 5])
        # Drawn only while unfolded (a folded expander's contents are otherwise sent and
        # laid out too): pressing Train and a run's end redraw the page in every watching
        # browser, and the folded settings cost each ~0.24 s of a core per run.
        # the design's settings, which the shown run (say, one the CLI trains) may not have
        whose = "Settings" if record.spec.fit == state.spec().fit else "Next run's settings"
        settings_end = folded.expander(
            f"{whose}: {fit_editor.settings_summary(state.spec().fit)}", icon=":material/tune:",
            key="train.settings_open", on_change="rerun")
        settings_shown = bool(settings_end.open)
        if settings_shown:
            with settings_end:
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
                       kwargs={"when_idle": True},
                       help="Fix the problems above first." if problems else
                       "Build the model from the spec and fit it in a training process.")
    else:  # while a run trains, Stop takes Train's place; other settings are a side choice
        buttons.button("Stop", key="train.stop", type="primary", icon=":material/stop:",
                       on_click=run_state.stop, args=(active.id,),
                       disabled=active.status == STOPPING, width="stretch",
                       help=f"Stop {md(active.name)} within a second; its model keeps the "
                            "weights trained so far.")
        if settings_shown:
            with settings_end:
                other_settings(active, disabled=bool(problems))

    if record is not None:
        if record.active or record.model_pending:
            live.live_view(record.id, polling=True, prepared=prepared, drawn=live.polled(record))
        else:
            live.live_view(record.id, polling=False, prepared=prepared)
            if record.has_model and active is None:
                continue_training(record)
