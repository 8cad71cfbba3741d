"""Says when what is on screen is not what the model was trained with, and which run it is."""

from __future__ import annotations

import time

import streamlit as st

from gui.core.spec.diff import differences, stack
from gui.ui.session import run_state, state
from gui.ui.text import md

SHOWN = 8


def changed_since_training() -> None:
    """A note listing the settings changed since the shown run's model was trained."""
    record = run_state.shown()
    if record is None or record.active or not record.has_model:
        return
    found = differences(record.spec, state.spec())
    if record.start_epoch:  # a continued run counts its parent's epochs in its own
        found = [d for d in found if d.path != "fit.epochs"]
    if not found:
        return
    lines = "\n".join(f"- `{d.path}`: {md(d.change)}" for d in found[:SHOWN])
    more = f"\n- … and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    st.info(f"**Changed since {md(record.name)} was trained** — its model (on Evaluate and "
            f"Predict) still uses the old settings; train again to use these:\n{lines}{more}",
            icon=":material/difference:")


def run_label(record, live: bool = False) -> str:
    """Which run a page shows: when it started, on what data, which network, how long
    (`live`: a label drawn once while the run trains says the epochs planned)."""
    when = time.strftime("%H:%M:%S", time.localtime(record.created))
    epochs = record.spec.fit.epochs if live else record.epochs_done
    return (f"started at {when} on {record.spec.data.source or 'the data'}: "
            f"{stack(record.spec)}, {'training for ' if live else ''}"
            f"{epochs} epoch{'s' if epochs != 1 else ''}")


def shown_run(record) -> None:
    """Name the run a page shows, and say when the settings have changed since."""
    found = differences(record.spec, state.spec())
    text = f":material/history: Showing {md(record.name)}, {md(run_label(record))}."
    if found:
        names = ", ".join(f"`{d.path}`" for d in found[:4]) + (" …" if len(found) > 4 else "")
        text += (f" The settings have changed since ({names}): train again to see the "
                 "current design here.")
    st.caption(text)
    st.page_link("steps/runs.py", label="Choose another run", icon=":material/list:")
