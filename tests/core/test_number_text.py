"""Numbers written as text (number_text): thousands separators, percent and currency signs,
True/False and the missing marks read as numbers, the same way by the readers (training)
and by `read_numbers` (new rows: Predict, `gui predict`, the exported predict.py); a
nullable boolean Parquet column read as 1/0 with or without nulls; title rows above a
workbook's table."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from gui.cli import main
from gui.core.data.formats.number_text import clean_values, read_numbers
from gui.core.data.formats.tables import read_table
from tests.core.test_formats import workbook_bytes


@pytest.mark.parametrize(("text", "number"), [
    ("1,234", 1234.0), ("-1,234,567.5", -1234567.5), ("1 234", 1234.0), ("1'234", 1234.0),
    ("1\u202f234,5", 1234.5), ("12%", 12.0), ("7.5 %", 7.5), ("$1,200", 1200.0),
    ("-$3", -3.0), ("1200 €", 1200.0), ("£0.5", 0.5), ("True", 1.0), ("false", 0.0),
    (" 42 ", 42.0), ("(1,200)", -1200.0), ("($3.50)", -3.5), ("(12%)", -12.0),
])
def test_a_number_written_as_text_is_read_as_that_number(text, number):
    assert read_numbers(pd.Series([text], dtype=object)).tolist() == [number]


@pytest.mark.parametrize("text", ["-", "?", "n/a", "abc", "0,123", "12,5", "1,23,456", "$",
                                  "1.2.3", "%", "()", "(abc)",
                                  "(1,2)"])
def test_anything_else_is_not_a_number(text):
    assert np.isnan(read_numbers(pd.Series([text], dtype=object))[0])


def comma_file() -> bytes:
    rng = np.random.default_rng(0)
    amount = rng.integers(100, 50_000, 60)
    frame = pd.DataFrame({
        "amount": [f"{a:,}" for a in amount],              # quoted: "12,345"
        "share": [f"{a % 100}%" for a in amount],
        "price": [f"${a:,}" for a in amount],
        "score": [str(a % 7) if i % 8 else ("-" if i % 16 else "?") for i, a in
                  enumerate(amount)],                      # 1 in 8 marked missing
        "town": rng.choice(["Lyon", "Oslo", "Bonn"], 60),
        "y": amount / 100 + rng.normal(0, 1, 60),
    })
    return frame.to_csv(index=False).encode()


def test_a_table_of_written_numbers_trains_on_numbers_and_says_so():
    loaded = read_table(comma_file(), "sales.csv")
    frame = loaded.frame
    assert {c: str(frame[c].dtype) for c in ("amount", "share", "price", "score")} == dict.fromkeys(
        ("amount", "share", "price", "score"), "float64")
    assert frame["town"].dtype != float  # text stays text
    raw = pd.read_csv(io.BytesIO(comma_file()))
    assert frame["amount"].tolist() == [float(a.replace(",", "")) for a in raw["amount"]]
    assert frame["share"].tolist() == [float(s[:-1]) for s in raw["share"]]
    assert frame["score"].isna().sum() == (raw["score"].isin(["-", "?"])).sum() > 0
    said = " ".join(loaded.warnings)
    assert "Column 'amount': numbers written as text, such as" in said
    assert "were read as numbers" in said
    assert "Column 'score': 8 value(s) marked as missing ('?', '-')" in said or \
        "Column 'score': 8 value(s) marked as missing ('-', '?')" in said


def test_a_decimal_comma_file_reads_its_thousands_dots_and_says_nothing_of_its_commas():
    raw = "x;y\n" + "".join(f"{i},5;1.{i:03d},25\n" for i in range(1, 30))
    loaded = read_table(raw.encode(), "de.csv")
    assert loaded.frame["x"].iloc[0] == 1.5 and loaded.frame["y"].iloc[2] == 1003.25
    assert not [w for w in loaded.warnings if "written as text" in w]


def test_a_mostly_text_column_stays_text():
    frame = pd.DataFrame({"name": [f"person {i}" for i in range(100)],
                          "mixed": ["12%" if i % 3 else "a lot" for i in range(100)]})
    out, warnings = clean_values(frame.copy())
    assert out["name"].tolist() == frame["name"].tolist()
    assert out["mixed"].tolist() == frame["mixed"].tolist() and not warnings


def test_train_and_predict_read_the_same_written_numbers(tmp_path, capsys):
    """A model trained on "12,345" predicts new rows written the same way (it refused them
    before), as it predicts them written as plain numbers."""
    data = tmp_path / "sales.csv"
    data.write_bytes(comma_file())
    out = tmp_path / "model"
    assert main(["train", "--data", str(data), "--target", "y", "--epochs", "3", "--quiet",
                 "--out", str(out)]) == 0
    rows = pd.read_csv(data).drop(columns="y").head(8)
    written, plain = tmp_path / "written.csv", tmp_path / "plain.csv"
    rows.to_csv(written, index=False)
    numbers = rows.assign(amount=rows["amount"].str.replace(",", "").astype(float),
                          share=rows["share"].str.rstrip("%").astype(float),
                          price=rows["price"].str.replace("[$,]", "", regex=True).astype(float))
    numbers.to_csv(plain, index=False)
    for name in ("written", "plain"):
        assert main(["predict", str(out / "model.keras"), "--data", str(tmp_path / f"{name}.csv"),
                     "--out", str(tmp_path / f"{name}-out.csv")]) == 0
    capsys.readouterr()
    got = pd.read_csv(tmp_path / "written-out.csv")["predicted_y"]
    want = pd.read_csv(tmp_path / "plain-out.csv")["predicted_y"]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_a_nullable_boolean_parquet_column_is_1_0_with_or_without_nulls():
    def parquet(values) -> bytes:
        raw = io.BytesIO()
        pd.DataFrame({"flag": pd.array(values, dtype="boolean"),
                      "x": range(len(values))}).to_parquet(raw)
        return raw.getvalue()

    with_nulls = read_table(parquet([True, None, False] * 10), "train.parquet").frame["flag"]
    without = read_table(parquet([True, False, False] * 10), "new.parquet").frame["flag"]
    assert with_nulls.dtype == without.dtype == np.float64
    assert with_nulls.head(3).tolist()[::2] == [1.0, 0.0] and np.isnan(with_nulls[1])
    assert without.head(3).tolist() == [1.0, 0.0, 0.0]


def test_a_title_and_a_subtitle_above_a_workbooks_table_are_skipped():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Sales report 2024"])
    sheet.append(["generated by ERP"])
    sheet.append([])
    sheet.append(["x1", "colour", "y"])
    for i in range(12):
        sheet.append([i, "red" if i % 2 else "blue", 2.5 * i])
    loaded = read_table(workbook_bytes(book), "report.xlsx")
    assert list(loaded.frame.columns) == ["x1", "colour", "y"] and len(loaded.frame) == 12
    assert ("The title rows above the table were skipped ('Sales report 2024', "
            "'generated by ERP').") in loaded.warnings


def test_the_cli_says_when_every_column_it_would_leave_out_is_used(tmp_path, capsys):
    frame = pd.DataFrame({"code": [f"c{i}" for i in range(60)],
                          "y": [float(i % 9) for i in range(60)]})
    data = tmp_path / "codes.csv"
    frame.to_csv(data, index=False)
    assert main(["train", "--data", str(data), "--target", "y", "--epochs", "1", "--quiet",
                 "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "note: every column would be left out by default, so all are used" in err
    assert "code: different in every row" in err


def test_each_column_keeps_its_own_way_of_writing_numbers_in_a_decimal_comma_file():
    """A semicolon file: a column with "1.299,00" reads "29.149" as 29149 (its dots are
    thousands); a tab file's column with "1,234.50" reads "2,500" as 2500 (its commas are);
    a decimal comma with a currency or percent sign is read too."""
    raw = ("price;code;share\n" + "".join(
        f"{p};{c};{s}\n" for p, c, s in [("29.149", "2,500", "12,5%"), ("12.000", "12,000", "3%"),
                                         ("1.299,00", "1,234.50", "7,25 %"),
                                         ("5.924,02 €", "7", "1%")] * 5)).encode()
    frame = read_table(raw, "shop.csv").frame
    assert frame["price"].tolist()[:4] == [29149.0, 12000.0, 1299.0, 5924.02]
    assert frame["code"].tolist()[:4] == [2500.0, 12000.0, 1234.5, 7.0]
    assert frame["share"].tolist()[:4] == [12.5, 3.0, 7.25, 1.0]
    assert read_numbers(pd.Series(["3.14", "2,5"]), decimal_comma=True).tolist() == [3.14, 2.5]


def test_a_spreadsheets_error_values_are_missing_not_text():
    """A number column with #DIV/0! and #N/A cells (a fifth of them) stays numbers, the
    error values missing and said; it became text, "more than 30 categories", before."""
    values = [str(i * 1.5) if i % 5 else ("#DIV/0!" if i % 2 else "#N/A") for i in range(50)]
    frame, said = clean_values(pd.DataFrame({"ratio": values, "y": ["a", "b"] * 25}))
    assert pd.api.types.is_numeric_dtype(frame["ratio"]) and frame["ratio"].isna().sum() == 10
    assert said == ["Column 'ratio': 10 value(s) marked as missing ('#N/A', '#DIV/0!') are "
                    "treated as missing."]
