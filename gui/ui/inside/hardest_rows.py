"""The hardest test rows: largest loss or lowest confidence; one click on a row's button
sends it to the what-if controls (the button of the row shown is lit)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gui.core.inspection import probe
from gui.core.inspection.numbers import number
from gui.ui.common import tables
from gui.ui.inside import what_if
from gui.ui.session import state

ORDERS = {"loss": "Largest loss", "confidence": "Lowest confidence"}
SHOWN = 10


def _on_pick(run_id: int, prepared, name: str) -> None:
    number = state.widget_value(name)
    if number is not None:
        what_if.send_test_row(run_id, prepared, number)


def show(run_id: int, table: pd.DataFrame, prepared) -> None:
    """The SHOWN hardest rows of a probe.test_rows table, a button per row to send it."""
    st.subheader("Hardest test rows")
    classifier = "confidence" in table.columns
    order = "loss"
    if classifier:
        order = st.radio("Order", list(ORDERS), format_func=ORDERS.get, horizontal=True,
                         key=what_if.key(run_id, "order"), label_visibility="collapsed")
    rows = probe.hardest(table, order, SHOWN)
    numbers = [int(n) for n in rows[probe.TEST_ROW]]
    name = what_if.key(run_id, f"send.{order}")
    row = what_if.kept(run_id)
    state.sync_widget(name, row["test_row"] if row["source"] == "test"
                      and row["test_row"] in numbers else None)
    st.pills("Send a row to the what-if controls", numbers, format_func=lambda n: f"row {n}",
             key=name, on_change=_on_pick, args=(run_id, prepared, name))
    formats = {}
    for col in rows.columns:
        if col.startswith("P(") or col in ("confidence", "loss"):
            formats[col] = "{:.3f}"
        elif not classifier and col in (probe.RESIDUAL, "squared error",
                                        *rows.columns[1:3]):  # true and predicted target
            formats[col] = number
    tables.table(rows, formats=formats, key=what_if.key(run_id, f"hardest.{order}"),
                 column_config={probe.TEST_ROW: st.column_config.NumberColumn(pinned=True)})
    what = ("the cross-entropy of the true class (−ln of its probability); confidence is "
            "the probability of the predicted class" if classifier else
            "the squared error, in the target's units squared")
    st.caption(f"Loss: {what}.")
