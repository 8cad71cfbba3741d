"""Column roles on the data page: numbers that are categories, and the columns LayerLab leaves
out by default, each with the reason and a button to put it back.

Both write the workspace spec (`DataSpec.categorical`, `DataSpec.features`) in their callbacks
and are drawn from it, so they always show what is used. The rules are
`gui.core.data.columns.left_out`'s; nothing here decides which column is left out.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gui.core.data import columns
from gui.core.data.preprocess import is_numeric
from gui.core.spec.vocabulary import MAX_CATEGORIES
from gui.ui.common.controls import bound
from gui.ui.session import state
from gui.ui.text import code, md

CATEGORICAL_KEY = "data.categorical"


def show(frame: pd.DataFrame) -> None:
    """The roles section, under the feature choice."""
    data = state.spec().data
    _choose_categories(frame, data)
    reasons = state.memo("left_out", (id(frame), data.target, tuple(data.categorical)),
                         lambda: columns.left_out(frame, data.target, data.categorical))
    if reasons:
        _show_left_out(frame, reasons, data.features)


def _choose_categories(frame: pd.DataFrame, data) -> None:
    numbers = [c for c in data.features if is_numeric(frame[c])]
    if not numbers:
        return
    shown = [c for c in data.categorical if c in numbers]
    st.multiselect(
        "Numbers that are categories", numbers,
        help="Codes such as 1/2/3 for a kind, or zip codes: their size means nothing, so each "
             f"value becomes its own 0/1 input (one-hot, the {MAX_CATEGORIES} most frequent), "
             "like a text column. The Predict form then offers the codes seen in training.",
        **bound(CATEGORICAL_KEY, ("data", "categorical"), shown,
                convert=lambda chosen: _merge(chosen, numbers)))


def _merge(chosen: list, shown: list) -> list:
    """The new choice among the shown columns; roles of columns not shown are kept."""
    return list(chosen) + [c for c in state.spec().data.categorical if c not in shown]


def _show_left_out(frame: pd.DataFrame, reasons: dict[str, str], features: list) -> None:
    st.markdown("**Left out by default**")
    for col, reason in reasons.items():
        used = col in features
        text, button = st.columns([5, 2], vertical_alignment="center")
        state_note = " — *in use*" if used else ""
        text.caption(f"{code(col)}: {md(reason)}{state_note}")
        index = frame.columns.get_loc(col)
        if used:
            button.button("Leave out", key=f"data.leave_out.{index}", on_click=_set_use,
                          args=(frame, col, False), width="stretch")
        else:
            button.button("Use it", key=f"data.use_column.{index}", on_click=_set_use,
                          args=(frame, col, True), width="stretch", type="primary")


def _set_use(frame: pd.DataFrame, col: str, use: bool) -> None:
    data = state.spec().data
    if use and col not in data.features:
        data.features = [c for c in frame.columns if c in data.features or c == col]
    elif not use:
        data.features = [c for c in data.features if c != col]
