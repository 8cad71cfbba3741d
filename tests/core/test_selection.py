"""A split prepared from a Selection's codes fits and encodes exactly as the Preprocessor
does on the training rows themselves (the Data page prepares a new split that way)."""

import numpy as np
import pandas as pd
import pytest

from gui.core.data import dataset
from gui.core.data.preprocess import Preprocessor
from gui.core.spec.schema import DataSpec


def table(seed: int, target: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 2000))
    frame = pd.DataFrame({
        "a": rng.normal(size=n), "b": rng.integers(0, 5, n).astype(float),
        "c": rng.choice(["x", "y", "z", "", None, "w"], n),  # ties, gaps and empty text
        "d": rng.choice([f"k{i}" for i in range(int(rng.integers(2, 40)))], n),
        "e": rng.integers(0, 3, n)})
    frame.loc[rng.random(n) < 0.1, "a"] = np.nan
    frame.loc[rng.random(n) < 0.1, "b"] = np.nan
    frame["t"] = {"text": rng.choice(["p", "q", "r"], n), "codes": rng.integers(1, 4, n),
                  "numbers": rng.normal(size=n) * 100}[target]
    return frame


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("target,task", [("text", "auto"), ("codes", "multiclass"),
                                         ("numbers", "regression")])
def test_a_split_from_codes_is_the_preprocessors_own_fit(seed, target, task):
    frame = table(seed, target)
    spec = DataSpec(target="t", features=list("abcde"), task=task,
                    missing=["mean", "median", "most_frequent", "drop"][seed % 4],
                    categorical=["e"] if seed % 2 else [], test_fraction=[0.1, 0.25, 0.4][seed % 3],
                    split_seed=seed, scaling=["standard", "minmax", "none"][seed % 3],
                    scale_target=bool(seed % 2))
    prepared = dataset.prepare(frame, spec, selection=dataset.select(frame, spec))
    train = frame.loc[prepared.train_index]
    test = frame.loc[prepared.raw_test.index]
    features = prepared.preprocessor.feature_names_
    own = Preprocessor(spec, prepared.task).fit(train[features], train["t"])
    assert prepared.preprocessor.to_dict() == own.to_dict()  # fills, categories, classes
    np.testing.assert_array_equal(prepared.y_train, own.encode_target(train["t"]))
    np.testing.assert_array_equal(prepared.y_test, own.encode_target(test["t"]))
    np.testing.assert_array_equal(prepared.X_train, own.encode(train[features]))
    np.testing.assert_array_equal(prepared.X_test, own.encode(test[features]))
