"""The Model page's "Find a better network": a time-boxed search whose trials are runs.

Start queues a search (session/search_state.py); the process's search driver asks Optuna
for one trial at a time and queues it as a run, so it trains in turn with everyone's runs
and shows on the Runs page with its curves. While it goes, a fragment polls the search's
row once a second (its trials, not their runs; the trial in flight at a glance) and draws
the trials done, the best so far and a chart of the score per trial. "Use the best network"
makes the best trial's network the design.
"""

from __future__ import annotations

import time

import streamlit as st

from gui.core.data.dataset import PreparedData
from gui.core.spec.data_info import DataInfo
from gui.core.spec.vocabulary import QUEUED, SEARCH_MINUTES
from gui.core.store.searches import SEARCH_QUEUED, SearchRecord
from gui.core.store.workspaces import StoreError
from gui.core.training.search_space import (
    plan,
    score_name,
    searched,
    uses_dropout,
    uses_l2,
)
from gui.ui.figures.search_chart import trial_figure
from gui.ui.session import run_state, search_state, state, workspace
from gui.ui.text import md

WHAT = {"layers": "depth", "units": "width", "activation": "activation",
        "dropout": "Dropout", "l2": "L2", "learning_rate": "learning rate",
        "batch_size": "batch size"}


def search_section(prepared: PreparedData) -> None:
    """The section: the time box, Start / Stop, the progress, Use the best network."""
    st.caption("Tries networks around the recommended one for this data (first the "
               "recommended one itself, then a linear model), each trial a run that trains "
               "in turn with everyone's runs (see them on the Runs page) for at most a share "
               "of the time box. Trials behind the others on their validation curve are "
               "stopped early.")
    st.caption(":material/visibility_off: It scores trials on **validation rows only** (a "
               "share held out of the training rows): the test rows stay unseen until "
               "Evaluate.")
    record = search_state.latest()
    if not workspace.read_only():
        _controls(prepared, record)
    if record is None:
        return
    if record.active:
        st.fragment(run_every=1)(_live)(record.id)
    else:
        _progress(record)
    if not workspace.read_only() and record.best_run is not None:
        st.button("Use the best network", key="model.search_use_best",
                  icon=":material/done_all:", on_click=search_state.use_best,
                  args=(record.id,), type="primary" if not record.active else "secondary",
                  help="Make the best trial's layers, learning rate and batch size the "
                       "design; then train it and Evaluate it on the test rows.")


def _controls(prepared: PreparedData, record: SearchRecord | None) -> None:
    going = record is not None and record.active
    left, middle, right = st.columns([3, 1, 1], vertical_alignment="bottom")
    minutes = left.segmented_control(
        "Time box", SEARCH_MINUTES, default=SEARCH_MINUTES[0], key="model.search_minutes",
        format_func=lambda m: f"{m} minute{'s' if m != 1 else ''}", disabled=going)
    middle.button("Start", key="model.search_start", icon=":material/travel_explore:",
                  disabled=going, on_click=search_state.start,
                  args=(prepared, float(minutes or SEARCH_MINUTES[0])))
    if going:
        right.button("Stop", key="model.search_stop", icon=":material/stop_circle:",
                     on_click=search_state.stop, args=(record.id,))
    copy = workspace.lesson()
    if copy is not None:
        varied = searched(plan(DataInfo.from_prepared(prepared), state.spec(),
                               copy[0].rules).space)
        st.caption("In this lesson it varies " + (", ".join(WHAT[k] for k in varied)
                                                  or "nothing (every setting is locked)")
                   + ", within your teacher's limits.")


def _live(search_id: int) -> None:
    try:
        record = search_state.searches().get(workspace.token(), search_id)
    except StoreError:  # Start over removed it: the page redraws without it
        st.rerun()
    run_state.keep_alive()
    _progress(record)
    if not record.active:
        st.rerun()  # ended: the whole section redraws (Start again, Use the best network)


def _progress(record: SearchRecord) -> None:
    metric = score_name(record.task)
    finished = [t for t in record.trials if t.state in ("complete", "pruned", "failed")]
    pruned = sum(t.state == "pruned" for t in record.trials)
    a, b, c = st.columns(3)
    a.metric("Trials done", f"{len(finished)}")
    a.caption(f"{pruned} pruned (stopped early on their validation curve)")
    b.metric(f"Best validation {metric}",
             f"{record.best_score:.4f}" if record.best_score is not None else "—",
             help="The best complete trial's score at its best epoch, on validation rows.")
    c.metric("Time left" if record.active else "Time box",
             f"{record.seconds_left:.0f} s" if record.active else f"{record.minutes:g} min")
    st.caption(_status(record))
    if record.best is not None:
        st.caption(f":material/star: Best{' so far' if record.active else ''}: trial "
                   f"{record.best.number + 1} — "
                   f"{network_words(record.best.params)}.")
    if any(t.score is not None for t in record.trials):
        key = tuple((t.number, t.state, t.score) for t in record.trials)
        fig = state.memo("model.search_figure", (record.id, key),
                         lambda: trial_figure(record.trials, metric))
        st.plotly_chart(fig, key="model.search_chart", config={"displayModeBar": False})


def _status(record: SearchRecord) -> str:
    if record.status == SEARCH_QUEUED:
        return f":material/hourglass_top: {md(record.name)} is about to start."
    if not record.active:
        ended = time.strftime("%H:%M:%S", time.localtime(record.ended or record.created))
        return f":material/flag: {md(record.name)} {record.status} at {ended}. " + \
            md(record.note or "")
    if not record.trials:
        return f":material/travel_explore: {md(record.name)} is starting its first trial."
    trial = record.trials[-1]
    glance = run_state.runs().glance(workspace.token(), trial.run)
    if glance is None or not glance.active:
        return f":material/travel_explore: {md(record.name)}: trial {trial.number + 1} ended."
    if glance.status == QUEUED:
        return (f":material/hourglass_top: {md(record.name)}: trial {trial.number + 1} is "
                "waiting for a free training process.")
    p = glance.progress
    return (f":material/model_training: {md(record.name)}: training trial "
            f"{trial.number + 1} · {p.text(glance.elapsed)}")


def network_words(params: dict) -> str:
    """A trial's point in words, as Markdown: "2 × Dense 64 · relu, Dropout 0.20,
    `learning_rate` 0.003, `batch_size` 32" (only what the search varied; every value comes
    from the search's own space, so nothing needs escaping)."""
    parts = []
    if "layers" in params:
        parts.append(f"{params['layers']} × Dense {params['units']} · {params['activation']}")
        if uses_dropout(params["dropout"]):
            parts.append(f"Dropout {params['dropout']:.2f}")
        if uses_l2(params["l2"]):
            parts.append(f"L2 {params['l2']:.1e}")
    if "learning_rate" in params:
        parts.append(f"`learning_rate` {params['learning_rate']:.3g}")
    if "batch_size" in params:
        parts.append(f"`batch_size` {params['batch_size']}")
    return ", ".join(parts) or "the base network"
