"""The Inside page's colours, one meaning each, in one home.

Weight sign (and the sign of an activation or a neuron's output): Okabe–Ito blue for
positive, Okabe–Ito orange for negative, as TensorFlow Playground draws them, and used for
nothing else. Classes: the rest of the Okabe–Ito palette (designed to stay apart for
colour-blind viewers), with the two weight colours and the colours near them left out.
Dead neurons: grey, with a cross.

Example:
    line_colour = POSITIVE if weight > 0 else NEGATIVE
    colours = class_colours(3)   # ['#009E73', '#CC79A7', '#000000']

Plain constants, no Plotly or Streamlit.
"""

from __future__ import annotations

POSITIVE = "#0072B2"   # Okabe–Ito blue: a positive weight / activation
NEGATIVE = "#E69F00"   # Okabe–Ito orange: a negative weight / activation
ZERO = "#ffffff"
DIVERGING = [[0, NEGATIVE], [0.5, ZERO], [1, POSITIVE]]
DEAD = "#8a8a8a"       # a neuron that is zero on every training row

# Okabe–Ito without blue and orange; sky blue and vermillion (near them) come last.
CLASS_COLOURS = ("#009E73", "#CC79A7", "#000000", "#F0E442", "#D55E00", "#56B4E9")


def class_colours(count: int) -> list[str]:
    """One colour per class, in class order (repeating past six classes)."""
    return [CLASS_COLOURS[i % len(CLASS_COLOURS)] for i in range(count)]
