"""The workspace's "Find a better network" searches, for the Model page: start, stop, read,
and the best trial's spec made the design.

A search lives in the store (gui.core.store.searches) and is driven by the process's search
driver (gui.core.workers.search_driver), whose trials are runs of the process's pool, so a
reload, a second tab or another page shows the same search. Reads are through the
workspace's token; a presenter link reads only.
"""

from __future__ import annotations

import streamlit as st

from gui.core.data.dataset import PreparedData
from gui.core.spec.data_info import DataInfo
from gui.core.store.searches import Searches, SearchRecord
from gui.core.store.workspaces import StoreError
from gui.core.training.search_space import adopt, plan
from gui.core.workers.search_driver import SearchDriver
from gui.ui.session import run_state, state, workspace
from gui.ui.text import md


@st.cache_resource(show_spinner=False)
def driver() -> SearchDriver:
    """The process's search driver: a thread beside the pool, started once."""
    return SearchDriver(workspace.shared_store(), wake=run_state.pool().wake)


@st.cache_resource(show_spinner=False)
def _searches() -> Searches:
    return Searches(workspace.shared_store())


def searches() -> Searches:
    """The searches as this tab may use them: through a presenter link, reads only."""
    if workspace.read_only():
        return workspace.ReadOnly(_searches(), frozenset({"get", "latest"}))
    return _searches()


def latest() -> SearchRecord | None:
    """The workspace's newest search (one row: its trials, not their runs)."""
    return searches().latest(workspace.token())


def start(prepared: PreparedData, minutes: float) -> None:
    """Queue a search of `minutes` from the recommended network for the data, within the
    lesson's locks and limits; trouble is a note in words."""
    copy = workspace.lesson()
    rules = copy[0].rules if copy is not None else None
    info = DataInfo.from_prepared(prepared)
    chosen = plan(info, state.spec(), rules)
    try:
        searches().create(workspace.token(), chosen.base, run_state.data_choice(),
                          chosen.space, chosen.first, info.task, minutes)
    except StoreError as exc:
        state.add_note("error", md(str(exc)))
        return
    run_state.pool()
    driver().wake()


def stop(search_id: int) -> None:
    searches().request_stop(workspace.token(), search_id)
    driver().wake()


def use_best(search_id: int) -> None:
    """Make the best trial's network (as the search knows it now) the workspace's design:
    its layers, learning rate and batch size (what the search varied); the data choices
    stay."""
    try:
        record = searches().get(workspace.token(), search_id)
    except StoreError as exc:
        state.add_note("error", md(str(exc)))
        return
    best = run_state.get(record.best_run)
    if best is None:
        state.add_note("error", "The best trial's run is gone (deleted on the Runs page), so "
                                "its network cannot be used. Start another search.")
        return
    before = state.spec()
    first = bool(record.trials) and record.trials[0].run == record.best_run
    # The first trial is the design as the search began: its batch size was only the
    # nearest the space offers (on a small table a larger one is the same full batch).
    space = ({k: v for k, v in record.space.items() if k != "batch_size"} if first
             else record.space)
    design = adopt(before, best.spec, space)
    if first and design.to_dict() == before.to_dict():
        state.add_note("info", f"The design as the search began ({md(best.name)}) was the "
                               f"best of the trials (validation score "
                               f"{record.best_score:.4f}): the design stays as it is.")
        return
    state.set_spec(design)
    if design.layers != before.layers:
        state.mark_edited("layers")
    if design.compile.learning_rate != before.compile.learning_rate:
        state.mark_edited("compile.learning_rate")
    state.add_note("success", f"The design is now {md(best.name)}'s network: validation "
                              f"score {record.best_score:.4f}. Train it on the Train page, "
                              "then Evaluate it on the test rows.")
