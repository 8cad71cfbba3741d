"""The plane of two features: grid rows, held values, and outputs checked against predict.

Real trained Keras models (tests/core/trained_models.py) on the bundled samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gui.core.inspection import feature_plane as fp
from tests.core import trained_models as tm


def test_held_values_are_training_medians_and_most_frequent_categories():
    t = tm.tips()
    prep, X = t.prepared.preprocessor, t.prepared.X_train
    train = t.frame.loc[t.prepared.train_index]
    _, held = fp.held_values(prep, X)
    assert held["total_bill"] == pytest.approx(float(train["total_bill"].median()), abs=1e-4)
    assert held["size"] == pytest.approx(float(train["size"].median()))
    for col in ("sex", "smoker", "day", "time"):
        assert held[col] == train[col].astype(str).value_counts().index[0], col
    p = fp.plane(prep, X, "total_bill", "size", n=5)
    assert set(p.held) == {"sex", "smoker", "day", "time"}  # the two axes are not held
    # Every grid row encodes exactly those held values, and the grid spans the ranges.
    raw = pd.DataFrame([{"total_bill": 1.0, "size": 1.0, **p.held}])
    encoded = prep.encode(raw)[0]
    others = [i for i, n in enumerate(prep.encoded_names_) if n not in ("total_bill", "size")]
    assert np.array_equal(p.rows[:, others], np.repeat(encoded[None, others], 25, axis=0))
    assert p.xs[0] == pytest.approx(float(train["total_bill"].min()), rel=1e-6)
    assert p.xs[-1] == pytest.approx(float(train["total_bill"].max()), rel=1e-6)
    ix = prep.encoded_names_.index("total_bill")
    iy = prep.encoded_names_.index("size")
    assert np.allclose(p.rows[:, ix].reshape(5, 5)[0], p.xs)    # x varies along a row
    assert np.allclose(p.rows[:, iy].reshape(5, 5)[:, 0], p.ys)  # y varies down a column


def test_every_layer_over_the_plane_equals_predict():
    t = tm.iris()
    prep, model = t.prepared.preprocessor, t.model
    p = fp.plane(prep, t.prepared.X_train, "petal length (cm)", "petal width (cm)", n=12)
    out = fp.plane_outputs(model, p)
    last = out[model.layers[-1].name]
    assert last.shape == (3, 12, 12)
    predicted = model.predict(p.rows, verbose=0)  # (144, 3), rows y-major
    np.testing.assert_allclose(last.reshape(3, -1).T, predicted, rtol=0, atol=1e-6)
    d = fp.decision(last, prep)
    np.testing.assert_array_equal(d.labels.ravel(), predicted.argmax(axis=1))
    np.testing.assert_allclose(d.confidence.ravel(), predicted.max(axis=1), atol=1e-6)
    # A hidden layer's picture is that layer's output on the same rows.
    hidden = model.layers[1]
    import keras
    sub = keras.Model(model.inputs, hidden.output)
    np.testing.assert_allclose(out[hidden.name].reshape(hidden.units, -1).T,
                               sub.predict(p.rows, verbose=0), rtol=0, atol=1e-5)


def test_binary_decision_reads_the_sigmoid():
    t = tm.cancer()
    prep, model = t.prepared.preprocessor, t.model
    x, y = fp.default_pair(prep, model, t.prepared.X_train)
    assert x != y and {x, y} <= set(prep.numeric_)
    p = fp.plane(prep, t.prepared.X_train, x, y, n=9)
    d = fp.decision(fp.plane_outputs(model, p)[model.layers[-1].name], prep)
    prob = model.predict(p.rows, verbose=0)[:, 0]
    np.testing.assert_array_equal(d.labels.ravel(), (prob >= 0.5).astype(int))
    np.testing.assert_allclose(d.confidence.ravel(), np.maximum(prob, 1 - prob), atol=1e-6)


def test_regression_map_is_in_the_target_s_units():
    t = tm.tips()  # a scaled target: the training model predicts standardised values
    prep = t.prepared.preprocessor
    assert prep.target_range_ != 1.0
    p = fp.plane(prep, t.prepared.X_train, "total_bill", "size", n=10)
    d = fp.decision(fp.plane_outputs(t.model, p)[t.model.layers[-1].name], prep)
    assert d.labels is None and d.value.shape == (10, 10)
    deployed = t.deploy.predict(p.rows, verbose=0)[:, 0]  # the deployable model: tip in $
    np.testing.assert_allclose(d.value.ravel(), deployed, rtol=1e-5, atol=1e-5)


def test_a_plane_needs_two_different_numeric_features():
    t = tm.tips()
    prep = t.prepared.preprocessor
    with pytest.raises(ValueError, match="numeric feature"):
        fp.plane(prep, t.prepared.X_train, "day", "size")
    with pytest.raises(ValueError, match="two different"):
        fp.plane(prep, t.prepared.X_train, "size", "size")
