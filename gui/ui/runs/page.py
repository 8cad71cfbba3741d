"""Runs: every training of this workspace — compare, rename, open, continue, download, delete.

The table lists the runs from the store (gui.core.store.runs) with the settings that differ between
them; choosing rows overlays their curves and shows only the settings that differ. Actions
work on one chosen run.
"""

import pandas as pd
import streamlit as st

from gui.core.saving import export
from gui.core.spec.diff import varying
from gui.core.spec.vocabulary import MAX_EPOCHS
from gui.core.store.workspaces import StoreError
from gui.ui.common import downloads, model_saving, projector
from gui.ui.common.changes import run_label
from gui.ui.figures import charts
from gui.ui.figures.describe import describe
from gui.ui.runs import table
from gui.ui.session import run_state, state, workspace
from gui.ui.text import md


def main() -> None:
    """Draw the page."""
    st.title("Runs")
    records = run_state.all_runs()
    if not records:
        st.info("No run yet. Each press of Train makes a run; they are all listed here to compare, "
                "continue, open and download.", icon=":material/info:")
        st.page_link("steps/train.py", label="Go to 3 · Train", icon=":material/model_training:")
        workspace.end_page()
    live = any(r.active or r.model_pending for r in records)  # a model being saved: too
    if live:
        run_state.keep_alive()
    by_id = {r.id: r for r in records}
    chosen = [by_id[i] for i in table.runs_table(live) if i in by_id]
    if not chosen:
        how = "Pick one or more runs" if projector.on() else "Tick one or more rows"
        st.caption(f"{how} to compare their curves and settings.")
        workspace.end_page()

    # ---- compare ---------------------------------------------------------------------------------
    if len(chosen) > 1:
        st.subheader("Compare")
        differ = varying([r.spec for r in chosen])
        if differ:  # a table that wraps: every cell (a layer stack too) shown whole
            st.table(pd.DataFrame(differ, index=[r.name for r in chosen]).T,
                     alt="The settings that differ between the chosen runs, one row each.")
        else:
            st.caption("These runs have the same settings.")
    figures = charts.overlay_figures({r.name: r.history for r in chosen if r.history})
    for row in range(0, len(figures), 2):
        for column, (name, fig) in zip(st.columns(2), figures[row:row + 2], strict=False):
            column.plotly_chart(projector.style(fig), key=f"runs.curve.{name}", alt=describe(fig),
                                config={"displaylogo": False})

    # ---- one run -------------------------------------------------------------------------------
    st.subheader("Act on one run")
    by_id = {r.id: r for r in chosen}
    if state.widget_value("runs.one") not in by_id:
        state.sync_widget("runs.one", chosen[-1].id)
    one = by_id[st.selectbox("Run", list(by_id), key="runs.one",
                             format_func=lambda i: by_id[i].name)]
    st.caption(f"{md(one.name)}: {md(run_label(one))} · {one.status}."
               + (f" {md(one.note)}" if one.note else "") + (f" {md(one.error)}" if one.error
                                                               else ""))


    def _rename(run_id: int, key: str) -> None:
        try:
            run_state.runs().rename(workspace.token(), run_id, state.widget_value(key, ""))
        except StoreError as exc:
            state.add_note("error", md(exc))
        # The select box keeps the label it showed (the old name) unless it is set again.
        state.sync_widget("runs.one", run_id)


    name_key = f"runs.name.{one.id}"
    state.sync_widget(name_key, one.name)
    st.text_input("Name", key=name_key, on_change=_rename, args=(one.id, name_key),
                  max_chars=200, help="Press Enter to rename the run.")
    for kind, text in state.pop_notes():
        getattr(st, kind)(text)


    def _open(run_id: int, page: str) -> None:
        run_state.show(run_id)
        state.go_to_after_run(page)


    left, middle, right = st.columns(3)
    left.button("Open in 4 · Evaluate", key="runs.evaluate", icon=":material/analytics:",
                disabled=not one.has_model, on_click=_open, args=(one.id, "steps/evaluate.py"))
    middle.button("Open in 5 · Predict", key="runs.predict", icon=":material/online_prediction:",
                  disabled=not one.has_model, on_click=_open, args=(one.id, "steps/predict.py"))
    right.button("Show on 3 · Train", key="runs.train", icon=":material/model_training:",
                 on_click=_open, args=(one.id, "steps/train.py"))
    go_to = state.take_go_to()
    if go_to:
        st.switch_page(go_to)

    model_saving.wait_for_model(one, stop=False)
    trained = run_state.trained(one) if not one.active else None
    if trained is not None:
        prep = trained.prepared.preprocessor
        stem = export.run_stem(one.spec.data.source, one.name)
        card = downloads.card_maker(one, trained.model, trained.deploy, trained.prepared)
        downloads.model_buttons(st.columns(3) + st.columns(3), trained.deploy, one.spec, prep,
                                one.history, stem, "runs", card)
        downloads.export_buttons(st.columns(3), trained.deploy, prep, stem, "runs")
        more_col, button_col = st.columns([1, 2], vertical_alignment="bottom")
        more = more_col.number_input("More epochs", 1, MAX_EPOCHS, 10, step=10, key="runs.more")
        busy = run_state.active() is not None
        plural = "s" if more != 1 else ""
        button_col.button(f"Continue {md(one.name)} for {more} more epoch{plural}",
                          key="runs.continue", icon=":material/resume:", disabled=busy,
                          on_click=lambda: (run_state.start(parent=one, more=more, when_idle=True),
                                            state.go_to_after_run("steps/train.py")),
                          help="Another run is training; wait for it or stop it." if busy else
                          "A new run that goes on from this one's last epoch, with its optimizer "
                          "state.")
    elif not (one.active or one.model_pending):
        st.caption("This run has no saved model (it failed or stopped before its first epoch).")

    with st.popover("Delete this run", icon=":material/delete:", disabled=one.active):
        st.write(f"Delete {md(one.name)} and its model? This cannot be undone.")
        st.button("Delete", key="runs.delete", type="primary",
                  on_click=lambda: run_state.runs().delete(workspace.token(), one.id))
