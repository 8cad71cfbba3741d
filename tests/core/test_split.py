"""The numpy split and scaling statistics give what scikit-learn gives (the first page
prepares data without importing sklearn; a generated script splits with sklearn itself)."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split as sklearn_split
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from gui.core.data.preprocess import mean_and_variance, minimum_and_range
from gui.core.data.split import train_test_split


@pytest.mark.parametrize("n", [5, 10, 47, 150, 1001])
@pytest.mark.parametrize("fraction", [0.1, 0.2, 0.25, 0.33, 0.5])
@pytest.mark.parametrize("seed", [0, 1, 42, 2024])
def test_shuffled_split_is_sklearns(n, fraction, seed):
    rows = np.arange(n)
    want_train, want_test = sklearn_split(rows, test_size=fraction, random_state=seed)
    train, test = train_test_split(n, fraction, seed)
    np.testing.assert_array_equal(train, want_train)
    np.testing.assert_array_equal(test, want_test)


@pytest.mark.parametrize("counts", [[50, 50, 50], [3, 7, 40], [2, 2, 2, 1000], [9, 10, 11, 12]])
@pytest.mark.parametrize("fraction", [0.2, 0.3, 0.5])
@pytest.mark.parametrize("seed", [0, 7, 42])
def test_stratified_split_is_sklearns(counts, fraction, seed):
    labels = np.random.default_rng(seed).permutation(np.repeat(np.arange(len(counts)), counts))
    rows = np.arange(len(labels))
    try:
        want_train, want_test = sklearn_split(rows, test_size=fraction, random_state=seed,
                                              stratify=labels)
    except ValueError:
        with pytest.raises(ValueError):
            train_test_split(len(labels), fraction, seed, labels)
        return
    train, test = train_test_split(len(labels), fraction, seed, labels)
    np.testing.assert_array_equal(train, want_train)
    np.testing.assert_array_equal(test, want_test)


@pytest.mark.parametrize("names", [np.array([0, 3, 7]), np.array([5, 2, 9]),
                                   np.array(["b", "a", "c"])])
def test_labels_other_than_codes_from_zero_split_as_sklearns(names):
    labels = names[np.random.default_rng(3).permutation(np.repeat([0, 1, 2], [30, 45, 25]))]
    want_train, want_test = sklearn_split(np.arange(100), test_size=0.2, random_state=4,
                                          stratify=labels)
    train, test = train_test_split(100, 0.2, 4, labels)
    np.testing.assert_array_equal(train, want_train)
    np.testing.assert_array_equal(test, want_test)


def test_a_single_row_class_cannot_be_stratified():
    with pytest.raises(ValueError, match="only 1 member"):
        train_test_split(6, 0.5, 0, np.array([0, 0, 1, 1, 1, 2]))


@pytest.mark.parametrize("block", [7, 1000])
def test_scaling_statistics_are_sklearns(block):
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.normal(5, 3, 500), np.full(500, 2.5), rng.uniform(-1e6, 1e6, 500),
                         rng.integers(0, 3, 500)]).astype(np.float32)
    blocks = [X[i:i + block] for i in range(0, len(X), block)]
    standard = StandardScaler().fit(X)
    mean, variance = mean_and_variance(blocks)
    np.testing.assert_allclose(mean, standard.mean_, rtol=1e-12)
    np.testing.assert_allclose(variance, standard.scale_ ** 2, rtol=1e-9)
    assert variance[1] == 1.0  # a constant column is left unscaled, as by StandardScaler
    minmax = MinMaxScaler().fit(X)
    low, span = minimum_and_range(blocks)
    np.testing.assert_allclose(low, minmax.data_min_)
    np.testing.assert_allclose(span, minmax.data_range_)
