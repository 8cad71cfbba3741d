"""CSV reading, bad input messages and the fitted preprocessing (gui.core.dataset)."""

from __future__ import annotations

import codecs

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler, Normalizer, StandardScaler

from gui.core import csv_io, dataset
from gui.core.csv_io import DataError, read_csv
from gui.core.dataset import prepare
from gui.core.preprocess import Preprocessor, is_numeric
from gui.core.spec import DataSpec
from tests.conftest import SAMPLES

GOOD = "a,b,label\n" + "".join(f"{i},{i * 2.5},{'yes' if i % 2 else 'no'}\n" for i in range(20))


def scaled_by_model(prep, X):
    """What the model's first layer (the fitted scaling) makes of encoded rows."""
    from gui.core import build

    layer = build.scaling_layer(prep)
    return X if layer is None else np.asarray(layer(X))


def read(text: str | bytes, name: str = "t.csv") -> csv_io.LoadedCSV:
    return read_csv(text.encode() if isinstance(text, str) else text, name)


def error_of(raw: bytes | str) -> str:
    with pytest.raises(DataError) as info:
        read(raw)
    return str(info.value)


# ---- reading good files ----------------------------------------------------------------------

@pytest.mark.parametrize("delimiter,name", [(",", "comma"), (";", "semicolon"), ("\t", "tab"),
                                            ("|", "pipe")])
def test_delimiters_are_detected(delimiter, name):
    loaded = read(GOOD.replace(",", delimiter))
    assert loaded.delimiter == delimiter
    assert list(loaded.frame.columns) == ["a", "b", "label"]
    assert loaded.frame["b"].iloc[3] == pytest.approx(7.5)


def test_semicolon_file_with_decimal_commas_in_quotes_keeps_columns():
    text = 'x;y;z\n"1,5";2;a\n"2,5";3;b\n"3,5";4;a\n"4,5";5;b\n"5,5";6;a\n'
    loaded = read(text)
    assert loaded.delimiter == ";"
    assert loaded.frame.shape == (5, 3)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "utf-8-sig", "utf-16-le", "cp1252"])
def test_encodings_are_detected(encoding):
    text = "città,prix €,naïve\n" + "".join(f"{i},{i}.5,é{i % 2}\n" for i in range(10))
    if encoding == "latin-1":
        text = text.replace("€", "E")
    loaded = read(text.encode(encoding))
    assert list(loaded.frame.columns) == ["città", "prix €" if "€" in text else "prix E", "naïve"]
    assert loaded.frame["naïve"].iloc[1] == "é1"


def test_cyrillic_cp1251_is_recognised():
    text = "имя,город,возраст\n" + "".join(f"Иван{i},Москва,{20 + i}\n" for i in range(10))
    loaded = read(text.encode("cp1251"))
    assert list(loaded.frame.columns) == ["имя", "город", "возраст"]


def test_utf8_bom_is_not_part_of_first_column_name():
    loaded = read(codecs.BOM_UTF8 + GOOD.encode())
    assert loaded.frame.columns[0] == "a"


def test_all_samples_read_and_prepare():
    from gui.core.samples import SAMPLES as ALL

    for sample in ALL:
        loaded = read_csv(sample.read_bytes(), sample.file)
        test = sample.read_test_bytes()
        test_frame = read_csv(test, sample.test_file).frame if test else None
        prepared = prepare(loaded.frame, DataSpec(target=sample.target), test_frame)
        assert prepared.X_train.dtype == np.float32
        assert np.isfinite(prepared.X_train).all()
        assert len(prepared.X_train) == len(prepared.y_train) > len(prepared.X_test) > 0


# ---- bad input: each one a specific message ---------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    (b"", "The file is empty"),
    (b"   \n\n  ", "The file is empty"),
    (b"a,b,c\n", "header row but no data rows"),
    (b"a,b,c\n1,2,3\n", "only 1 data row"),
    (b"only\n1\n2\n3\n4\n5\n6\n", "only one column"),
    (b"\x00\x01\x02\x03\xff\xfe\x10binary", "binary file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    (b"PK\x03\x04\x14\x00\x00\x00", "Excel"),
    (b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>",
     "web page (HTML)"),
    (b"<html>\n<head><title>x</title></head>\n</html>", "web page (HTML)"),
    (b"a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n1,1,1\n2,2,2\n", "Expected 3 fields in line 3, saw 4"),
    (b"a,b,a\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n2,2,2\n", "appear more than once: 'a'"),
])
def test_bad_files_get_specific_messages(raw, expected):
    assert expected in error_of(raw)


