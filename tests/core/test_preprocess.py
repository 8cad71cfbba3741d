"""The fitted preprocessing: one-hot, imputation and scaling fitted on the training rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler, Normalizer, StandardScaler

from gui.core.data.dataset import prepare
from gui.core.data.formats.csv_io import read_csv
from gui.core.data.formats.loaded import DataError
from gui.core.data.preprocess import Preprocessor
from gui.core.spec.schema import DataSpec
from tests.conftest import SAMPLES
from tests.core.test_dataset import frame_of, mixed_frame


def scaled_by_model(prep, X):
    """What the model's first layer (the fitted scaling) makes of encoded rows."""
    from gui.core.model import build

    layer = build.scaling_layer(prep)
    return X if layer is None else np.asarray(layer(X))



# ---- the fitted preprocessing -----------------------------------------------------------------

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


def test_target_standardising_and_inverse():
    frame = frame_of(x=np.arange(50.0), y=np.arange(50.0) * 10 + 100)
    prepared = prepare(frame, DataSpec(target="y", scale_target=True))
    prep = prepared.preprocessor
    assert abs(prepared.y_train.mean()) < 1e-5 and abs(prepared.y_train.std() - 1) < 1e-5
    assert prep.target_range_ > 0
    raw = prepared.raw_test["y"].to_numpy()
    np.testing.assert_allclose(prep.decode_target(prepared.y_test), raw, rtol=1e-5)
    said = prep.to_dict()["target_scaling"]  # preprocessing.json says what the numbers are
    assert said["kind"] == "standardised" and said["training_target"] == "(y - mean) / std"
    train = prep.decode_target(prepared.y_train)
    assert abs(said["mean"] - train.mean()) < 1e-4 and abs(said["std"] - train.std()) < 1e-4
    assert prep.scales_target
    plain = prepare(frame, DataSpec(target="y", scale_target=False)).preprocessor
    assert not plain.scales_target and "target_scaling" not in plain.to_dict()


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
