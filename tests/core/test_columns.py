"""Column roles: the columns left out by default (with their reasons), putting one back, and
numeric codes treated as categories — through the spec, the Preprocessor's JSON, a saved
model, the generated script, the bundle's README recipe and the CLI."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest

from gui.cli import main
from gui.core.data import columns, dataset
from gui.core.data.preprocess import Preprocessor, code_text
from gui.core.inspection import form_fields, predict
from gui.core.model import codegen
from gui.core.model.build import build_model, training_targets, with_unscaled_output
from gui.core.saving import export, load
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import DataSpec, ExperimentSpec, LayerSpec
from gui.core.spec.vocabulary import MAX_CATEGORIES

ROWS = 120


def table(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """A table with one column of each kind LayerLab leaves out, and useful ones."""
    rng = np.random.default_rng(seed)
    kind = rng.choice([1, 2, 3], size=rows)           # codes: 1, 2, 3 mean kinds, not sizes
    size = rng.normal(10, 2, size=rows).round(2)
    return pd.DataFrame({
        "row": rng.permutation(rows),                  # 0 .. rows-1, shuffled: an index
        "customer_id": np.arange(1001, 1001 + rows),   # a running id
        "size": size,
        "kind": kind,
        "country": ["Fr"] * rows,                      # one value in every row
        "zeros": np.zeros(rows),                       # one number in every row
        "name": [f"person {i}" for i in range(rows)],  # different in every row
        "city": [f"city {i % 40}" for i in range(rows)],  # 40 categories
        "colour": rng.choice(["red", "green", "blue"], size=rows),
        "buys": np.where((kind == 2) ^ (size > 10), "yes", "no"),
    })


# ---- left out by default, and why -----------------------------------------------------------

def test_left_out_names_each_column_with_its_reason():
    reasons = columns.left_out(table(), "buys")
    assert list(reasons) == ["row", "customer_id", "country", "zeros", "name", "city"]
    assert reasons["row"].startswith("a running number (0, 1, …, 119)")
    assert reasons["customer_id"].startswith("a running number (1001, 1002, …, 1120)")
    assert reasons["country"] == ("it holds a single value (Fr) in every row, so it cannot "
                                  "tell rows apart.")
    assert reasons["zeros"].startswith("it holds a single value (0) in every row")
    assert reasons["name"].startswith("different in every row (an id or a name)")
    assert reasons["city"] == (f"40 different values, more than the {MAX_CATEGORIES} "
                               "categories one-hot encoding keeps.")


@pytest.mark.parametrize("dates", [
    [f"2023-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(120)],   # ISO dates
    [f"{1 + i % 28:02d}/{1 + i // 28:02d}/2023 08:{i % 60:02d}" for i in range(120)],
])
def test_a_column_of_dates_is_said_to_be_dates_with_what_to_do(dates):
    frame = table().assign(listed_on=dates)
    reason = columns.left_out(frame, "buys")["listed_on"]
    assert reason.startswith(f"dates ({dates[0]}, …): a network takes numbers and categories")
    assert "add columns such as the year, the month or the day of the week" in reason
    tickets = [f"PC {17000 + i * 7}" for i in range(120)]  # digits, but no dates
    assert columns.left_out(frame.assign(listed_on=tickets), "buys")["listed_on"].startswith(
        "different in every row (an id or a name)")
    codes = [f"t{i}" for i in range(120)]  # parsed as dates of the year 1: codes, not dates
    assert columns.left_out(frame.assign(listed_on=codes), "buys")["listed_on"].startswith(
        "different in every row (an id or a name)")


def test_default_features_leave_out_exactly_those_columns():
    frame = table()
    assert dataset.default_features(frame, "buys") == ["size", "kind", "colour"]
    # The target is never among them, and is not "left out" either.
    assert "kind" not in columns.left_out(frame, "kind")
    assert dataset.default_features(frame, "kind") == ["size", "colour", "buys"]


def test_a_column_of_nothing_but_gaps_is_left_out_and_few_rows_are_no_running_number():
    frame = pd.DataFrame({"empty": [np.nan] * 5, "n": [1, 2, 3, 4, 5], "y": [0, 1, 0, 1, 1]})
    assert columns.left_out(frame, "y") == {"empty": "it is empty in every row."}


def test_a_categorical_number_follows_the_text_rule():
    frame = table()
    frame["zip"] = np.arange(ROWS) % 50 + 75000     # 50 zip codes: too many to one-hot
    # as a number: a code that names a place, not a quantity (numbers that name, below)
    assert columns.left_out(frame, "buys")["zip"].startswith("a number that names")
    reason = columns.left_out(frame, "buys", categorical=["zip"])["zip"]
    assert reason.startswith("50 different values, more than the 30 categories")
    assert "zip" not in dataset.default_features(frame, "buys", ["zip"])


def test_a_column_put_back_is_used():
    frame = table()
    spec = DataSpec(target="buys", features=["size", "kind", "colour", "city"])
    prepared = dataset.prepare(frame, spec)
    assert prepared.preprocessor.feature_names_ == ["size", "kind", "colour", "city"]
    assert sum(n.startswith("city=") for n in prepared.preprocessor.encoded_names_) == \
        MAX_CATEGORIES
    # No features at all means the default ones, with the same rules.
    prepared = dataset.prepare(frame, DataSpec(target="buys"))
    assert prepared.preprocessor.feature_names_ == ["size", "kind", "colour"]


# ---- numbers treated as categories ------------------------------------------------------------

def test_code_text_names_a_code_the_same_however_it_is_written():
    values = pd.Series([3, 3.0, "3", " 3", 2.5, "x", None, np.nan, 90210], dtype=object)
    assert code_text(values).tolist()[:6] == ["3", "3", "3", "3", "2.5", "x"]
    assert pd.isna(code_text(values)).tolist()[6:8] == [True, True]
    assert code_text(values).tolist()[8] == "90210"


def test_a_numeric_column_treated_as_categories_is_one_hot_encoded():
    frame = table()
    spec = DataSpec(target="buys", features=["size", "kind"], categorical=["kind"])
    prepared = dataset.prepare(frame, spec)
    prep = prepared.preprocessor
    assert prep.numeric_ == ["size"] and prep.text_ == ["kind"]
    assert prep.categories_["kind"] == ["1", "2", "3"]
    assert prep.encoded_names_ == ["size", "kind=1", "kind=2", "kind=3"]
    rows = pd.DataFrame({"size": [9.0, 11.0, 10.0, 10.0], "kind": [2, 2.0, "3", None]})
    encoded = prep.encode(rows)
    np.testing.assert_array_equal(encoded[:, 1:], [[0, 1, 0], [0, 1, 0], [0, 0, 1],
                                                   np.eye(3)[int(prep.fill_["kind"]) - 1]])
    # As a number it is one input.
    plain = dataset.prepare(frame, DataSpec(target="buys", features=["size", "kind"]))
    assert plain.preprocessor.encoded_names_ == ["size", "kind"]


def test_the_roles_round_trip_through_the_spec_and_the_preprocessor_json():
    frame = table()
    data = DataSpec(source="t.csv", target="buys", features=["size", "kind", "row"],
                    categorical=["kind"])
    spec = default_spec("binary", 2, data=data)
    again = ExperimentSpec.from_json(spec.to_json())
    assert again.data.categorical == ["kind"] and again.data.features == ["size", "kind", "row"]
    assert again == spec
    prep = dataset.prepare(frame, again.data).preprocessor
    copy = Preprocessor.from_dict(json.loads(json.dumps(prep.to_dict())))
    rows = frame.head(9).assign(kind=frame["kind"].head(9).astype(float))
    np.testing.assert_array_equal(copy.encode(rows), prep.encode(rows))
    assert copy.spec.categorical == ["kind"]


def _trained(frame: pd.DataFrame, data: DataSpec, epochs: int = 3):
    prepared = dataset.prepare(frame, data)
    spec = default_spec(prepared.task, prepared.n_classes, data=data)
    spec.layers = [LayerSpec(type="Dense", units=8, activation="relu"), spec.layers[-1]]
    spec.fit.epochs, spec.fit.seed = epochs, 1
    keras.utils.set_random_seed(1)
    model = build_model(spec, prepared.preprocessor)
    model.fit(prepared.X_train, training_targets(prepared.y_train, spec, prepared.n_classes),
              epochs=epochs, verbose=0)
    return spec, prepared, with_unscaled_output(model, prepared.preprocessor)


def test_a_saved_model_predicts_the_codes_and_its_form_offers_them(tmp_path):
    frame = table()
    spec, prepared, deploy = _trained(frame, DataSpec(source="t.csv", target="buys",
                                                      features=["size", "kind"],
                                                      categorical=["kind"]))
    raw = export.save_keras_bytes(deploy, export.metadata(spec, prepared.preprocessor))
    loaded = load.load_model_safely(raw, "t.keras")
    assert loaded.preprocessor.text_ == ["kind"]
    fields = {f.name: f for f in form_fields.form_fields(loaded)}
    assert fields["kind"].kind == "choice" and fields["kind"].options == ["1", "2", "3"]
    assert fields["size"].kind == "number"
    typed = predict.predict_rows(loaded, pd.DataFrame([{"size": 9.0, "kind": "2"}]))
    as_file = predict.predict_rows(loaded, pd.DataFrame([{"size": 9.0, "kind": 2.0}]))
    probabilities = ["probability_no", "probability_yes"]
    assert typed.table[probabilities].equals(as_file.table[probabilities])
    assert typed.table["predicted_buys"].equals(as_file.table["predicted_buys"])
    app = deploy.predict(prepared.preprocessor.encode(pd.DataFrame(
        [{"size": 9.0, "kind": 2}])), verbose=0)
    assert typed.table["probability_yes"][0] == pytest.approx(float(app[0, 0]), rel=1e-5)
    # The bundle's README recipe (raw columns into its model.keras) predicts the codes as the
    # app does, without LayerLab.
    bundle = export.bundle_bytes(deploy, spec, prepared.preprocessor)
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        zf.extractall(tmp_path)
    readme = (tmp_path / "README.md").read_text()
    assert "`kind`" in readme
    code = re.search(r"```python\n(.*?)```", readme, re.S)[1]
    rows = frame[["size", "kind"]].head(10).astype({"kind": float})
    rows.loc[3, "kind"] = np.nan
    rows.to_csv(tmp_path / "rows.csv", index=False)  # kind is written 2.0, 3.0, ...
    code += "\nnp.save('out.npy', outputs)\n"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, timeout=240,
                   env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin",
                        "HOME": str(tmp_path)})
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"),
                               deploy.predict(prepared.preprocessor.encode(rows), verbose=0),
                               atol=1e-6)


def test_the_generated_script_encodes_the_codes_like_the_app(tmp_path):
    from tests.core.test_codegen import assert_same_scaling, run

    frame = table()
    frame.loc[5, "kind"] = np.nan  # read back as floats: 1.0, 2.0, 3.0, missing
    data = DataSpec(source="t.csv", target="buys", features=["size", "kind"],
                    categorical=["kind"])
    prepared = dataset.prepare(frame, data)
    spec = default_spec(prepared.task, prepared.n_classes, data=data)
    script = codegen.python_script(spec, prepared.preprocessor)
    assert "CODE_FEATURES = ['kind']" in script
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = run(script, tmp_path, "--epochs", "1")
    assert "Inputs per row after encoding: 4" in result.stdout
    assert_same_scaling(keras.models.load_model(tmp_path / "model.keras"),
                        prepared.preprocessor)


def test_the_cli_trains_and_predicts_with_a_spec_that_treats_codes_as_categories(
        tmp_path, capsys):
    frame = table()
    frame.to_csv(tmp_path / "t.csv", index=False)
    data = DataSpec(source="t.csv", target="buys", features=["size", "kind", "row"],
                    categorical=["kind"])
    spec = default_spec("binary", 2, data=data)
    spec.fit.epochs = 2
    (tmp_path / "spec.json").write_text(spec.to_json())
    out = tmp_path / "model"
    assert main(["train", "--data", str(tmp_path / "t.csv"), "--spec",
                 str(tmp_path / "spec.json"), "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "(binary, 5 inputs)" in text  # size, row and kind=1, kind=2, kind=3
    saved = ExperimentSpec.from_json((out / "spec.json").read_text())
    assert saved.data.categorical == ["kind"] and saved.data.features == ["size", "kind", "row"]
    prep = Preprocessor.from_dict(json.loads((out / "preprocessing.json").read_text()))
    assert prep.encoded_names_ == ["size", "row", "kind=1", "kind=2", "kind=3"]
    rows = frame.drop(columns="buys").head(6).astype({"kind": float})
    rows.to_csv(tmp_path / "rows.csv", index=False)
    assert main(["predict", str(out / "model.keras"), "--data", str(tmp_path / "rows.csv"),
                 "--out", str(tmp_path / "predicted.csv")]) == 0
    predicted = pd.read_csv(tmp_path / "predicted.csv")
    assert len(predicted) == 6 and set(predicted["predicted_buys"]) <= {"yes", "no"}
    model = keras.models.load_model(out / "model.keras", safe_mode=True)
    network = model.get_layer("network")  # the trained network inside the raw-column model
    expected = network.predict(prep.encode(frame.head(6)), verbose=0)[:, 0]
    np.testing.assert_allclose(predicted["probability_yes"], expected, rtol=1e-4, atol=1e-6)
    assert "kind" not in capsys.readouterr().err  # no note that codes were unknown


@pytest.mark.parametrize("name", ["**bold**", "[click](http://evil.example)", "a`b"])
def test_the_readme_shows_names_as_code(name):
    span = export.code_span(name)
    assert name in span and span.startswith("`") and span.endswith("`")
    fence = re.match("`+", span)[0]
    assert fence not in name  # the fence is longer than any backtick run inside


# ---- the default target ----------------------------------------------------------------------

def test_default_target_is_a_label_named_column_before_a_trailing_year():
    from gui.core.data.columns import default_target

    penguins = pd.DataFrame({"species": ["Adelie", "Gentoo"] * 10,
                             "bill_length_mm": [39.1 + i for i in range(20)],
                             "year": [2007, 2008] * 10})
    assert default_target(penguins) == ("species", "its name says it is what to predict")
    titanic = pd.DataFrame({"Survived": [0, 1] * 10, "Age": range(20, 40)})
    assert default_target(titanic)[0] == "Survived"


def test_default_target_skips_date_parts_and_running_numbers_at_the_end():
    from gui.core.data.columns import default_target

    n = 40
    frame = pd.DataFrame({"temp": [float(i % 7) for i in range(n)],
                          "sales": [float(i * 3 % 11) for i in range(n)],
                          "Month": [i % 12 + 1 for i in range(n)],
                          "row": range(1, n + 1)})
    target, why = default_target(frame)
    assert target == "sales"
    assert why.endswith("(Month is a date part; row: a running number)")  # each its reason
    frame["notes"] = None
    assert default_target(frame[["temp", "sales", "notes"]])[1].endswith(
        "(notes: it is empty in every row)")
    # y beside x is a coordinate, not a label: the last column is predicted
    quakes = pd.DataFrame({"x": [0.5, 1.5, 2.5], "y": [3.0, 1.0, 2.0],
                           "depth": [10.0, 33.0, 5.0], "magnitude": [4.1, 5.2, 3.3]})
    assert default_target(quakes) == ("magnitude", "the last column")
    assert default_target(quakes.drop(columns="x"))[0] == "y"


def test_default_target_is_the_column_the_file_is_named_after_unless_it_is_an_id():
    from gui.core.data.columns import default_target

    tips = pd.DataFrame({"total_bill": [16.99, 10.34, 21.01], "tip": [1.01, 1.66, 3.5],
                         "time": ["Dinner", "Lunch", "Dinner"], "size": [2, 3, 3]})
    assert default_target(tips, "tips.csv") == ("tip", "the file tips.csv is named after it")
    assert default_target(tips, "restaurant.csv")[0] == "size"  # no such column: the last
    mpg = pd.DataFrame({"mpg": [18.0, 15.0, 36.0], "horsepower": [130, 165, 88],
                        "name": ["chevrolet chevelle", "buick skylark", "ford pinto"]})
    assert default_target(mpg, "data/MPG.xlsx")[0] == "mpg"
    students = pd.DataFrame({"student": [f"s{i}" for i in range(40)],
                             "score": [float(i % 5) for i in range(40)]})
    assert default_target(students, "students.csv")[0] == "score"  # a name per row: not it
    labelled = tips.assign(label=["a", "b", "a"])
    assert default_target(labelled, "tips.csv")[0] == "label"  # a label's name comes first


def test_default_target_takes_label_names_in_their_order_and_skips_ids():
    from gui.core.data.columns import default_target

    n = 40
    frame = pd.DataFrame({"Class": [f"c{i % 3}" for i in range(n)],
                          "x": [float(i % 7) for i in range(n)],
                          "target": [float(i % 5) for i in range(n)]})
    assert default_target(frame)[0] == "target"  # `target` before `class`, wherever it is
    constant = frame.assign(target=1.0)
    assert default_target(constant)[0] == "Class"  # one value: nothing to predict
    stores = pd.DataFrame({"sales": [float(i % 9) for i in range(n)],
                           "store_id": [i % 4 for i in range(n)]})
    target, why = default_target(stores)
    assert target == "sales" and "(store_id is an id" in why


def test_default_target_skips_notes_about_the_row_and_mostly_empty_columns():
    """A trailing notes column (a few repeated remarks, empty in most rows) or who typed
    the row is no default target; a label named with a note in brackets is one."""
    from gui.core.data.columns import default_target

    n = 40
    churn = pd.DataFrame({"temp": [float(i % 7) for i in range(n)],
                          "churned": ["yes", "no"] * (n // 2),
                          "year": [2020 + i % 3 for i in range(n)],
                          "notes": ["VIP", None, "called twice", None, "complaint"] * (n // 5)})
    assert default_target(churn) == ("churned", "its name says it is what to predict")
    renamed = churn.rename(columns={"churned": "left"})
    target, why = default_target(renamed)
    assert target == "left"
    assert why.endswith("(year is a date part; notes is a note about the row)"), why
    sparse = renamed.rename(columns={"notes": "flag"})
    assert default_target(sparse)[1].endswith("(year is a date part; flag is empty in 40% "
                                              "of the rows)")
    loans = pd.DataFrame({"Default (1=yes, 2=no)": [1, 2] * (n // 2),
                          "amount": [float(i) * 3 % 17 for i in range(n)],
                          "entered_by": ["ann", "bob", "cy", "dee"] * (n // 4)})
    assert default_target(loans)[0] == "Default (1=yes, 2=no)"
    assert default_target(loans.drop(columns="Default (1=yes, 2=no)"))[0] == "amount"
    assert default_target(pd.DataFrame({"class_size": [20, 25], "score": [1.0, 2.0]}))[0] \
        == "score"  # `class` only as the whole name, or before a note in brackets


def test_numbers_that_name_rather_than_measure_are_left_out():
    """A customer number drawn at random, a postcode: whole numbers named as codes are no
    quantity (a count named "number_of_rooms" is one)."""
    from gui.core.data.columns import default_target, left_out

    n = 40
    frame = pd.DataFrame({"customer_number": [48213377 + 7919 * i * i % 99991 for i in range(n)],
                          "postcode": [2134, 2139, 10115, 80331] * (n // 4),
                          "number_of_rooms": [1 + i % 5 for i in range(n)],
                          "spend": [float(i % 13) for i in range(n)],
                          "zip": [2134, 2139, 10115, 80331] * (n // 4)})
    reasons = left_out(frame, "spend")
    assert set(reasons) == {"customer_number", "postcode", "zip"}
    assert reasons["postcode"].startswith("a number that names rather than measures (2134, …")
    assert default_target(frame)[0] == "spend"  # not the trailing zip
    assert left_out(frame, "spend", categorical=["postcode"]).get("postcode") is None


def test_default_target_keeps_the_last_column_of_headerless_and_plain_tables():
    from gui.core.data.columns import default_target

    headerless = pd.DataFrame({f"column_{i}": [1.0, 2.0, 3.0] for i in range(1, 5)})
    assert default_target(headerless)[0] == "column_4"
    plain = pd.DataFrame({"a": [1.0, 2.0], "b": [0.5, 0.7]})
    assert default_target(plain) == ("b", "the last column")


def test_a_single_valued_text_column_under_a_repeated_index_is_named_once():
    # pandas makes the first field the index when rows have one more field than the header,
    # so index labels repeat (found by test_dataset_fuzz)
    from gui.core.data.columns import why_left_out

    column = pd.Series(["a", "a", None], index=[0, 0, 1])
    assert why_left_out(column) == ("it holds a single value (a) in every row, so it cannot "
                                    "tell rows apart.")
