"""The Runs table: one row per run, the best one marked, live while a run trains.

Every value is text from numbers.py (the way tiles and curves round), and a training run's
status is the run banner's own words (Progress.text), read from the same record. The best run
is the finished one with the best validation value of the main metric; test values are shown
but never rank (nor does a validation that was the test set).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from gui.core.inspection.numbers import number
from gui.core.spec.diff import varying
from gui.core.spec.vocabulary import REGRESSION_LOSSES, higher_is_better
from gui.ui.common import projector, tables
from gui.ui.figures.charts import quantity_label
from gui.ui.session import run_state, state

MAX_SETTING_COLUMNS = 6
BEST = "★ best"
CHOSEN = "runs.chosen"       # the ids of the ticked runs, for the rest of the page
PICKED = "runs.picked"       # projector mode's list of runs, in place of the ticks
PICKED_NOW = "runs.picked_now"  # True in the rerun that a change of that list started
FULL_RUN = "runs.full_run"   # True while the whole page draws (not the table's own redraw)


@dataclass(frozen=True)
class Ranking:
    """What ranks the runs: `quantity` (e.g. "accuracy"), on validation rows."""

    quantity: str

    @property
    def higher_better(self) -> bool:
        return higher_is_better(self.quantity)

    def value(self, record) -> float | None:
        """The run's last validation value; None when it has none, is still training, or
        validated on the test set (test values never rank)."""
        if record.active or record.spec.fit.validation == "test":
            return None
        return record.final(f"val_{self.quantity}")

    def best(self, records) -> int | None:
        """The id of the best finished run, or None when no run has a validation value."""
        scored = [(v, r.id) for r in records if (v := self.value(r)) is not None]
        if not scored:
            return None
        pick = max if self.higher_better else min
        return pick(scored, key=lambda pair: pair[0])[1]

    def words(self) -> str:
        return (f"validation {quantity_label(self.quantity)}, "
                f"{'higher' if self.higher_better else 'lower'} is better")


def ranking(records) -> Ranking:
    """The first metric the runs were compiled with (accuracy, MAE, …), else the loss."""
    metric = next((str(m) for r in records for m in r.spec.compile.metrics), None)
    return Ranking(metric or "loss")


def status(record) -> str:
    """A run's status; while it trains, the run banner's words."""
    if record.active and record.progress.steps:
        return f"{record.status} · {record.progress.text(record.elapsed)}"
    return record.status


def rows(records, rank: Ranking) -> pd.DataFrame:
    """The table: mark, name, status and the main values first (in view at 1280 px), then
    epochs, duration, dataset and the settings that differ."""
    best = rank.best(records)
    settings = varying([r.spec for r in records])
    shown = dict(list(settings.items())[:MAX_SETTING_COLUMNS])
    names = [rank.quantity] + (["loss"] if rank.quantity != "loss" else [])
    out = []
    for i, r in enumerate(records):
        row = {"Best": BEST if r.id == best else "", "Name": r.name, "Status": status(r)}
        # a number trained on its standardised target: its values are on that scale, as
        # the Train tiles say (Evaluate shows them in the target's own units)
        scaled = (" (scaled)" if r.spec.data.scale_target
                  and str(r.spec.compile.loss) in REGRESSION_LOSSES else "")

        def value(v, name, scaled=scaled):
            shown = number(v, name)
            return shown + scaled if shown != "–" else shown

        for name in names:
            label = quantity_label(name)
            row[f"validation {label}"] = value(r.final(f"val_{name}"), name)
            row[f"test {label}"] = value(r.test_metrics.get(name), name)
        for name in names:
            row[f"train {quantity_label(name)}"] = value(r.final(name), name)
        row["Epochs"] = f"{r.epochs_done:,}"
        row["Duration"] = f"{r.elapsed:.0f} s" if r.active else f"{r.elapsed:.1f} s"
        row["Dataset"] = r.spec.data.source or "—"
        row.update({path: values[i] for path, values in shown.items()})
        out.append(row)
    return pd.DataFrame(out)


# Pixel widths of the first columns, whole headers and values: the mark, name, status and
# main values fit a 1280 px window (FIRST_COLUMNS_PX in all); later columns scroll.
WIDTHS = {"Best": 80, "Name": 150, "Status": 220}
VALUE_PX = 135
FIRST_COLUMNS_PX = sum(WIDTHS.values()) + 4 * VALUE_PX


def _config(frame: pd.DataFrame) -> dict:
    config = {c: st.column_config.TextColumn(c, width=WIDTHS.get(c, VALUE_PX))
              for c in frame.columns}
    config["Best"] = st.column_config.TextColumn("Best", width=WIDTHS["Best"],
                                             help="The best finished run by validation value")
    return config


def _draw() -> None:
    records = run_state.all_runs()
    rank = ranking(records)
    frame = rows(records, rank)
    best = rank.best(records)
    note = (f"{BEST} marks the best finished run by {rank.words()}." if best is not None else
            f"No finished run has a {rank.words().split(',')[0]} value yet, so none is marked "
            "best.")
    how = "Pick runs in the list under the table" if projector.on() else "Tick rows"
    st.caption(f"{len(records)} run(s). {note} Test values are shown, never used to rank. "
               f"{how} to compare them and to act on one. The columns after Dataset are the "
               "settings that differ between runs.")
    alt = f"The runs of this workspace, one row each: {note}"
    if projector.on():  # an HTML table (large text) cannot be ticked: a list of names can
        tables.table(frame, alt=alt)
        by_id = {r.id: r.name for r in records}
        if not state.widget_value(PICKED_NOW):  # else the list shows what was just picked
            state.sync_widget(PICKED, [i for i in state.widget_value(CHOSEN) or []
                                       if i in by_id])
        state.sync_widget(PICKED_NOW, False)
        chosen = st.multiselect("Runs to compare and act on", list(by_id), key=PICKED,
                                format_func=by_id.get,
                                on_change=lambda: state.sync_widget(PICKED_NOW, True))
    else:
        event = tables.table(frame, on_select="rerun", selection_mode="multi-row",
                             key="runs.table", column_config=_config(frame), alt=alt)
        chosen = [records[i].id for i in event.selection.rows if i < len(records)]
    live = any(r.active or r.model_pending for r in records)
    if not state.widget_value(FULL_RUN):  # the table's own redraw: does the page follow?
        if chosen != state.widget_value(CHOSEN) or not live:
            state.sync_widget(CHOSEN, chosen)
            st.rerun(scope="app")
    state.sync_widget(CHOSEN, chosen)


def runs_table(live: bool) -> list[int]:
    """Draw the table (redrawn every second while a run trains); the ids of the ticked runs."""
    state.sync_widget(FULL_RUN, True)
    try:
        (st.fragment(run_every=1)(_draw) if live else _draw)()
    finally:
        state.sync_widget(FULL_RUN, False)
    return list(state.widget_value(CHOSEN) or [])
