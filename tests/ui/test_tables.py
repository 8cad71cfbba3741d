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


def test_a_light_table_is_escaped_html_with_the_grids_text(monkeypatch):
    """html_table: a plain <table> (no canvas grid) whose cells read as the grid's, where a
    hostile file's text stays text; numbers right-aligned; the index as row headers; the
    scrolled box named and reachable by keyboard."""
    frame = pd.DataFrame({"<i>n</i>": [1, 2000, None], "loss": [0.12345, math.nan, 3.0],
                          "name": ["a&b", "<script>alert(1)</script>", '"q"']},
                         index=pd.Index(["r<1>", "r2", "r3"], name="row"))
    drawn = []

    class Where:
        def html(self, body):
            drawn.append(body)

    tables.html_table(frame, where=Where(), label='rows of "x"', hide_index=False,
                      formats={"loss": "{:.3f}"}, height=200)
    (body,) = drawn
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<i>" not in body and '<th scope="col" class="ll-num">&lt;i&gt;n&lt;/i&gt;</th>' in body
    assert '<th scope="col">row</th>' in body  # the index's name heads its column
    assert '<th scope="row">r&lt;1&gt;</th>' in body
    assert '<td class="ll-num">2,000</td>' in body and '<td class="ll-num">–</td>' in body
    assert '<th scope="col" class="ll-num">loss</th>' in body  # a number column's header
    assert '<td class="ll-num">0.123</td>' in body and "<td>a&amp;b</td>" in body
    assert 'role="region" tabindex="0" aria-label="rows of &quot;x&quot;"' in body
    assert "max-height:200px" in body and body.count("<tr>") == 4  # the header and 3 rows


def test_a_light_tables_whole_numbers_stay_whole_beside_decimals():
    """A table of ints and floats only: each column keeps its own kind (a row would turn
    the ints into floats)."""
    drawn = []

    class Where:
        def html(self, body):
            drawn.append(body)

    tables.html_table(pd.DataFrame({"count": [2000, 3], "mean": [0.5, 1.25]}), where=Where(),
                      label="numbers")
    assert "<td class=\"ll-num\">2,000</td><td class=\"ll-num\">0.5</td>" in drawn[0]



def test_a_file_preview_shows_whole_numbers_as_the_file_writes_them():
    frame = pd.DataFrame({"year": [2007.0, math.nan, 2008.0], "id": [1001, 1002, 1003],
                          "price": [1500.5, 2.25, 3.0], "odd": [math.inf, 1.0, 2.0],
                          "flag": [True, False, True], "city": ["Lyon", None, "Nice"]})
    formats = tables.as_written(frame)
    assert sorted(formats) == ["id", "year"]  # not fractions, infinities, flags or text
    text = tables.as_text(frame, formats)
    assert list(text["year"]) == ["2007", "–", "2008"] and list(text["id"])[0] == "1001"
    assert list(text["price"])[:2] == ["1,500", "2\\.25"]  # other numbers as elsewhere
