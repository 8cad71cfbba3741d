"""A presenter tab (a `?p=` link): the workspace shown read-only on a second screen.

The tab's store and runs refuse every write (workspace.ReadOnly) and its document is never
saved (workspace.sync); here the page says so, takes away what would change the work
(buttons, uploaders: absent; inputs: not clickable) and follows the workspace: when its
document changes elsewhere, the page is drawn again within a few seconds.
"""

from __future__ import annotations

import streamlit as st

from gui.ui.session import workspace

FOLLOW_EVERY_S = 3

# Public selectors only: Streamlit's data-testid attributes and st-key-<key> classes. The
# projector-mode toggle stays: a second screen chooses its own text size.
READ_ONLY_CSS = """
[data-testid="stMain"] [data-testid="stButton"],
[data-testid="stMain"] [data-testid="stPopover"],
[data-testid="stMain"] [data-testid="stFileUploader"],
[data-testid="stMain"] [data-testid="stFormSubmitButton"] { display: none !important; }
[data-testid="stMain"] :is(input, textarea, [data-baseweb="select"], [role="slider"],
  [role="radiogroup"], [data-baseweb="checkbox"], [data-testid="stDataFrame"] canvas):not(
  .st-key-projector-toggle *) { pointer-events: none !important; }
[data-testid="stMain"] :is([data-testid="stNumberInput"], [data-testid="stSelectbox"],
  [data-testid="stMultiSelect"], [data-testid="stRadio"], [data-testid="stSlider"],
  [data-testid="stTextInput"], [data-testid="stCheckbox"]) { opacity: 0.75; }
"""


def apply() -> None:
    """In a presenter tab: the notice, the CSS that takes the controls away, and the follow."""
    if not workspace.read_only():
        return
    st.info("**Presenter view** — this link shows the workspace as it is now, and follows "
            "it; it cannot change anything.", icon=":material/co_present:")
    st.html(f"<style>{READ_ONLY_CSS}</style>")
    _follow()


@st.fragment(run_every=FOLLOW_EVERY_S)
def _follow() -> None:
    """Draw the page again when the workspace's document changed (one version read), or
    when the link was withdrawn (Start over: the page then says the workspace is gone)."""
    if workspace.changed_elsewhere() or workspace.link_withdrawn():
        st.rerun()
