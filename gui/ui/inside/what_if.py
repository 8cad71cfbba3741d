"""The what-if controls and the live prediction for one row.

The row shown is kept per run in the session (`kept(run_id)`: a test row's number, or the
user's own values) and every widget is set from it before it is drawn, so a row sent from the
hardest-rows table, a reload of the page or a switch to another run shows the right values.
Each widget writes its change back in its callback; the prediction is redrawn on that rerun,
with no button.
"""

from __future__ import annotations

import html

import streamlit as st

from gui.core.inspection import probe
from gui.core.inspection.numbers import number
from gui.ui.common import projector, slider_drag
from gui.ui.session import state
from gui.ui.text import md

SOURCES = {"test": "A test row", "own": "Set my own values"}
SCROLL_AFTER = 6   # more controls than this scroll in a box of CONTROLS_HEIGHT pixels
CONTROLS_HEIGHT = 300


def key(run_id: int, name: str) -> str:
    return f"probe.{run_id}.{name}"


def kept(run_id: int) -> dict:
    """The row of run `run_id` as the session keeps it (made on first use by `start`)."""
    return state.probe_rows().get(run_id)


def start(run_id: int, prepared) -> dict:
    """The kept row of a run, test row 1 the first time."""
    slot = state.probe_rows()
    if run_id not in slot:
        slot[run_id] = {"source": "test", "test_row": 1,
                        "values": probe.test_row_values(prepared, 1)}
    return slot[run_id]


def send_test_row(run_id: int, prepared, number: int) -> None:
    """Show test row `number` in the controls (a callback: the widgets follow on the rerun)."""
    row = start(run_id, prepared)
    row.update(source="test", test_row=int(number),
               values=probe.test_row_values(prepared, int(number)))
    row.pop("dragged", None)


# ---- callbacks -----------------------------------------------------------------------------

def _on_source(run_id: int, prepared) -> None:
    row = kept(run_id)
    row["source"] = state.widget_value(key(run_id, "source"))
    if row["source"] == "test":
        send_test_row(run_id, prepared, row["test_row"])


def _on_test_row(run_id: int, prepared) -> None:
    send_test_row(run_id, prepared, state.widget_value(key(run_id, "test_row")))


def _on_control(run_id: int, index: int, column: str) -> None:
    row = kept(run_id)
    row["values"][column] = state.widget_value(key(run_id, f"f{index}"))
    row["source"] = "own"  # no longer the test row as read
    row.pop("dragged", None)  # the slider has sent its own value: it shows the row's again


def _on_drag(run_id: int, items: list[probe.Control], index: int, value: float) -> None:
    """A slider's value while the mouse still drags it (slider_drag): the row follows."""
    if index >= len(items) or items[index].kind == "choice":
        return
    row = kept(run_id)
    row["values"][items[index].column] = _value(items[index], value)
    row["source"] = "own"
    row["dragged"] = items[index].column  # its slider is not set from the row until let go


# ---- drawing -------------------------------------------------------------------------------

def _value(control: probe.Control, value):
    if control.kind == "choice":
        return str(value)
    value = min(max(float(value), control.low), control.high)
    return int(round(value)) if control.integer else value


def row_choice(run_id: int, prepared) -> None:
    """A test row (by number) or the user's own values."""
    row = kept(run_id)
    count = len(prepared.raw_test)
    state.sync_widget(key(run_id, "source"), row["source"])
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    left.radio("Row", list(SOURCES), format_func=SOURCES.get, horizontal=True,
               key=key(run_id, "source"), on_change=_on_source, args=(run_id, prepared),
               help="Moving a control below makes the row your own; choose a test row again "
                    "to go back to it.")
    if row["source"] == "test":
        state.sync_widget(key(run_id, "test_row"), row["test_row"])
        right.number_input(f"Test row (1 to {count})", min_value=1, max_value=count, step=1,
                           key=key(run_id, "test_row"), on_change=_on_test_row,
                           args=(run_id, prepared))
    else:
        right.caption(f"Started from test row {row['test_row']}; move the controls to change "
                      "it.")


def row_values(run_id: int, items: list[probe.Control]) -> dict:
    """{column: value} of the kept row, as `controls` shows it (in each control's range)."""
    row = kept(run_id)
    return {c.column: _value(c, row["values"].get(c.column, c.default)) for c in items}