def test_ragged_message_says_how_to_fix():
    message = error_of(b"a;b\n1;2\n3;4;5\n6;7\n8;9\n1;1\n")
    assert "semicolon" in message and "double quotes" in message


def test_size_limit(monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_UPLOAD_MB", 0.001)
    assert "the limit is" in error_of(GOOD * 10)


def test_row_limit(monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 10)
    assert "more than 10 rows" in error_of(GOOD)


def test_thousands_of_columns_are_refused_with_the_limit():
    header = ",".join(f"c{i}" for i in range(5000))
    row = ",".join("1" for _ in range(5000))
    message = error_of(header + "\n" + (row + "\n") * 6)
    assert "5,000 columns" in message and "1,000" in message


def test_many_columns_under_the_limit_work():
    header = ",".join(f"c{i}" for i in range(900))
    rng = np.random.default_rng(0)
    rows = "\n".join(",".join(f"{v:.3f}" for v in rng.random(900)) for _ in range(30))
    loaded = read(header + "\n" + rows + "\n")
    prepared = prepare(loaded.frame, DataSpec(target="c0"))
    assert prepared.n_inputs == 899


def test_inf_and_huge_values_become_missing_with_a_warning():
    text = "x,y\n1,1\ninf,2\n3,1e300\n4,4\n5,5\n6,6\n-inf,7\n"
    loaded = read(text)
    joined = " ".join(loaded.warnings)
    assert "Column 'x': 2 infinite" in joined and "Column 'y': 1 infinite" in joined
    assert loaded.frame["x"].isna().sum() == 2
    prepared = prepare(loaded.frame, DataSpec(target="y", missing="mean", task="regression"))
    assert np.isfinite(prepared.X_train).all()


def test_semicolon_file_with_decimal_commas_reads_numbers():
    text = "x;y;z\n" + "".join(f"{i},5;{i};{'a' if i % 2 else 'b'}\n" for i in range(10))
    loaded = read(text)
    assert is_numeric(loaded.frame["x"])
    assert loaded.frame["x"].iloc[3] == pytest.approx(3.5)


def test_id_like_columns_are_left_out_of_default_features():
    frame = frame_of(**{"Unnamed: 0": range(30), "PassengerId": range(1, 31),
                        "age": [20 + i % 7 for i in range(30)], "y": [0, 1] * 15})
    assert dataset.default_features(frame, "y") == ["age"]


def test_mostly_numeric_column_with_a_typo_is_numeric():
    rows = "".join(f"{i},{i * 2}\n" for i in range(40)) + "oops,3\n"
    loaded = read("x,y\n" + rows)
    assert is_numeric(loaded.frame["x"])
    assert "'oops'" in loaded.warnings[0]


def frame_of(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


def prepare_error(frame, **spec) -> str:
    with pytest.raises(DataError) as info:
        prepare(frame, DataSpec(**spec))
    return str(info.value)


def test_target_with_no_values():
    frame = frame_of(x=range(10), y=[np.nan] * 10)
    assert "'y' has no values" in prepare_error(frame, target="y")


def test_target_with_a_single_value():
    frame = frame_of(x=range(10), y=["same"] * 10)
    message = prepare_error(frame, target="y")
    assert "single value ('same')" in message and "Choose another target" in message


def test_class_with_a_single_row_warns_and_splits_unstratified():
    frame = frame_of(x=range(21), y=["a"] * 10 + ["b"] * 10 + ["rare"])
    prepared = prepare(frame, DataSpec(target="y"))
    assert any("'rare' have a single row" in w for w in prepared.warnings)
    assert prepared.class_names == ["a", "b", "rare"]


def test_regression_on_text_target_is_refused():
    frame = frame_of(x=range(10), y=list("abcdeabcde"))
    assert "Regression needs a numeric target" in prepare_error(frame, target="y",
                                                                  task="regression")


def test_binary_override_needs_two_classes():
    frame = frame_of(x=range(12), y=[0, 1, 2] * 4)
    assert "exactly 2 classes; 'y' has 3" in prepare_error(frame, target="y", task="binary")


def test_no_features_selected():
    frame = frame_of(name=[f"n{i}" for i in range(40)], y=range(40))
    assert "No feature columns" in prepare_error(frame, target="y", text="drop",
                                                  features=["name"])


def test_dropping_missing_rows_that_leaves_too_few():
    frame = frame_of(x=[1, np.nan, np.nan, np.nan, np.nan, np.nan, 7], y=range(7))
    assert "Choose to fill missing values" in prepare_error(frame, target="y", missing="drop")


def test_unknown_target_column():
    frame = frame_of(x=range(10), y=range(10))
    assert "'nope' is not in the data" in prepare_error(frame, target="nope")


def test_test_csv_whose_columns_do_not_match():
    train = frame_of(a=range(20), b=range(20), y=[0, 1] * 10)
    test = frame_of(a=range(5), c=range(5), y=[0, 1, 0, 1, 0])
    with pytest.raises(DataError, match=r"test CSV lacks column\(s\) b"):
        prepare(train, DataSpec(target="y"), test)


def test_test_csv_with_unseen_class():
    train = frame_of(a=range(20), y=["u", "v"] * 10)
    test = frame_of(a=range(4), y=["u", "v", "w", "u"])
    with pytest.raises(DataError, match="not in the training data: w"):
        prepare(train, DataSpec(target="y"), test)


# ---- task detection ---------------------------------------------------------------------------

@pytest.mark.parametrize("values,task", [
    ([0, 1] * 50, "binary"),
    (["cat", "dog"] * 50, "binary"),
    (["a", "b", "c"] * 30, "multiclass"),
    ([0, 1, 2, 3] * 30, "multiclass"),
    (list(np.linspace(0, 1, 100)), "regression"),
    (list(range(100)), "regression"),
])
def test_detect_task(values, task):
    assert dataset.detect_task(pd.Series(values)) == task


# ---- the fitted preprocessing -----------------------------------------------------------------

def mixed_frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "num": rng.normal(10, 3, n),
        "other": rng.uniform(-5, 5, n),
        "colour": rng.choice(["red", "green", "blue"], n),
        "y": rng.choice(["lo", "hi"], n),
    })


