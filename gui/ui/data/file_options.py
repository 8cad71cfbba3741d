"""How the training file is read, on the Data page: its header row and its sheet.

The sentence says what was detected; "The first row is a header" overrides it and a sheet
select picks a workbook's sheet. Both write the spec (DataSpec.header, DataSpec.sheet), so
the preview, the target and feature controls, the training worker and the CLI read the file
the same way; a change starts the target and features afresh from the new columns.
"""

from __future__ import annotations

import streamlit as st

from gui.core.data.formats.loaded import DataError, LoadedTable
from gui.ui.session import data_source, state, workspace
from gui.ui.text import md


def _read_as(header: str, sheet: str) -> None:
    """Read the training file again with `header` and `sheet`; a file that cannot be read
    that way keeps the previous reading, with the reason."""
    doc = workspace.doc()
    data = doc.spec.data
    before = (data.header, data.sheet)
    try:
        data_source.use_dataset(doc.dataset, header=header, sheet=sheet)
    except DataError as exc:
        data.header, data.sheet = before
        state.add_note("error", f"{md(exc)} The file is read as before.")


def _on_header(key: str) -> None:
    _read_as("yes" if state.widget_value(key) else "no", state.spec().data.sheet)


def _on_sheet(key: str) -> None:
    _read_as("auto", state.widget_value(key))  # another sheet: detect its header afresh


def show(loaded: LoadedTable) -> None:
    """The sheet select (a workbook of several sheets), the header sentence and checkbox."""
    if loaded.kind == "parquet":
        return  # a Parquet file always names its columns
    if loaded.kind == "xlsx" and len(loaded.sheets) > 1:
        state.sync_widget("data.sheet", loaded.sheet)
        st.selectbox("Sheet", loaded.sheets, key="data.sheet", on_change=_on_sheet,
                     args=("data.sheet",), format_func=str,
                     help="The workbook's sheet that holds the table.")
    state.sync_widget("data.header", loaded.header)
    st.checkbox("The first row is a header", key="data.header", on_change=_on_header,
                args=("data.header",),
                help="Checked: the first row names the columns. Unchecked: it is the first "
                     "row of data, and the columns are named column_1, column_2, …")
    st.caption(md(loaded.header_note))
