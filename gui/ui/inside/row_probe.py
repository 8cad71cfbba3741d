"""One row through the network: pick a test row or set one with what-if controls.

The Inside page calls `show(trained)` where the row section goes; the network view then draws
`probe.activations` on its neurons and marks `probe.dead` neurons. The section draws the row
choice, the what-if controls (gui/ui/what_if.py), the live prediction, the dead-neuron
sentences and the hardest test rows (gui/ui/hardest_rows.py); the numbers come from
gui/core/probe.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from gui.core.inspection import probe
from gui.ui.inside import hardest_rows, what_if
from gui.ui.session import state
from gui.ui.text import md


@dataclass
class RowProbe:
    """The row shown, as the network sees it.

    Args:
        row: the raw feature values {column: value}, in the data's own units.
        activations: {Keras layer name: that layer's output for the row, 1-D}.
        dead: {Keras layer name of a Dense layer: bool per unit, True where the unit's output
            is zero on every training row}.
        predicted: the predicted class name, or the value in the target's units.
        probabilities: {class name: probability} for a classifier, else None.
        dead_sentences: what `dead` means, one sentence per layer with dead units.
        encoded: `row` as the model takes it, (1, inputs), when known.
    """

    row: dict
    activations: dict[str, np.ndarray] = field(default_factory=dict)
    dead: dict[str, np.ndarray] = field(default_factory=dict)
    predicted: object = None
    probabilities: dict | None = None
    dead_sentences: list[str] = field(default_factory=list)
    encoded: np.ndarray | None = None


def _truth(prepared, number: int):
    """Test row `number`'s true target: the class name, or the value in its own units."""
    y = prepared.y_test[number - 1]
    if prepared.task == "regression":
        return float(prepared.preprocessor.decode_target(np.array([y]))[0])
    return prepared.class_names[int(y)]


def show(trained, then=None, hardest: bool = True) -> RowProbe | None:
    """Draw the row controls and the live prediction for a run_state.Trained; None until
    there is a row to show. `then(probe)` (e.g. the network view with the row's
    activations) is called as soon as the prediction is drawn, before the controls and the
    hardest rows, so what a change changes reaches the browser first. `hardest=False`: the
    hardest rows are left to `hardest_table` (the Inside page draws them outside the
    fragment a slider move reruns: no row changes them)."""
    prepared = trained.prepared
    if prepared is None or len(prepared.raw_test) == 0:
        st.info("This run has no test rows to pick from.", icon=":material/info:")
        return None
    record, model = trained.record, trained.model
    version = (record.id, record.model_epoch, id(model))
    probe_of = state.memo("probe.what_if", version, lambda: probe.WhatIf(model, prepared))
    items = state.memo("probe.controls", version, lambda: probe.controls(prepared))
    dead = state.memo("probe.dead", version,
                      lambda: probe.dead_units(model, prepared.X_train))
    notes = probe.dead_notes(model, dead)
    sentences = [text for text, _ in notes]

    what_if.start(record.id, prepared)
    what_if.row_choice(record.id, prepared)
    values = what_if.row_values(record.id, items)  # as the controls will show them
    result = probe_of(values)
    kept = what_if.kept(record.id)
    truth = _truth(prepared, kept["test_row"]) if kept["source"] == "test" else None
    with st.container():  # one block: the controls keep their place (and focus) when the
        what_if.prediction(record.id, result, prepared, truth)  # truth's caption goes
    found = RowProbe(row=values, activations=result.activations, dead=dead,
                     predicted=result.predicted, probabilities=result.probabilities,
                     dead_sentences=sentences, encoded=result.encoded)
    if then is not None:
        then(found)
    what_if.controls(record.id, items)
    for sentence, expected in notes:  # an L2 penalty at work is no warning
        (st.info if expected else st.warning)(md(sentence), icon=":material/heart_broken:")
    if hardest:
        hardest_table(trained)
    return found


def hardest_table(trained) -> None:
    """The hardest test rows of a run_state.Trained (hardest_rows), a button per row to send
    it to the what-if controls; nothing when it has no test rows."""
    prepared, record, model = trained.prepared, trained.record, trained.model
    if prepared is None or len(prepared.raw_test) == 0:
        return
    version = (record.id, record.model_epoch, id(model))
    table = state.memo("probe.test_rows", version, lambda: probe.test_rows(model, prepared))
    what_if.start(record.id, prepared)
    hardest_rows.show(record.id, table, prepared)
