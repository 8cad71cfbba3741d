"""The run banner: while a run of the workspace trains, a line on every page with its
progress and a link to watch it (layerlab.py draws it above every page but Train); while
none trains, a watch for one started from elsewhere. Both are a small component
(assets/run_watch.js) that fetches the active-run feed (active_feed) instead of rerunning the
page, and asks the page to redraw once the feed names another run."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gui.ui.common import active_feed
from gui.ui.session import run_state, workspace

ASSETS = Path(__file__).resolve().parents[3] / "assets"
WATCH_S = 2  # how often a page without a run looks for one started elsewhere
BANNER_S = 1  # how often the banner's words follow the run


@st.cache_resource(show_spinner=False)
def _component():
    return st.components.v2.component(
        "layerlab_run_watch", js=(ASSETS / "run_watch.js").read_text(),
        css=".ll-banner { margin: 0; }", isolate_styles=False)


def run_banner(draw: bool = True) -> None:
    """While a run of the workspace trains, a line on every page with its progress (`draw`;
    Train shows the run itself). While none does, the page looks every WATCH_S seconds for
    one started elsewhere (a second tab, the CLI's `train --workspace`) and then runs again
    to show it."""
    glance = run_state.active_glance()
    if glance is None:
        if not workspace.read_only():  # a presenter tab follows on its own
            _watch(None, WATCH_S)
        return
    if not draw:
        return
    run_state.keep_alive()
    with st.container(border=True, key="run-banner"):
        left, right = st.columns([5, 1], vertical_alignment="center")
        with left:
            _watch(glance, BANNER_S)
        right.page_link("steps/train.py", label="Watch it", icon=":material/east:")


def _watch(glance, every_s: float) -> None:
    """The watch: redraws the page when the workspace's active run is no longer `glance`'s
    (None: no run); with a run, it writes the run's progress too (the banner's words)."""
    banner = glance is not None
    kind, value = workspace.access()
    url = f"{active_feed.PATH.lstrip('/')}?{kind}={value}"
    if not workspace.read_only():
        url += f"&{active_feed.ALIVE}=1"
    _component()(data={"url": url, "every_ms": int(every_s * 1000),
                       "drawn": glance.id if banner else None, "banner": banner,
                       "initial": active_feed.glance_json(glance)},
                 key=f"run_watch.{banner}", on_changed_change=_redraw)


def _redraw() -> None:
    """The workspace's active run changed (the watch saw it): the page redraws."""
