"""One row through the network: pick a test row or set one with what-if controls.

(Contract stub: the what-if work fills this in; the signatures stay.) The Inside page calls
`show(trained)` where the row section goes; the network view then draws `probe.activations`
on its neurons and marks `probe.dead` neurons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class RowProbe:
    """The row shown, as the network sees it.

    Args:
        row: the raw feature values {column: value}, in the data's own units.
        activations: {Keras layer name: that layer's output for the row, 1-D}.
        dead: {Keras layer name of a Dense layer: bool per unit, True where the unit's output
            is zero on every training row}.
    """

    row: dict
    activations: dict[str, np.ndarray] = field(default_factory=dict)
    dead: dict[str, np.ndarray] = field(default_factory=dict)


def show(trained) -> RowProbe | None:
    """Draw the row controls and the live prediction for a run_state.Trained; None until
    there is a row to show."""
    return None
