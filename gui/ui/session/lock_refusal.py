"""A change a lesson's lock refused (reached anyway, by the keyboard): the page is drawn again
at the teacher's value, and the lesson banner (lessons/student.py) says which control it was,
named as the Share page names it."""

from __future__ import annotations

import time

import streamlit as st

from gui.core.spec.lesson_rules import control_of

LOCKED_NOTE = "ll_locked_refused"  # the settings a lesson's lock refused, for the banner
_LOCKED_LAST = "ll_locked_last"


def redraw_without(paths: list[tuple]) -> None:
    """Run the page again, back at the lesson's locked settings, saying so (not again for
    the same settings within a few seconds: never a loop)."""
    settings = sorted({_setting(path) for path in paths})
    last = st.session_state.get(_LOCKED_LAST)
    st.session_state[_LOCKED_LAST] = (settings, time.monotonic())
    if last is not None and last[0] == settings and time.monotonic() - last[1] < 5.0:
        return
    st.session_state[LOCKED_NOTE] = settings
    st.rerun()


def _setting(path: tuple) -> str:
    """A document path as the lesson's Share page names the control that locks it
    ("Layers", "learning_rate"), else as a dotted path."""
    control = control_of(path)
    return control.label if control else ".".join(str(p) for p in path[1:] or path)
