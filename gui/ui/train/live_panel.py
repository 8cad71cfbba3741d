"""The Train page's live panel: while a run trains, its status, tiles, curves and log are
drawn by a small component (assets/live_panel.js, Streamlit's components v2) that reads the
live feed (live_feed, through live_route) twice a second. Nothing reruns in Streamlit while
the run trains: a rerun costs the watching browser tens of ms of script and the re-plotting
of its charts, which six tabs on a 2-core server took from the training. The panel asks the
page to redraw once when the run's state differs from what the page drew with (it ended).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gui.ui.common import projector
from gui.ui.figures import charts
from gui.ui.session import run_state, workspace
from gui.ui.train import live_feed, live_route

ASSETS = Path(__file__).resolve().parents[3] / "assets"
EVERY_MS = 500  # the status and the tiles: as often as the fragments it replaced polled them
QUEUED_EVERY_MS = 2000  # a run waiting in the queue: its place in it, this often
CHARTS_EVERY_MS = 1500  # the charts (what costs the browser most): at most this often


@st.cache_resource(show_spinner=False)
def _component():
    return st.components.v2.component(
        "layerlab_live_panel", js=(ASSETS / "live_panel.js").read_text(),
        css=(ASSETS / "live_panel.css").read_text(), isolate_styles=False)


def live_panel(record, drawn: tuple, context: live_feed.Context, previous: dict | None,
               log_y: bool) -> None:
    """Mount the panel for `record` (a run that trains or waits in the queue), drawn as
    `drawn` (live.polled)."""
    token = workspace.token()
    live_feed.register(token, record.id, context)
    initial = live_feed.snapshot(run_state.shared_runs(), token, record.id,
                                 pool=run_state.pool())
    if initial is None:
        return
    bases = {n.removeprefix("val_") for n in (previous or {})} | {"loss"}
    data = {
        "url": "{}?{}={}".format(live_route.url(record.id), *workspace.access()),
        "every_ms": EVERY_MS,
        "queued_every_ms": QUEUED_EVERY_MS,
        "charts_every_ms": CHARTS_EVERY_MS,
        "state": list(drawn),
        "initial": initial,
        "planned": record.spec.fit.epochs,
        "titles": {b: charts.quantity_label(b) for b in bases},  # and the feed's own
        "validation_label": "test" if record.spec.fit.validation == "test" else "validation",
        "compared": previous,
        "compared_name": context.compared_name,
        "log_y": log_y,
        "projector": projector.on(),
    }
    _component()(data=data, key=f"train.live.{record.id}", on_changed_change=_redraw)


def curves(history: dict, previous: dict | None, compared_name: str, planned: int,
           validation_label: str, log_y: bool, alts: dict[str, str], key: str) -> None:
    """A run's curves drawn once by the same component, with no feed (a run that has ended,
    or whose model is being saved): the charts the panel drew while it trained, now with
    every epoch and `alts`, each chart in words. No Plotly on the Train page: its first
    chart costs a browser 1.5 s of a core (six tabs on a 2-core server, 9 s)."""
    bases = {n.removeprefix("val_") for n in (*history, *(previous or {}))}
    data = {
        "url": None,
        "history": live_feed.finite_history(history),
        "planned": planned,
        "titles": {b: charts.quantity_label(b) for b in bases},
        "validation_label": validation_label,
        "compared": live_feed.finite_history(previous) if previous else None,
        "compared_name": compared_name,
        "log_y": log_y,
        "alts": alts,
        "empty": ("The first epoch's values appear here when it ends." if planned
                  else "No epoch ended, so there are no curves."),
        "projector": projector.on(),
    }
    _component()(data=data, key=key)


def _redraw() -> None:
    """The run's state moved on (the panel saw it): the page redraws, as a click would."""
