"""Projector mode's tables: every cell, header and index label as escaped Markdown text,
formatted the way the canvas table shows it."""

from __future__ import annotations

import math

import pandas as pd

from gui.ui.common import tables


def test_cells_are_formatted_like_the_grid_and_escaped():
    frame = pd.DataFrame({"runs": [1, 2000, None], "loss": [0.12345, math.nan, 3.0],
                          "name": ["a*b*", "[x](http://e.vil)", "<b>raw</b>"]})
    text = tables.as_text(frame, {"loss": "{:.3f}"})
    assert list(text["runs"]) == ["1", "2,000", "–"]  # whole numbers, a gap as a dash
    assert list(text["loss"]) == ["0\\.123", "–", "3\\.000"]
    assert text["name"][0] == "a\\*b\\*" and "\\[x\\]" in text["name"][1]
    assert text["name"][2] == "\\<b\\>raw\\</b\\>"  # shown as typed, never as HTML


def test_headers_and_index_are_escaped_and_one_format_can_serve_every_cell():
    frame = pd.DataFrame({("train", "*recall*"): [0.5], ("test", "*recall*"): [0.25]},
                         index=["class_[1]"])
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    text = tables.as_text(frame, lambda v: f"{v:.0%}")
    assert list(text.columns) == [("train", "\\*recall\\*"), ("test", "\\*recall\\*")]
    assert list(text.index) == ["class\\_\\[1\\]"] and list(text.iloc[0]) == ["50%", "25%"]


def test_normal_mode_gives_format_strings_to_the_grid_and_functions_to_a_styler():
    frame = pd.DataFrame({"p": [0.5], "q": [1.0], "r": [2.0]})
    config = {"r": {"type_config": {"type": "progress"}}}
    left = tables._number_columns(frame, {"p": "{:.4f}", "q": str, "r": "{:.2f}"}, config)
    assert config["p"]["type_config"]["format"] == "%.4f"
    assert left == {"q": str} and config["r"] == {"type_config": {"type": "progress"}}
