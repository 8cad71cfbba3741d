"""Excel workbooks and Parquet files: read like a CSV, with the same limits and care.

The workbooks are made here with openpyxl (formulas get their cached values written into
the sheet XML, as Excel saves them); the zip bomb is a real zip whose one entry expands to
hundreds of megabytes, refused from the zip's directory before anything is decompressed.
"""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from gui.core.data.dataset import prepare
from gui.core.data.formats import csv_io
from gui.core.data.formats.loaded import DataError
from gui.core.data.formats.tables import read_table
from gui.core.spec.schema import DataSpec


def workbook_bytes(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite(raw: bytes, entry: str, change) -> bytes:
    """The workbook with one zip entry's text changed (as Excel would have written it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w",
                                                                  zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == entry:
                data = change(data.decode()).encode()
            dst.writestr(item.filename, data)
    return out.getvalue()


def marks_workbook() -> bytes:
    """Two sheets: 'Marks' (with a header) and 'Raw' (headerless numbers)."""
    book = openpyxl.Workbook()
    marks = book.active
    marks.title = "Marks"
    marks.append(["student", "maths", "physics", "passed"])
    for i in range(24):
        marks.append([f"s{i}", 40 + i * 2.5, 30 + i, "yes" if i % 3 else "no"])
    raw = book.create_sheet("Raw")
    for i in range(15):
        raw.append([i * 1.5 + 0.25, 100 - i, i % 2])
    return workbook_bytes(book)


def test_xlsx_reads_the_first_sheet_and_lists_all():
    loaded = read_table(marks_workbook(), "marks.xlsx")
    assert loaded.kind == "xlsx" and loaded.sheet == "Marks"
    assert loaded.sheets == ["Marks", "Raw"]
    assert list(loaded.frame.columns) == ["student", "maths", "physics", "passed"]
    assert loaded.frame.shape == (24, 4)
    assert loaded.frame["maths"].iloc[3] == pytest.approx(47.5)
    assert loaded.header and loaded.layout() == "Excel workbook, sheet 'Marks'"
    prepared = prepare(loaded.frame, DataSpec(target="passed", features=["maths", "physics"]))
    assert prepared.task == "binary"


def test_xlsx_second_sheet_by_name_detects_its_own_header():
    loaded = read_table(marks_workbook(), "marks.xlsx", sheet="Raw")
    assert loaded.sheet == "Raw" and not loaded.header
    assert list(loaded.frame.columns) == ["column_1", "column_2", "column_3"]
    assert len(loaded.frame) == 15 and loaded.frame["column_1"].iloc[0] == pytest.approx(0.25)


def test_xlsx_unknown_sheet_is_refused_with_the_sheets_listed():
    with pytest.raises(DataError, match="no sheet called 'Nope'; its sheets are 'Marks', 'Raw'"):
        read_table(marks_workbook(), "marks.xlsx", sheet="Nope")


def test_xlsx_formulas_read_as_their_cached_values():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["x", "y", "total"])
    for i in range(2, 12):
        sheet.append([i, i * 10, f"=A{i}+B{i}"])
    raw = workbook_bytes(book)
    # Excel saves each formula with its result; openpyxl leaves the result empty (<v />).
    cached = rewrite(raw, "xl/worksheets/sheet1.xml", lambda xml: re.sub(
        r"<f>A(\d+)\+B\1</f><v\s*/>",
        lambda m: f"<f>A{m[1]}+B{m[1]}</f><v>{int(m[1]) * 11}</v>", xml))
    loaded = read_table(cached, "sums.xlsx")
    assert loaded.frame["total"].tolist() == [i * 11 for i in range(2, 12)]
    assert not any("formula" in w for w in loaded.warnings)
    unsaved = read_table(raw, "sums.xlsx")  # never calculated: no saved results
    assert unsaved.frame["total"].isna().all()
    assert "10 formula cell(s) have no saved result" in unsaved.warnings[0]


def test_xlsx_empty_leading_rows_columns_and_a_title_are_skipped():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C3"] = "Class results, spring term"
    for r, row in enumerate([["name", "score", "grade"]] +
                            [[f"p{i}", 50 + i, "AB"[i % 2]] for i in range(12)], start=5):
        for c, value in enumerate(row, start=3):
            sheet.cell(row=r, column=c, value=value)
    loaded = read_table(workbook_bytes(book), "class.xlsx")
    assert list(loaded.frame.columns) == ["name", "score", "grade"]
    assert loaded.frame.shape == (12, 3) and loaded.frame["score"].iloc[0] == 50
    assert "The title row above the table was skipped ('Class results, spring term')." \
        in loaded.warnings


def test_xlsx_merged_header_over_a_second_header_row_is_joined():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["patient", "blood pressure", None, "age"])
    sheet.append([None, "systolic", "diastolic", None])
    for i in range(12):
        sheet.append([f"p{i}", 110 + i, 70 + i, 30 + i])
    sheet.merge_cells("B1:C1")
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("D1:D2")
    loaded = read_table(workbook_bytes(book), "bp.xlsx")
    assert list(loaded.frame.columns) == ["patient", "blood pressure systolic",
                                          "blood pressure diastolic", "age"]
    assert loaded.frame.shape == (12, 4)
    assert any("two header rows" in w for w in loaded.warnings)


def test_xlsx_merged_header_without_names_below_is_refused_in_words():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["size", None, "label"])
    for i in range(12):
        sheet.append([i, i * 2, "ab"[i % 2]])
    sheet.merge_cells("A1:B1")
    with pytest.raises(DataError, match="header row of sheet 'Sheet' has merged cells"):
        read_table(workbook_bytes(book), "m.xlsx")


def test_a_zip_bomb_is_refused_fast_and_without_memory():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        bomb.writestr("xl/workbook.xml", "<workbook/>")
        with bomb.open("xl/worksheets/sheet1.xml", "w") as entry:
            block = b"\0" * 2**20
            for _ in range(400):  # 400 MB of zeros
                entry.write(block)
    raw = out.getvalue()
    assert len(raw) < 1_000_000
    tracemalloc.start()
    with pytest.raises(DataError) as info:
        read_table(raw, "bomb.xlsx")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "zip bomb" in str(info.value) and "400 MB" in str(info.value)
    assert peak < 20 * 2**20, peak  # refused without unpacking it


@pytest.mark.parametrize("raw,expected", [
    (b"a,b,c\n1,2,3\n4,5,6\n", "perhaps a CSV renamed to .xlsx"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
    (b"PK\x03\x04" + b"\x14\x00" * 40, "is damaged"),
])
def test_files_that_are_not_workbooks_get_a_message(raw, expected):
    with pytest.raises(DataError, match=re.escape(expected)):
        read_table(raw, "book.xlsx")


def test_a_truncated_workbook_is_damaged_not_a_traceback():
    raw = marks_workbook()
    with pytest.raises(DataError, match="damaged|could not be"):
        read_table(raw[: len(raw) // 2], "half.xlsx")


def test_a_plain_zip_renamed_xlsx_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(DataError, match="not an Excel workbook"):
        read_table(out.getvalue(), "notes.xlsx")


def test_old_xls_by_name_says_to_save_as_xlsx():
    with pytest.raises(DataError, match=r"old-format Excel workbook \(\.xls\).*\.xlsx"):
        read_table(b"\xd0\xcf\x11\xe0", "old.xls")


def test_a_huge_sheet_is_refused_by_its_stated_size_before_reading():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["a", "b"])
    sheet.append([1, 2])
    sheet.cell(row=1_048_000, column=2, value=3)
    raw = workbook_bytes(book)
    tracemalloc.start()
    with pytest.raises(DataError, match=r"spans 1,048,000 rows .* up to 1,000,000 rows"):
        read_table(raw, "big.xlsx")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 2**20, peak  # refused by its stated size, not by reading the rows


def test_xlsx_row_limit_applies(monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 10)
    with pytest.raises(DataError, match="more than 10 rows"):
        read_table(marks_workbook(), "marks.xlsx")


# ---- parquet ---------------------------------------------------------------------------------

def parquet_bytes(frame: pd.DataFrame, **kwargs) -> bytes:
    out = io.BytesIO()
    frame.to_parquet(out, engine="pyarrow", **kwargs)
    return out.getvalue()


def test_parquet_reads_flat_columns_and_leaves_nested_ones_out():
    n = 30
    frame = pd.DataFrame({
        "height": np.linspace(150, 190, n), "count": np.arange(n, dtype="int32"),
        "colour": ["red", "blue", "green"] * 10, "member": [True, False] * 15,
        "day": pd.date_range("2024-01-01", periods=n).date,
        "tags": [[1, 2]] * n,
    }, index=pd.Index(range(100, 100 + n), name="row"))
    loaded = read_table(parquet_bytes(frame), "people.parquet")
    assert loaded.kind == "parquet" and loaded.header and loaded.layout() == "Parquet file"
    assert list(loaded.frame.columns) == ["height", "count", "colour", "member", "day"]
    assert loaded.frame["height"].iloc[-1] == pytest.approx(190)
    assert loaded.frame["day"].iloc[0] == "2024-01-01"
    assert "'tags'" in loaded.warnings[0] and "left out" in loaded.warnings[0]
    prepared = prepare(loaded.frame, DataSpec(target="colour", features=["height", "count"]))
    assert prepared.task == "multiclass"


def test_parquet_row_limit_is_checked_from_the_footer(monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 10)
    raw = parquet_bytes(pd.DataFrame({"a": range(20), "b": range(20)}))
    with pytest.raises(DataError, match="20 rows, more than LayerLab's limit of 10"):
        read_table(raw, "t.parquet")


@pytest.mark.parametrize("raw,expected", [
    (b"a,b\n1,2\n", "not a Parquet file"),
    (b"PAR1" + b"\x00" * 50 + b"PAR1", "damaged"),
])
def test_bad_parquet_gets_a_message(raw, expected):
    with pytest.raises(DataError, match=expected):
        read_table(raw, "t.parquet")


def test_data_names_include_the_new_formats():
    assert all(csv_io.is_data_name(n) for n in ["a.xlsx", "b.PARQUET", "c.csv", "d.tsv"])
    assert not csv_io.is_data_name("e.xls") and not csv_io.is_data_name("m.keras")


def test_a_workbook_opening_on_a_notes_sheet_reads_the_first_sheet_with_a_table():
    book = openpyxl.Workbook()
    book.active.title = "Read me"
    book.active.append(["These are the class marks."])
    data = book.create_sheet("Data")
    data.append(["x", "y"])
    for i in range(10):
        data.append([i * 0.5, i % 3])
    loaded = read_table(workbook_bytes(book), "notes.xlsx")
    assert loaded.sheet == "Data" and loaded.sheets == ["Read me", "Data"]
    assert list(loaded.frame.columns) == ["x", "y"]
    assert loaded.warnings[0].startswith("Read the sheet 'Data', the largest of the "
                                         "workbook's 2 sheets that holds a table, not the "
                                         "first ('Read me')")


def test_a_workbook_is_read_on_its_largest_sheet_not_its_notes():
    """A first sheet of notes long enough to read as a table (a summary, a codebook) is not
    taken for the data: the largest sheet is."""
    book = openpyxl.Workbook()
    book.active.title = "About"
    for line in range(12):
        book.active.append([f"Field {line}", f"What field {line} means"])
    data = book.create_sheet("Survey")
    data.append(["age", "income", "region", "bought"])
    for i in range(40):
        data.append([20 + i, 1000 + 37 * i, "north" if i % 2 else "south", i % 3 == 0])
    loaded = read_table(workbook_bytes(book), "survey.xlsx")
    assert loaded.sheet == "Survey" and list(loaded.frame.columns)[0] == "age"
    assert "not the first ('About')" in loaded.warnings[0]
    assert read_table(workbook_bytes(book), "survey.xlsx", sheet="About").sheet == "About"


def test_a_one_column_sheet_is_refused_with_the_sheet_named_not_csv_advice():
    book = openpyxl.Workbook()
    book.active.title = "Read me"
    book.active.append(["notes"])
    for i in range(10):
        book.active.append([f"line {i}"])
    book.create_sheet("Data").append(["x", "y"])
    with pytest.raises(DataError) as refused:
        read_table(workbook_bytes(book), "notes.xlsx", sheet="Read me")
    said = str(refused.value)
    assert said.startswith("The sheet 'Read me' has only one column.") and "sheet" in said
    assert "separated" not in said and "CSV" not in said


def test_the_worker_reads_a_stored_file_as_the_spec_says(tmp_path):
    """data_ref (what a training worker calls) reads the header choice and sheet from the
    run's spec; a separate test file is read like the training file."""
    from gui.core.data import data_ref
    from gui.core.spec.schema import ExperimentSpec
    from gui.core.store.workspaces import Store

    store = Store(tmp_path / "home")
    token = store.create()
    rng = np.random.default_rng(1)
    rows = "".join(f"{rng.uniform(0, 9):.2f},{rng.integers(0, 50)},{rng.integers(0, 2)}\n"
                   for _ in range(40))
    train = store.add_file(token, "train.csv", rows.encode())
    test = store.add_file(token, "test.csv", "".join(rows.splitlines(True)[:20]).encode())
    spec = ExperimentSpec()
    spec.data.target = "column_3"
    refs = {"dataset": {"file": train.sha256, "name": "train.csv"},
            "test": {"file": test.sha256, "name": "test.csv"}}
    prepared = data_ref.prepare(store, token, spec, refs)
    assert prepared.preprocessor.feature_names_ == ["column_1", "column_2"]
    assert len(prepared.X_train) == 40  # the first row is data
    book = store.add_file(token, "marks.xlsx", marks_workbook())
    spec.data.sheet, spec.data.target = "Raw", "column_3"
    prepared = data_ref.prepare(store, token, spec,
                                {"dataset": {"file": book.sha256, "name": "marks.xlsx"}})
    assert len(prepared.X_train) + len(prepared.X_test) == 15


def test_a_sheet_without_a_stated_size_is_measured_before_openpyxl_reads_it(monkeypatch):
    book = openpyxl.Workbook(write_only=True)  # writes no <dimension>, like some exporters
    sheet = book.create_sheet("Data")
    for i in range(200):
        sheet.append([i, i * 2])
    out = io.BytesIO()
    book.save(out)
    assert b"<dimension" not in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    monkeypatch.setattr(csv_io, "MAX_ROWS", 10)
    with pytest.raises(DataError, match="spans 200 rows"):
        read_table(out.getvalue(), "w.xlsx")


def test_xlsx_merged_two_row_header_away_from_the_corner():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C4"], sheet["D4"], sheet["F4"] = "patient", "bp", "age"
    sheet["D5"], sheet["E5"] = "sys", "dia"
    for i in range(12):
        for j, value in enumerate([f"p{i}", 100 + i * 3 % 7, 70 + i * 5 % 9, 30 + i % 4]):
            sheet.cell(row=6 + i, column=3 + j, value=value)
    for ref in ("D4:E4", "C4:C5", "F4:F5"):
        sheet.merge_cells(ref)
    loaded = read_table(workbook_bytes(book), "offset.xlsx")
    assert list(loaded.frame.columns) == ["patient", "bp sys", "bp dia", "age"]
    assert loaded.frame.shape == (12, 4) and loaded.frame["age"].iloc[1] == 31


@pytest.mark.parametrize("names", [["x", "x", "label"], ["a", "a ", "label"]])
def test_repeated_column_names_are_refused_in_words_in_every_format(names):
    """Parquet allows repeated names (and "a" and "a " become one once spaces are dropped):
    refused in words, as a CSV's and a workbook's are, never a traceback."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table([pa.array([1, 2, 3]), pa.array([4, 5, 6]),
                             pa.array(["a", "b", "a"])], names=names), buffer)
    csv = (",".join(names) + "\n1,4,a\n2,5,b\n3,6,a\n").encode()
    for raw, name in ((buffer.getvalue(), "t.parquet"), (csv, "t.csv")):
        with pytest.raises(DataError, match=f"appear more than once: '{names[0]}'"):
            read_table(raw, name)
