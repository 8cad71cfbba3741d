"""Raw rows in, predictions out: LayerLab models, plain Keras models, CSV safety, more epochs."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys

import keras
import numpy as np
import pandas as pd
import pytest

from gui.core.data.formats import csv_io
from gui.core.data.formats.loaded import DataError
from gui.core.inspection import form_fields, new_rows, predict, safe_csv
from gui.core.inspection.predict import PredictError
from gui.core.saving import export, load
from tests.conftest import ROOT, SAMPLES
from tests.core import trained_models as tm


def loaded_from(t: tm.Trained, kind: str = "keras") -> load.LoadedModel:
    meta = export.metadata(t.spec, t.prepared.preprocessor)
    raw = (export.save_keras_bytes(t.deploy, meta) if kind == "keras"
           else export.save_h5_bytes(t.deploy, meta))
    return load.load_model_safely(raw, f"model.{kind}")


# ---- reading rows ----------------------------------------------------------------------------

def test_read_rows_accepts_a_single_row_and_a_single_column():
    one = new_rows.read_rows(b"a,b\n1,2\n", "one.csv").frame
    assert one.shape == (1, 2)
    column = new_rows.read_rows(b"x\n1.5\n2.5\n", "col.csv").frame
    assert list(column["x"]) == [1.5, 2.5]


def test_read_rows_reuses_the_csv_decoding():
    text = "âge;ville\n31;Zürich\n"
    frame = new_rows.read_rows(text.encode("cp1252"), "fr.csv").frame
    assert list(frame.columns) == ["âge", "ville"] and frame.iloc[0, 1] == "Zürich"


@pytest.mark.parametrize("raw,match", [
    (b"", "empty"),
    (b"a,b\n", "no data rows"),
    (b"a,a\n1,2\n", "more than once"),
    (b"PK\x03\x04rest", "zip archive"),
    (b"<html><body>hi</body></html>", "web page"),
])
def test_read_rows_refuses_what_is_not_a_table(raw, match):
    with pytest.raises(DataError, match=match):
        new_rows.read_rows(raw, "bad.csv")


# ---- LayerLab models -------------------------------------------------------------------------

def test_multiclass_rows_get_class_names_probabilities_and_argmax():
    t = tm.iris()
    loaded = loaded_from(t)
    rows = pd.read_csv(SAMPLES / "iris.csv").sample(10, random_state=0)
    result = predict.predict_rows(loaded, rows)
    classes = ["setosa", "versicolor", "virginica"]
    assert result.columns == ["predicted_species", predict.PREDICTED_LABEL,
                              *(f"probability_{c}" for c in classes)]
    proba = result.table[[f"probability_{c}" for c in classes]].to_numpy()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(result.table[predict.PREDICTED_LABEL], proba.argmax(axis=1))
    assert list(result.table["predicted_species"]) == [classes[i] for i in proba.argmax(axis=1)]
    assert list(result.table.columns[:4]) == tm.IRIS_FEATURES
    assert any("species" in n and "ignored" in n for n in result.notes)
    expected = t.deploy.predict(t.prepared.preprocessor.encode(rows), verbose=0)
    np.testing.assert_allclose(proba, expected, atol=1e-6)


def test_binary_rows_get_the_rounded_label_at_the_threshold():
    t = tm.cancer()
    loaded = loaded_from(t)
    rows = pd.read_csv(SAMPLES / "breast_cancer.csv").head(40)
    result = predict.predict_rows(loaded, rows)
    benign, malignant = t.prepared.class_names
    p1 = result.table[f"probability_{malignant}"].to_numpy()
    np.testing.assert_array_equal(result.table[predict.PREDICTED_LABEL], (p1 >= 0.5).astype(int))
    everything = predict.predict_rows(loaded, rows, threshold=0.0)
    assert set(everything.table["predicted_diagnosis"]) == {malignant}
    nothing = predict.predict_rows(loaded, rows, threshold=1.01)
    assert set(nothing.table["predicted_diagnosis"]) == {benign}


def test_regression_rows_with_text_columns_come_back_in_the_targets_units():
    t = tm.tips()
    loaded = loaded_from(t)
    rows = pd.read_csv(SAMPLES / "tips.csv").head(8).drop(columns=["tip"])
    result = predict.predict_rows(loaded, rows)
    assert result.columns == ["predicted_tip"]
    scaled = t.model.predict(t.prepared.preprocessor.encode(rows), verbose=0)[:, 0]
    np.testing.assert_allclose(result.table["predicted_tip"],
                               t.prepared.preprocessor.decode_target(scaled), rtol=1e-5)
    assert not result.notes


def test_missing_columns_are_named():
    loaded = loaded_from(tm.tips())
    rows = pd.read_csv(SAMPLES / "tips.csv").drop(columns=["sex", "size"])
    with pytest.raises(PredictError, match=r"Missing column\(s\): sex, size\."):
        predict.predict_rows(loaded, rows)
    renamed = pd.read_csv(SAMPLES / "tips.csv").rename(columns={"size": "Size"})
    with pytest.raises(PredictError, match="The file has 'Size': rename it 'size'."):
        predict.predict_rows(loaded, renamed)


def test_wrong_values_are_named_and_empty_ones_filled():
    loaded = loaded_from(tm.tips())
    rows = pd.read_csv(SAMPLES / "tips.csv").head(3)
    rows["total_bill"] = rows["total_bill"].astype(object)
    rows.loc[0, "total_bill"] = "lots"
    with pytest.raises(PredictError, match=r"Column 'total_bill' must hold numbers; "
                                           r"received 'lots'"):
        predict.predict_rows(loaded, rows)
    rows.loc[0, "total_bill"] = None
    rows.loc[1, "day"] = "Holiday"
    rows.loc[2, "sex"] = None
    result = predict.predict_rows(loaded, rows)
    text = " ".join(result.notes)
    assert "'total_bill': 1 missing value(s) filled" in text
    assert "'Holiday' were not seen in training" in text
    assert "'sex': 1 empty value(s) filled" in text
    assert result.table["predicted_tip"].notna().all()


def test_a_number_too_large_for_the_model_is_said_and_filled_as_a_missing_one():
    """1e39 (or 1e308 typed in the Predict form) is beyond float32: said in a note, and the
    row predicts as with the cell left empty."""
    loaded = loaded_from(tm.tips())
    rows = pd.read_csv(SAMPLES / "tips.csv").head(2)
    huge, empty = rows.copy(), rows.copy()
    huge.loc[0, "total_bill"], empty.loc[0, "total_bill"] = 1e308, None
    said = predict.predict_rows(loaded, huge)
    assert ("Column 'total_bill': 1 value(s) too large for the model (beyond ±3.4e38) filled "
            "with") in " ".join(said.notes)
    np.testing.assert_allclose(said.table["predicted_tip"],
                               predict.predict_rows(loaded, empty).table["predicted_tip"])


def test_missing_marks_are_missing_and_numeric_categories_keep_their_names():
    """New rows where a number column holds only "?" and "-" (as training read them: missing),
    and a text column of "3"/"4" codes read as 3.0/4.0 (the categories "3" and "4")."""
    raw = pd.read_csv(SAMPLES / "tips.csv")
    raw["size"] = raw["size"].map(lambda v: f"{v}" if v < 4 else "big")  # text with codes
    t = tm.train("tips.csv", "tip", epochs=1,
                 frame=csv_io.read_csv(raw.to_csv(index=False).encode()).frame)
    loaded = loaded_from(t)
    assert "size" in t.prepared.preprocessor.text_
    rows = raw.drop(columns="tip").head(4).copy()
    rows["total_bill"] = ["?", "-", "?", "-"]
    rows["size"] = [2.0, 3.0, 2.0, None]
    result = predict.predict_rows(loaded, rows)
    said = " ".join(result.notes)
    assert "'total_bill': 4 missing value(s) filled" in said
    assert "were not seen in training" not in said  # 2.0 is the category "2"


def test_a_column_trained_from_true_and_false_reads_them_in_any_spelling_beside_1_and_0():
    """A file that mixes True, "false" and 1 in a column trained as booleans (1/0) predicts
    as one with 1/0 would: the words are not refused as "not numbers"."""
    raw = pd.read_csv(SAMPLES / "tips.csv")
    raw["smoker"] = raw["smoker"] == "Yes"  # True/False in the file: read and trained as 1/0
    frame = csv_io.read_csv(raw.to_csv(index=False).encode()).frame
    trained = tm.train("tips.csv", "tip", epochs=1, frame=frame)
    assert "smoker" in trained.prepared.preprocessor.numeric_
    loaded = loaded_from(trained)
    rows = frame.head(4).copy()
    words = rows.copy()
    words["smoker"] = pd.Series(["True", "false", " TRUE", "0"], dtype=object).to_numpy()
    numbers = rows.copy()
    numbers["smoker"] = [1, 0, 1, 0]
    said = predict.predict_rows(loaded, words)
    assert not any("smoker" in note for note in said.notes)
    np.testing.assert_allclose(said.table["predicted_tip"],
                               predict.predict_rows(loaded, numbers).table["predicted_tip"])


def test_extra_columns_are_not_fed_to_the_model_but_kept_in_the_table():
    """The model ignores them (with a note); the table, and so the download, keeps every
    input column (the true label too) before the prediction columns."""
    loaded = loaded_from(tm.iris(), "h5")
    rows = pd.read_csv(SAMPLES / "iris.csv").head(3).assign(comment="x", id=[1, 2, 3])
    result = predict.predict_rows(loaded, rows)
    assert list(result.table.columns) == [*rows.columns, *result.columns]
    assert list(result.table["species"]) == list(rows["species"])
    assert list(result.table["id"]) == [1, 2, 3]
    assert any("ignored: species, comment, id" in n for n in result.notes)
    alone = predict.predict_rows(loaded, rows[tm.IRIS_FEATURES])
    np.testing.assert_allclose(alone.outputs, result.outputs)


def test_one_row_form_fields_follow_the_feature_order_with_training_defaults():
    t = tm.tips()
    fields = form_fields.form_fields(loaded_from(t))
    prep = t.prepared.preprocessor
    assert [f.name for f in fields] == prep.feature_names_
    day = next(f for f in fields if f.name == "day")
    assert day.kind == "choice" and day.options == ["Fri", "Sat", "Sun", "Thur"]
    bill = next(f for f in fields if f.name == "total_bill")
    assert bill.kind == "number" and bill.default == pytest.approx(prep.fill_["total_bill"])
    row = pd.DataFrame([{f.name: f.default for f in fields}])
    assert predict.predict_rows(loaded_from(t), row).table.shape[0] == 1


# ---- models made outside LayerLab -----------------------------------------------------------

def test_plain_h5_model_takes_the_numeric_columns_in_order(tmp_path):
    model = tm.plain_sequential(4, 1)
    path = tmp_path / "trained_model.h5"
    model.save(path)
    loaded = load.load_model_safely(path.read_bytes(), "trained_model.h5")
    assert not loaded.has_metadata and loaded.n_inputs == 4
    rows = pd.read_csv(SAMPLES / "iris.csv").head(6)  # 4 numeric columns + text species
    result = predict.predict_rows(loaded, rows)
    assert result.columns == ["output"]
    X = rows[tm.IRIS_FEATURES].to_numpy("float32")
    np.testing.assert_allclose(result.table["output"], model.predict(X, verbose=0)[:, 0],
                               rtol=1e-5)
    assert any("Text column(s) ignored: species" in n for n in result.notes)
    assert any("in this order: sepal length (cm), sepal width (cm)" in n for n in result.notes)
    assert [f.name for f in form_fields.form_fields(loaded)] == [f"input_{i}" for i in range(1, 5)]


def test_plain_model_with_a_different_column_count_is_a_clear_message():
    loaded = load.load_model_safely(export.save_keras_bytes(tm.plain_sequential(3, 2)),
                                    "m.keras")
    rows = pd.read_csv(SAMPLES / "iris.csv").head(3)
    with pytest.raises(PredictError, match=r"takes 3 numeric input\(s\), but the rows have 4 "
                                           r"numeric column\(s\) \(sepal length"):
        predict.predict_rows(loaded, rows)
    two = predict.predict_rows(loaded, rows.iloc[:, :3])
    assert two.columns == ["output_1", "output_2"]


def test_plain_model_refuses_empty_cells():
    loaded = load.load_model_safely(export.save_keras_bytes(tm.plain_sequential(2)), "m.keras")
    rows = pd.DataFrame({"a": [1.0, None], "b": [2.0, 3.0]})
    with pytest.raises(PredictError, match=r"empty or non-numeric cells: a\."):
        predict.predict_rows(loaded, rows)


# ---- CSV safety ------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-3.5", "-3.5"),
    ("+2", "+2"),
    ("-1e-3", "-1e-3"),
    ("plain", "plain"),
    ("", ""),
    ("-", "-"),  # a blank's mark, no formula: the data comes back as it was
    ("--", "--"),
    ("-=1+1", "'-=1+1"),
])
def test_formula_cells_are_neutralised_but_numbers_stay(value, expected):
    assert safe_csv.neutralise(value) == expected


def test_downloaded_predictions_cannot_carry_formulas():
    table = pd.DataFrame({"=evil()": ["=1+1", "ok"], "note": ["@x", "-4"],
                          "n": [-1.5, 2.0], "predicted_y": [-3.0, 4.0]})
    raw = safe_csv.safe_csv_bytes(table)
    rows = list(csv.reader(io.StringIO(raw.decode())))
    assert rows[0] == ["'=evil()", "note", "n", "predicted_y"]
    assert rows[1] == ["'=1+1", "'@x", "-1.5", "-3.0"]
    assert rows[2] == ["ok", "-4", "2.0", "4.0"]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "@", "\t", "\r")) and (
                not cell.startswith(("+", "-")) or float(cell) == float(cell))


def test_text_typed_in_a_csv_round_trips_safely():
    loaded = loaded_from(tm.tips())
    rows = pd.read_csv(SAMPLES / "tips.csv").head(2)
    rows["day"] = ["=cmd|' /C calc'!A0", "Sun"]
    result = predict.predict_rows(loaded, rows)
    back = pd.read_csv(io.BytesIO(safe_csv.safe_csv_bytes(result.table)))
    assert back.loc[0, "day"] == "'=cmd|' /C calc'!A0"
    assert back["predicted_tip"].dtype == float


# ---- training further ------------------------------------------------------------------------

def test_training_further_on_other_data_is_refused_with_a_message():
    """(The training itself is a run: tests/core/test_runs.py.)"""
    with pytest.raises(PredictError, match=r"takes 4 input\(s\), but the current data gives 12"):
        predict.check_compatible(loaded_from(tm.iris()), tm.tips().prepared)
    plain = load.load_model_safely(export.save_keras_bytes(tm.plain_sequential(12)), "m.keras")
    predict.check_compatible(plain, tm.tips().prepared)  # a plain model of the right width


def test_predict_module_imports_no_streamlit():
    code = ("import sys; import gui.core.inspection.predict, gui.core.saving.export, "
            "gui.core.inspection.evaluate, gui.core.saving.load, gui.core.saving.model_check; "
            "assert 'streamlit' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


# ---- the command line ------------------------------------------------------------------------

def test_cli_predict_writes_the_same_rows_as_the_page(tmp_path, capsys):
    from gui.cli import main

    t = tm.iris()
    model = tmp_path / "iris_20261123-0912.keras"
    model.write_bytes(export.save_keras_bytes(
        t.deploy, export.metadata(t.spec, t.prepared.preprocessor)))
    rows = tmp_path / "rows.csv"
    pd.read_csv(SAMPLES / "iris.csv").head(9).to_csv(rows, index=False)
    out = tmp_path / "predictions.csv"
    assert main(["predict", str(model), "--data", str(rows), "--out", str(out)]) == 0
    written = pd.read_csv(out)
    page = predict.predict_rows(load.load_model_safely(model.read_bytes(), model.name),
                                new_rows.read_rows(rows.read_bytes()).frame)
    pd.testing.assert_frame_equal(written, page.table, check_dtype=False, atol=1e-6)
    captured = capsys.readouterr()
    assert "Wrote 9 row(s)" in captured.out
    assert "note: Column(s) the model does not use were ignored: species." in captured.err


def test_cli_predict_errors_are_one_line_without_traceback(tmp_path):
    lambda_model = tmp_path / "evil.keras"
    lam = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Lambda(lambda x: x + 1)])
    lambda_model.write_bytes(export.save_keras_bytes(lam))
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b\n1,2\n")
    cases = [
        ([str(lambda_model), "--data", str(rows)], "Lambda layer"),
        ([str(tmp_path / "none.keras"), "--data", str(rows)], "model file not found"),
        ([str(SAMPLES / "iris.csv"), "--data", str(rows)], "not a Keras model file"),
    ]
    plain = tmp_path / "plain.h5"
    tm.plain_sequential(3).save(plain)
    cases.append(([str(plain), "--data", str(rows)], r"takes 3 numeric input\(s\)"))
    cases.append(([str(plain), "--data", str(rows), "--out", str(tmp_path / "p.parquet")],
                  r"--out writes a \.csv or an \.xlsx file \(or - for the screen\); received "))
    for argv, expected in cases:
        proc = subprocess.run([sys.executable, "-m", "gui", "predict", *argv], cwd=ROOT,
                              capture_output=True, text=True, timeout=240)
        assert proc.returncode == 1, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert lines[0].startswith("python -m gui predict: error: ")
        assert re.search(expected, lines[0]), lines[0]


def test_cli_predict_to_stdout_with_a_plain_model(tmp_path, capsys):
    from gui.cli import main

    plain = tmp_path / "trained_model.h5"
    tm.plain_sequential(2).save(plain)
    rows = tmp_path / "rows.csv"
    rows.write_text("x,y,name\n1,2,=cmd\n3,4,b\n")
    assert main(["predict", str(plain), "--data", str(rows)]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out))
    # every input column comes back (the text one too, formula-safe), then the output
    assert list(out.columns) == ["x", "y", "name", "output"] and len(out) == 2
    assert list(out["name"]) == ["'=cmd", "b"]


def test_read_rows_reads_every_format_the_data_page_reads():
    frame = pd.read_csv(SAMPLES / "iris.csv").head(3)
    book = io.BytesIO()
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="first", index=False)
        frame.to_excel(writer, sheet_name="rows", index=False)
    xlsx = new_rows.read_rows(book.getvalue(), "rows.xlsx", sheet="rows")
    assert xlsx.kind == "xlsx" and xlsx.sheets == ["first", "rows"]
    pd.testing.assert_frame_equal(xlsx.frame, frame, check_dtype=False)
    parquet = new_rows.read_rows(frame.to_parquet(index=False), "rows.parquet")
    pd.testing.assert_frame_equal(parquet.frame, frame, check_dtype=False)
    tsv = new_rows.read_rows(frame.to_csv(index=False, sep="\t").encode(), "rows.tsv")
    pd.testing.assert_frame_equal(tsv.frame, frame, check_dtype=False)


def test_cli_predict_reads_a_workbook_sheet_and_writes_a_workbook(tmp_path):
    t = tm.iris()
    model = tmp_path / "iris-run-1.keras"
    model.write_bytes(export.save_raw_keras_bytes(t.deploy, t.spec, t.prepared.preprocessor))
    frame = pd.read_csv(SAMPLES / "iris.csv").iloc[[0, 70, 140]]
    with pd.ExcelWriter(tmp_path / "rows.xlsx", engine="openpyxl") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="first", index=False)
        frame.to_excel(writer, sheet_name="rows", index=False)
    out = tmp_path / "out.xlsx"
    proc = subprocess.run([sys.executable, "-m", "gui", "predict", str(model), "--data",
                           str(tmp_path / "rows.xlsx"), "--sheet", "rows", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    written = pd.read_excel(out)
    assert list(written.columns[:5]) == list(frame.columns)
    assert list(written["species"]) == ["setosa", "versicolor", "virginica"]
    expected = predict.predict_rows(load.load_model_safely(model.read_bytes(), model.name),
                                    frame)
    np.testing.assert_allclose(written["probability_setosa"],
                               expected.table["probability_setosa"], atol=1e-6)
