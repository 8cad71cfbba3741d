"""The live view's tiles: the latest epoch's values, each with its change from the compared
run at the same epoch. Worded here once, for st.metric (the page) and for the live feed
(the panel a watching tab updates without a Streamlit rerun). No Streamlit here."""

from __future__ import annotations

from dataclasses import dataclass

from gui.core.inspection.numbers import delta as signed
from gui.core.inspection.numbers import number
from gui.core.spec.vocabulary import higher_is_better
from gui.ui.figures.charts import quantity_label

MAX_TILES = 6


@dataclass(frozen=True)
class Tile:
    name: str        # the quantity, e.g. "val_loss"
    label: str       # "validation loss"
    unit: str        # "price²", or "" where none is known
    value: str       # "0.213"
    delta: str | None  # "+0.012", "±0", or None without a compared run
    colour: str      # "normal" (up is good), "inverse" (down is good) or "off"
    help: str


def tiles(history: dict, previous: dict | None, validation_label: str, compared: str,
          units: dict[str, str], notes: dict[str, str]) -> list[Tile]:
    """One tile per quantity (training, then validation), at most MAX_TILES.

    Args:
        units: {quantity: unit} where known, e.g. the target's name for MAE.
        notes: {quantity: a sentence added to the tile's help}.
    """
    names = [n for n in history if not n.startswith("val_")]
    shown = [n for base in names for n in (base, f"val_{base}") if n in history][:MAX_TILES]
    out = []
    for name in shown:
        values = history[name]
        if not values:
            continue
        delta = before = None
        if previous and previous.get(name):
            before = previous[name][min(len(values), len(previous[name])) - 1]
            delta = signed(values[-1] - before, name)
        base = name.removeprefix("val_")
        label = quantity_label(base)
        if name.startswith("val_"):
            label = f"{validation_label} {label}"
        text = (f"Epoch {len(values)}; the change is against {compared} at the same epoch."
                if delta is not None else f"Epoch {len(values)}.")
        same = delta is not None and values[-1] == before
        out.append(Tile(name, label, units.get(base, ""), number(values[-1], name),
                        "±0" if same else delta,
                        "off" if same else "normal" if higher_is_better(name) else "inverse",
                        f"{text} {notes.get(name, '')}".strip()))
    return out


def markdown_label(tile: Tile) -> str:
    """The tile's label for st.metric (Markdown): the unit as literal text."""
    from gui.ui.text import md  # noqa: PLC0415 (the feed needs no Markdown)
    return f"{tile.label} ({md(tile.unit)})" if tile.unit else tile.label


def plain_label(tile: Tile) -> str:
    return f"{tile.label} ({tile.unit})" if tile.unit else tile.label
