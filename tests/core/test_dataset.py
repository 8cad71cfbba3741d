"""Preparing data: target and task checks, splits, default features, the column profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gui.core.data import dataset
from gui.core.data.dataset import prepare
from gui.core.data.formats.csv_io import read_csv
from gui.core.data.formats.loaded import DataError
from gui.core.spec.schema import DataSpec


def test_all_samples_read_and_prepare():
    from gui.core.data.samples import SAMPLES as ALL

    for sample in ALL:
        loaded = read_csv(sample.read_bytes(), sample.file)
        test = sample.read_test_bytes()
        test_frame = read_csv(test, sample.test_file).frame if test else None
        prepared = prepare(loaded.frame, DataSpec(target=sample.target), test_frame)
        assert prepared.X_train.dtype == np.float32
        assert np.isfinite(prepared.X_train).all()
        assert len(prepared.X_train) == len(prepared.y_train) > len(prepared.X_test) > 0



def test_id_like_columns_are_left_out_of_default_features():
    frame = frame_of(**{"Unnamed: 0": range(30), "PassengerId": range(1, 31),
                        "age": [20 + i % 7 for i in range(30)], "y": [0, 1] * 15})
    assert dataset.default_features(frame, "y") == ["age"]



def mixed_frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "num": rng.normal(10, 3, n),
        "other": rng.uniform(-5, 5, n),
        "colour": rng.choice(["red", "green", "blue"], n),
        "y": rng.choice(["lo", "hi"], n),
    })


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
    message = prepare_error(frame, target="nope")
    assert message.startswith("Expected a column of the data, e.g. x, y.")
    assert "Received: target 'nope', which is not in the data" in message


def test_test_csv_whose_columns_do_not_match():
    train = frame_of(a=range(20), b=range(20), y=[0, 1] * 10)
    test = frame_of(a=range(5), c=range(5), y=[0, 1, 0, 1, 0])
    with pytest.raises(DataError, match=r"test file lacks column\(s\) b"):
        prepare(train, DataSpec(target="y"), test)


def test_a_sorted_training_file_beside_a_test_file_is_not_validated_on_its_last_rows():
    """With a separate test file the training rows are taken in an order drawn by the split
    seed: the validation share (the last training rows, as Keras' validation_split) of a
    file sorted by class holds every class, not only the last one."""
    from gui.core.spec.validate import validation_rows

    train = frame_of(a=range(90), y=["u"] * 30 + ["v"] * 30 + ["w"] * 30)  # sorted by class
    test = frame_of(a=range(6), y=["u", "v", "w"] * 2)
    spec = DataSpec(target="y")
    prepared = prepare(train, spec, test)
    held = validation_rows(len(prepared.y_train), 0.2)
    last = prepared.y_train[-held:]
    assert len(set(np.asarray(last).tolist())) == 3, last
    assert sorted(prepared.X_train[:, 0].tolist()) == list(range(90))  # every row, once
    again = prepare(train, spec, test)
    assert prepared.X_train.tolist() == again.X_train.tolist()  # the same seed, the same order
    spec.split_seed += 1
    assert prepare(train, spec, test).X_train.tolist() != prepared.X_train.tolist()


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



def test_profile_describes_columns():
    prof = dataset.profile(mixed_frame())
    assert prof.loc["num", "type"] == "number" and prof.loc["colour", "type"] == "text"
    assert prof.loc["colour", "distinct"] == 3
    assert prof.loc["num", "mean"] == pytest.approx(mixed_frame()["num"].mean())


def test_features_are_encoded_when_first_asked_for_with_the_same_result():
    """The Data page reads counts and names only; the arrays and the scaling come when asked,
    in either order, the same as fitting and encoding at once."""
    from gui.core.data.preprocess import Preprocessor

    frame = mixed_frame(80)
    spec = DataSpec(target="y", scaling="standard")
    scaling_first = prepare(frame, spec)
    scaling = scaling_first.preprocessor.scaling_  # before the arrays
    arrays_first = prepare(frame, spec)
    assert arrays_first.n_train == len(arrays_first.X_train) == len(arrays_first.y_train)
    assert arrays_first.n_test == len(arrays_first.X_test) == len(arrays_first.y_test)
    assert arrays_first.preprocessor.scaling_ == scaling
    np.testing.assert_array_equal(scaling_first.X_train, arrays_first.X_train)
    train = frame.loc[arrays_first.train_index]
    features = arrays_first.preprocessor.feature_names_
    eager = Preprocessor(spec, arrays_first.task)
    X, y = eager.fit_transform(train[features], train["y"])
    np.testing.assert_array_equal(X, arrays_first.X_train)
    np.testing.assert_array_equal(y, arrays_first.y_train)
    assert eager.scaling_ == scaling and eager.to_dict() == arrays_first.preprocessor.to_dict()
    np.testing.assert_array_equal(eager.encode(arrays_first.raw_test[features]),
                                  arrays_first.X_test)
    no_test = arrays_first.without_test_rows()
    assert no_test.n_test == len(no_test.X_test) == 0
    np.testing.assert_array_equal(no_test.X_train, arrays_first.X_train)


def test_a_kept_selection_prepares_a_new_split_as_from_scratch():
    frame = mixed_frame(80)
    spec = DataSpec(target="y")
    selection = dataset.select(frame, spec)
    spec.test_fraction, spec.split_seed = 0.3, 7
    kept, fresh = prepare(frame, spec, selection=selection), prepare(frame, spec)
    assert kept.n_test == fresh.n_test == 24
    assert list(kept.train_index) == list(fresh.train_index)
    np.testing.assert_array_equal(kept.X_train, fresh.X_train)
    assert kept.preprocessor.to_dict() == fresh.preprocessor.to_dict()


def test_a_rare_class_is_said_with_its_rows():
    frame = pd.DataFrame({"x": np.arange(200.0), "y": ["a"] * 120 + ["b"] * 76 + ["c"] * 4})
    said = dataset.prepare(frame, DataSpec(target="y", features=["x"])).warnings
    assert said == ["Few rows are of class(es) 'c' (4 rows, 2% of the table): a network "
                    "learns the common classes first and may never predict a rare one, while "
                    "its accuracy still looks high. Evaluate says when it is no better than "
                    "always predicting the most common class, and its confusion matrix and "
                    "per-class scores show how it does on the rare ones; more rows of them "
                    "help most."]
    # a minority of 6% in a binary table (a fraud column) is said too
    fraud = pd.DataFrame({"x": np.arange(500.0), "fraud": [1] * 30 + [0] * 470})
    said = dataset.prepare(fraud, DataSpec(target="fraud", features=["x"])).warnings
    assert "class(es) 1 (30 rows, 6% of the table)" in said[0]
    many = pd.DataFrame({"x": np.arange(400.0), "y": [f"k{i % 40}" for i in range(400)]})
    assert dataset.prepare(many, DataSpec(target="y", features=["x"])).warnings == []


def test_a_number_target_that_is_mostly_one_value_is_said():
    rng = np.random.default_rng(0)
    claims = np.where(rng.random(300) < 0.8, 0.0, rng.gamma(2, 900, 300).round(0))
    frame = pd.DataFrame({"age": rng.integers(18, 80, 300).astype(float), "claims": claims})
    said = dataset.prepare(frame, DataSpec(target="claims", features=["age"])).warnings
    share = (claims == 0).mean()
    assert [w for w in said if w.startswith(f"{share:.0%} of the rows have claims = 0: "
                                            "predicted as a number")]
    spread = frame.assign(claims=rng.normal(size=300))  # no value in half the rows: silent
    assert not [w for w in dataset.prepare(spread, DataSpec(target="claims", features=["age"])
                                           ).warnings if "of the rows have" in w]
