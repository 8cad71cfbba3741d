"""Projector mode: larger, high-contrast text, tick labels and chart cells for a classroom.

The toggle is kept with the workspace (Doc.projector), so every tab and page of a workspace
shows the same mode. Pages call `style(fig)` on every plotly figure they draw; layerlab.py calls
`apply()` once per page to switch the page's CSS.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from gui.ui.session import state, workspace

KEY = "projector.on"
# The mode's promise: no text on any page is smaller than this, in CSS pixels (at 100% zoom, a
# 1280x720 projector shows them 1:1). The page CSS, the charts' fonts and the model diagram are
# sized from it, and tests/e2e/test_projector_text_e2e.py checks every text node against it.
MIN_TEXT_PX = 18
TEXT = "#111418"   # near-black text on white: readable at the back of a room
FONT = MIN_TEXT_PX + 1  # plotly: legend, hover, axis titles (tick labels: MIN_TEXT_PX)
TITLE_FONT = MIN_TEXT_PX + 4
LINE_WIDTH = 4

# Public selectors only: Streamlit's data-testid attributes and st-key-<key> classes (and
# BaseWeb's data-baseweb for the parts of a select box). If Streamlit renames one, the e2e
# test of the promise above fails on the text it no longer reaches.
TOGGLE_CSS = """
.st-key-projector-toggle { position: fixed; top: 0.55rem; right: 3.6rem; z-index: 999991;
  width: auto !important; background: white; padding: 0.1rem 0.5rem; border-radius: 0.5rem; }
"""
_CSS = """
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li {
  font-size: 1.25rem; color: #111418; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * {
  font-size: MINpx !important; color: #212529 !important; opacity: 1 !important; }
button [data-testid="stMarkdownContainer"] p { font-size: MINpx !important;
  color: inherit !important; }
[data-testid="stWidgetLabel"] p { font-size: 1.2rem !important; color: #111418 !important;
  font-weight: 600; }
[data-testid="stMetricLabel"] p { font-size: 1.2rem !important; color: #111418 !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 2.6rem !important;
  font-weight: 700; color: #000 !important; }
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * { font-size: MINpx !important; }
[data-testid="stMain"] h1 { font-size: 2.4rem; color: #000; }
[data-testid="stMain"] h2, [data-testid="stMain"] h3 { color: #000; }
[data-testid="stCode"] code, [data-testid="stCode"] code * { font-size: MINpx !important; }
.ll-log { font-size: 1.2rem !important; }
[data-testid="stMarkdownContainer"] code { font-size: max(0.9em, MINpx) !important; }
[data-testid="stAlert"] p { font-size: 1.2rem; color: #000; }
[data-testid="stTable"] td, [data-testid="stTable"] th,
[data-testid="stTable"] td *, [data-testid="stTable"] th *,
.ll-table td, .ll-table th { font-size: 1.2rem; color: #000; }
[data-testid="stProgress"] p { font-size: 1.2rem; color: #000; }
[data-testid="stApp"] input, [data-testid="stApp"] textarea,
[data-baseweb="select"] div, [data-testid="stMultiSelectTagsContainer"] span,
[data-testid="stSelectboxVirtualDropdown"] *, [role="listbox"] li,
[data-testid="stSliderThumbValue"], [data-testid="stSliderTickBarMin"],
[data-testid="stSliderTickBarMax"], [data-testid="stFileUploaderDropzoneInstructions"] *,
[data-testid="stTooltipContent"] *, [data-testid="stTopNavLink"] p,
[data-testid="stTopNavLink"] span:not([data-testid="stIconMaterial"]),
[data-testid="stTab"] p { font-size: max(1em, MINpx) !important; }
[data-testid="stGraphVizChart"] svg text { font-size: MINpx !important; }
"""
PROJECTOR_CSS = _CSS.replace("MIN", str(MIN_TEXT_PX))


def on() -> bool:
    """Is projector mode on for this workspace?"""
    return bool(getattr(workspace.doc(), "projector", False))


def _font(size: int) -> dict:
    return dict(size=size, color=TEXT)


def style(fig: go.Figure) -> go.Figure:
    """`fig` with the mode's fonts and contrast: in projector mode a styled copy (the
    caller's figure, e.g. a memoised one, is left as it was); in normal mode `fig` itself."""
    if not on():
        return fig
    return projector_style(go.Figure(fig))


def projector_style(fig: go.Figure) -> go.Figure:
    """Large, dark fonts (title, axes, ticks, legend, hover), thicker lines, and large
    heat-map cell text, in place."""
    fig.update_layout(font=_font(FONT), title_font=_font(TITLE_FONT), legend_font=_font(FONT),
                      legend_title_font=_font(FONT), hoverlabel_font_size=FONT)
    fig.update_xaxes(title_font=_font(FONT), tickfont=_font(MIN_TEXT_PX), automargin=True)
    fig.update_yaxes(title_font=_font(FONT), tickfont=_font(MIN_TEXT_PX), automargin=True)
    for trace in fig.data:
        if (trace.type == "scatter" and trace.mode and "lines" in trace.mode
                and trace.meta != "fixed width"):  # e.g. the network's many weight lines
            width = trace.line.width or 2
            trace.line.width = max(width * 1.6, LINE_WIDTH if width >= 2 else 2.5)
        if trace.type == "scatter" and trace.mode and "text" in trace.mode:  # e.g. node labels
            trace.textfont.size = max(MIN_TEXT_PX, round((trace.textfont.size or 12) * 1.35))
        if trace.type == "heatmap" and trace.text is not None:
            cells = len(trace.x) if trace.x is not None else 3
            trace.textfont = dict(size=26 if cells <= 4 else 22 if cells <= 6 else MIN_TEXT_PX)
    legend = fig.layout.legend
    if legend.orientation == "h" and (legend.y is None or legend.y >= 1):  # above the plot
        fig.update_layout(legend_y=1.04, margin_t=max(fig.layout.margin.t or 0, 76))
    for annotation in fig.layout.annotations or ():
        annotation.font.size = max(FONT, annotation.font.size or 0)
    return fig


def _toggled() -> None:
    workspace.doc().projector = bool(state.widget_value(KEY))


def apply() -> None:
    """The mode's toggle (top right of every page, kept with the workspace) and the
    page-wide CSS of the mode (large, high-contrast text; nothing more in normal mode)."""
    state.sync_widget(KEY, on())
    with st.container(key="projector-toggle"):
        st.toggle("Projector mode", key=KEY, on_change=_toggled,
                  help="Larger, high-contrast text, tick labels and chart cells for a room: "
                       "kept with this workspace, on every page.")
    st.html(f"<style>{TOGGLE_CSS}{PROJECTOR_CSS if on() else ''}</style>")
