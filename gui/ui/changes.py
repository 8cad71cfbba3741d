"""Says when what is on screen is not what the model was trained with, and shows an active
run on every page."""

from __future__ import annotations

import time

import streamlit as st

from gui.core.spec_diff import differences, stack
from gui.ui import state

SHOWN = 8


def trained_job():
    """The session's latest run that has a model, or None."""
    job = state.job()
    return job if job is not None and getattr(job, "model", None) is not None else None


def changed_since_training() -> None:
    """A note listing the settings changed since the current model was trained."""
    job = trained_job()
    if job is None or job.active:
        return
    found = differences(job.spec, state.spec())
    if not found:
        return
    lines = "\n".join(f"- `{d.path}`: {d.change}" for d in found[:SHOWN])
    more = f"\n- … and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    st.info(f"**Changed since the last training** — the trained model (on Evaluate and "
            f"Predict) still uses the old settings; train again to use these:\n{lines}{more}",
            icon=":material/difference:")


def run_label(job) -> str:
    """Which run a page shows: when it started, on what data, which network, how long."""
    when = time.strftime("%H:%M:%S", time.localtime(job.created))
    epochs = max((len(v) for v in job.history_snapshot().values()), default=0)
    return (f"the run started at {when} on {job.spec.data.source or 'the data'}: "
            f"{stack(job.spec)}, {epochs} epoch{'s' if epochs != 1 else ''}")


def shown_run(job) -> None:
    """Name the run a page shows, and say when the settings have changed since."""
    found = differences(job.spec, state.spec())
    text = f":material/history: Showing {run_label(job)}."
    if found:
        names = ", ".join(f"`{d.path}`" for d in found[:4]) + (" …" if len(found) > 4 else "")
        text += (f" The settings have changed since ({names}): train again to see the "
                 "current design here.")
    st.caption(text)


def run_banner() -> None:
    """While a run trains, a line on every page with its progress and a link to it."""
    job = state.job()
    if job is None or not job.active:
        return
    st.fragment(run_every=1)(_banner)()


def _banner() -> None:
    job = state.job()
    if job is None or not job.active:
        st.rerun()  # finished: the pages redraw once without the banner
    p = job.progress()
    with st.container(border=True, key="run-banner"):
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.markdown(f":material/model_training: **Training** · epoch {max(p.epoch, 1)}/"
                      f"{p.epochs} · {job.elapsed:.0f} s")
        right.page_link("steps/train.py", label="Watch it", icon=":material/east:")
