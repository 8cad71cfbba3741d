"""The run banner: while a run of the workspace trains, a line on every page with its
progress and a link to watch it (layerlab.py draws it above every page but Train); while
none trains, a watch for one started from elsewhere."""

from __future__ import annotations

import streamlit as st

from gui.core.spec.vocabulary import QUEUED
from gui.ui.session import run_state, workspace
from gui.ui.text import md

WATCH_S = 2  # how often a page without a run looks for one started elsewhere


def run_banner(draw: bool = True, watch: bool = False) -> None:
    """While a run of the workspace trains, a line on every page with its progress (`draw`;
    Train shows the run itself). While none does, a page where runs are watched (`watch`:
    Train, Runs) looks every WATCH_S seconds for one started elsewhere (a second tab, the
    CLI's `train --workspace`) and then runs again to show it: one short query, nothing
    drawn. Other pages show it on their next run (a first page is not kept busy)."""
    if run_state.active_glance() is None:
        if watch and not workspace.read_only():  # a presenter tab follows on its own
            st.fragment(run_every=WATCH_S)(_watch)()
        return
    if draw:
        st.fragment(run_every=1)(_banner)()


def _watch() -> None:
    if run_state.active_glance() is not None:
        st.rerun()


def _banner() -> None:
    record = run_state.active_glance()  # one short row: no history read
    if record is None:
        st.rerun()  # finished: the pages redraw once without the banner
    run_state.keep_alive()
    p = record.progress
    with st.container(border=True, key="run-banner"):
        left, right = st.columns([5, 1], vertical_alignment="center")
        if record.status == QUEUED:
            left.markdown(f":material/hourglass_top: **{md(record.name)}** is waiting for a "
                          "free training process")
        else:
            left.markdown(f":material/model_training: **Training {md(record.name)}** · "
                          f"{p.text(record.elapsed)}")
        right.page_link("steps/train.py", label="Watch it", icon=":material/east:")
