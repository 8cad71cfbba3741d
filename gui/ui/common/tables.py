"""Tables projector mode can enlarge: st.dataframe normally, st.table in projector mode;
and plain HTML tables (`html_table`) where a page must stay light.

st.dataframe draws its cells on a canvas (glide-data-grid) whose font comes from the app's
theme, one setting for every session, so no page CSS reaches it. In projector mode a table
is drawn with st.table instead: HTML, so the mode's CSS enlarges it like any text. Its cells
render Markdown, so every cell, header and index label goes in as escaped text (text.md),
formatted the way the canvas table would show it.

`html_table` draws a small table as an HTML <table> in a scrolled box, with no grid at all:
st.dataframe's canvas grid costs a browser ~1.7 MB of JavaScript and ~0.3 s of a core the
first time a page shows one. The Data page's preview, the first thing a visitor sees, uses
it (the canvas grid comes with the later pages' tables). Its cells are the canvas table's
text (`cell`), HTML-escaped; projector mode's CSS enlarges it like any text.

`formats` follows pandas' Styler.format: one format for every cell, or one per column, each a
format string ("{:.3f}") or a function of the value. Normal mode gives a format string to the
grid's NumberColumn and a function to a Styler; a column with its own column_config entry (a
progress bar) formats itself there.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from gui.core.inspection.numbers import number
from gui.ui.common import projector
from gui.ui.text import md

Format = str | Callable[[Any], str]
NA = "–"
NUM = ' class="ll-num"'  # html_table: a number column's cells and header, right-aligned


def _format_of(formats: Format | Mapping | None, column) -> Format | None:
    if formats is None or isinstance(formats, str) or callable(formats):
        return formats
    return formats.get(column)


def cell(value, fmt: Format | None = None, na: str = NA) -> str:
    """One value as the table shows it: `fmt` when given, else integers with thousands
    separators and other numbers rounded as everywhere else (numbers.number)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return na
    if isinstance(fmt, str):
        return fmt.format(value)
    if fmt is not None:
        return str(fmt(value))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Integral):
        return f"{int(value):,}"
    if isinstance(value, Real):
        return number(float(value))
    return str(value)


def as_written(frame: pd.DataFrame) -> dict:
    """Formats that show a file's whole-number columns as the file writes them, without
    thousands separators (a year 2007, not "2,007"; an id 1001), for a preview of its rows."""
    def plain(value) -> str:
        return str(int(value))

    def whole(column: pd.Series) -> bool:
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            return False
        values = column.dropna().to_numpy(dtype=float)
        return bool(np.isfinite(values).all() and (values == np.round(values)).all())

    return {name: plain for name in frame.columns if whole(frame[name])}


def _label(value) -> str | tuple:
    return tuple(md(v) for v in value) if isinstance(value, tuple) else md(value)


def as_text(frame: pd.DataFrame, formats: Format | Mapping | None = None,
            na: str = NA) -> pd.DataFrame:
    """`frame` as escaped Markdown text, cell by cell, for st.table."""
    columns = {i: [md(cell(v, _format_of(formats, name), na)) for v in frame.iloc[:, i]]
               for i, name in enumerate(frame.columns)}
    out = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    out.columns = (pd.MultiIndex.from_tuples([_label(c) for c in frame.columns])
                   if isinstance(frame.columns, pd.MultiIndex)
                   else [_label(c) for c in frame.columns])
    if not isinstance(frame.index, pd.RangeIndex):
        out.index = [_label(i) for i in frame.index]
    return out


def table(data, *, where=None, formats: Format | Mapping | None = None, na: str = NA,
          hide_index: bool | None = True, height: int | str = "auto", alt: str | None = None,
          **dataframe_args):
    """`data` (a DataFrame, or what pd.DataFrame takes) as st.dataframe, or in projector mode
    as an st.table of escaped text; `where` is the container (st by default).

    `dataframe_args` (key, column_config, on_select, ...) are st.dataframe's and normal mode's
    only. Returns what st.dataframe returns, or None in projector mode.
    """
    where = st if where is None else where
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    if projector.on():
        where.table(as_text(frame, formats, na), hide_index=hide_index, alt=alt,
                    height="content" if height == "auto" else height)
        return None
    config = dict(dataframe_args.pop("column_config", None) or {})
    styled = _number_columns(frame, formats, config)
    shown = frame.style.format(styled, na_rep=na) if styled else frame
    return where.dataframe(shown, hide_index=hide_index, height=height, width="stretch",
                           column_config=config or None, **({"alt": alt} if alt else {}),
                           **dataframe_args)


_SIMPLE = re.compile(r"^\{:([^{}]*[dfge%])\}$")  # "{:.3f}": printf's "%.3f"


def _number_columns(frame: pd.DataFrame, formats, config: dict):
    """Normal mode: each column's format string becomes a NumberColumn in `config` (the
    grid formats it, at any row count); what is left (functions, a MultiIndex) the Styler
    formats. A column with its own `config` entry (a progress bar) formats itself."""
    if formats is None or isinstance(frame.columns, pd.MultiIndex):
        return formats
    per_column = ({c: formats for c in frame.columns} if isinstance(formats, str)
                  or callable(formats) else dict(formats))
    left = {}
    for column, fmt in per_column.items():
        if column in config:
            continue
        simple = _SIMPLE.match(fmt) if isinstance(fmt, str) else None
        if simple:
            config[column] = st.column_config.NumberColumn(format="%" + simple.group(1))
        else:
            left[column] = fmt
    return left


def html_table(frame: pd.DataFrame, *, where=None, label: str, hide_index: bool = True,
               height: int = 320, formats: Format | Mapping | None = None,
               na: str = NA) -> None:
    """`frame` as a plain HTML table in a box at most `height` px tall, scrolled inside
    (by keyboard too: the box is a named, focusable region); its header row stays in view.
    `label` names the region for screen readers. Numbers are right-aligned."""
    where = st if where is None else where
    numeric = [pd.api.types.is_numeric_dtype(frame.dtypes.iloc[i])
               and not pd.api.types.is_bool_dtype(frame.dtypes.iloc[i])
               for i in range(frame.shape[1])]

    def td(value, column: int, name) -> str:
        text = html.escape(cell(value, _format_of(formats, name), na))
        return f"<td{NUM}>{text}</td>" if numeric[column] else f"<td>{text}</td>"

    # Column by column, as as_text does: a row of ints and floats would turn ints to floats
    cells = [[td(v, i, name) for v in frame.iloc[:, i]] for i, name in enumerate(frame.columns)]

    head = "".join(f'<th scope="col"{NUM if numeric[i] else ""}>{html.escape(str(c))}</th>'
                   for i, c in enumerate(frame.columns))
    if not hide_index:
        head = f'<th scope="col">{html.escape(str(frame.index.name or ""))}</th>' + head
    rows = []
    for position in range(len(frame)):
        row = "".join(column[position] for column in cells)
        if not hide_index:
            row = f'<th scope="row">{html.escape(str(frame.index[position]))}</th>' + row
        rows.append(f"<tr>{row}</tr>")
    where.html(f'<div class="ll-table" role="region" tabindex="0" '
               f'aria-label="{html.escape(label, quote=True)}" style="max-height:{height}px">'
               f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
               "</table></div>")
