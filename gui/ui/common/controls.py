"""Plumbing shared by the pages' editors (Data, Model, Train, Inside): a widget bound to a
spec value, problems under a control, option labels.

Every bound widget shows a value of `state.spec()` and writes it back in its `on_change`
callback; nothing else holds the truth. Before a widget is drawn its key is set from the spec
(`state.sync_widget`), so a value changed elsewhere (a "fix" button, a loaded spec, a layer
moved up) shows at once and no stale widget state survives. Problems from validation
(gui.core.model.validation.validate) are drawn right under the control they are about
(`show_problems`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from gui.core.spec.problems import Problem
from gui.core.spec.validate import problems_at
from gui.ui.session import state


def show_problems(problems: list[Problem], where: str, exact: bool = False) -> None:
    """Draw the problems about `where` (and, unless `exact`, everything inside it)."""
    found = ([p for p in problems if p.where == where] if exact
             else problems_at(problems, where))
    for problem in found:
        st.error(problem.message, icon=":material/error:")


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def labelled(options: dict[str, str]) -> Callable[[str], str]:
    """format_func showing "name — one-line help"; unknown names are flagged."""
    return lambda name: (f"{name} — {_short(options[name])}" if name in options
                         else f"{name} (unknown)")


def choices(options, current) -> list:
    """The options, plus the current value when it is not one (so the error can show it)."""
    options = list(options)
    return options if current in options else options + [current]


def number(value: Any, default: float) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok and value == value and abs(value) != float("inf") else default


def set_path(target: Any, path: tuple, value: Any) -> None:
    for step in path[:-1]:
        target = target[step] if isinstance(target, dict) else getattr(target, step)
    if isinstance(target, dict):
        target[path[-1]] = value
    else:
        setattr(target, path[-1], value)


def bound(key: str, path: tuple, value: Any, convert: Callable | None = None,
          then: Callable | None = None) -> dict:
    """Keyword arguments for a widget that shows `value` (the spec at `path`) and writes a
    change back to the spec: `st.number_input("epochs", **bound(...))`.

    The widget is set from the spec before it is drawn, so it never shows a stale value;
    `convert` turns the widget's value into the spec's, `then` runs after the write.
    """
    state.sync_widget(key, value)
    return {"key": key, "on_change": _write, "args": (key, path, convert, then)}


def _write(key: str, path: tuple, convert, then) -> None:
    value = state.widget_value(key)
    set_path(state.spec(), path, convert(value) if convert else value)
    if then is not None:
        then()


def snapshots_switch(key: str, disabled: bool = False) -> None:
    """fit.snapshots, with one name and one help on every page that offers it (Train's
    settings, Inside); it takes effect from the next training."""
    st.checkbox("record the weights after every epoch", disabled=disabled,
                help="Keeps a copy of the network's weights after every epoch, so the Inside "
                     "page can replay training epoch by epoch and show it live. Off: training "
                     "skips the copies (e.g. for timing it), and Inside shows only the "
                     "trained network.",
                **bound(key, ("fit", "snapshots"),
                        bool(getattr(state.spec().fit, "snapshots", True))))


def heading_with_help(container, heading: str, about: str, text: str, key: str) -> None:
    """A bold heading and a "?" that opens `text`; the "?" is a button named `about` (e.g.
    "About layer 1, Dense") for screen readers, where Streamlit's own help icon on a
    heading is only "Help". style.css hides the name from sight (an icon-buttons box)."""
    with container.container(horizontal=True, vertical_alignment="center", gap="small",
                             key=f"icon-buttons-about-{key}"):
        st.markdown(heading, width="content")
        with st.popover(about, icon=":material/help:", type="tertiary"):
            st.markdown(text)
