"""The Data page's file options through AppTest: the sheet select and the header checkbox
write the spec; a sheet that cannot be read keeps the previous reading, with the reason."""

from __future__ import annotations

import io

import openpyxl
from streamlit.testing.v1 import AppTest

from tests.ui.test_data_page import APP, stored, upload


def workbook() -> bytes:
    book = openpyxl.Workbook()
    good = book.active
    good.title = "Good"
    good.append(["width", "height", "kind"])
    for i in range(20):
        good.append([1 + i * 0.1, (i * 7) % 11, "ab"[i % 2]])
    merged = book.create_sheet("Merged")
    merged.append(["size", None, "label"])
    for i in range(12):
        merged.append([i * 0.5, (i * 3) % 7, "ab"[i % 2]])
    merged.merge_cells("A1:B1")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_sheet_and_header_choices_are_written_to_the_spec():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    upload(at, "shapes.xlsx", workbook())
    assert at.selectbox(key="data.sheet").value == "Good"
    assert at.checkbox(key="data.header").value is True
    assert at.selectbox(key="data.target").value == "kind"
    # a sheet with a merged header and no names below: refused in words, nothing changes
    at.selectbox(key="data.sheet").set_value("Merged").run()
    assert not at.exception
    assert any("has merged cells" in e.value and "read as before" in e.value
               for e in at.error), [e.value for e in at.error]
    assert at.selectbox(key="data.sheet").value == "Good"
    assert stored(at)["spec"]["data"]["sheet"] == ""
    # the header unticked: the first row is data; the spec says "no" and the target follows
    at.checkbox(key="data.header").uncheck().run()
    assert not at.exception
    assert at.checkbox(key="data.header").value is False
    assert stored(at)["spec"]["data"]["header"] == "no"
    assert at.selectbox(key="data.target").value == "column_3"
    assert "The first row is read as data, as chosen" in " ".join(c.value for c in at.caption)