def test_text_features_are_one_hot_encoded_and_labels_keep_names():
    frame = mixed_frame()
    prepared = prepare(frame, DataSpec(target="y", scaling="none"))
    prep = prepared.preprocessor
    assert prep.encoded_names_ == ["num", "other", "colour=blue", "colour=green", "colour=red"]
    onehot = prepared.X_train[:, 2:]
    assert set(np.unique(onehot)) == {0.0, 1.0} and (onehot.sum(axis=1) == 1).all()
    assert prepared.class_names == ["hi", "lo"]
    assert set(prepared.y_train) <= {0, 1}


def test_text_columns_can_be_left_out():
    prepared = prepare(mixed_frame(), DataSpec(target="y", text="drop"))
    assert prepared.preprocessor.encoded_names_ == ["num", "other"]
    assert any("left out: colour" in w for w in prepared.warnings)


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent"])
def test_imputation_uses_training_rows_only(strategy):
    frame = mixed_frame(80)
    frame.loc[::7, "num"] = np.nan
    frame.loc[::9, "colour"] = np.nan
    prepared = prepare(frame, DataSpec(target="y", missing=strategy, scaling="none"))
    fill = prepared.preprocessor.fill_["num"]
    assert np.isfinite(prepared.X_train).all() and np.isfinite(prepared.X_test).all()
    assert len(prepared.X_train) + len(prepared.X_test) == 80
    values = frame.loc[prepared.train_index, "num"].dropna()
    expected = {"mean": values.mean(), "median": values.median(),
                "most_frequent": values.mode().min()}[strategy]
    assert fill == pytest.approx(expected)
    assert fill != pytest.approx(frame["num"].agg("mean" if strategy == "mean" else "median"))


def test_drop_missing_rows_counts_them():
    frame = mixed_frame(50)
    frame.loc[[1, 2, 3], "other"] = np.nan
    prepared = prepare(frame, DataSpec(target="y", missing="drop"))
    assert len(prepared.X_train) + len(prepared.X_test) == 47
    assert any("3 row(s) with missing" in w for w in prepared.warnings)


@pytest.mark.parametrize("kind,scaler", [("standard", StandardScaler()),
                                         ("minmax", MinMaxScaler())])
