"""Projector mode: larger, high-contrast text, tick labels and chart cells for a classroom.

The toggle is kept with the workspace (Doc.projector), so every tab and page of a workspace
shows the same mode. Pages call `style(fig)` on every plotly figure they draw; app.py calls
`apply()` once per page to switch the page's CSS.

(Contract stub: the projector-mode work fills in the styling; the signatures stay.)
"""

from __future__ import annotations

from gui.ui import workspace


def on() -> bool:
    """Is projector mode on for this workspace?"""
    return bool(getattr(workspace.doc(), "projector", False))


def style(fig):
    """`fig` with the mode's fonts and contrast (returned for chaining)."""
    return fig


def apply() -> None:
    """The page-wide CSS of the mode (nothing in normal mode)."""