def controls(run_id: int, items: list[probe.Control]) -> dict:
    """A slider per numeric feature, a select per text feature; returns {column: value}."""
    values = row_values(run_id, items)
    dragged = kept(run_id).get("dragged")  # under the mouse: the slider shows its own value
    if len(items) > SCROLL_AFTER:  # the prediction beside them stays in view
        st.caption(f"{len(items)} features: scroll inside the box for all of them.")
        box = st.container(height=CONTROLS_HEIGHT, border=False, key=key(run_id, "controls"))
    else:
        box = st.container()
    columns = box.columns(2)  # beside the network: two to a row
    for i, control in enumerate(items):
        name = key(run_id, f"f{i}")
        fresh = state.widget_value(name) != values[control.column] and (
            control.column != dragged)
        if fresh:  # set only when it differs: an unchanged slider is given its value directly
            state.sync_widget(name, values[control.column])  # (no scan of the session state)
        where = columns[i % len(columns)]
        callback = {"on_change": _on_control, "args": (run_id, i, control.column)}
        if control.kind == "choice":
            where.selectbox(md(control.column), control.options, key=name, **callback)
            continue
        shown = "%d" if control.integer else f"%.{control.decimals}f"
        low, high = (int(control.low), int(control.high)) if control.integer else (
            control.low, control.high)
        step = 1 if control.integer else control.step
        where.slider(md(control.column), min_value=low, max_value=high, step=step,
                     value=None if fresh else state.widget_value(name, values[control.column]),
                     format=shown, key=name,
                     **callback,
                     help=f"Training rows: {control.train_low:g} to {control.train_high:g}.")
    with box:  # the sliders report while dragged (the prediction follows), not only on release
        slider_drag.watch(key(run_id, "drag"), key(run_id, "f"),
                          lambda index, value: _on_drag(run_id, items, index, value))
    return values


BAR_PREDICTED, BAR_OTHER = "#212529", "#ced4da"  # near-black against light grey: "predicted"
                                                  # in no colour that means something else


def probability_html(probabilities: dict, predicted, large: bool = False) -> str:
    """Class probabilities as an HTML table of horizontal bars, the predicted class's bar
    darker: plain HTML, so a what-if change redraws it at once (a plotly chart is remounted
    and drawn anew on every change) and a screen reader reads each class with its
    percentage. `large`: projector mode's text size. Each row carries its class and
    probability in data-class and data-p."""
    font = projector.MIN_TEXT_PX + 2 if large else 14
    rows = []
    for name, p in probabilities.items():
        p = float(p)
        strong = str(name) == str(predicted)
        colour = BAR_PREDICTED if strong else BAR_OTHER
        label = html.escape(str(name))
        rows.append(
            f'<tr data-class="{html.escape(str(name), quote=True)}" data-p="{p!r}">'
            f'<th scope="row" style="text-align:right;padding:3px 10px 3px 0;'
            f'font-weight:{700 if strong else 400};white-space:nowrap">{label}</th>'
            f'<td style="width:100%;padding:3px 0"><div aria-hidden="true" style="height:'
            f'{font + 8}px;width:{100 * min(max(p, 0.0), 1.0):.2f}%;min-width:1px;'
            f'background:{colour};border-radius:2px"></div></td>'
            f'<td style="text-align:right;padding:3px 0 3px 10px;white-space:nowrap;'
            f'font-variant-numeric:tabular-nums">{p:.1%}</td></tr>')
    return (f'<table class="probe-probabilities" style="width:100%;border-collapse:collapse;'
            f'border:none;font-size:{font}px;color:{projector.TEXT}">'
            f'<caption style="caption-side:bottom;text-align:left;font-size:{font - 1}px;'
            f'color:#495057;padding-top:2px">probability of each class</caption>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def prediction(run_id: int, result: probe.RowResult, prepared, truth) -> None:
    """The model's answer for the row: the class and its probabilities, or the value."""
    target = prepared.preprocessor.spec.target
    if result.probabilities is None:
        st.metric(f"Predicted {md(target)}", number(result.predicted),
                  help="In the target's own units.")
    else:
        st.metric(f"Predicted {md(target)}", md(result.predicted))
        st.html(probability_html(result.probabilities, result.predicted, projector.on()))
    if truth is not None:
        shown = number(truth) if isinstance(truth, float) else md(truth)
        st.caption(f"Test row {kept(run_id)['test_row']} is really **{shown}**.")