def test_scaling_matches_sklearn_fitted_on_train(kind, scaler):
    frame = mixed_frame(100).drop(columns="colour")
    prepared = prepare(frame, DataSpec(target="y", scaling=kind))
    expected = scaler.fit(prepared.X_train).transform(prepared.X_test)
    got = scaled_by_model(prepared.preprocessor, prepared.X_test)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    # fitted on the training rows only: the test part is not exactly standardised
    if kind == "standard":
        test_means = scaled_by_model(prepared.preprocessor, prepared.X_test).mean(axis=0)
        assert not np.allclose(test_means, 0, atol=1e-6)


def test_l2_scaling_normalises_rows():
    prepared = prepare(mixed_frame().drop(columns="colour"), DataSpec(target="y", scaling="l2"))
    scaled = scaled_by_model(prepared.preprocessor, prepared.X_train)
    np.testing.assert_allclose(np.linalg.norm(scaled, axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(scaled, Normalizer().fit_transform(prepared.X_train), rtol=1e-5)


def test_constant_column_scales_without_dividing_by_zero():
    frame = frame_of(const=[3.0] * 30, x=np.arange(30.0), y=np.arange(30.0) * 2)
    for kind in ("standard", "minmax"):
        prepared = prepare(frame, DataSpec(target="y", scaling=kind))
        assert np.isfinite(scaled_by_model(prepared.preprocessor, prepared.X_train)).all()


def test_target_min_max_scaling_and_inverse():
    frame = frame_of(x=np.arange(50.0), y=np.arange(50.0) * 10 + 100)
    prepared = prepare(frame, DataSpec(target="y", scale_target=True))
    prep = prepared.preprocessor
    assert prepared.y_train.min() >= 0 and prepared.y_train.max() <= 1
    assert prep.target_range_ > 0
    raw = prepared.raw_test["y"].to_numpy()
    np.testing.assert_allclose(prep.decode_target(prepared.y_test), raw, rtol=1e-5)


def test_split_fraction_seed_and_stratification():
    frame = frame_of(x=range(100), y=["a"] * 80 + ["b"] * 20)
    one = prepare(frame, DataSpec(target="y", test_fraction=0.25, split_seed=3))
    two = prepare(frame, DataSpec(target="y", test_fraction=0.25, split_seed=3))
    other = prepare(frame, DataSpec(target="y", test_fraction=0.25, split_seed=4))
    assert len(one.X_test) == 25
    np.testing.assert_array_equal(one.X_test, two.X_test)
    assert not np.array_equal(one.X_test, other.X_test)
    assert (one.y_test == one.class_names.index("b")).sum() == 5  # stratified: 20%


def test_separate_test_csv_is_used_as_is():
    train = read_csv((SAMPLES / "life_expectancy_train.csv").read_bytes()).frame
    test = read_csv((SAMPLES / "life_expectancy_test.csv").read_bytes()).frame
    prepared = prepare(train, DataSpec(target="lifeExp"), test)
    assert len(prepared.X_test) == len(test) and len(prepared.X_train) == len(train)
    assert "country" not in prepared.preprocessor.feature_names_  # identifier-like, left out


def test_unseen_category_at_predict_time_encodes_as_all_zero():
    prepared = prepare(mixed_frame(), DataSpec(target="y"))
    rows = pd.DataFrame({"num": [1.0], "other": [2.0], "colour": ["purple"]})
    encoded = prepared.preprocessor.encode(rows)
    assert encoded.shape == (1, 5) and encoded[0, 2:].sum() == 0


def test_preprocessor_round_trips_as_json():
    import json

    prepared = prepare(mixed_frame(), DataSpec(target="y", missing="median"))
    prep = prepared.preprocessor
    state = json.loads(json.dumps(prep.to_dict()))
    again = Preprocessor.from_dict(state)
    raw = prepared.raw_test.drop(columns="y")
    np.testing.assert_array_equal(again.encode(raw), prep.encode(raw))
    assert again.classes_ == prep.classes_


def test_missing_columns_at_encode_time_are_named():
    prepared = prepare(mixed_frame(), DataSpec(target="y"))
    with pytest.raises(DataError, match="Missing column.*colour"):
        prepared.preprocessor.encode(pd.DataFrame({"num": [1.0], "other": [1.0]}))


def test_profile_describes_columns():
    prof = dataset.profile(mixed_frame())
    assert prof.loc["num", "type"] == "number" and prof.loc["colour", "type"] == "text"
    assert prof.loc["colour", "distinct"] == 3
    assert prof.loc["num", "mean"] == pytest.approx(mixed_frame()["num"].mean())
